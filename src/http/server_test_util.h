#pragma once
// Test helpers for the HTTP server's tests (server_test.cpp, hostile_test.cpp): a raw-socket
// client that sends exactly what a test writes and parses responses by hand, and a server on
// 127.0.0.1:0 that records what its observer saw. Test-only.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http/server.h"
#include "test_timeouts.h"

namespace imgpipe::http::test_util {

using namespace std::chrono_literals;

// A blocking test client over a plain POSIX socket: what goes on the wire is exactly what the
// test writes, and responses are parsed by hand so that framing is checked, not assumed.
class Client {
  public:
    // `source`: the local address to connect from (any of 127.0.0.0/8 works on Linux).
    explicit Client(uint16_t port, const char* source = nullptr) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        bool bound = true;  // a source address that cannot be taken fails the connect
        if (source != nullptr) {
            sockaddr_in local{};
            local.sin_family = AF_INET;
            bound = ::inet_pton(AF_INET, source, &local.sin_addr) == 1 &&
                    ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0;
        }
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = bound && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        set_timeout(test_timeout(10s));  // per recv: a stall, not a slow transfer
    }
    ~Client() { close(); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    bool connected() const { return connected_; }
    int fd() const { return fd_; }
    bool has_pending() const { return !pending_.empty(); }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    void set_timeout(std::chrono::milliseconds t) {
        timeval tv{static_cast<time_t>(t.count() / 1000),
                   static_cast<suseconds_t>((t.count() % 1000) * 1000)};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    bool send(std::string_view data) {
        while (!data.empty()) {
            ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            data.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    }
    // Reads until `pending_` holds at least `n` bytes; false on close, error or timeout.
    bool fill(size_t n) {
        char buf[65536];
        while (pending_.size() < n) {
            ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
            if (got <= 0) return false;
            pending_.append(buf, static_cast<size_t>(got));
        }
        return true;
    }
    // Reads until `marker` appears; returns everything up to and including it ("" on failure).
    std::string read_until(std::string_view marker) {
        size_t pos;
        while ((pos = pending_.find(marker)) == std::string::npos) {
            if (!fill(pending_.size() + 1)) return "";
        }
        std::string out = pending_.substr(0, pos + marker.size());
        pending_.erase(0, pos + marker.size());
        return out;
    }
    // True when the server closed the connection (recv returned 0 or a reset) within the timeout.
    bool closed_by_server() {
        char c;
        if (!pending_.empty()) return false;
        ssize_t n = ::recv(fd_, &c, 1, 0);
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }

    struct Reply {
        int status = 0;
        std::string raw_header;
        Headers headers;
        std::string body;
    };
    // Reads one response; `head` for a HEAD request (no body whatever Content-Length says).
    Reply read_reply(bool head = false) {
        Reply r;
        r.raw_header = read_until("\r\n\r\n");
        if (r.raw_header.size() < 12) return r;
        r.status = std::stoi(r.raw_header.substr(9, 3));
        size_t line = r.raw_header.find("\r\n") + 2;
        while (line < r.raw_header.size() - 2) {
            size_t end = r.raw_header.find("\r\n", line);
            std::string h = r.raw_header.substr(line, end - line);
            size_t colon = h.find(':');
            r.headers.add(h.substr(0, colon), h.substr(h.find_first_not_of(' ', colon + 1)));
            line = end + 2;
        }
        if (head || r.status == 100 || r.status == 204 || r.status == 304) return r;
        if (auto cl = r.headers.get("Content-Length")) {
            size_t n = std::stoull(std::string(*cl));
            if (!fill(n)) return r;
            r.body = pending_.substr(0, n);
            pending_.erase(0, n);
        } else if (r.headers.get_or("Transfer-Encoding", "") == "chunked") {
            while (true) {
                std::string size_line = read_until("\r\n");
                size_t n = std::stoull(size_line, nullptr, 16);
                if (!fill(n + 2)) return r;
                r.body += pending_.substr(0, n);
                pending_.erase(0, n + 2);
                if (n == 0) break;
            }
        }
        return r;
    }

  private:
    int fd_ = -1;
    bool connected_ = false;
    std::string pending_;
};

inline std::string get(std::string_view path, std::string_view extra = "") {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

// Starts a server over `router` on 127.0.0.1:0 and records what the observer saw.
struct TestServer {
    explicit TestServer(std::shared_ptr<Router> router, ServerOptions options = {}) {
        options.name = "test";
        options.listen = {"127.0.0.1", 0};
        server =
            std::make_unique<Server>(options, std::move(router), [this](const RequestRecord& r) {
                std::lock_guard lock(mu);
                records.push_back(
                    {r.request->request_id, r.request->path, r.status, r.bytes_in, r.bytes_out});
            });
        Status st = server->start();
        EXPECT_TRUE(st.is_ok()) << st.to_string();
    }
    uint16_t port() const { return server->port(); }

    struct Seen {
        std::string request_id, path;
        int status;
        uint64_t bytes_in, bytes_out;
    };
    std::vector<Seen> seen() {
        std::lock_guard lock(mu);
        return records;
    }

    std::mutex mu;
    std::vector<Seen> records;
    std::unique_ptr<Server> server;
};

// The index of the first of `clients` with bytes to read (or closed by the server) within
// `timeout`; -1 if none.
inline int first_readable(const std::vector<Client*>& clients, std::chrono::milliseconds timeout) {
    std::vector<pollfd> fds;
    for (size_t i = 0; i < clients.size(); ++i) {
        if (clients[i]->has_pending()) return static_cast<int>(i);
        fds.push_back(pollfd{clients[i]->fd(), POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) <= 0) return -1;
    for (size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].revents != 0) return static_cast<int>(i);
    }
    return -1;
}

}  // namespace imgpipe::http::test_util
