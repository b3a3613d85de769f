#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/scoped_default_sigpipe.h"
#include "http/server_test_util.h"

namespace imgpipe::http {
namespace {

using namespace std::chrono_literals;
using test_util::Client;
using test_util::get;
using test_util::TestServer;

// Emits `total` bytes of a repeating pattern, `piece` at most per read.
class PatternSource final : public ByteSource {
  public:
    explicit PatternSource(uint64_t total) : total_(total) {}
    Result<size_t> read(std::span<char> buf) override {
        size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), total_ - pos_));
        for (size_t i = 0; i < n; ++i) buf[i] = static_cast<char>('a' + (pos_ + i) % 26);
        pos_ += n;
        return n;
    }

  private:
    uint64_t total_;
    uint64_t pos_ = 0;
};

std::string pattern(uint64_t total) {
    std::string s(total, '\0');
    PatternSource src(total);
    (void)src.read(s);
    return s;
}

size_t peak_rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6));
    }
    return 0;
}

Response echo_body(Request& req) {
    auto body = read_all(*req.body, 1 << 20);
    if (!body.is_ok()) return Response::text(400, body.status().to_string(), "text/plain");
    return Response::text(200, *body, "text/plain");
}

// Counts body bytes in 64 KiB reads; reports the largest single read and any error.
struct ByteCounter {
    std::atomic<uint64_t> total{0};
    std::atomic<size_t> largest_read{0};
    std::promise<Status> outcome;

    Response operator()(Request& req) {
        std::vector<char> buf(2 << 20);  // bigger than any piece the server may hand out
        uint64_t n = 0;
        while (true) {
            auto got = req.body->read(buf);
            if (!got.is_ok()) {
                outcome.set_value(got.status());
                return Response::text(400, "read failed", "text/plain");
            }
            if (*got == 0) break;
            largest_read = std::max(largest_read.load(), *got);
            n += *got;
        }
        total = n;
        outcome.set_value(Status::ok());
        return Response::text(200, std::to_string(n), "text/plain");
    }
};

TEST(ServerTest, RoutesAnd404And405) {
    auto router = std::make_shared<Router>();
    router->add(
        "GET", "/hello/{name}",
        [](Request& req) {
            return Response::text(200, "hi " + req.path_params["name"], "text/plain");
        },
        Execution::kInline);
    TestServer ts(router);
    Client c(ts.port());
    ASSERT_TRUE(c.connected());

    ASSERT_TRUE(c.send(get("/hello/b%20ob")));
    auto ok = c.read_reply();
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, "hi b ob");
    EXPECT_EQ(ok.headers.get_or("Server", ""), "imgpipe");
    EXPECT_TRUE(ok.headers.has("Date"));
    EXPECT_EQ(ok.headers.get_or("Content-Type", ""), "text/plain");

    ASSERT_TRUE(c.send(get("/nowhere?x=1")));
    auto missing = c.read_reply();
    EXPECT_EQ(missing.status, 404);
    EXPECT_NE(missing.body.find(R"("code":"NotFound")"), std::string::npos) << missing.body;

    ASSERT_TRUE(c.send("DELETE /hello/x HTTP/1.1\r\nHost: t\r\n\r\n"));
    EXPECT_EQ(c.read_reply().status, 405);

    c.close();
    ts.server->stop();
    auto seen = ts.seen();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[1].path, "/nowhere");
    EXPECT_EQ(seen[1].status, 404);
    for (const auto& s : seen) {
        EXPECT_EQ(s.request_id.size(), 16u);
        EXPECT_EQ(s.request_id.find_first_not_of("0123456789abcdef"), std::string::npos);
    }
    EXPECT_NE(seen[0].request_id, seen[1].request_id);
}

