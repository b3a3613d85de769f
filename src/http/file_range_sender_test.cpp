#include "http/file_range_sender.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "http/scoped_default_sigpipe.h"

namespace imgpipe::http {
namespace {

std::string pattern(size_t n) {
    std::string s(n, '\0');
    uint32_t x = 12345;
    for (auto& c : s) c = static_cast<char>((x = x * 1103515245 + 12345) >> 16);
    return s;
}

using Progress = FileRangeSender::Progress;

// Bytes this process has read with read-like calls so far (/proc/self/io, "rchar").
uint64_t bytes_read_so_far() {
    std::ifstream io("/proc/self/io");
    std::string key;
    uint64_t value = 0;
    while (io >> key >> value) {
        if (key == "rchar:") return value;
    }
    ADD_FAILURE() << "no rchar in /proc/self/io";
    return 0;
}

// An unlinked temp file holding `content`.
int temp_file(const std::string& content) {
    char path[] = "/tmp/imgpipe-frs-XXXXXX";
    const int fd = ::mkstemp(path);
    EXPECT_GE(fd, 0);
    ::unlink(path);
    EXPECT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    return fd;
}

enum class Kind { kUnix, kTcp };

// A connected stream socket pair (Unix, or TCP over loopback); the sending end is non-blocking,
// and the buffers are small, so a range larger than them meets a full socket.
struct SocketPair {
    int send_end = -1;
    int receive_end = -1;
    explicit SocketPair(Kind kind = Kind::kUnix) {
        const int small = 64 * 1024;
        if (kind == Kind::kUnix) {
            int fds[2];
            EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
            send_end = fds[0];
            receive_end = fds[1];
        } else {
            const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
            ::setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);  // inherited
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            socklen_t len = sizeof addr;
            EXPECT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), len), 0);
            EXPECT_EQ(::listen(listener, 1), 0);
            EXPECT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
            send_end = ::socket(AF_INET, SOCK_STREAM, 0);
            EXPECT_EQ(::connect(send_end, reinterpret_cast<sockaddr*>(&addr), len), 0);
            receive_end = ::accept(listener, nullptr, nullptr);
            EXPECT_GE(receive_end, 0);
            ::close(listener);
        }
        ::setsockopt(send_end, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        ::fcntl(send_end, F_SETFL, ::fcntl(send_end, F_GETFL) | O_NONBLOCK);
    }
    ~SocketPair() {
        ::close(send_end);
        if (receive_end >= 0) ::close(receive_end);
    }
    // Waits (up to a second) until the sending end is writable, as the session does.
    void wait_writable() const {
        pollfd p{send_end, POLLOUT, 0};
        EXPECT_EQ(::poll(&p, 1, 1000), 1);
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

class FileRangeSenderOverTest : public ::testing::TestWithParam<Kind> {};

TEST_P(FileRangeSenderOverTest, SendsExactlyTheRangeAcrossFullSockets) {
    const std::string content = pattern((5 << 20) + 7);
    const int fd = temp_file(content);
    const uint64_t offset = 1001, length = content.size() - offset - 5;
    SocketPair sockets(GetParam());
    SendBuffers buffers(1);
    FileRangeSender sender({fd, offset, length}, sockets.send_end, buffers);

    std::string received;
    const uint64_t read_before = bytes_read_so_far();
    int full = 0;
    Result<Progress> progress = Progress::kSocketFull;
    while ((progress = sender.burst()).is_ok() && *progress == Progress::kSocketFull) {
        ++full;
        EXPECT_EQ(buffers.idle(), 1u) << "a burst that met a full socket kept its buffer";
        received += sockets.drain();
        EXPECT_EQ(received.size(), sender.sent());
        sockets.wait_writable();
    }
    ASSERT_TRUE(progress.is_ok()) << progress.status().to_string();
    EXPECT_EQ(*progress, Progress::kDone);
    // rchar counts the sender's pread() calls (and this test's reads of /proc), not recv().
    const uint64_t read = bytes_read_so_far() - read_before;
    received += sockets.drain();
    EXPECT_GT(full, 0) << "the socket was never full: chunks were never resumed";
    EXPECT_LT(read, length + length / 4)
        << "chunks larger than the socket could take were read again and again";
    EXPECT_EQ(sender.sent(), length);
    EXPECT_TRUE(received == content.substr(offset, length)) << "size " << received.size();
    EXPECT_EQ(buffers.idle(), 1u) << "the chunk buffer went back to the cache";
    ::close(fd);
}

INSTANTIATE_TEST_SUITE_P(Sockets, FileRangeSenderOverTest,
                         ::testing::Values(Kind::kUnix, Kind::kTcp), [](const auto& info) {
                             return info.param == Kind::kUnix ? "Unix" : "LoopbackTcp";
                         });

TEST(FileRangeSenderTest, AnEmptyRangeIsDoneWithoutABuffer) {
    const int fd = temp_file("abc");
    SocketPair sockets;
    SendBuffers buffers(1);
    FileRangeSender sender({fd, 3, 0}, sockets.send_end, buffers);
    auto progress = sender.burst();
    ASSERT_TRUE(progress.is_ok());
    EXPECT_EQ(*progress, Progress::kDone);
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
    EXPECT_EQ(sender.burst().status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(sender.sent(), 100u);
    EXPECT_EQ(buffers.idle(), 1u) << "a failed burst kept its buffer";
    EXPECT_EQ(sockets.drain(), content);
    ::close(fd);
}

TEST(FileRangeSenderTest, APeerThatWentAwayIsAbortedNotASignal) {
    const ScopedDefaultSigpipe sigpipe;  // a SIGPIPE would end this test binary
    const int fd = temp_file(pattern(1 << 20));
    SocketPair sockets;
    ::close(sockets.receive_end);
    sockets.receive_end = -1;
    SendBuffers buffers(1);
    FileRangeSender sender({fd, 0, 1 << 20}, sockets.send_end, buffers);
    EXPECT_EQ(sender.burst().status().code(), StatusCode::kAborted);
    EXPECT_EQ(sender.sent(), 0u);
    ::close(fd);
}

TEST(SendBuffersTest, ReusesIdleBuffersAndKeepsAtMostItsLimit) {
    SendBuffers buffers(2);
    const char* first = buffers.take().data();  // returned at the end of the statement
    EXPECT_EQ(buffers.idle(), 1u);
    EXPECT_EQ(buffers.take().data(), first);
    {
        auto a = buffers.take(), b = buffers.take(), c = buffers.take();
        EXPECT_EQ(buffers.idle(), 0u);
    }
    EXPECT_EQ(buffers.idle(), 2u);
}

}  // namespace
}  // namespace imgpipe::http
