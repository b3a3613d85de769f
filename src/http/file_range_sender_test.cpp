#include "http/file_range_sender.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

namespace imgpipe::http {
namespace {

std::string pattern(size_t n) {
    std::string s(n, '\0');
    uint32_t x = 12345;
    for (auto& c : s) c = static_cast<char>((x = x * 1103515245 + 12345) >> 16);
    return s;
}

// An unlinked temp file holding `content`.
int temp_file(const std::string& content) {
    char path[] = "/tmp/imgpipe-frs-XXXXXX";
    const int fd = ::mkstemp(path);
    ::unlink(path);
    EXPECT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    return fd;
}

// A connected stream socket pair; the sending end is non-blocking with a small send buffer, so
// a range larger than it meets a full socket.
struct SocketPair {
    int send_end = -1;
    int receive_end = -1;
    SocketPair() {
        int fds[2];
        EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        send_end = fds[0];
        receive_end = fds[1];
        const int small = 64 * 1024;
        ::setsockopt(send_end, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        ::fcntl(send_end, F_SETFL, ::fcntl(send_end, F_GETFL) | O_NONBLOCK);
    }
    ~SocketPair() {
        ::close(send_end);
        if (receive_end >= 0) ::close(receive_end);
    }
    // Everything the receiving end has, without waiting.
    std::string drain() const {
        std::string out;
        char buf[65536];
        ssize_t n;
        while ((n = ::recv(receive_end, buf, sizeof buf, MSG_DONTWAIT)) > 0) out.append(buf, n);
        return out;
    }
};

TEST(FileRangeSenderTest, SendsExactlyTheRangeAcrossFullSockets) {
    const std::string content = pattern((5 << 20) + 7);
    const int fd = temp_file(content);
    const uint64_t offset = 1001, length = content.size() - offset - 5;
    SocketPair sockets;
    SendBuffers buffers(1);
    FileRangeSender sender({fd, offset, length}, sockets.send_end, buffers);

    std::string received;
    int full = 0, err;
    while ((err = sender.burst()) == EAGAIN) {
        ++full;
        received += sockets.drain();
        EXPECT_EQ(received.size(), sender.sent());
    }
    EXPECT_EQ(err, 0);
    received += sockets.drain();
    EXPECT_GT(full, 0) << "the socket was never full: chunks were never resumed";
    EXPECT_EQ(sender.sent(), length);
    EXPECT_TRUE(received == content.substr(offset, length)) << "size " << received.size();
    EXPECT_EQ(buffers.idle(), 1u) << "the chunk buffer went back to the cache";
    ::close(fd);
}

TEST(FileRangeSenderTest, AnEmptyRangeIsDoneWithoutABuffer) {
    const int fd = temp_file("abc");
    SocketPair sockets;
    SendBuffers buffers(1);
    FileRangeSender sender({fd, 3, 0}, sockets.send_end, buffers);
    EXPECT_EQ(sender.burst(), 0);
    EXPECT_EQ(sender.sent(), 0u);
    EXPECT_EQ(buffers.idle(), 0u);
    EXPECT_EQ(sockets.drain(), "");
    ::close(fd);
}

TEST(FileRangeSenderTest, AFileShorterThanItsRangeIsAnError) {
    const std::string content = pattern(100);
    const int fd = temp_file(content);
    SocketPair sockets;
    SendBuffers buffers(1);
    FileRangeSender sender({fd, 0, 200}, sockets.send_end, buffers);
    EXPECT_EQ(sender.burst(), EIO);
    EXPECT_EQ(sender.sent(), 100u);
    EXPECT_EQ(sockets.drain(), content);
    ::close(fd);
}

TEST(FileRangeSenderTest, APeerThatWentAwayIsEpipeNotASignal) {
    std::signal(SIGPIPE, SIG_DFL);  // a SIGPIPE would end this test binary
    const int fd = temp_file(pattern(1 << 20));
    SocketPair sockets;
    ::close(sockets.receive_end);
    sockets.receive_end = -1;
    SendBuffers buffers(1);
    FileRangeSender sender({fd, 0, 1 << 20}, sockets.send_end, buffers);
    EXPECT_EQ(sender.burst(), EPIPE);
    EXPECT_EQ(sender.sent(), 0u);
    ::close(fd);
}

TEST(SendBuffersTest, ReusesIdleBuffersAndKeepsAtMostItsLimit) {
    SendBuffers buffers(2);
    auto a = buffers.take();
    const char* first = a.get();
    buffers.give(std::move(a));
    EXPECT_EQ(buffers.take().get(), first);  // reused, then dropped at the end of the statement

    auto b = buffers.take(), c = buffers.take(), d = buffers.take();
    buffers.give(std::move(b));
    buffers.give(std::move(c));
    buffers.give(std::move(d));
    EXPECT_EQ(buffers.idle(), 2u);
}

}  // namespace
}  // namespace imgpipe::http
