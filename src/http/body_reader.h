#pragma once
// BodyReader: reads the body of the request a session is serving, off its connection, on the
// session's I/O thread. A Content-Length body comes straight from the socket; a chunked one
// through Beast's parser, whose body_limit carries the route's cap (crossing it is
// "BodyTooLarge"). The first read answers `Expect: 100-continue`. Every wait for body bytes is
// bounded by the body allowance (server.h): body_timeout in total, plus one second per
// min_body_rate bytes received, never past request_deadline; time spent elsewhere (in the
// handler) does not count. Internal to the server (session.cpp); not thread-safe: used on the
// session's executor only.

// clang-format off
#include <utility>  // first: g++ 12 + Boost 1.74 coroutine headers need it
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/result.h"
#include "http/request.h"
#include "http/server.h"

namespace imgpipe::http {

class BodyReader {
  public:
    using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;
    using Clock = std::chrono::steady_clock;

    // The three outlive the reader (they are the session's).
    BodyReader(boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
               const ServerOptions& options)
        : stream_(stream), buffer_(buffer), opt_(options) {}

    // A new request, before its header is read: forgets the last one. `parser` outlives it.
    void reset(Parser& parser);
    // Its header was read at `started` (the request's first byte).
    void begin(Clock::time_point started, bool expect_continue);

    // Reads up to buf.size() body bytes: those already waiting, else waits for some. 0 at the
    // end of the body. Errors (repeated by later reads): kAborted "BodyTimeout" (out of
    // allowance) or "ClientDisconnected"; kInvalidArgument "BadRequestBody" (malformed chunked
    // coding); kResourceExhausted "BodyTooLarge" (over the parser's body_limit). Bytes read
    // before a failure are returned first.
    boost::asio::awaitable<Result<size_t>> read(std::span<char> buf);
    // Reads until `into` holds `want` bytes or the body ended; the error response otherwise.
    boost::asio::awaitable<std::optional<Response>> prefetch(size_t want, std::string& into);
    // The answer to a request whose body read failed with `status`: 413, 408 or 400.
    Response failure_response(const Status& status) const;
    // Reads and discards what is left of a small body (64 KiB at most) so the connection can
    // serve the next request; false when it cannot.
    boost::asio::awaitable<bool> drain(const Request& req);

    bool done() const { return direct_left_ ? *direct_left_ == 0 : parser_->is_done(); }
    // A good size for the next read: what is left of a Content-Length body, at most 64 KiB.
    size_t step() const;
    uint64_t bytes_in() const { return bytes_in_; }
    // The connection failed: no response can be written.
    bool broken() const { return broken_; }
    void mark_broken() { broken_ = true; }
    // The body could not be parsed (or crossed the cap): answer, then close.
    bool poisoned() const { return poisoned_; }
    bool over_cap() const { return over_cap_; }

  private:
    boost::asio::awaitable<Result<size_t>> read_direct(std::span<char> buf);
    Clock::duration wait_budget() const;

    boost::beast::tcp_stream& stream_;
    boost::beast::flat_buffer& buffer_;
    const ServerOptions& opt_;
    Parser* parser_ = nullptr;
    bool expect_continue_ = false;
    bool continue_sent_ = false;
    bool broken_ = false;
    bool poisoned_ = false;
    bool over_cap_ = false;
    uint64_t bytes_in_ = 0;
    // The allowance: time spent waiting for body bytes so far, and the request's first byte.
    Clock::duration waited_{};
    Clock::time_point started_{};
    // Body bytes still to come when the body is framed by Content-Length: such bodies are read
    // past the parser (see read_direct). Empty for chunked bodies.
    std::optional<uint64_t> direct_left_;
};

}  // namespace imgpipe::http
