#pragma once
// WebhookSender: POSTs one webhook body to one URL with libcurl and says whether the receiver
// took it. One easy handle is reused for every post, so connections to a receiver are kept
// alive between deliveries. Redirects are not followed, proxies from the environment are
// ignored (a webhook goes straight to the URL configured), only http and https are allowed, and
// each post is bounded by `timeout` (connect + answer). A post can be abandoned from another
// thread by setting the `abort` flag given at creation; it then returns kAborted within about a
// second (libcurl's progress callback interval when nothing moves).
//
// Not thread-safe: one thread posts. REQUIRES: curl_global_init() was called in this process.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace imgpipe::pipeline {

class WebhookSender {
  public:
    enum class Outcome {
        kDelivered,  // a 2xx answer
        kFailed,     // another status, a refused connection, a timeout...: `error` says which
        kAborted,    // `abort` was set during the post
    };
    struct PostResult {
        Outcome outcome;
        std::string error;  // "HTTP 500", or libcurl's message; empty when delivered
    };

    // `abort` outlives the sender. kInternal if libcurl cannot make a handle.
    static Result<std::unique_ptr<WebhookSender>> create(std::chrono::milliseconds timeout,
                                                         const std::atomic<bool>& abort);
    ~WebhookSender();
    WebhookSender(const WebhookSender&) = delete;
    WebhookSender& operator=(const WebhookSender&) = delete;

    // POSTs `body` with `headers` ("Name: value" lines) added to libcurl's own (Host,
    // Content-Length, Accept).
    PostResult post(const std::string& url, const std::vector<std::string>& headers,
                    const std::string& body);

  private:
    struct Handle;
    explicit WebhookSender(std::unique_ptr<Handle> handle);

    std::unique_ptr<Handle> handle_;
};

}  // namespace imgpipe::pipeline