TEST(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    auto router = std::make_shared<Router>();
    std::atomic<int> calls{0};
    router->add("POST", "/echo", echo_body, Execution::kInline);
    router->add("GET", "/n", [&](Request&) {
        return Response::text(200, std::to_string(++calls), "text/plain");
    });
    TestServer ts(router);
    Client c(ts.port());
    for (int i = 1; i <= 5; ++i) {
        ASSERT_TRUE(c.send(get("/n")));
        auto r = c.read_reply();
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, std::to_string(i));
        EXPECT_FALSE(r.headers.has("Connection"));  // HTTP/1.1 default: keep-alive
    }
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
    EXPECT_EQ(c.read_reply().body, "hello");
    ASSERT_TRUE(c.send(get("/n", "Connection: close\r\n")));
    auto last = c.read_reply();
    EXPECT_EQ(last.headers.get_or("Connection", ""), "close");
    EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
    auto router = std::make_shared<Router>();
    router->add("GET", "/slow", [](Request&) {
        std::this_thread::sleep_for(50ms);
        return Response::text(200, "slow", "text/plain");
    });
    router->add(
        "GET", "/fast", [](Request&) { return Response::text(200, "fast", "text/plain"); },
        Execution::kInline);
    router->add("POST", "/echo", echo_body, Execution::kInline);
    TestServer ts(router);
    Client c(ts.port());
    ASSERT_TRUE(c.send(get("/slow") +
                       "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc" +
                       get("/fast")));
    EXPECT_EQ(c.read_reply().body, "slow");
    EXPECT_EQ(c.read_reply().body, "abc");
    EXPECT_EQ(c.read_reply().body, "fast");
}

TEST(ServerTest, ContinueIsSentOnlyWhenTheHandlerReads) {
    auto router = std::make_shared<Router>();
    router->add("PUT", "/accept", echo_body);
    router->add("PUT", "/reject",
                [](Request&) { return Response::json_error(403, "AccessDenied", "no"); });
    TestServer ts(router);

    Client c(ts.port());
    ASSERT_TRUE(
        c.send("PUT /accept HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
               "Expect: 100-continue\r\n\r\n"));
    auto interim = c.read_reply();
    EXPECT_EQ(interim.status, 100);
    ASSERT_TRUE(c.send("data"));
    auto final_reply = c.read_reply();
    EXPECT_EQ(final_reply.status, 200);
    EXPECT_EQ(final_reply.body, "data");

    // The rejecting handler never reads: the final answer comes first, then the close (the
    // client was never invited to send its body).
    ASSERT_TRUE(
        c.send("PUT /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n"
               "Expect: 100-continue\r\n\r\n"));
    auto rejected = c.read_reply();
    EXPECT_EQ(rejected.status, 403);
    EXPECT_EQ(rejected.headers.get_or("Connection", ""), "close");
    EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerTest, SmallUnreadBodyIsDrainedAndConnectionKept) {
    auto router = std::make_shared<Router>();
    router->add("PUT", "/reject",
                [](Request&) { return Response::json_error(403, "AccessDenied", "no"); });
    router->add("GET", "/ok", [](Request&) { return Response::text(200, "ok", "text/plain"); });
    TestServer ts(router);
    Client c(ts.port());
    ASSERT_TRUE(c.send("PUT /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" +
                       std::string(1000, 'z') + get("/ok")));
    EXPECT_EQ(c.read_reply().status, 403);
    auto next = c.read_reply();
    EXPECT_EQ(next.status, 200);
    EXPECT_EQ(next.body, "ok");
}

