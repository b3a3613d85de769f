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
//
// Details handlers may rely on: errors the server answers itself (404, 405, 413, 431, 400, 500)
// have the body {"error":{"code":...,"message":...}}; a HEAD request gets the GET route's
// headers with Content-Length from Response::content_length and no body; a `source` without
// `content_length` is sent chunked (HTTP/1.1; SSE works this way), read piece by piece as it
// yields bytes; `source` reads of kBlocking routes run on the handler pool. A handler that
// leaves its body unread gets the connection drained (up to 64 KiB) or closed after its
// response. Every response carries Date and "Server: imgpipe". A `source` that is a range of an
// open file (ByteSource::file_range) is read and sent by the server itself, in chunks of up to
// 2 MiB sized to the socket's room (see file_range_sender.h). Writes never raise SIGPIPE: a client
// that went away is an error.

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
    // One JSON line per request (core/log.h, level info). It costs tens of microseconds per
    // request, so a throughput benchmark may turn it off; the observer is called regardless.
    bool access_log = true;
};

// Called once per finished request (access log and metrics), on the I/O thread: keep it cheap.
// `status` is 499 when the client went away before a response could be written.
struct RequestRecord {
    const Request* request;  // its `body` is null by then
    int status;
    uint64_t bytes_in;   // request body bytes read
    uint64_t bytes_out;  // response body bytes written
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
    // Graceful stop; returns when every thread has ended. Connections still busy after
    // drain_timeout are shut down (their body reads fail with kAborted once the bytes already
    // received are read, and responses stop), but a handler that never returns keeps stop()
    // waiting. Idempotent. REQUIRES: not called from a handler.
    void stop();

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace imgpipe::http
