// WebhookDispatcher against a real receiver: the project's own HTTP server, in this process,
// recording every request and answering the status each test chooses. Backoff runs on a
// FakeClock that the tests move; the delivery thread notices within its capped sleep, so every
// wait below is a poll with a deadline, never a fixed sleep. The outbox table is read directly
// (a second SQLite connection) to see attempts, errors and retry times.

#include "pipeline/webhook_dispatcher.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <thread>

#include "core/sqlite_db.h"
#include "pipeline/webhook_test_receiver.h"
#include "temp_dir.h"

namespace imgpipe::pipeline {
namespace {

using namespace std::chrono_literals;
using Received = ReceivedWebhook;
using Receiver = WebhookReceiver;

// Polls `condition` until it holds or `timeout` passes; returns its last value.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        char byte[3];
        std::snprintf(byte, sizeof byte, "%02x", mac[i]);
        hex += byte;
    }
    return hex;
}

// One row of the `webhooks` table as the test reads it.
struct Row {
    int64_t id;
    std::string url;
    std::string image_id;
    std::string event;
    std::string body;
    int64_t attempts;
    int64_t next_attempt_ns;
    std::string last_error;
};

class WebhookDispatcherTest : public ::testing::Test {
  protected:
    // Small real timeouts; backoff in fake seconds, so retries happen only when a test moves
    // the clock.
    static WebhookOptions options_for(std::vector<std::string> urls) {
        WebhookOptions options;
        options.urls = std::move(urls);
        options.secret = "topsecret";
        options.timeout = 5s;
        options.initial_backoff = 1s;
        options.max_backoff = 4s;
        return options;
    }

    std::unique_ptr<WebhookDispatcher> open(WebhookOptions options) {
        auto dispatcher = WebhookDispatcher::open(db_path_, std::move(options), clock_);
        EXPECT_TRUE(dispatcher.is_ok()) << dispatcher.status().to_string();
        return dispatcher.is_ok() ? std::move(dispatcher).value() : nullptr;
    }

    std::vector<Row> rows() {
        std::vector<Row> out;
        auto db = SqliteDb::open(db_path_);
        EXPECT_TRUE(db.is_ok()) << db.status().to_string();
        if (!db.is_ok()) return out;
        auto s = (*db)->prepare(
            "SELECT id, url, image_id, event, body, attempts, next_attempt_ns, "
            "COALESCE(last_error, '') FROM webhooks ORDER BY id");
        EXPECT_TRUE(s.is_ok()) << s.status().to_string();
        if (!s.is_ok()) return out;
        for (;;) {
            auto more = s->step();
            EXPECT_TRUE(more.is_ok()) << more.status().to_string();
            if (!more.is_ok() || !*more) break;
            out.push_back({s->column_int64(0), s->column_text(1), s->column_text(2),
                           s->column_text(3), s->column_text(4), s->column_int64(5),
                           s->column_int64(6), s->column_text(7)});
        }
        return out;
    }
    // The row whose body is `body` (attempts -1 when there is none).
    Row row(const std::string& body) {
        for (const Row& r : rows()) {
            if (r.body == body) return r;
        }
        return {0, "", "", "", "", -1, 0, ""};
    }

    int64_t pending(WebhookDispatcher& dispatcher) {
        auto n = dispatcher.pending();
        EXPECT_TRUE(n.is_ok()) << n.status().to_string();
        return n.is_ok() ? *n : -1;
    }

    int64_t now_ns() const { return clock_.now().time_since_epoch() / 1ns; }

    TempDir dir_;
    const std::string db_path_ = dir_.path() + "/pipeline.db";
    FakeClock clock_;
};

TEST(WebhookSignatureTest, MatchesRfc4231TestCase2) {
    EXPECT_EQ(webhook_signature("Jefe", "what do ya want for nothing?"),
              "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(WebhookDispatcherTest, PostsBodyWithContractHeadersAndVerifiableSignature) {
    Receiver receiver;
    ASSERT_TRUE(receiver.start().is_ok());
    auto dispatcher = open(options_for({receiver.url()}));
    ASSERT_NE(dispatcher, nullptr);
    const std::string body = R"({"image":"img-1","status":"processed"})";
    ASSERT_TRUE(dispatcher->enqueue({{"img-1", "ImageProcessed", body}}).is_ok());
    dispatcher->start();

    ASSERT_TRUE(eventually([&] { return pending(*dispatcher) == 0; }));
    auto got = receiver.received();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].path, "/hook");
    EXPECT_EQ(got[0].body, body);
    EXPECT_EQ(got[0].headers.get_or("Content-Type", ""), "application/json");
    EXPECT_EQ(got[0].headers.get_or("X-Imgpipe-Event", ""), "ImageProcessed");
    std::string delivery = got[0].headers.get_or("X-Imgpipe-Delivery", "");
    ASSERT_FALSE(delivery.empty());
    EXPECT_GT(std::stoll(delivery), 0);
    EXPECT_EQ(got[0].headers.get_or("X-Imgpipe-Signature", ""),
              "sha256=" + hmac_sha256_hex("topsecret", body));
    EXPECT_FALSE(got[0].headers.has("Expect"));
}