TEST(ServerTest, LargeUnreadBodyClosesConnectionAfterResponse) {
    auto router = std::make_shared<Router>();
    router->add("PUT", "/reject",
                [](Request&) { return Response::json_error(403, "AccessDenied", "no"); });
    TestServer ts(router);
    Client c(ts.port());
    ASSERT_TRUE(c.send("PUT /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n" +
                       std::string(200'000, 'z')));
    auto r = c.read_reply();
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.headers.get_or("Connection", ""), "close");
}

TEST(ServerTest, ChunkedRequestBodyIsDecoded) {
    auto router = std::make_shared<Router>();
    router->add("POST", "/inline", echo_body, Execution::kInline);
    router->add("POST", "/blocking", echo_body);
    std::optional<uint64_t> seen_length = 1;
    router->add("POST", "/length", [&](Request& req) {
        seen_length = req.content_length;
        return echo_body(req);
    });
    TestServer ts(router);
    Client c(ts.port());
    const std::string chunked =
        "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n";
    for (const char* path : {"/inline", "/blocking", "/length"}) {
        ASSERT_TRUE(c.send(std::string("POST ") + path + " HTTP/1.1\r\nHost: t\r\n" + chunked));
        auto r = c.read_reply();
        EXPECT_EQ(r.status, 200) << path;
        EXPECT_EQ(r.body, "hello world") << path;
    }
    EXPECT_FALSE(seen_length.has_value());
}

TEST(ServerTest, StreamsA64MiBUploadWithBoundedMemory) {
    constexpr uint64_t kSize = 64ull << 20;
    auto router = std::make_shared<Router>();
    auto counter = std::make_shared<ByteCounter>();
    router->add("PUT", "/upload", [counter](Request& req) { return (*counter)(req); });
    TestServer ts(router);
    size_t rss_before = peak_rss_kib();

    Client c(ts.port());
    std::thread sender([&] {
        ASSERT_TRUE(c.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                           std::to_string(kSize) + "\r\n\r\n"));
        std::string piece(1 << 20, 'u');
        for (uint64_t sent = 0; sent < kSize; sent += piece.size()) {
            if (!c.send(piece)) return;
        }
    });
    auto r = c.read_reply();
    sender.join();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, std::to_string(kSize));
    EXPECT_EQ(counter->total.load(), kSize);
    EXPECT_LE(counter->largest_read.load(), size_t{1} << 20);
    // The handler's own 2 MiB buffer plus small change; far below the 64 MiB body.
    EXPECT_LT(peak_rss_kib() - rss_before, 32u * 1024);
    ts.server->stop();
    ASSERT_EQ(ts.seen().size(), 1u);
    EXPECT_EQ(ts.seen()[0].bytes_in, kSize);
}

TEST(ServerTest, StreamsResponseBodyWithContentLengthOrChunked) {
    static constexpr uint64_t kSize = 3 * (1 << 20) + 17;
    auto router = std::make_shared<Router>();
    router->add("GET", "/file", [](Request&) {
        Response res;
        res.source = std::make_unique<PatternSource>(kSize);
        res.content_length = kSize;
        res.headers.set("Content-Type", "application/octet-stream");
        return res;
    });
    router->add(
        "GET", "/stream",
        [](Request&) {
            Response res;
            res.source = std::make_unique<PatternSource>(1000);
            return res;
        },
        Execution::kInline);
    TestServer ts(router);
    Client c(ts.port());
    ASSERT_TRUE(c.send(get("/file")));
    auto r = c.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.get_or("Content-Length", ""), std::to_string(kSize));
    EXPECT_TRUE(r.body == pattern(kSize));

    ASSERT_TRUE(c.send(get("/stream")));
    auto chunked = c.read_reply();
    EXPECT_EQ(chunked.headers.get_or("Transfer-Encoding", ""), "chunked");
    EXPECT_EQ(chunked.body, pattern(1000));
    ts.server->stop();
    EXPECT_EQ(ts.seen()[0].bytes_out, kSize);
}

