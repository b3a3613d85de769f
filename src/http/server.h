#pragma once
// Server: an HTTP/1.1 listener (Boost.Beast) serving one Router.
//
// Each connection is a coroutine that reads a request header (size-limited, with a header
// timeout), dispatches it per its route (router.h), writes the response (streaming
// `Response::source`) and loops for keep-alive until the idle timeout. Request bodies are pulled
// by the handler through Request::body, so an upload flows to disk in small buffers; chunked
// transfer coding is undone; `Expect: 100-continue` is answered on the first body read.
// Requests on one connection are handled one after another, so pipelined requests are answered
// in order. One failing connection is logged and closed; the listener carries on. stop() stops
// accepting, lets in-flight requests finish (bounded by a drain timeout) and joins all threads.
// Thread-safe: start() and stop() may be called from any one thread.
//
// Hostile and slow clients. Waiting for a client never holds a handler thread before the
// handler has something to do: everything a route needs before its handler can run is done on
// the I/O threads, which wait on any number of sockets at once. In order: the route's gate (rate
// limits; router.h), its body cap checked against Content-Length (413 before any body byte is
// read), then its prefetch — the first bytes of the body (a POST Object's form fields) read into
// memory — and only then is the handler queued. kInline bodies are read whole the same way,
// growing with the bytes that arrive (never allocated from the declared length). After the
// prefetch a kBlocking handler may still wait for a slow body in its thread; what bounds that
// is the body allowance: a request may spend, in total, body_timeout waiting for body bytes plus
// one second per min_body_rate bytes received (Apache's mod_reqtimeout model: a trickle slower
// than min_body_rate runs out, however often it sends a byte), and never more than
// request_deadline from its first byte; past it the read fails with kAborted ("BodyTimeout").
// The handler queue is bounded: with handler_threads busy and handler_queue requests waiting,
// a new request is answered at once with 503, `Retry-After: 1`, the router's busy body (S3:
// SlowDown XML) and Connection: close. Connections are capped in total and per client address
// (exact IP; behind a reverse proxy set the per-address cap to 0). A connection over a cap is
// refused before anything is read from it: the same 503 busy response is written at once and
// the connection closed. Reading its request first would let the refused client spend the
// server's time and memory, which is what the cap is there to stop; the response still tells a
// well-behaved client to back off. A few refusals are written at a time; past that, over-cap
// connections are closed without a word.
//
// Details handlers may rely on: errors the server answers itself (404, 405, 413, 431, 400, 500)
// have the body {"error":{"code":...,"message":...}}; a HEAD request gets the GET route's
// headers with Content-Length from Response::content_length and no body; a GET answer whose
// content_length is neither backed by a `source` nor by that many `body` bytes is a handler bug
// and becomes a 500 (logged), never a short body; a `source` without
// `content_length` is sent chunked (HTTP/1.1; SSE works this way), read piece by piece as it
// yields bytes; `source` reads of kBlocking routes run on the handler pool, except a source whose
// bytes are in memory already (ByteSource::buffered), written with the header at once from the
// I/O thread. A handler that
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
    int handler_threads = 64;      // max concurrent kBlocking handlers; more wait in line
    size_t handler_queue = 128;    // requests waiting for a handler thread; more → 503
    size_t max_connections = 512;  // open connections; more are refused (0: no cap)
    size_t max_connections_per_address = 64;           // from one client address (0: no cap)
    size_t header_limit = 16 * 1024;                   // request line + headers; larger → 431
    size_t inline_body_limit = 1 << 20;                // kInline bodies; larger → 413
    std::chrono::milliseconds header_timeout{30'000};  // from a request's first byte (or accept)
    std::chrono::milliseconds idle_timeout{60'000};
    // Reading a body: the waiting allowance before min_body_rate counts (see above). Writing a
    // response: the longest wait for the client to take more.
    std::chrono::milliseconds body_timeout{60'000};
    uint64_t min_body_rate = 4096;  // bytes per second a body must average (0: no minimum)
    // Longest time from a request's first byte to its last body byte (0: none).
    std::chrono::milliseconds request_deadline{3'600'000};
    std::chrono::milliseconds drain_timeout{30'000};
    // One JSON line per request (core/log.h, level info). It costs tens of microseconds per
    // request, so a throughput benchmark may turn it off; the observer is called regardless.
    bool access_log = true;
};

// Called once per finished request (access log and metrics), on the I/O thread: keep it cheap.
// `status` is 499 when the client went away before a response could be written.
struct RequestRecord {
    const Request* request;      // its `body` is null by then
    const Router::Route* route;  // the route it matched; null when none did
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
