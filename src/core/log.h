#pragma once
// JSON-lines logging on stderr: one object per line with `time`, `level`, `msg` and any fields
// the caller adds (request id, job id, durations...). Thread-safe (spdlog underneath does the
// locking and level filtering). Never log secrets or whole request bodies.
//
//   log::info("upload stored", {{"bucket", b}, {"bytes", n}, {"request_id", id}});

#include <nlohmann/json.hpp>
#include <string_view>

namespace imgpipe::log {

enum class Level { kDebug, kInfo, kWarn, kError };

using Fields = nlohmann::json;  // must be an object (or null)

// Sets the lowest level written; returns false if `name` is not debug|info|warn|error.
bool set_level(std::string_view name);
bool enabled(Level level);
void write(Level level, std::string_view msg, const Fields& fields = nullptr);

inline void debug(std::string_view m, const Fields& f = nullptr) { write(Level::kDebug, m, f); }
inline void info(std::string_view m, const Fields& f = nullptr) { write(Level::kInfo, m, f); }
inline void warn(std::string_view m, const Fields& f = nullptr) { write(Level::kWarn, m, f); }
inline void error(std::string_view m, const Fields& f = nullptr) { write(Level::kError, m, f); }

}  // namespace imgpipe::log