// An unlinked temp file holding `content`; -1 if it cannot be made.
int unlinked_file_holding(const std::string& content) {
    char path[] = "/tmp/imgpipe-file-range-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) return -1;
    ::unlink(path);
    if (::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// A range of a real file, offered to be sent as such; read() must then not be used.
class FileRangeOnly final : public ByteSource {
  public:
    FileRangeOnly(int fd, uint64_t offset, uint64_t length) : range_{fd, offset, length} {}
    Result<size_t> read(std::span<char>) override {
        return internal_error("read() called on a source sent as a file range");
    }
    std::optional<FileRange> file_range() const override { return range_; }

  private:
    FileRange range_;
};

TEST(ServerTest, SendsFileRangesAndTimesOutAStalledReader) {
    // Larger than the socket buffers of both ends together, so a stalled reader stalls the send.
    const std::string content = pattern(32 * (1 << 20) + 3);
    const int fd = unlinked_file_holding(content);
    ASSERT_GE(fd, 0);
    constexpr uint64_t kOffset = 1001;
    auto router = std::make_shared<Router>();
    router->add("GET", "/file", [&](Request&) {
        Response res;
        res.source = std::make_unique<FileRangeOnly>(fd, kOffset, content.size() - kOffset);
        res.content_length = content.size() - kOffset;
        return res;
    });
    // Readers that keep up get the default timeout, so a loaded machine cannot make them look
    // stalled; the stalled reader below gets a server of its own with a short one.
    TestServer ts(router, ServerOptions{});
    ServerOptions short_timeout;
    short_timeout.body_timeout = 300ms;
    TestServer impatient(router, short_timeout);

    Client c(ts.port());
    ASSERT_TRUE(c.send(get("/file")));
    auto r = c.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.body == content.substr(kOffset)) << "bodies differ, size " << r.body.size();
    ASSERT_TRUE(c.send(get("/file")));  // the connection is still good for the next request
    EXPECT_EQ(c.read_reply().body.size(), content.size() - kOffset);

    // A client that stops reading fills the socket; the server gives up after the body
    // timeout and closes, instead of holding the connection forever.
    Client stalled(impatient.port());
    ASSERT_TRUE(stalled.send(get("/file")));
    std::this_thread::sleep_for(1500ms);
    auto partial = stalled.read_reply();
    EXPECT_EQ(partial.status, 200);
    EXPECT_TRUE(partial.body.empty()) << "the whole body arrived: the send was never stalled";

    // A client that goes away mid-body: the send meets EPIPE (not a process-killing SIGPIPE)
    // and the server goes on serving.
    const ScopedDefaultSigpipe sigpipe;
    for (int i = 0; i < 3; ++i) {
        Client gone(ts.port());
        ASSERT_TRUE(gone.send(get("/file")));
        ASSERT_FALSE(gone.read_until("\r\n\r\n").empty());
        gone.close();
    }
    std::this_thread::sleep_for(200ms);
    Client after(ts.port());
    ASSERT_TRUE(after.send(get("/file")));
    EXPECT_EQ(after.read_reply().body.size(), content.size() - kOffset);
    ts.server->stop();
    impatient.server->stop();
    ::close(fd);
}

TEST(ServerTest, HeadSendsHeadersOnly) {
    auto router = std::make_shared<Router>();
    router->add("GET", "/file", [](Request& req) {
        Response res;
        res.content_length = 12345;
        if (req.method != "HEAD") res.source = std::make_unique<PatternSource>(12345);
        return res;
    });
    router->add("GET", "/text", [](Request&) { return Response::text(200, "abc", "text/plain"); });
    TestServer ts(router);
    Client c(ts.port());
    ASSERT_TRUE(c.send("HEAD /file HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto r = c.read_reply(/*head=*/true);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.get_or("Content-Length", ""), "12345");
    ASSERT_TRUE(c.send("HEAD /text HTTP/1.1\r\nHost: t\r\n\r\n"));
    EXPECT_EQ(c.read_reply(true).headers.get_or("Content-Length", ""), "3");
    // Had any body bytes followed a HEAD answer, this reply would not parse.
    ASSERT_TRUE(c.send(get("/text")));
    auto next = c.read_reply();
    EXPECT_EQ(next.status, 200);
    EXPECT_EQ(next.body, "abc");
}

TEST(ServerTest, InlineAnswerServesOnTheIoThreadElseTheHandlerRuns) {
    auto router = std::make_shared<Router>();
    std::mutex mu;
    std::set<std::thread::id> inline_threads, handler_threads;
    RouteOptions options;
    options.inline_answer = [&](Request& req) -> std::optional<Response> {
        {
            std::lock_guard lock(mu);
            inline_threads.insert(std::this_thread::get_id());
        }
        const std::string& name = req.path_params["name"];
        if (name == "boom") throw std::runtime_error("secret detail");
        if (name != "hot") return std::nullopt;
        Response res;
        res.content_length = 9;
        res.source = std::make_unique<StringByteSource>("hot bytes");
        return res;
    };
    router->add(
        "GET", "/v/{name}",
        [&](Request& req) {
            {
                std::lock_guard lock(mu);
                handler_threads.insert(std::this_thread::get_id());
            }
            auto body = read_all(*req.body, 100);
            return Response::text(200, "handler " + req.path_params["name"] + " " + *body,
                                  "text/plain");
        },
        options);
    TestServer ts(router);
    Client c(ts.port());
    ASSERT_TRUE(c.send(get("/v/hot")));
    auto hot = c.read_reply();
    EXPECT_EQ(hot.status, 200);
    EXPECT_EQ(hot.body, "hot bytes");
    ASSERT_TRUE(c.send(get("/v/cold")));
    EXPECT_EQ(c.read_reply().body, "handler cold ");
    // A request with a body always goes to the handler, which reads it.
    ASSERT_TRUE(c.send("GET /v/hot HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"));
    EXPECT_EQ(c.read_reply().body, "handler hot abc");
    ASSERT_TRUE(c.send(get("/v/boom")));
    auto boom = c.read_reply();
    EXPECT_EQ(boom.status, 500);
    EXPECT_EQ(boom.body.find("secret"), std::string::npos) << boom.body;
    ASSERT_TRUE(c.send("HEAD /v/hot HTTP/1.1\r\nHost: t\r\n\r\n"));
    EXPECT_EQ(c.read_reply(/*head=*/true).headers.get_or("Content-Length", ""), "9");

    std::lock_guard lock(mu);
    ASSERT_FALSE(inline_threads.empty());
    ASSERT_FALSE(handler_threads.empty());
    for (const auto& id : inline_threads) EXPECT_FALSE(handler_threads.contains(id));
}

TEST(ServerTest, DeclaredLengthWithoutItsBodyBecomes500NotAShortAnswer) {
    // A handler that lost its body source (as a stale object file once made the delivery GET
    // do) must not answer 200 with an empty body that a CDN would cache.
    auto router = std::make_shared<Router>();
    router->add("GET", "/lost", [](Request&) {
        Response res;
        res.content_length = 29377;
        return res;
    });
    router->add("GET", "/empty", [](Request&) {
        Response res;
        res.content_length = 0;
        return res;
    });
    router->add("GET", "/not-modified", [](Request&) {
        Response res;
        res.status = 304;
        res.content_length = 29377;
        return res;
    });
    TestServer ts(router);
    Client c(ts.port());
    ASSERT_TRUE(c.send(get("/lost")));
    auto lost = c.read_reply();
    EXPECT_EQ(lost.status, 500);
    EXPECT_NE(lost.body.find("InternalError"), std::string::npos);
    // HEAD carries the length alone, as do a 304 and an honest empty body.
    ASSERT_TRUE(c.send("HEAD /lost HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto head = c.read_reply(/*head=*/true);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers.get_or("Content-Length", ""), "29377");
    ASSERT_TRUE(c.send(get("/not-modified")));
    EXPECT_EQ(c.read_reply(/*head=*/true).status, 304);
    ASSERT_TRUE(c.send(get("/empty")));
    auto empty = c.read_reply();
    EXPECT_EQ(empty.status, 200);
    EXPECT_EQ(empty.body, "");
}

TEST(ServerTest, TooLargeHeaderGets431) {
    auto router = std::make_shared<Router>();
    router->add("GET", "/", [](Request&) { return Response::text(200, "x", "text/plain"); });
    ServerOptions opt;
    opt.header_limit = 1024;
    TestServer ts(router, opt);
    Client c(ts.port());
    ASSERT_TRUE(c.send(get("/", "X-Big: " + std::string(4000, 'b') + "\r\n")));
    auto r = c.read_reply();
    EXPECT_EQ(r.status, 431);
    EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerTest, MalformedRequestGets400) {
    auto router = std::make_shared<Router>();
    TestServer ts(router);
    Client c(ts.port());
    ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nBad Header Without Colon\r\n\r\n"));
    auto r = c.read_reply();
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerTest, SlowHeaderIsCutOffByHeaderTimeout) {
    auto router = std::make_shared<Router>();
    ServerOptions opt;
    opt.header_timeout = 200ms;
    TestServer ts(router, opt);
    Client c(ts.port());
    ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost:"));
    c.set_timeout(test_timeout(5s));
    EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
    auto router = std::make_shared<Router>();
    router->add("GET", "/", [](Request&) { return Response::text(200, "x", "text/plain"); });
    ServerOptions opt;
    opt.idle_timeout = 200ms;
    TestServer ts(router, opt);
    Client c(ts.port());
    ASSERT_TRUE(c.send(get("/")));
    EXPECT_EQ(c.read_reply().status, 200);
    c.set_timeout(test_timeout(5s));
    EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerTest, ClientDisconnectMidBodyAbortsTheRead) {
    auto router = std::make_shared<Router>();
    auto counter = std::make_shared<ByteCounter>();
    router->add("PUT", "/upload", [counter](Request& req) { return (*counter)(req); });
    TestServer ts(router);
    auto outcome = counter->outcome.get_future();
    {
        Client c(ts.port());
        ASSERT_TRUE(c.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n" +
                           std::string(5000, 'x')));
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_EQ(outcome.wait_for(test_timeout(10s)), std::future_status::ready);
    Status st = outcome.get();
    EXPECT_EQ(st.code(), StatusCode::kAborted) << st.to_string();
}

TEST(ServerTest, StalledBodyAbortsAfterBodyTimeout) {
    auto router = std::make_shared<Router>();
    auto counter = std::make_shared<ByteCounter>();
    router->add("PUT", "/upload", [counter](Request& req) { return (*counter)(req); });
    ServerOptions opt;
    opt.body_timeout = 200ms;
    TestServer ts(router, opt);
    auto outcome = counter->outcome.get_future();
    Client c(ts.port());
    ASSERT_TRUE(c.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\nabc"));
    ASSERT_EQ(outcome.wait_for(test_timeout(10s)), std::future_status::ready);
    EXPECT_EQ(outcome.get().code(), StatusCode::kAborted);
}

TEST(ServerTest, HandlerExceptionBecomes500WithoutDetail) {
    auto router = std::make_shared<Router>();
    router->add("GET", "/boom",
                [](Request&) -> Response { throw std::runtime_error("secret internal detail"); });
    router->add(
        "GET", "/boom-inline",
        [](Request&) -> Response { throw std::runtime_error("secret internal detail"); },
        Execution::kInline);
    TestServer ts(router);
    Client c(ts.port());
    for (const char* path : {"/boom", "/boom-inline"}) {
        ASSERT_TRUE(c.send(get(path)));
        auto r = c.read_reply();
        EXPECT_EQ(r.status, 500);
        EXPECT_NE(r.body.find("InternalError"), std::string::npos);
        EXPECT_EQ(r.body.find("secret"), std::string::npos);
    }
}

TEST(ServerTest, InlineBodyOverLimitGets413) {
    auto router = std::make_shared<Router>();
    router->add("POST", "/echo", echo_body, Execution::kInline);
    ServerOptions opt;
    opt.inline_body_limit = 1024;
    TestServer ts(router, opt);
    {
        Client c(ts.port());
        ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\n\r\n"));
        EXPECT_EQ(c.read_reply().status, 413);
    }
    {
        Client c(ts.port());
        std::string chunk(1000, 'c');
        ASSERT_TRUE(
            c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "3e8\r\n" +
                   chunk + "\r\n3e8\r\n" + chunk + "\r\n0\r\n\r\n"));
        EXPECT_EQ(c.read_reply().status, 413);
    }
    {
        Client c(ts.port());  // exactly at the limit is fine
        ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n\r\n" +
                           std::string(1024, 'k')));
        auto r = c.read_reply();
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body.size(), 1024u);
    }
}

TEST(ServerTest, StopWaitsForInFlightRequestAndClosesIdleConnections) {
    auto router = std::make_shared<Router>();
    std::promise<void> entered;
    std::atomic<bool> finished{false};
    router->add("GET", "/slow", [&](Request&) {
        entered.set_value();
        std::this_thread::sleep_for(300ms);
        finished = true;
        return Response::text(200, "done", "text/plain");
    });
    router->add("GET", "/quick", [](Request&) { return Response::text(200, "q", "text/plain"); });
    TestServer ts(router);

    Client idle(ts.port());
    ASSERT_TRUE(idle.send(get("/quick")));
    EXPECT_EQ(idle.read_reply().status, 200);

    Client busy(ts.port());
    ASSERT_TRUE(busy.send(get("/slow")));
    entered.get_future().wait();
    ts.server->stop();
    EXPECT_TRUE(finished.load());
    auto r = busy.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "done");
    EXPECT_EQ(r.headers.get_or("Connection", ""), "close");
    EXPECT_TRUE(idle.closed_by_server());
    // The listener is gone too.
    Client late(ts.port());
    EXPECT_FALSE(late.connected());
}

TEST(ServerTest, StopPastTheDrainTimeoutEndsADownloadInProgress) {
    // A client that stops reading a large file: past the drain timeout, stop() shuts the
    // connection down, even while a burst may be sending on it, and returns.
    const std::string content = pattern(32 * (1 << 20));
    const int fd = unlinked_file_holding(content);
    ASSERT_GE(fd, 0);
    auto router = std::make_shared<Router>();
    router->add("GET", "/file", [&](Request&) {
        Response res;
        res.source = std::make_unique<FileRangeOnly>(fd, 0, content.size());
        res.content_length = content.size();
        return res;
    });
    ServerOptions opt;
    opt.body_timeout = 30s;  // longer than the test: only stop() can end the download
    opt.drain_timeout = 200ms;
    TestServer ts(router, opt);

    Client stalled(ts.port());
    ASSERT_TRUE(stalled.send(get("/file")));
    ASSERT_FALSE(stalled.read_until("\r\n\r\n").empty());
    std::this_thread::sleep_for(200ms);  // the socket fills and the session waits on it
    const auto started = std::chrono::steady_clock::now();
    ts.server->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, test_timeout(5s));
    // What the client has not read yet is all there is: the connection then ends (no timeout),
    // short of the whole body.
    stalled.set_timeout(test_timeout(5s));
    const auto reading = std::chrono::steady_clock::now();
    EXPECT_FALSE(stalled.fill(content.size()));
    EXPECT_LT(std::chrono::steady_clock::now() - reading, test_timeout(4s))
        << "the connection stayed open";
    const auto seen = ts.seen();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_LT(seen[0].bytes_out, content.size());
    ::close(fd);
}

TEST(ServerTest, BindFailureIsReported) {
    auto router = std::make_shared<Router>();
    TestServer first(router);
    ServerOptions opt;
    opt.listen = {"127.0.0.1", first.port()};
    Server second(opt, router);
    // SO_REUSEADDR does not allow two listeners on one port.
    Status st = second.start();
    EXPECT_EQ(st.code(), StatusCode::kUnavailable);
    EXPECT_EQ(st.reason(), "BindFailed");
}

}  // namespace
}  // namespace imgpipe::http
