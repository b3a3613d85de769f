#include "core/log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/time_text.h"

namespace imgpipe::log {
namespace {

// Points file descriptor 2 at a temporary file for the life of the object.
class CapturedStderr {
  public:
    CapturedStderr() {
        char name[] = "/tmp/imgpipe-log-test-XXXXXX";
        fd_ = ::mkstemp(name);
        path_ = name;
        saved_ = ::dup(STDERR_FILENO);
        ::dup2(fd_, STDERR_FILENO);
    }
    ~CapturedStderr() {
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    std::vector<nlohmann::json> lines() const {
        std::ifstream in(path_);
        std::vector<nlohmann::json> out;
        for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
        return out;
    }

  private:
    int fd_ = -1;
    int saved_ = -1;
    std::string path_;
};

// One test: buffer_output() switches the process for good, so the unbuffered behaviour is
// checked first.
TEST(LogTest, LinesAreJsonAndBatchedOnlyAfterBufferOutput) {
    CapturedStderr captured;
    info("first", {{"n", 1}, {"text", "a \"quoted\" \xff byte"}});
    auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 1u);  // written at once
    EXPECT_EQ(lines[0]["msg"], "first");
    EXPECT_EQ(lines[0]["level"], "info");
    EXPECT_EQ(lines[0]["n"], 1);
    EXPECT_EQ(lines[0]["text"], "a \"quoted\" \xef\xbf\xbd byte");  // invalid UTF-8 replaced
    EXPECT_TRUE(lines[0]["time"].is_string());

    buffer_output();
    info("batched 1");
    info("batched 2");
    EXPECT_EQ(captured.lines().size(), 1u);  // held back...
    warn("a warning");                       // ...until a warn line, which takes them along
    lines = captured.lines();
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[1]["msg"], "batched 1");
    EXPECT_EQ(lines[2]["msg"], "batched 2");
    EXPECT_EQ(lines[3]["level"], "warn");
    info("last");
    flush();
    lines = captured.lines();
    ASSERT_EQ(lines.size(), 5u);
    EXPECT_EQ(lines[4]["msg"], "last");
}

TEST(LogTest, LineWritesEachFieldAsJson) {
    CapturedStderr captured;
    const std::string before = iso8601(std::chrono::system_clock::now(), TimePrecision::kMillis);
    Line(Level::kInfo, "request")
        .add("path", "/i/a \"b\"\n")
        .add("raw", "\xff\xfe")
        .add("status", 200)
        .add("bytes", uint64_t{18446744073709551615u})
        .add("negative", int64_t{-3})
        .add("duration_ms", 0.125)
        .add("nan", std::nan(""))
        .add_json("fields", R"({"a":[1,2]})")
        .write();
    const std::string after = iso8601(std::chrono::system_clock::now(), TimePrecision::kMillis);
    Line(Level::kDebug, "below the level").add("n", 1).write();
    flush();
    auto lines = captured.lines();
    ASSERT_EQ(lines.size(), 1u);
    const nlohmann::json& l = lines[0];
    // The time as time_text writes it, between the two readings of the clock.
    const std::string time = l["time"];
    EXPECT_TRUE(std::regex_match(time, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << time;
    EXPECT_LE(before, time);
    EXPECT_LE(time, after);
    EXPECT_EQ(l["msg"], "request");
    EXPECT_EQ(l["level"], "info");
    EXPECT_EQ(l["path"], "/i/a \"b\"\n");
    EXPECT_EQ(l["raw"], "\xef\xbf\xbd\xef\xbf\xbd");  // each invalid byte replaced
    EXPECT_EQ(l["status"], 200);
    EXPECT_EQ(l["bytes"].get<uint64_t>(), 18446744073709551615u);
    EXPECT_EQ(l["negative"], -3);
    EXPECT_DOUBLE_EQ(l["duration_ms"].get<double>(), 0.125);
    EXPECT_TRUE(l["nan"].is_null());
    EXPECT_EQ(l["fields"], nlohmann::json::parse(R"({"a":[1,2]})"));
}

}  // namespace
}  // namespace imgpipe::log
