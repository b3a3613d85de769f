#include "store/local/buffer_pipe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace imgpipe::store {
namespace {

constexpr size_t kSize = 16;

std::unique_ptr<char[]> fill(BufferPipe& pipe, const std::string& text) {
    auto buffer = pipe.take();
    std::memcpy(buffer.get(), text.data(), text.size());
    return buffer;
}

TEST(BufferPipeTest, ConsumesEveryBufferInOrderOnAnotherThread) {
    std::string seen;
    std::thread::id consumer_thread;
    BufferPipe pipe(kSize, [&](std::string_view data) {
        consumer_thread = std::this_thread::get_id();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // let the queue fill
        seen += data;
        return Status::ok();
    });
    std::string expected;
    for (int i = 0; i < 20; ++i) {  // more buffers than kDepth: take() must recycle them
        const std::string piece = "piece" + std::to_string(i) + ";";
        expected += piece;
        ASSERT_TRUE(pipe.submit(fill(pipe, piece), piece.size()).is_ok());
    }
    ASSERT_TRUE(pipe.finish().is_ok());
    EXPECT_EQ(seen, expected);
    EXPECT_NE(consumer_thread, std::this_thread::get_id());
}

TEST(BufferPipeTest, FirstConsumerErrorIsReportedAndLaterBuffersAreDropped) {
    std::atomic<int> calls{0};
    BufferPipe pipe(kSize, [&](std::string_view data) {
        ++calls;
        if (data == "bad") return Status(StatusCode::kResourceExhausted, "DiskFull", "full");
        return Status::ok();
    });
    ASSERT_TRUE(pipe.submit(fill(pipe, "ok"), 2).is_ok());
    ASSERT_TRUE(pipe.submit(fill(pipe, "bad"), 3).is_ok());
    Status finished = pipe.finish();
    EXPECT_EQ(finished.reason(), "DiskFull");
    // After the failure nothing more reaches the consumer, and submit says why.
    EXPECT_EQ(pipe.submit(fill(pipe, "more"), 4).reason(), "DiskFull");
    EXPECT_EQ(pipe.finish().reason(), "DiskFull");
    EXPECT_EQ(calls.load(), 2);
}

TEST(BufferPipeTest, DestroyingWithQueuedBuffersStopsWithoutConsumingThemAll) {
    std::atomic<int> calls{0};
    {
        BufferPipe pipe(kSize, [&](std::string_view) {
            ++calls;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            return Status::ok();
        });
        for (int i = 0; i < 3; ++i) ASSERT_TRUE(pipe.submit(fill(pipe, "x"), 1).is_ok());
    }  // no finish(): an abandoned upload
    EXPECT_LT(calls.load(), 3);
}

}  // namespace
}  // namespace imgpipe::store
