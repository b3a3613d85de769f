#pragma once
// WebhookReceiver: a test double for the far end of a webhook — the project's own HTTP server
// on 127.0.0.1 with one catch-all POST route that records every request (path, headers, body)
// and answers the status a test chooses. hold() makes handlers wait until release(), standing
// for a receiver that does not answer. Thread-safe.

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/byte_source.h"
#include "http/server.h"

namespace imgpipe::pipeline {

struct ReceivedWebhook {
    std::string path;
    http::Headers headers;
    std::string body;
};

// Decides a status from a request and how many times its body has arrived (1 the first time).
using WebhookResponder = std::function<int(const ReceivedWebhook&, int arrival)>;

// Answers what `respond` says: 200 by default; a 3xx carries a Location.
class WebhookReceiver {
  public:
    explicit WebhookReceiver(uint16_t port = 0) {
        auto router = std::make_shared<http::Router>();
        router->add("POST", "/{path+}", [this](http::Request& r) { return handle(r); });
        http::ServerOptions options;
        options.name = "receiver";
        options.listen = {"127.0.0.1", port};
        options.io_threads = 1;
        options.handler_threads = 4;
        options.access_log = false;
        server_ = std::make_unique<http::Server>(options, router);
    }
    ~WebhookReceiver() {
        release();
        server_->stop();
    }

    Status start() { return server_->start(); }
    uint16_t port() const { return server_->port(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/hook"; }

    void respond(WebhookResponder responder) {
        std::lock_guard lock(mu_);
        responder_ = std::move(responder);
    }
    void hold() {
        std::lock_guard lock(mu_);
        held_ = true;
    }
    void release() {
        {
            std::lock_guard lock(mu_);
            held_ = false;
        }
        cv_.notify_all();
    }
    int waiting() const {
        std::lock_guard lock(mu_);
        return waiting_;
    }
    std::vector<ReceivedWebhook> received() const {
        std::lock_guard lock(mu_);
        return received_;
    }
    std::vector<std::string> bodies() const {
        std::vector<std::string> out;
        for (const ReceivedWebhook& r : received()) out.push_back(r.body);
        return out;
    }

  private:
    http::Response handle(http::Request& request) {
        auto body = read_all(*request.body, 1 << 20);
        if (!body.is_ok()) return http::Response::json_error(400, "BadBody", "unreadable");
        ReceivedWebhook r{request.path, request.headers, *body};
        std::unique_lock lock(mu_);
        received_.push_back(r);
        int arrival = static_cast<int>(
            std::count_if(received_.begin(), received_.end(),
                          [&](const ReceivedWebhook& x) { return x.body == r.body; }));
        ++waiting_;
        cv_.wait(lock, [&] { return !held_; });
        --waiting_;
        int status = responder_ ? responder_(r, arrival) : 200;
        http::Response response = http::Response::text(status, "", "text/plain");
        if (status >= 300 && status < 400) response.headers.set("Location", "/elsewhere");
        return response;
    }

    std::unique_ptr<http::Server> server_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    WebhookResponder responder_;             // GUARDED_BY(mu_)
    std::vector<ReceivedWebhook> received_;  // GUARDED_BY(mu_)
    bool held_ = false;                      // GUARDED_BY(mu_)
    int waiting_ = 0;                        // GUARDED_BY(mu_)
};

}  // namespace imgpipe::pipeline
