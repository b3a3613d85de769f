#include "core/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <mutex>

#include "core/json_text.h"
#include "core/time_text.h"
#include "core/utf8.h"

namespace imgpipe::log {
namespace {

// Lines to file descriptor 2 through one buffer: written at once by default, or once the buffer
// holds 64 KiB when batching is on. spdlog's base_sink holds the mutex around both calls.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    std::atomic<bool> batching{false};

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        buffer_.append(msg.payload.data(), msg.payload.size());
        buffer_.push_back('\n');
        if (!batching || buffer_.size() >= kBatchBytes) flush_();
    }

    void flush_() override {
        size_t done = 0;
        while (done < buffer_.size()) {
            const ssize_t n = ::write(STDERR_FILENO, buffer_.data() + done, buffer_.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;  // nowhere to log to: drop the lines rather than block the server
            done += static_cast<size_t>(n);
        }
        buffer_.clear();
    }

  private:
    static constexpr size_t kBatchBytes = 64 * 1024;
    std::string buffer_;
};

const std::shared_ptr<StderrSink>& sink() {
    static const auto instance = std::make_shared<StderrSink>();
    return instance;
}

spdlog::logger& logger() {
    // spdlog gives the level filter, the flush policy and the periodic flusher; the line itself
    // is JSON we build, so the message is written as it is.
    static auto instance = [] {
        auto l = std::make_shared<spdlog::logger>("imgpipe", sink());
        l->set_level(spdlog::level::info);
        l->flush_on(spdlog::level::warn);
        spdlog::register_logger(l);
        return l;
    }();
    return *instance;
}

spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
        case Level::kDebug:
            return spdlog::level::debug;
        case Level::kInfo:
            return spdlog::level::info;
        case Level::kWarn:
            return spdlog::level::warn;
        case Level::kError:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

const char* level_name(Level level) {
    switch (level) {
        case Level::kDebug:
            return "debug";
        case Level::kInfo:
            return "info";
        case Level::kWarn:
            return "warn";
        case Level::kError:
            return "error";
    }
    return "info";
}

}  // namespace

bool set_level(std::string_view name) {
    if (name == "debug")
        logger().set_level(spdlog::level::debug);
    else if (name == "info")
        logger().set_level(spdlog::level::info);
    else if (name == "warn")
        logger().set_level(spdlog::level::warn);
    else if (name == "error")
        logger().set_level(spdlog::level::err);
    else
        return false;
    return true;
}

bool enabled(Level level) { return logger().should_log(to_spdlog(level)); }

void buffer_output() {
    static std::once_flag once;
    std::call_once(once, [] {
        logger();  // registered before the flusher starts
        sink()->batching = true;
        spdlog::flush_every(std::chrono::seconds(1));
    });
}

void flush() { logger().flush(); }

namespace {

// Appends `s` as a JSON string; bytes that are not UTF-8 become U+FFFD, since fields may carry
// client bytes.
void append_string(std::string& out, std::string_view s) {
    if (is_valid_utf8(s)) {
        json_text::append_string(out, s);
    } else {
        out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
}

// Appends the time now as "2026-11-27T01:02:03.045Z". The part to the second is formatted once
// a second per thread, as nginx caches its time strings: a busy server logs a line per request.
void append_time_now(std::string& out) {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const auto second = time_point_cast<seconds>(now);
    thread_local sys_seconds cached_second{};
    thread_local std::string cached;  // "2026-11-27T01:02:03", without the "Z"
    if (cached.empty() || second != cached_second) {
        cached = iso8601(second, TimePrecision::kSeconds);
        cached.pop_back();
        cached_second = second;
    }
    const auto millis = duration_cast<milliseconds>(now - second).count();
    char fraction[6] = {'.',
                        static_cast<char>('0' + millis / 100),
                        static_cast<char>('0' + millis / 10 % 10),
                        static_cast<char>('0' + millis % 10),
                        'Z',
                        '\0'};
    out += cached;
    out += fraction;
}

}  // namespace

Line::Line(Level level, std::string_view msg) : level_(level) {
    text_.reserve(256);
    text_ += R"({"time":")";
    append_time_now(text_);
    text_ += R"(","level":")";
    text_ += level_name(level);
    text_ += R"(","msg":)";
    append_string(text_, msg);
}

Line& Line::add_key(std::string_view key) {
    text_ += ',';
    append_string(text_, key);
    text_ += ':';
    return *this;
}

Line& Line::add(std::string_view key, std::string_view value) {
    append_string(add_key(key).text_, value);
    return *this;
}

Line& Line::add(std::string_view key, int64_t value) {
    add_key(key).text_ += std::to_string(value);
    return *this;
}

Line& Line::add(std::string_view key, uint64_t value) {
    add_key(key).text_ += std::to_string(value);
    return *this;
}

Line& Line::add(std::string_view key, double value) {
    add_key(key);
    if (!std::isfinite(value)) {
        text_ += "null";  // what nlohmann writes: JSON has no NaN or infinity
        return *this;
    }
    char digits[32];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    text_.append(digits, end);
    return *this;
}

Line& Line::add_json(std::string_view key, std::string_view json) {
    add_key(key).text_ += json;
    return *this;
}

void Line::write() {
    if (!enabled(level_)) return;
    text_ += '}';
    logger().log(to_spdlog(level_), text_);
}

void write(Level level, std::string_view msg, const Fields& fields) {
    if (!enabled(level)) return;
    Line line(level, msg);
    if (fields.is_object()) {
        for (const auto& [k, v] : fields.items()) {
            // Invalid UTF-8 is replaced rather than thrown: fields may carry client bytes.
            line.add_json(k, v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        }
    }
    line.write();
}

}  // namespace imgpipe::log