TEST_F(WebhookDispatcherTest, SendsNoSignatureWithoutSecret) {
    Receiver receiver;
    ASSERT_TRUE(receiver.start().is_ok());
    WebhookOptions options = options_for({receiver.url()});
    options.secret = "";
    auto dispatcher = open(options);
    ASSERT_NE(dispatcher, nullptr);
    ASSERT_TRUE(dispatcher->enqueue({{"img-1", "ImageFailed", "{}"}}).is_ok());
    dispatcher->start();

    ASSERT_TRUE(eventually([&] { return pending(*dispatcher) == 0; }));
    auto got = receiver.received();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_FALSE(got[0].headers.has("X-Imgpipe-Signature"));
    EXPECT_EQ(got[0].headers.get_or("X-Imgpipe-Event", ""), "ImageFailed");
}

TEST_F(WebhookDispatcherTest, RetriesAfterServerErrorsWithBackoffThenDelivers) {
    Receiver receiver;
    receiver.respond([](const Received&, int arrival) { return arrival <= 3 ? 500 : 200; });
    ASSERT_TRUE(receiver.start().is_ok());
    auto dispatcher = open(options_for({receiver.url()}));
    ASSERT_NE(dispatcher, nullptr);
    ASSERT_TRUE(dispatcher->enqueue({{"img-1", "ImageProcessed", "{}"}}).is_ok());
    dispatcher->start();

    for (int attempt = 1; attempt <= 3; ++attempt) {
        SCOPED_TRACE(attempt);
        ASSERT_TRUE(eventually([&] { return row("{}").attempts == attempt; }));
        Row r = row("{}");
        EXPECT_EQ(r.last_error, "HTTP 500");
        // Full jitter up to initial * 2^(attempt-1) (capped at 4 s), floored at initial / 10.
        int64_t cap_ns = std::min<int64_t>(1'000'000'000LL << (attempt - 1), 4'000'000'000LL);
        EXPECT_GE(r.next_attempt_ns - now_ns(), 100'000'000);
        EXPECT_LE(r.next_attempt_ns - now_ns(), cap_ns);
        EXPECT_EQ(receiver.received().size(), static_cast<size_t>(attempt));  // not retried early
        clock_.advance(4s);
    }
    ASSERT_TRUE(eventually([&] { return pending(*dispatcher) == 0; }));
    auto got = receiver.received();
    ASSERT_EQ(got.size(), 4u);
    for (const Received& r : got) {
        EXPECT_EQ(r.headers.get_or("X-Imgpipe-Delivery", ""),
                  got[0].headers.get_or("X-Imgpipe-Delivery", ""));
    }
}

TEST_F(WebhookDispatcherTest, KeepsOrderPerImageWhileOtherImagesGoAhead) {
    Receiver receiver;
    receiver.respond(
        [](const Received& r, int arrival) { return r.body == "A1" && arrival <= 3 ? 500 : 200; });
    ASSERT_TRUE(receiver.start().is_ok());
    auto dispatcher = open(options_for({receiver.url()}));
    ASSERT_NE(dispatcher, nullptr);
    ASSERT_TRUE(dispatcher
                    ->enqueue({{"A", "ObjectCreated:Put", "A1"},
                               {"A", "ObjectCreated:Put", "A2"},
                               {"A", "ImageProcessed", "A3"},
                               {"B", "ImageProcessed", "B1"}})
                    .is_ok());
    dispatcher->start();

    // B1 goes out while A1 is failing; A2 and A3 wait behind A1.
    ASSERT_TRUE(eventually([&] {
        auto b = receiver.bodies();
        return std::count(b.begin(), b.end(), "B1") == 1;
    }));
    auto b = receiver.bodies();
    EXPECT_EQ(std::count(b.begin(), b.end(), "A1"), 1);
    EXPECT_EQ(std::count(b.begin(), b.end(), "A2"), 0);
    EXPECT_EQ(std::count(b.begin(), b.end(), "A3"), 0);

    for (int attempt = 1; attempt <= 3; ++attempt) {
        ASSERT_TRUE(eventually([&] { return row("A1").attempts == attempt; })) << attempt;
        clock_.advance(4s);
    }
    ASSERT_TRUE(eventually([&] { return pending(*dispatcher) == 0; }));

    std::vector<std::string> image_a;
    for (const std::string& body : receiver.bodies()) {
        if (body[0] == 'A') image_a.push_back(body);
    }
    EXPECT_EQ(image_a, (std::vector<std::string>{"A1", "A1", "A1", "A1", "A2", "A3"}));
    b = receiver.bodies();
    EXPECT_EQ(std::count(b.begin(), b.end(), "B1"), 1);
}

