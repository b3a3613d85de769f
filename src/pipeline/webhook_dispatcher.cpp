// SqliteWebhookDispatcher: WebhookDispatcher over a WebhookOutbox (the SQLite table) and a
// WebhookSender (libcurl), joined by one delivery thread that takes the due heads of the
// streams in batches, posts them one by one and deletes or reschedules each.

#include "pipeline/webhook_dispatcher.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <string_view>
#include <system_error>
#include <thread>

#include "core/change_signal.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/thread_name.h"
#include "pipeline/webhook_outbox.h"
#include "pipeline/webhook_sender.h"

namespace imgpipe::pipeline {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Rows read per look at the table. Small, so that the row after a delivered one (the same
// image's next event) is picked up soon after rather than behind a long batch.
constexpr int kBatch = 16;
// The longest the thread sleeps without looking at the table: rows added by another process,
// and a FakeClock moved by a test, are noticed within this.
constexpr milliseconds kMaxSleep{1'000};

int64_t to_ns(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<nanoseconds>(t.time_since_epoch()).count();
}

// Full jitter (a uniform draw up to the exponential cap) spreads out the retries of many rows
// that failed together, such as every row for a receiver that went down; the floor keeps a
// draw of zero from turning a dead receiver into a busy loop.
nanoseconds retry_delay(int64_t attempts, const WebhookOptions& options, std::mt19937_64& rng) {
    const nanoseconds max = options.max_backoff;
    nanoseconds cap = std::min<nanoseconds>(options.initial_backoff, max);
    for (int64_t i = 1; i < attempts && cap < max && cap.count() > 0; ++i) {
        cap = std::min(cap * 2, max);
    }
    std::uniform_int_distribution<int64_t> jitter(0, std::max<int64_t>(cap.count(), 0));
    const nanoseconds floor = std::max<nanoseconds>(options.initial_backoff / 10, milliseconds(1));
    return std::max(nanoseconds(jitter(rng)), floor);
}

// A URL may carry credentials (https://user:token@host/...): logs get it without them.
std::string loggable_url(const std::string& url) {
    size_t start = url.find("://");
    if (start == std::string::npos) return url;
    start += 3;
    size_t end = url.find_first_of("/?#", start);
    size_t at = url.rfind('@', end == std::string::npos ? std::string::npos : end - 1);
    if (at == std::string::npos || at < start) return url;
    return url.substr(0, start) + "***@" + url.substr(at + 1);
}

// The name goes into a header line: a control character there would corrupt the request (or
// inject a header), and the row could then never be delivered, blocking its image's stream.
bool valid_event_name(std::string_view name) {
    return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

class SqliteWebhookDispatcher final : public WebhookDispatcher {
  public:
    SqliteWebhookDispatcher(std::unique_ptr<WebhookOutbox> outbox, WebhookOptions options,
                            Clock& clock)
        : options_(std::move(options)),
          clock_(clock),
          outbox_(std::move(outbox)),
          rng_(std::random_device{}()) {}
    ~SqliteWebhookDispatcher() override { stop(); }

    // The sender watches `stopping_`, so it is made once the dispatcher has its address.
    Status init() {
        IMGPIPE_ASSIGN_OR_RETURN(sender_, WebhookSender::create(options_.timeout, stopping_));
        return Status::ok();
    }

    Status enqueue(const std::vector<WebhookEvent>& events) override {
        if (options_.urls.empty() || events.empty()) return Status::ok();
        for (const WebhookEvent& event : events) {
            if (!valid_event_name(event.name)) {
                return invalid_argument("InvalidWebhookEvent",
                                        "webhook event name is empty or has control characters");
            }
        }
        IMGPIPE_RETURN_IF_ERROR(outbox_->add(options_.urls, events, to_ns(clock_.now())));
        signal_.notify();
        return Status::ok();
    }

    void start() override {
        std::lock_guard lock(thread_mu_);
        if (thread_.joinable()) return;
        stopping_ = false;
        try {
            thread_ = std::thread([this] {
                name_this_thread("webhooks");
                run();
            });
        } catch (const std::system_error& e) {
            // Out of threads: the rows stay stored and go out after a later start().
            log::error("webhook delivery thread not started", {{"error", e.what()}});
        }
    }

    void stop() override {
        std::lock_guard lock(thread_mu_);
        if (!thread_.joinable()) return;
        // Set before notify(): run() checks the flag after reading the generation, so it
        // either sees the flag or is woken by the new generation.
        stopping_ = true;
        signal_.notify();
        thread_.join();
    }

    Result<int64_t> pending() override { return outbox_->count(); }

  private:
    void run();
    // Posts one row and records the outcome; an error only when the outcome could not be
    // recorded.
    Status deliver(const WebhookRow& row);
    milliseconds idle_sleep(int64_t now_ns);

    const WebhookOptions options_;
    Clock& clock_;
    const std::unique_ptr<WebhookOutbox> outbox_;  // thread-safe itself
    std::atomic<bool> stopping_{false};
    std::unique_ptr<WebhookSender> sender_;  // used by the delivery thread only
    std::mt19937_64 rng_;                    // used by the delivery thread only
    ChangeSignal signal_;                    // a new generation per enqueue() and stop()
    std::mutex thread_mu_;                   // serialises start() and stop()
    std::thread thread_;                     // GUARDED_BY(thread_mu_)
};

void SqliteWebhookDispatcher::run() {
    while (!stopping_) {
        // Read before looking at the table, so an enqueue() committed after the look still
        // ends the wait below.
        uint64_t seen = signal_.generation();
        int64_t now = to_ns(clock_.now());
        auto rows = outbox_->due(now, kBatch);
        milliseconds sleep = kMaxSleep;
        if (!rows.is_ok()) {
            log::error("webhook outbox unreadable", {{"error", rows.status().to_string()}});
        } else if (!rows->empty()) {
            Status recorded;
            for (const WebhookRow& row : *rows) {
                if (stopping_) return;
                recorded = deliver(row);
                if (!recorded.is_ok()) break;
            }
            // A delivery may have unblocked the next row of its stream: look again at once,
            // unless the table cannot be written, where looking again would resend at once.
            if (recorded.is_ok()) continue;
        } else {
            sleep = idle_sleep(now);
        }
        if (stopping_) return;
        signal_.wait(seen, sleep);
    }
}

Status SqliteWebhookDispatcher::deliver(const WebhookRow& row) {
    std::vector<std::string> headers = {
        "Content-Type: application/json",
        "X-Imgpipe-Event: " + row.event,
        "X-Imgpipe-Delivery: " + std::to_string(row.id),
    };
    // Signed at send time, with the secret configured now, so a rotated secret applies to rows
    // stored before the rotation too.
    if (!options_.secret.empty()) {
        headers.push_back("X-Imgpipe-Signature: " + webhook_signature(options_.secret, row.body));
    }
    if (!options_.bearer_token.empty()) {
        headers.push_back("Authorization: Bearer " + options_.bearer_token);
    }
    WebhookSender::PostResult result = sender_->post(row.url, headers, row.body);
    if (result.outcome == WebhookSender::Outcome::kAborted) return Status::ok();
    if (options_.on_attempt) {
        options_.on_attempt(result.outcome == WebhookSender::Outcome::kDelivered ? "delivered"
                                                                                 : "failed");
    }
    if (result.outcome == WebhookSender::Outcome::kDelivered) {
        Status removed = outbox_->remove(row.id);
        if (!removed.is_ok()) {
            log::error("webhook delivered but not removed: it will be sent again",
                       {{"delivery", row.id}, {"error", removed.to_string()}});
        }
        return removed;
    }
    int64_t attempts = row.attempts + 1;
    nanoseconds delay = retry_delay(attempts, options_, rng_);
    log::warn("webhook delivery failed",
              {{"url", loggable_url(row.url)},
               {"delivery", row.id},
               {"event", row.event},
               {"attempts", attempts},
               {"error", result.error},
               {"retry_in_ms", std::chrono::duration_cast<milliseconds>(delay).count()}});
    Status rescheduled =
        outbox_->reschedule(row.id, attempts, to_ns(clock_.now()) + delay.count(), result.error);
    if (!rescheduled.is_ok()) {
        log::error("webhook retry not recorded",
                   {{"delivery", row.id}, {"error", rescheduled.to_string()}});
    }
    return rescheduled;
}

milliseconds SqliteWebhookDispatcher::idle_sleep(int64_t now_ns) {
    auto next = outbox_->next_due_after(now_ns);
    if (!next.is_ok() || !next->has_value()) return kMaxSleep;
    // Rounded up: waking a little early would only find nothing due and sleep again.
    auto until = std::chrono::ceil<milliseconds>(nanoseconds(**next - now_ns));
    return std::min(until, kMaxSleep);
}

}  // namespace

std::string webhook_signature(const std::string& secret, const std::string& body) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &length);
    return "sha256=" + to_hex(std::string_view(reinterpret_cast<const char*>(mac), length));
}

Result<std::unique_ptr<WebhookDispatcher>> WebhookDispatcher::open(const std::string& db_path,
                                                                   WebhookOptions options,
                                                                   Clock& clock) {
    // libcurl's global setup is not thread-safe and must precede every handle of the process.
    static std::once_flag curl_once;
    static CURLcode curl_init = CURLE_OK;
    std::call_once(curl_once, [] { curl_init = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (curl_init != CURLE_OK) {
        return internal_error(std::string("curl_global_init: ") + curl_easy_strerror(curl_init));
    }
    IMGPIPE_ASSIGN_OR_RETURN(auto outbox, WebhookOutbox::open(db_path));
    auto dispatcher =
        std::make_unique<SqliteWebhookDispatcher>(std::move(outbox), std::move(options), clock);
    IMGPIPE_RETURN_IF_ERROR(dispatcher->init());
    return std::unique_ptr<WebhookDispatcher>(std::move(dispatcher));
}

}  // namespace imgpipe::pipeline
