#include "core/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>

#include "core/time_text.h"

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

void write(Level level, std::string_view msg, const Fields& fields) {
    if (!enabled(level)) return;
    // Built by hand rather than as one json object: an access-log line is written per request,
    // and copying every field into a fresh object costs more than the write itself.
    constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
    std::string line;
    line.reserve(256);
    line += R"({"time":")";
    line += iso8601(std::chrono::system_clock::now(), TimePrecision::kMillis);
    line += R"(","level":")";
    line += level_name(level);
    line += R"(","msg":)";
    line += nlohmann::json(msg).dump(-1, ' ', false, kReplace);
    if (fields.is_object()) {
        for (const auto& [k, v] : fields.items()) {
            line += ',';
            line += nlohmann::json(k).dump(-1, ' ', false, kReplace);
            line += ':';
            // Invalid UTF-8 is replaced rather than thrown: fields may carry client bytes.
            line += v.dump(-1, ' ', false, kReplace);
        }
    }
    line += '}';
    logger().log(to_spdlog(level), line);
}

}  // namespace imgpipe::log