TEST_F(WebhookDispatcherTest, RetriesRefusedConnectionUntilReceiverIsUp) {
    uint16_t port = 0;
    {
        // A port that was just free: nothing listens there once this receiver is gone.
        Receiver probe;
        ASSERT_TRUE(probe.start().is_ok());
        port = probe.port();
    }
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
    auto dispatcher = open(options_for({url}));
    ASSERT_NE(dispatcher, nullptr);
    ASSERT_TRUE(dispatcher->enqueue({{"img-1", "ImageProcessed", "{}"}}).is_ok());
    dispatcher->start();

    ASSERT_TRUE(eventually([&] { return row("{}").attempts == 1; }));
    EXPECT_NE(row("{}").last_error.find("connect"), std::string::npos) << row("{}").last_error;
    EXPECT_EQ(pending(*dispatcher), 1);
    clock_.advance(4s);
    ASSERT_TRUE(eventually([&] { return row("{}").attempts == 2; }));

    Receiver receiver(port);
    ASSERT_TRUE(receiver.start().is_ok());
    clock_.advance(4s);
    ASSERT_TRUE(eventually([&] { return pending(*dispatcher) == 0; }));
    EXPECT_EQ(receiver.bodies(), std::vector<std::string>{"{}"});
}

TEST_F(WebhookDispatcherTest, RowsSurviveRestart) {
    Receiver receiver;
    receiver.respond(
        [](const Received& r, int arrival) { return r.body == "one" && arrival == 1 ? 503 : 200; });
    ASSERT_TRUE(receiver.start().is_ok());
    auto first = open(options_for({receiver.url()}));
    ASSERT_NE(first, nullptr);
    ASSERT_TRUE(first->enqueue({{"img-1", "ImageProcessed", "one"}}).is_ok());
    first->start();
    ASSERT_TRUE(eventually([&] { return row("one").attempts == 1; }));
    first->stop();
    // A row enqueued while no thread runs is stored all the same.
    ASSERT_TRUE(first->enqueue({{"img-2", "ImageProcessed", "two"}}).is_ok());
    first.reset();

    auto second = open(options_for({receiver.url()}));
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(pending(*second), 2);
    second->start();
    clock_.advance(4s);
    ASSERT_TRUE(eventually([&] { return pending(*second) == 0; }));
    auto got = receiver.received();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].body, "one");
    std::string id = got[0].headers.get_or("X-Imgpipe-Delivery", "");
    for (const Received& r : got) {
        if (r.body == "one") {
            EXPECT_EQ(r.headers.get_or("X-Imgpipe-Delivery", ""), id);
        }
    }
}

TEST_F(WebhookDispatcherTest, EveryUrlGetsEveryEvent) {
    Receiver first;
    Receiver second;
    ASSERT_TRUE(first.start().is_ok());
    ASSERT_TRUE(second.start().is_ok());
    auto dispatcher = open(options_for({first.url(), second.url()}));
    ASSERT_NE(dispatcher, nullptr);
    ASSERT_TRUE(dispatcher->enqueue({{"a", "ObjectCreated:Put", "e1"}}).is_ok());
    ASSERT_TRUE(
        dispatcher->enqueue({{"b", "ObjectCreated:Put", "e2"}, {"b", "ImageProcessed", "e3"}})
            .is_ok());
    EXPECT_EQ(pending(*dispatcher), 6);
    dispatcher->start();

    ASSERT_TRUE(eventually([&] { return pending(*dispatcher) == 0; }));
    // Sorted: only the order within one image is promised.
    auto sorted = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    const std::vector<std::string> all = {"e1", "e2", "e3"};
    EXPECT_EQ(sorted(first.bodies()), all);
    EXPECT_EQ(sorted(second.bodies()), all);
    // Each (event, URL) is its own delivery.
    EXPECT_NE(first.received()[0].headers.get_or("X-Imgpipe-Delivery", ""),
              second.received()[0].headers.get_or("X-Imgpipe-Delivery", ""));
}

