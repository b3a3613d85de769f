#pragma once
// JSON-lines logging on stderr: one object per line with `time`, `level`, `msg` and any fields
// the caller adds (request id, job id, durations...). Thread-safe (spdlog underneath does the
// locking and level filtering). Never log secrets or whole request bodies.
//
// Lines are written as they are logged, unless a server calls buffer_output(): then info and
// debug lines are collected and written in batches (at 64 KiB, every second, and before any
// warn or error line), because one write(2) per access-log line costs a server several percent
// of its request rate.
//
//   log::info("upload stored", {{"bucket", b}, {"bytes", n}, {"request_id", id}});
//
// A line written per request (the access log) is built with Line instead: the same JSON, field
// by field into one string, without a document of copied fields in between.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace imgpipe::log {

enum class Level { kDebug, kInfo, kWarn, kError };

using Fields = nlohmann::json;  // must be an object (or null)

// Sets the lowest level written; returns false if `name` is not debug|info|warn|error.
bool set_level(std::string_view name);
bool enabled(Level level);
// Switches to batched writes (see above) for the rest of the process; call flush() before exit.
void buffer_output();
// Writes out every line logged so far.
void flush();
void write(Level level, std::string_view msg, const Fields& fields = nullptr);

// One line, built field by field; nothing is written unless write() is called.
//   log::Line(Level::kInfo, "request").add("status", 200).add("path", path).write();
class Line {
  public:
    Line(Level level, std::string_view msg);
    // `value` is any bytes: invalid UTF-8 is replaced, as write() does.
    Line& add(std::string_view key, std::string_view value);
    Line& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
    Line& add(std::string_view key, int64_t value);
    Line& add(std::string_view key, uint64_t value);
    Line& add(std::string_view key, int value) { return add(key, static_cast<int64_t>(value)); }
    Line& add(std::string_view key, double value);
    // `json` is a value already written as JSON.
    Line& add_json(std::string_view key, std::string_view json);
    void write();

  private:
    Line& add_key(std::string_view key);

    Level level_;
    std::string text_;
};

inline void debug(std::string_view m, const Fields& f = nullptr) { write(Level::kDebug, m, f); }
inline void info(std::string_view m, const Fields& f = nullptr) { write(Level::kInfo, m, f); }
inline void warn(std::string_view m, const Fields& f = nullptr) { write(Level::kWarn, m, f); }
inline void error(std::string_view m, const Fields& f = nullptr) { write(Level::kError, m, f); }

}  // namespace imgpipe::log
