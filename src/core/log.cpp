#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

namespace imgpipe::log {
namespace {

spdlog::logger& logger() {
    // spdlog gives the thread-safe sink and the level filter; the line itself is JSON we build,
    // so the pattern is the bare message.
    static auto instance = [] {
        auto l = std::make_shared<spdlog::logger>(
            "imgpipe", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        l->set_pattern("%v");
        l->set_level(spdlog::level::info);
        l->flush_on(spdlog::level::trace);
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

std::string iso8601_now() {
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms.count()));
    return buf;
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

void write(Level level, std::string_view msg, const Fields& fields) {
    if (!enabled(level)) return;
    // Built by hand rather than as one json object: an access-log line is written per request,
    // and copying every field into a fresh object costs more than the write itself.
    constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
    std::string line;
    line.reserve(256);
    line += R"({"time":")";
    line += iso8601_now();
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
