// The server against hostile and slow clients (server.h, "Hostile and slow clients"): stalled
// bodies do not hold handler threads, a full handler queue sheds with 503, connections over the
// caps are refused unread, route body caps apply before reading, and a body trickled below the
// minimum rate or past the request deadline is cut off.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "http/server_test_util.h"

namespace imgpipe::http {
namespace {

using namespace std::chrono_literals;
using test_util::Client;
using test_util::first_readable;
using test_util::get;
using test_util::TestServer;

// Reads the whole body and answers its length; reports the outcome of the first call's reads.
struct BodyReader {
    std::atomic<int> calls{0};
    std::atomic<bool> reported{false};
    std::promise<Status> outcome;

    void report(Status status) {
        if (!reported.exchange(true)) outcome.set_value(std::move(status));
    }

    Response operator()(Request& req) {
        ++calls;
        std::vector<char> buf(64 * 1024);
        uint64_t n = 0;
        while (true) {
            auto got = req.body->read(buf);
            if (!got.is_ok()) {
                report(got.status());
                return Response::text(400, "read failed", "text/plain");
            }
            if (*got == 0) break;
            n += *got;
        }
        report(Status::ok());
        return Response::text(200, std::to_string(n), "text/plain");
    }
};

Response echo(Request& req) {
    auto body = read_all(*req.body, 4 << 20);
    if (!body.is_ok()) return Response::text(400, body.status().to_string(), "text/plain");
    return Response::text(200, *body, "text/plain");
}

Response fast(Request&) { return Response::text(200, "fast", "text/plain"); }

// Sends one byte every `every` until stopped or the server stops taking them. Pacing only: the
// tests wait on the server's reaction, never on this clock.
class Trickler {
  public:
    Trickler(Client& client, std::chrono::milliseconds every)
        : thread_([&client, every, this] {
              while (!stop_ && client.send("x")) std::this_thread::sleep_for(every);
          }) {}
    ~Trickler() {
        stop_ = true;
        thread_.join();
    }

