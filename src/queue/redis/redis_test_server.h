#pragma once
// RedisTestServer: a real redis-server for one test binary — started on a free loopback port
// with its data (AOF, `appendfsync always`) in a temp dir, stopped (or killed, or restarted on
// the same port and data) by the test. The server dies with the thread that started it
// (PDEATHSIG follows the thread, not the process), so a crashed test leaves none behind: start it
// from the test's main thread. Test-only; not thread-safe.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>  // and POSIX kill, through glibc's <signal.h>
#include <cstring>
#include <string>
#include <thread>

#include "queue/redis/redis_client.h"
#include "temp_dir.h"

namespace imgpipe::queue::redis::testing {

class RedisTestServer {
  public:
    RedisTestServer() : port_(free_port()) { start(); }
    ~RedisTestServer() { stop(SIGTERM); }
    RedisTestServer(const RedisTestServer&) = delete;
    RedisTestServer& operator=(const RedisTestServer&) = delete;

    RedisEndpoint endpoint() const { return {"127.0.0.1", port_, 0, "", ""}; }
    const std::string& dir() const { return dir_.path(); }

    // Starts the server and waits until it answers PING (loading its AOF first, if any).
    void start() {
        ASSERT_EQ(pid_, -1) << "already running";
        pid_ = fork();
        ASSERT_GE(pid_, 0);
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            const std::string port = std::to_string(port_);
            const std::string log = dir_.path() + "/redis.log";
            execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
                   "--dir", dir_.path().c_str(), "--appendonly", "yes", "--appendfsync", "always",
                   "--save", "", "--daemonize", "no", "--logfile", log.c_str(), nullptr);
            _exit(127);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        RedisClientOptions quick;
        quick.reconnect_window = std::chrono::milliseconds(0);
        for (;;) {
            auto conn = RedisConnection::open(endpoint(), quick);
            if (conn.is_ok() && (*conn)->command({"PING"}).is_ok()) return;
            int status = 0;
            ASSERT_EQ(waitpid(pid_, &status, WNOHANG), 0) << "redis-server exited; see " << dir();
            ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "redis-server not ready";
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    // Stops the server with `signal` (SIGTERM: a clean shutdown; SIGKILL: a crash) and reaps it.
    void stop(int signal = SIGTERM) {
        if (pid_ <= 0) return;
        ::kill(pid_, signal);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }

  private:
    // A port the kernel just handed out on 127.0.0.1 (free unless someone takes it meanwhile).
    static int free_port() {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                           getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
        close(fd);
        // Port 0 would have redis-server pick no TCP port at all: fail here, saying why.
        if (!bound) ADD_FAILURE() << "no free port on 127.0.0.1: " << std::strerror(errno);
        return bound ? ntohs(addr.sin_port) : 0;
    }

    TempDir dir_;
    const int port_;
    pid_t pid_ = -1;
};

}  // namespace imgpipe::queue::redis::testing
