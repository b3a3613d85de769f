#include "pipeline/webhook_sender.h"

#include <curl/curl.h>

#include <memory>

namespace imgpipe::pipeline {
namespace {

// The receiver's answer body is of no use to us; without a write function libcurl would copy
// it to stdout.
size_t discard(char* /*data*/, size_t size, size_t count, void* /*user*/) { return size * count; }

int check_abort(void* user, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t /*ultotal*/,
                curl_off_t /*ulnow*/) {
    return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Appends `line` to `list`; false when out of memory (the list is kept as it was).
bool append(Slist& list, const char* line) {
    curl_slist* grown = curl_slist_append(list.get(), line);
    if (grown == nullptr) return false;
    (void)list.release();  // `grown` is the same list, one entry longer (or a new one)
    list.reset(grown);
    return true;
}

}  // namespace

struct WebhookSender::Handle {
    explicit Handle(const std::atomic<bool>& abort_flag) : abort(abort_flag) {}
    ~Handle() {
        if (curl != nullptr) curl_easy_cleanup(curl);
    }
    CURL* curl = nullptr;
    const std::atomic<bool>& abort;
    char error[CURL_ERROR_SIZE] = {};
};

Result<std::unique_ptr<WebhookSender>> WebhookSender::create(std::chrono::milliseconds timeout,
                                                             const std::atomic<bool>& abort) {
    auto handle = std::make_unique<Handle>(abort);
    handle->curl = curl_easy_init();
    CURL* c = handle->curl;
    if (c == nullptr) return internal_error("curl_easy_init failed");
    // No signals: SIGALRM-based DNS timeouts are not safe with other threads running.
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, check_abort);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &handle->abort);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, handle->error);
    return std::unique_ptr<WebhookSender>(new WebhookSender(std::move(handle)));
}

WebhookSender::WebhookSender(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}

WebhookSender::~WebhookSender() = default;

WebhookSender::PostResult WebhookSender::post(const std::string& url,
                                              const std::vector<std::string>& headers,
                                              const std::string& body) {
    CURL* c = handle_->curl;
    Slist list;
    for (const std::string& header : headers) {
        if (!append(list, header.c_str())) return {Outcome::kFailed, "out of memory"};
    }
    // libcurl would add `Expect: 100-continue` to bodies over 1 MiB and wait for the receiver's
    // go-ahead; an empty value removes the header.
    if (!append(list, "Expect:")) return {Outcome::kFailed, "out of memory"};

    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    handle_->error[0] = '\0';
    CURLcode rc = curl_easy_perform(c);
    // The handle outlives `list` and `body`: leave it pointing at neither.
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, nullptr);

    if (rc == CURLE_ABORTED_BY_CALLBACK) return {Outcome::kAborted, "abandoned by stop()"};
    if (rc != CURLE_OK) {
        std::string error = curl_easy_strerror(rc);
        if (handle_->error[0] != '\0') error += std::string(": ") + handle_->error;
        return {Outcome::kFailed, std::move(error)};
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) return {Outcome::kDelivered, ""};
    return {Outcome::kFailed, "HTTP " + std::to_string(status)};
}

}  // namespace imgpipe::pipeline