TEST_F(WebhookDispatcherTest, NoUrlsStoresNothing) {
    auto dispatcher = open(options_for({}));
    ASSERT_NE(dispatcher, nullptr);
    EXPECT_TRUE(dispatcher->enqueue({{"img-1", "ImageProcessed", "{}"}}).is_ok());
    EXPECT_EQ(pending(*dispatcher), 0);
    EXPECT_TRUE(rows().empty());
}

TEST_F(WebhookDispatcherTest, PendingCountsUndeliveredRows) {
    Receiver receiver;
    receiver.respond([](const Received& r, int) { return r.body == "stuck" ? 500 : 200; });
    ASSERT_TRUE(receiver.start().is_ok());
    auto dispatcher = open(options_for({receiver.url()}));
    ASSERT_NE(dispatcher, nullptr);
    EXPECT_EQ(pending(*dispatcher), 0);
    ASSERT_TRUE(dispatcher->enqueue({{"a", "ImageProcessed", "ok"}}).is_ok());
    ASSERT_TRUE(dispatcher->enqueue({{"b", "ImageFailed", "stuck"}}).is_ok());
    EXPECT_EQ(pending(*dispatcher), 2);
    dispatcher->start();

    ASSERT_TRUE(eventually([&] { return row("stuck").attempts >= 1 && row("ok").attempts < 0; }));
    EXPECT_EQ(pending(*dispatcher), 1);
    Row stuck = row("stuck");
    EXPECT_EQ(stuck.url, receiver.url());
    EXPECT_EQ(stuck.image_id, "b");
    EXPECT_EQ(stuck.event, "ImageFailed");
    EXPECT_EQ(stuck.last_error, "HTTP 500");
}

TEST_F(WebhookDispatcherTest, RejectsEventNameWithControlCharacters) {
    auto dispatcher = open(options_for({"http://127.0.0.1:9/hook"}));
    ASSERT_NE(dispatcher, nullptr);
    Status s = dispatcher->enqueue({{"a", "ok", "{}"}, {"a", "Bad\r\nX-Injected: 1", "{}"}});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(pending(*dispatcher), 0);
}

TEST_F(WebhookDispatcherTest, DoesNotFollowRedirects) {
    Receiver receiver;
    receiver.respond([](const Received&, int) { return 307; });
    ASSERT_TRUE(receiver.start().is_ok());
    auto dispatcher = open(options_for({receiver.url()}));
    ASSERT_NE(dispatcher, nullptr);
    ASSERT_TRUE(dispatcher->enqueue({{"img-1", "ImageProcessed", "{}"}}).is_ok());
    dispatcher->start();

    ASSERT_TRUE(eventually([&] { return row("{}").attempts == 1; }));
    EXPECT_EQ(row("{}").last_error, "HTTP 307");
    auto got = receiver.received();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].path, "/hook");
}

TEST_F(WebhookDispatcherTest, TimesOutSlowReceiver) {
    Receiver receiver;
    receiver.hold();
    ASSERT_TRUE(receiver.start().is_ok());
    WebhookOptions options = options_for({receiver.url()});
    options.timeout = 300ms;
    auto dispatcher = open(options);
    ASSERT_NE(dispatcher, nullptr);
    ASSERT_TRUE(dispatcher->enqueue({{"img-1", "ImageProcessed", "{}"}}).is_ok());
    dispatcher->start();

    ASSERT_TRUE(eventually([&] { return row("{}").attempts == 1; }));
    EXPECT_NE(row("{}").last_error.find("imed out"), std::string::npos) << row("{}").last_error;
}

TEST_F(WebhookDispatcherTest, StopAbandonsAttemptInFlightAndStartResumes) {
    Receiver receiver;
    receiver.hold();
    ASSERT_TRUE(receiver.start().is_ok());
    WebhookOptions options = options_for({receiver.url()});
    // An hour: if stop() waited for the attempt instead of abandoning it, the test would hang
    // until ctest's timeout ends it, so no timing assertion is needed.
    options.timeout = 3600s;
    auto dispatcher = open(options);
    ASSERT_NE(dispatcher, nullptr);
    ASSERT_TRUE(dispatcher->enqueue({{"img-1", "ImageProcessed", "{}"}}).is_ok());
    dispatcher->start();
    ASSERT_TRUE(eventually([&] { return receiver.waiting() == 1; }));

    dispatcher->stop();
    dispatcher->stop();                // idempotent
    EXPECT_EQ(row("{}").attempts, 0);  // an abandoned attempt is not a failure
    EXPECT_EQ(pending(*dispatcher), 1);

    receiver.release();
    dispatcher->start();
    ASSERT_TRUE(eventually([&] { return pending(*dispatcher) == 0; }));
}

}  // namespace
}  // namespace imgpipe::pipeline