  private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

std::string post_header(std::string_view path, uint64_t length, std::string_view extra = "") {
    return "POST " + std::string(path) +
           " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(length) + "\r\n" +
           std::string(extra) + "\r\n";
}

TEST(HostileClientTest, StalledBodiesWaitOnTheIoThreadNotOnAHandlerThread) {
    auto router = std::make_shared<Router>();
    auto reader = std::make_shared<BodyReader>();
    router->add(
        "POST", "/form", [reader](Request& r) { return (*reader)(r); },
        RouteOptions{.prefetch = [](const Request&) -> size_t { return 64 * 1024; }});
    router->add("GET", "/fast", fast);
    ServerOptions opt;
    opt.handler_threads = 1;  // one stalled upload on a handler thread would block everything
    opt.body_timeout = 60s;
    TestServer ts(router, opt);

    std::vector<std::unique_ptr<Client>> stalled;
    for (int i = 0; i < 8; ++i) {
        stalled.push_back(std::make_unique<Client>(ts.port()));
        ASSERT_TRUE(stalled.back()->send(post_header("/form", 100'000) + "abc"));
    }
    Client other(ts.port());
    other.set_timeout(test_timeout(5s));
    ASSERT_TRUE(other.send(get("/fast")));
    auto r = other.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "fast");
    EXPECT_EQ(reader->calls.load(), 0);  // no stalled upload reached its handler

    // One of them sends the rest: its handler gets every byte, prefetched ones first.
    ASSERT_TRUE(stalled[0]->send(std::string(100'000 - 3, 'y')));
    auto done = stalled[0]->read_reply();
    EXPECT_EQ(done.status, 200);
    EXPECT_EQ(done.body, "100000");
}

TEST(HostileClientTest, PrefetchedBodyReachesTheHandlerWholeAndInOrder) {
    auto router = std::make_shared<Router>();
    router->add("POST", "/echo", echo,
                RouteOptions{.prefetch = [](const Request&) -> size_t { return 64 * 1024; }});
    TestServer ts(router);
    std::string body;
    for (int i = 0; i < 200'000; ++i) body.push_back(static_cast<char>('a' + i % 26));
    Client c(ts.port());
    // Expect: 100-continue — a prefetching route invites the body itself.
    ASSERT_TRUE(c.send(post_header("/echo", body.size(), "Expect: 100-continue\r\n")));
    EXPECT_EQ(c.read_reply().status, 100);
    ASSERT_TRUE(c.send(body));
    auto r = c.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, body);
    // Chunked, shorter than the prefetch: read whole before the handler.
    ASSERT_TRUE(
        c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    r = c.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello world");
}

TEST(HostileClientTest, FullHandlerQueueShedsWith503SlowDownAndRetryAfter) {
    auto router = std::make_shared<Router>();
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> entered;
    std::atomic<bool> first{true};
    router->add("GET", "/hold", [&](Request&) {
        if (first.exchange(false)) entered.set_value();
        released.wait();
        return Response::text(200, "held", "text/plain");
    });
    ServerOptions opt;
    opt.handler_threads = 1;
    opt.handler_queue = 1;
    TestServer ts(router, opt);

    Client running(ts.port());
    ASSERT_TRUE(running.send(get("/hold")));
    ASSERT_EQ(entered.get_future().wait_for(test_timeout(10s)), std::future_status::ready);
    // One of these waits in the line; the other finds it full and is answered at once.
    Client a(ts.port());
    Client b(ts.port());
    ASSERT_TRUE(a.send(get("/hold")));
    ASSERT_TRUE(b.send(get("/hold")));
    const int shed_index = first_readable({&a, &b}, test_timeout(10s));
    ASSERT_GE(shed_index, 0) << "no request was shed";
    Client& shed = shed_index == 0 ? a : b;
    Client& queued = shed_index == 0 ? b : a;
    auto busy = shed.read_reply();
    EXPECT_EQ(busy.status, 503);
    EXPECT_EQ(busy.headers.get_or("Retry-After", ""), "1");
    EXPECT_EQ(busy.headers.get_or("Connection", ""), "close");
    EXPECT_NE(busy.body.find(R"("code":"SlowDown")"), std::string::npos) << busy.body;

    release.set_value();
    EXPECT_EQ(running.read_reply().status, 200);
    EXPECT_EQ(queued.read_reply().status, 200);
}

TEST(HostileClientTest, ConnectionsOverThePerAddressCapAreRefusedUnread) {
    auto router = std::make_shared<Router>();
    router->add("GET", "/fast", fast);
    ServerOptions opt;
    opt.max_connections_per_address = 2;
    TestServer ts(router, opt);

    auto one = std::make_unique<Client>(ts.port());
    Client two(ts.port());
    ASSERT_TRUE(one->send(get("/fast")));
    EXPECT_EQ(one->read_reply().status, 200);
    // The third connection from 127.0.0.1 gets the busy answer without sending a byte.
    Client three(ts.port());
    auto refused = three.read_reply();
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.headers.get_or("Retry-After", ""), "1");
    EXPECT_EQ(refused.headers.get_or("Connection", ""), "close");
    EXPECT_NE(refused.body.find(R"("code":"SlowDown")"), std::string::npos) << refused.body;
    EXPECT_TRUE(three.closed_by_server());
    // Another address has its own count.
    Client elsewhere(ts.port(), "127.0.0.2");
    ASSERT_TRUE(elsewhere.send(get("/fast")));
    EXPECT_EQ(elsewhere.read_reply().status, 200);
    // A slot freed is a slot taken again (the server notices the close asynchronously).
    one.reset();
    int status = 0;
    for (int attempt = 0; attempt < 200 && status != 200; ++attempt) {
        Client again(ts.port());
        ASSERT_TRUE(again.send(get("/fast")));
        status = again.read_reply().status;
    }
    EXPECT_EQ(status, 200);
}

TEST(HostileClientTest, ConnectionsOverTheTotalCapGetTheRoutersBusyResponse) {
    auto router = std::make_shared<Router>();
    router->add("GET", "/fast", fast);
    router->set_busy_response([](const Request& req) {
        Response r = Response::text(503, "<Error><Code>SlowDown</Code></Error>", "application/xml");
        r.headers.set("x-request-id", req.request_id);
        return r;
    });
    ServerOptions opt;
    opt.max_connections = 2;
    opt.max_connections_per_address = 0;
    TestServer ts(router, opt);

    Client one(ts.port());
    Client two(ts.port(), "127.0.0.2");
    ASSERT_TRUE(two.send(get("/fast")));
    EXPECT_EQ(two.read_reply().status, 200);
    Client three(ts.port(), "127.0.0.3");
    auto refused = three.read_reply();
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.body, "<Error><Code>SlowDown</Code></Error>");
    EXPECT_EQ(refused.headers.get_or("x-request-id", "").size(), 16u);
    EXPECT_EQ(refused.headers.get_or("Retry-After", ""), "1");
}

TEST(HostileClientTest, DeclaredBodyOverTheRouteCapIs413WithoutReading) {
    auto router = std::make_shared<Router>();
    auto reader = std::make_shared<BodyReader>();
    auto handler = [reader](Request& r) { return (*reader)(r); };
    router->add("POST", "/small", handler, RouteOptions{.max_body = 16 * 1024});
    router->add("POST", "/small-inline", handler,
                RouteOptions{.execution = Execution::kInline, .max_body = 16 * 1024});
    TestServer ts(router);
    for (const char* path : {"/small", "/small-inline"}) {
        SCOPED_TRACE(path);
        {
            Client c(ts.port());  // 1 GiB declared, nothing sent
            ASSERT_TRUE(c.send(post_header(path, uint64_t{1} << 30)));
            auto r = c.read_reply();
            EXPECT_EQ(r.status, 413);
            EXPECT_NE(r.body.find("PayloadTooLarge"), std::string::npos);
            EXPECT_TRUE(c.closed_by_server());
        }
        {
            Client c(ts.port());  // never invited
            ASSERT_TRUE(c.send(post_header(path, uint64_t{1} << 30, "Expect: 100-continue\r\n")));
            EXPECT_EQ(c.read_reply().status, 413);
        }
        {
            Client c(ts.port());  // chunked: cut off at the chunk that crosses the cap
            ASSERT_TRUE(c.send("POST " + std::string(path) +
                               " HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "3000\r\n" +
                               std::string(0x3000, 'a') + "\r\n3000\r\n" +
                               std::string(0x3000, 'b') + "\r\n0\r\n\r\n"));
            EXPECT_EQ(c.read_reply().status, 413);
        }
        {
            Client c(ts.port());  // at the cap is fine
            ASSERT_TRUE(c.send(post_header(path, 16 * 1024) + std::string(16 * 1024, 'k')));
            auto r = c.read_reply();
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(r.body, "16384");
        }
    }
    // Both at-the-cap requests, and the blocking route's chunked one (its read failed at the cap);
    // an inline route's body is read before its handler, so its chunked one never got there.
    EXPECT_EQ(reader->calls.load(), 3);
}

TEST(HostileClientTest, GateAnswersBeforeTheBodyIsInvited) {
    auto router = std::make_shared<Router>();
    auto reader = std::make_shared<BodyReader>();
    router->add(
        "POST", "/limited", [reader](Request& r) { return (*reader)(r); },
        RouteOptions{.gate = [](const Request& req) -> std::optional<Response> {
            EXPECT_EQ(req.body, nullptr);
            return Response::json_error(429, "TooManyRequests", "slow down");
        }});
    TestServer ts(router);
    Client c(ts.port());
    ASSERT_TRUE(c.send(post_header("/limited", 1 << 20, "Expect: 100-continue\r\n")));
    auto r = c.read_reply();
    EXPECT_EQ(r.status, 429);  // not 100 Continue
    EXPECT_EQ(reader->calls.load(), 0);
}

TEST(HostileClientTest, TrickleBelowTheMinimumRateIsCutOff) {
    auto router = std::make_shared<Router>();
    auto reader = std::make_shared<BodyReader>();
    router->add("PUT", "/upload", [reader](Request& r) { return (*reader)(r); });
    ServerOptions opt;
    opt.body_timeout = 300ms;    // the allowance; an idle timer of 300 ms would never fire
    opt.min_body_rate = 10'000;  // the trickle below sends ~50 bytes/s
    opt.request_deadline = 0ms;
    TestServer ts(router, opt);
    auto outcome = reader->outcome.get_future();
    Client c(ts.port());
    ASSERT_TRUE(c.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\nabc"));
    Trickler trickle(c, 20ms);
    ASSERT_EQ(outcome.wait_for(test_timeout(10s)), std::future_status::ready);
    Status st = outcome.get();
    EXPECT_EQ(st.code(), StatusCode::kAborted);
    EXPECT_EQ(st.reason(), "BodyTimeout");
}

TEST(HostileClientTest, RequestDeadlineCutsOffABodyThatKeepsComing) {
    auto router = std::make_shared<Router>();
    auto reader = std::make_shared<BodyReader>();
    router->add("PUT", "/upload", [reader](Request& r) { return (*reader)(r); });
    ServerOptions opt;
    opt.body_timeout = 60s;
    opt.min_body_rate = 0;
    opt.request_deadline = 300ms;
    TestServer ts(router, opt);
    auto outcome = reader->outcome.get_future();
    Client c(ts.port());
    ASSERT_TRUE(c.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\nabc"));
    Trickler trickle(c, 20ms);
    ASSERT_EQ(outcome.wait_for(test_timeout(10s)), std::future_status::ready);
    EXPECT_EQ(outcome.get().reason(), "BodyTimeout");
}

TEST(HostileClientTest, ABodyAtTheMinimumRateIsNotCutOff) {
    auto router = std::make_shared<Router>();
    auto reader = std::make_shared<BodyReader>();
    router->add("PUT", "/upload", [reader](Request& r) { return (*reader)(r); });
    ServerOptions opt;
    opt.body_timeout = 2s;
    opt.min_body_rate = 10;  // the client sends 50 bytes/s: comfortably above
    TestServer ts(router, opt);
    Client c(ts.port());
    ASSERT_TRUE(c.send("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\n\r\n"));
    for (int i = 0; i < 40; ++i) {
        ASSERT_TRUE(c.send("x"));
        std::this_thread::sleep_for(20ms);  // pacing the client, not waiting for the server
    }
    auto r = c.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "40");
}

}  // namespace
}  // namespace imgpipe::http
