#pragma once
// Server: an HTTP/1.1 listener (Boost.Beast) serving one Router.
//
// Each connection is a coroutine that reads a request header (size-limited, with a header
// timeout), dispatches it per its route's Execution, writes the response (streaming
// `Response::source`) and loops for keep-alive until the idle timeout. Request bodies are pulled
// by the handler through Request::body, so an upload flows to disk in small buffers; chunked
// transfer coding is undone; `Expect: 100-continue` is answered on the first body read.
// Requests on one connection are handled one after another, so pipelined requests are answered
// in order. One failing connection is logged and closed; the listener carries on. stop() stops
// accepting, lets in-flight requests finish (bounded by a drain timeout) and joins all threads.
// Thread-safe: start() and stop() may be called from any one thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "core/settings.h"
#include "http/router.h"

namespace imgpipe::http {

struct ServerOptions {
    std::string name = "http";  // for logs: "api", "s3"
    HostPort listen{"127.0.0.1", 0};
    int io_threads = 2;
    int handler_threads = 64;            // max concurrent kBlocking handlers; more wait in line
    size_t header_limit = 16 * 1024;     // request line + headers; larger → 431
    size_t inline_body_limit = 1 << 20;  // kInline bodies; larger → 413
    std::chrono::milliseconds header_timeout{30'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::chrono::milliseconds body_timeout{60'000};  // no body byte for this long → aborted
    std::chrono::milliseconds drain_timeout{30'000};
};

// Called once per finished request (access log and metrics).
struct RequestRecord {
    const Request* request;
    int status;
    uint64_t bytes_in;
    uint64_t bytes_out;
    std::chrono::microseconds duration;
};
using RequestObserver = std::function<void(const RequestRecord&)>;

class Server {
public:
    Server(ServerOptions options, std::shared_ptr<const Router> router,
           RequestObserver observer = nullptr);
    ~Server();  // stops if running
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and starts serving. kUnavailable (reason "BindFailed") if the address can't be used.
    Status start();
    // The bound port (the real one when options.listen.port was 0). REQUIRES: start() succeeded.
    uint16_t port() const;
    // Graceful stop; returns when every thread has ended.
    void stop();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace imgpipe::http
