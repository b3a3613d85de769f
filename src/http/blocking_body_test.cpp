#include "http/blocking_body.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace imgpipe::http {
namespace {

// Plays the session: answers each fetch from another thread with the next piece of `data`.
struct FakeSession {
    std::string data;
    size_t pos = 0;
    size_t fetches = 0;
    std::vector<std::thread> threads;
    BlockingBody* body = nullptr;
    bool fail_after_first = false;

    BlockingBody::Fetch fetch() {
        return [this](std::span<char> buf) {
            ++fetches;
            threads.emplace_back([this, buf] {
                if (fail_after_first && pos > 0) {
                    body->deliver(Status(StatusCode::kAborted, "ClientDisconnected", "gone"));
                    return;
                }
                size_t n = std::min(buf.size(), data.size() - pos);
                data.copy(buf.data(), n, pos);
                pos += n;
                body->deliver(n);
            });
        };
    }
    ~FakeSession() {
        for (auto& t : threads) t.join();
    }
};

TEST(BlockingBodyTest, SmallReadsAreServedFromStaging) {
    FakeSession session;
    session.data = std::string(100'000, 'x');
    BlockingBody body(session.fetch());
    session.body = &body;
    std::string out;
    char buf[1000];
    while (true) {
        auto got = body.read(buf);
        ASSERT_TRUE(got.is_ok());
        if (*got == 0) break;
        out.append(buf, *got);
    }
    EXPECT_EQ(out, session.data);
    EXPECT_LE(session.fetches, 2u);  // one staging fill plus the end
}

TEST(BlockingBodyTest, LargeReadsGoDirectAndErrorsStick) {
    FakeSession session;
    session.data = std::string(300'000, 'y');
    session.fail_after_first = true;
    BlockingBody body(session.fetch());
    session.body = &body;
    std::vector<char> buf(200'000);
    auto first = body.read(buf);
    ASSERT_TRUE(first.is_ok());
    EXPECT_EQ(*first, 200'000u);
    auto second = body.read(buf);
    ASSERT_FALSE(second.is_ok());
    EXPECT_EQ(second.status().code(), StatusCode::kAborted);
    auto third = body.read(buf);
    EXPECT_FALSE(third.is_ok());
    EXPECT_EQ(session.fetches, 2u);
}

}  // namespace
}  // namespace imgpipe::http
