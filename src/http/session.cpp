#include "http/session.h"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <utility>  // before Asio (see session.h)

#include "core/log.h"
#include "http/blocking_body.h"
#include "http/body_reader.h"
#include "http/file_range_sender.h"

namespace imgpipe::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using beast::error_code;
using Clock = std::chrono::steady_clock;

constexpr size_t kFirstReadSize = 8 * 1024;
constexpr size_t kResponsePiece = 256 * 1024;
constexpr uint64_t kLingerLimit = 4 << 20;
constexpr std::chrono::seconds kLingerTimeout{2};
// Connections refused over a cap: how many may be answered at once, and how long and how much of
// what they send is discarded after the answer.
constexpr int kMaxRefusals = 64;
constexpr std::chrono::seconds kRefusalTimeout{1};
constexpr uint64_t kRefusalDiscardLimit = 64 * 1024;
// Logged (and observed) when the client went away before a response could be written; nginx's
// convention, never sent on the wire.
constexpr int kClientClosedRequest = 499;

const auto kHttpErrorCategory = &bhttp::make_error_code(bhttp::error::bad_method).category();

auto redirect(error_code& ec) { return asio::redirect_error(use_awaitable, ec); }

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }
beast::string_view bsv(std::string_view s) { return {s.data(), s.size()}; }

std::string make_request_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    uint64_t v = rng();
    std::string id(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) id[static_cast<size_t>(i)] = kHex[v & 15];
    return id;
}

// RFC 9110 IMF-fixdate, formatted at most once per second per thread.
std::string_view http_date() {
    thread_local std::time_t cached_second = 0;
    thread_local std::array<char, 40> cached{};
    thread_local size_t cached_len = 0;
    std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        cached_len = std::strftime(cached.data(), cached.size(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached_second = now;
    }
    return {cached.data(), cached_len};
}

Result<size_t> read_source(ByteSource& source, std::span<char> buf, const Request& req) {
    try {
        return source.read(buf);
    } catch (const std::exception& e) {
        log::error("response body source threw",
                   {{"request_id", req.request_id}, {"error", e.what()}});
    } catch (...) {
        log::error("response body source threw", {{"request_id", req.request_id}});
    }
    return internal_error("response body source threw");
}

// A response to a GET that declares content_length but has neither a source nor that many bytes
// in `body`. (A HEAD answer, or a status without a body, carries the length alone.)
bool lost_body(const Request& req, const Response& res) {
    const bool bodiless =
        req.method == "HEAD" || res.status < 200 || res.status == 204 || res.status == 304;
    return !bodiless && !res.source && res.content_length && *res.content_length != res.body.size();
}

enum class Queueing { kAlways, kUnlessFull };

// Runs `fn` on the handler pool and resumes the calling coroutine on its own executor. With
// kUnlessFull, returns false without running `fn` when the pool's line is full.
template <typename Fn>
awaitable<bool> run_on_pool(HandlerPool& pool, Fn fn, Queueing queueing = Queueing::kAlways) {
    auto ex = co_await asio::this_coro::executor;
    bool ran = true;
    asio::use_awaitable_t<> token;  // async_initiate wants a non-const lvalue token
    co_await asio::async_initiate<asio::use_awaitable_t<>, void()>(
        [&pool, ex, &fn, &ran, queueing](auto handler) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            auto task = [shared, ex, &fn] {
                fn();
                asio::post(ex, [shared] { (*shared)(); });
            };
            if (queueing == Queueing::kAlways) {
                pool.submit(std::move(task));
            } else if (!pool.try_submit(std::move(task))) {
                ran = false;
                asio::post(ex, [shared] { (*shared)(); });
            }
        },
        token);
    co_return ran;
}

// The listener's 503 "busy, retry later" (router.h), ending the connection.
Response busy_response(const ServerState& state, const Request& req) {
    Response res;
    try {
        res = state.router->busy_response(req);
    } catch (const std::exception& e) {
        log::error("busy response threw", {{"request_id", req.request_id}, {"error", e.what()}});
        res = Response::json_error(503, "SlowDown", "the server is busy; retry later");
    }
    res.headers.set("Retry-After", "1");
    res.close = true;
    return res;
}

template <class Body>
void fill_header(bhttp::response<Body>& r, const Response& res, unsigned version, bool keep_alive) {
    r.version(version);
    r.result(static_cast<unsigned>(res.status));
    for (const auto& [name, value] : res.headers.entries()) {
        // Framing headers are the server's business: they follow from the body it writes.
        if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
            iequals(name, "Connection")) {
            continue;
        }
        r.insert(bsv(name), bsv(value));
    }
    r.set(bhttp::field::server, "imgpipe");
    r.set(bhttp::field::date, bsv(http_date()));
    r.keep_alive(keep_alive);
}

class Session : public std::enable_shared_from_this<Session> {
  public:
    // `remote` was admitted by state->admit_connection(); the session releases it.
    Session(asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state, std::string remote)
        : stream_(std::move(socket)),
          state_(std::move(state)),
          opt_(state_->options),
          remote_(std::move(remote)) {
        error_code ec;
        stream_.socket().set_option(asio::ip::tcp::no_delay(true), ec);
        // Asynchronous operations are unaffected; the synchronous reads in read_direct() then
        // return would_block instead of waiting.
        stream_.socket().non_blocking(true, ec);
    }
    ~Session() { state_->release_connection(remote_); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    asio::any_io_executor executor() { return stream_.get_executor(); }
    awaitable<void> run();
    // Runs on the session's executor.
    void notify(bool force) {
        error_code ec;
        if (force) {
            // Shut down, not close: a file burst on the handler pool may still be sending on this
            // descriptor, and a closed descriptor's number can be reused at once. Pending
            // operations end, later ones fail; run() closes the socket when the session is done.
            stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
            stream_.socket().cancel(ec);
        } else if (idle_) {
            // Ends the wait for a next request. A request that arrived just before is still
            // answered, with Connection: close.
            stream_.socket().cancel(ec);
        }
    }

  private:
    awaitable<bool> serve_one(bool first);
    awaitable<Response> dispatch(const Router::Route& route, Request& req, bool& blocking);
    awaitable<Response> run_inline(const Router::Route& route, Request& req);
    awaitable<Response> run_blocking(const Router::Route& route, Request& req);
    awaitable<void> fetch_piece(BlockingBody* body, std::span<char> buf);
    awaitable<bool> write_response(Response& res, const Request& req, bool head, bool blocking,
                                   bool& keep_alive, uint64_t& bytes_out);
    awaitable<bool> write_streamed(bhttp::response<bhttp::buffer_body>& r, Response& res,
                                   const Request& req, bool blocking, uint64_t& bytes_out);
    awaitable<bool> send_file(ByteSource::FileRange range, const Request& req, bool blocking,
                              uint64_t& bytes_out);
    awaitable<void> linger();
    // `route`: the route the request matched, if any.
    void finish(const Request& req, const Router::Route* route, int status, uint64_t bytes_out,
                Clock::time_point started);
    template <typename Fn>  // Response(Request&)
    Response call_handler(const Fn& handler, Request& req);

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<ServerState> state_;
    const ServerOptions& opt_;
    std::string remote_;
    uint64_t id_ = 0;
    bool idle_ = false;  // waiting for the first byte of a request: stop() may end it at once

    // The request being served (connections serve one at a time) and its body.
    std::optional<BodyReader::Parser> parser_;
    BodyReader body_{stream_, buffer_, opt_};
    uint64_t send_waits_ = 0;  // counts send_file's waits, so a late watchdog hits none
};

awaitable<void> Session::run() {
    auto self = shared_from_this();
    id_ = state_->add_session([weak = weak_from_this(), ex = stream_.get_executor()](bool force) {
        asio::post(ex, [weak, force] {
            if (auto s = weak.lock()) s->notify(force);
        });
    });
    try {
        for (bool first = true;; first = false) {
            if (!co_await serve_one(first)) break;
        }
    } catch (const std::exception& e) {
        log::warn("connection failed", {{"server", opt_.name}, {"error", e.what()}});
    }
    error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    stream_.close();
    state_->remove_session(id_);
}

awaitable<bool> Session::serve_one(bool first) {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(
        std::min<size_t>(opt_.header_limit, std::numeric_limits<uint32_t>::max())));
    // Limits are per route, enforced while reading. Not boost::none: Beast 1.74 compares the
    // length against the optional itself, so "no limit" rejects every body.
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    body_.reset(*parser_);

    error_code ec;
    if (buffer_.size() == 0) {
        // Between requests the idle timeout applies; the header timeout starts with the first
        // byte (on a new connection it covers the wait for that byte too).
        if (state_->stopping) co_return false;
        stream_.expires_after(first ? opt_.header_timeout : opt_.idle_timeout);
        idle_ = true;
        size_t n = co_await stream_.async_read_some(buffer_.prepare(kFirstReadSize), redirect(ec));
        idle_ = false;
        if (ec) co_return false;
        buffer_.commit(n);
    }
    const auto started = Clock::now();
    if (!first) stream_.expires_after(opt_.header_timeout);
    co_await bhttp::async_read_header(stream_, buffer_, *parser_, redirect(ec));
    // With buffer_body, body bytes arriving with the header and no buffer set yet are reported
    // as need_buffer: the header itself is complete.
    if (ec == bhttp::error::need_buffer && parser_->is_header_done()) ec = {};

    Request req;
    req.remote_address = remote_;
    req.request_id = make_request_id();
    req.received_at = started;
    if (ec) {
        Response res;
        if (ec == bhttp::error::header_limit) {
            res = Response::json_error(431, "RequestHeaderFieldsTooLarge",
                                       "request header too large");
        } else if (&ec.category() == kHttpErrorCategory && ec != bhttp::error::end_of_stream &&
                   ec != bhttp::error::partial_message) {
            res = Response::json_error(400, "BadRequest", "malformed HTTP request");
            log::debug(
                "malformed HTTP request",
                {{"server", opt_.name}, {"request_id", req.request_id}, {"error", ec.message()}});
        } else {
            co_return false;  // timeout or the client went away: nobody to answer
        }
        bool keep_alive = false;
        uint64_t bytes_out = 0;
        bool written = co_await write_response(res, req, false, false, keep_alive, bytes_out);
        finish(req, nullptr, res.status, bytes_out, started);
        if (written) co_await linger();
        co_return false;
    }

    auto& header = parser_->get();
    req.method = sv(header.method_string());
    req.target = sv(header.target());
    size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    for (const auto& field : header) {
        req.headers.add(std::string(sv(field.name_string())), std::string(sv(field.value())));
    }
    if (auto cl = parser_->content_length()) req.content_length = *cl;
    body_.begin(started, header.version() >= 11 &&
                             iequals(sv(header[bhttp::field::expect]), "100-continue"));
    const bool head = req.method == "HEAD";

    Response res;
    bool blocking = false;
    auto match = state_->router->match(req.method, req.path);
    if (!match.route) {
        res = match.path_exists ? Response::json_error(405, "MethodNotAllowed",
                                                       "method not allowed for this path")
                                : Response::json_error(404, "NotFound", "no such path");
    } else {
        req.path_params = std::move(match.params);
        res = co_await dispatch(*match.route, req, blocking);
    }
    req.body = nullptr;  // the body source belonged to run_inline/run_blocking

    bool keep_alive = header.keep_alive() && !res.close && !state_->stopping && !body_.poisoned();
    if (keep_alive && !body_.broken() && !body_.done()) keep_alive = co_await body_.drain(req);
    int status = res.status;
    uint64_t bytes_out = 0;
    bool written = false;
    if (body_.broken()) {
        status = kClientClosedRequest;
    } else {
        written = co_await write_response(res, req, head, blocking, keep_alive, bytes_out);
    }
    finish(req, match.route, status, bytes_out, started);
    if (written && keep_alive) co_return true;
    if (written && !body_.done() && !body_.poisoned()) co_await linger();
    co_return false;
}

template <typename Fn>
Response Session::call_handler(const Fn& handler, Request& req) {
    try {
        Response res = handler(req);
        if (res.status < 100 || res.status > 999) {
            log::error("handler returned an invalid status",
                       {{"request_id", req.request_id}, {"status", res.status}});
        } else if (lost_body(req, res)) {
            // Sending the (empty) string body instead would be a silent wrong answer that a
            // CDN caches for a year; a 500 is loud and never cached. (Seen 2026-12-05: a stale
            // object file read ObjectReader::body at the wrong offset; 200, Content-Length 0.)
            log::error("handler declared a body length but returned no such body",
                       {{"server", opt_.name},
                        {"request_id", req.request_id},
                        {"path", req.path},
                        {"content_length", *res.content_length},
                        {"body_bytes", res.body.size()}});
        } else {
            return res;
        }
    } catch (const std::exception& e) {
        log::error("handler threw", {{"server", opt_.name},
                                     {"request_id", req.request_id},
                                     {"path", req.path},
                                     {"error", e.what()}});
    } catch (...) {
        log::error("handler threw", {{"server", opt_.name}, {"request_id", req.request_id}});
    }
    return Response::json_error(500, "InternalError", "internal error");
}

// Everything before the handler runs on this I/O thread (server.h, "Hostile and slow
// clients"): the gate, the body cap, then the body (inline) or its prefetch (blocking).
awaitable<Response> Session::dispatch(const Router::Route& route, Request& req, bool& blocking) {
    const RouteOptions& options = route.options;
    blocking = options.execution == Execution::kBlocking;
    if (options.gate) {
        std::optional<Response> refused;
        try {
            refused = options.gate(req);
        } catch (const std::exception& e) {
            log::error("route gate threw", {{"request_id", req.request_id}, {"error", e.what()}});
            refused = Response::json_error(500, "InternalError", "internal error");
        }
        if (refused) co_return std::move(*refused);
    }
    const uint64_t cap =
        blocking ? options.max_body : std::min<uint64_t>(options.max_body, opt_.inline_body_limit);
    if (req.content_length && *req.content_length > cap) {
        // Answered before any body byte: draining first would delay the answer until the
        // client sent (up to 64 KiB of) a body nobody wants.
        Response res = Response::json_error(413, "PayloadTooLarge", "request body too large");
        res.close = true;
        co_return res;
    }
    // Beast enforces it on a chunked body, chunk header by chunk header.
    parser_->body_limit(cap);
    // Not a conditional expression: g++ 12 miscompiles co_await inside one.
    Response res;
    if (blocking && options.inline_answer && body_.done()) {
        StringByteSource empty("");
        req.body = &empty;
        bool answered = true;
        res = call_handler(
            [&](Request& r) {
                auto quick = options.inline_answer(r);
                answered = quick.has_value();
                return answered ? std::move(*quick) : Response{};
            },
            req);
        req.body = nullptr;
        if (answered) {
            blocking = false;
            co_return res;
        }
    }
    if (blocking) {
        res = co_await run_blocking(route, req);
    } else {
        res = co_await run_inline(route, req);
    }
    if (body_.over_cap()) {
        // Whatever the handler made of its failed read, the client is told why.
        res = Response::json_error(413, "PayloadTooLarge", "request body too large");
        res.close = true;
    }
    co_return res;
}

awaitable<Response> Session::run_inline(const Router::Route& route, Request& req) {
    // The buffer grows with the bytes that arrive, never from the declared length: a client
    // declaring a big body and sending none costs nothing. The cap was set on the parser and
    // checked against Content-Length by dispatch().
    std::string body;
    while (!body_.done()) {
        const size_t old = body.size();
        const size_t step = body_.step();
        body.resize(old + step);
        auto got = co_await body_.read(std::span<char>(body.data() + old, step));
        if (!got.is_ok()) co_return body_.failure_response(got.status());
        body.resize(old + *got);
    }
    StringByteSource source(std::move(body));
    req.body = &source;
    co_return call_handler(route.handler, req);
}

awaitable<Response> Session::run_blocking(const Router::Route& route, Request& req) {
    std::string prefix;
    if (route.options.prefetch && !body_.done()) {
        if (const size_t want = route.options.prefetch(req); want > 0) {
            if (auto failed = co_await body_.prefetch(want, prefix)) co_return std::move(*failed);
        }
    }
    std::unique_ptr<ByteSource> body;
    if (body_.done()) {
        body = std::make_unique<StringByteSource>(std::move(prefix));
    } else {
        // The fetch runs on the handler thread; the read itself on this session's executor,
        // while serve_one() waits for the handler, so the parser is never used by two at once.
        // `raw` lives in this coroutine's frame, which outlives the handler.
        BlockingBody* raw = nullptr;
        auto streaming = std::make_unique<BlockingBody>(
            [self = shared_from_this(), &raw](std::span<char> buf) {
                asio::co_spawn(self->stream_.get_executor(), self->fetch_piece(raw, buf),
                               asio::detached);
            },
            std::move(prefix));
        raw = streaming.get();
        body = std::move(streaming);
    }
    req.body = body.get();
    Response res;
    const Handler& handler = route.handler;
    if (!co_await run_on_pool(
            state_->pool, [&] { res = call_handler(handler, req); }, Queueing::kUnlessFull)) {
        log::warn("handler queue full: shedding request",
                  {{"server", opt_.name}, {"request_id", req.request_id}, {"path", req.path}});
        req.body = nullptr;  // the busy response sees the header, not the body
        co_return busy_response(*state_, req);
    }
    co_return res;
}

awaitable<void> Session::fetch_piece(BlockingBody* body, std::span<char> buf) {
    Result<size_t> got = Status(StatusCode::kAborted, "ClientDisconnected", "body read failed");
    try {
        got = co_await body_.read(buf);
    } catch (const std::exception& e) {
        body_.mark_broken();
        got = Status(StatusCode::kAborted, "ClientDisconnected", e.what());
    }
    body->deliver(std::move(got));
}

awaitable<bool> Session::write_response(Response& res, const Request& req, bool head, bool blocking,
                                        bool& keep_alive, uint64_t& bytes_out) {
    const unsigned version = parser_->is_header_done() ? parser_->get().version() : 11;
    error_code ec;
    stream_.expires_after(opt_.body_timeout);
    const bool bodiless_status = res.status < 200 || res.status == 204 || res.status == 304;
    if (head || bodiless_status) {
        bhttp::response<bhttp::empty_body> r;
        fill_header(r, res, version, keep_alive);
        if (!bodiless_status) {
            if (res.content_length) {
                r.content_length(*res.content_length);
            } else if (auto declared = res.headers.get("Content-Length")) {
                r.set(bhttp::field::content_length, bsv(*declared));
            } else if (!res.source) {
                r.content_length(res.body.size());
            }
        }
        bhttp::response_serializer<bhttp::empty_body> sr{r};
        co_await bhttp::async_write_header(stream_, sr, redirect(ec));
        co_return !ec;
    }
    bhttp::response<bhttp::buffer_body> r;
    fill_header(r, res, version, keep_alive);
    // A body already in memory (a string, or a small stored object) goes out with its header in
    // one write from this thread: no trip to the handler pool for bytes nobody waits for.
    std::optional<std::string_view> whole;
    if (!res.source) {
        whole = res.body;
    } else if (auto bytes = res.source->buffered(); bytes && res.content_length == bytes->size()) {
        whole = bytes;
    }
    if (whole) {
        r.content_length(whole->size());
        r.body().data = const_cast<char*>(whole->data());  // buffer_body wants void*; only read
        r.body().size = whole->size();
        r.body().more = false;
        co_await bhttp::async_write(stream_, r, redirect(ec));
        if (!ec) bytes_out = whole->size();
        co_return !ec;
    }
    if (res.content_length) {
        r.content_length(*res.content_length);
    } else if (version >= 11) {
        r.chunked(true);
    } else {
        keep_alive = false;  // an HTTP/1.0 body of unknown length ends with the connection
        r.keep_alive(false);
    }
    co_return co_await write_streamed(r, res, req, blocking, bytes_out);
}

awaitable<bool> Session::write_streamed(bhttp::response<bhttp::buffer_body>& r, Response& res,
                                        const Request& req, bool blocking, uint64_t& bytes_out) {
    error_code ec;
    r.body().data = nullptr;
    r.body().more = true;
    bhttp::response_serializer<bhttp::buffer_body> sr{r};
    co_await bhttp::async_write_header(stream_, sr, redirect(ec));
    if (ec) co_return false;
    const auto range = res.source->file_range();
    if (range && res.content_length == range->length) {
        co_return co_await send_file(*range, req, blocking, bytes_out);
    }
    // One piece buffer per streamed response, not per connection: idle keep-alive connections
    // then cost no more than their socket buffers.
    auto piece = std::make_unique_for_overwrite<char[]>(kResponsePiece);
    const std::span<char> span(piece.get(), kResponsePiece);
    const auto& cl = res.content_length;
    uint64_t sent = 0;
    while (true) {
        Result<size_t> got = size_t{0};
        if (blocking) {
            co_await run_on_pool(state_->pool, [&] { got = read_source(*res.source, span, req); });
        } else {
            got = read_source(*res.source, span, req);
        }
        if (!got.is_ok()) {
            log::warn("response body failed; closing connection",
                      {{"request_id", req.request_id}, {"error", got.status().to_string()}});
            co_return false;
        }
        const size_t n = *got;
        if (cl && (n == 0 ? sent != *cl : sent + n > *cl)) {
            log::error("response body length differs from content_length; closing connection",
                       {{"request_id", req.request_id}, {"content_length", *cl}});
            co_return false;
        }
        r.body().data = n ? piece.get() : nullptr;
        r.body().size = n;
        r.body().more = n > 0;
        stream_.expires_after(opt_.body_timeout);
        co_await bhttp::async_write(stream_, sr, redirect(ec));
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec) co_return false;
        if (n == 0) co_return true;
        sent += n;
        bytes_out = sent;
    }
}

// A stored file goes out through a FileRangeSender: no trip to the handler pool per 256 KiB
// piece and no response serializer in the way. A burst may wait for the disk, so for a blocking
// route each burst runs on the pool; a full socket is waited for here, at most the body timeout.
awaitable<bool> Session::send_file(ByteSource::FileRange range, const Request& req, bool blocking,
                                   uint64_t& bytes_out) {
    FileRangeSender sender(range, stream_.socket().native_handle(), state_->send_buffers);
    asio::steady_timer watchdog(stream_.get_executor());
    for (;;) {
        Result<FileRangeSender::Progress> progress = FileRangeSender::Progress::kDone;
        if (blocking) {
            co_await run_on_pool(state_->pool, [&] { progress = sender.burst(); });
        } else {
            progress = sender.burst();
        }
        bytes_out = sender.sent();
        if (!progress.is_ok()) {
            if (progress.status().code() != StatusCode::kAborted) {
                log::warn(
                    "sending a file failed; closing connection",
                    {{"request_id", req.request_id}, {"error", progress.status().to_string()}});
            }
            co_return false;
        }
        if (*progress == FileRangeSender::Progress::kDone) co_return true;
        // The socket is full: wait until the client takes more, or give up at the timeout.
        const uint64_t wait = ++send_waits_;
        watchdog.expires_after(opt_.body_timeout);
        watchdog.async_wait([weak = weak_from_this(), wait](error_code ec) {
            auto self = weak.lock();
            if (!ec && self && self->send_waits_ == wait) self->stream_.socket().cancel();
        });
        error_code ec;
        co_await stream_.socket().async_wait(asio::socket_base::wait_write, redirect(ec));
        ++send_waits_;
        watchdog.cancel();
        if (ec) co_return false;
    }
}

// Closing a socket with unread request bytes makes the kernel send a reset, which can destroy
// the response before the client reads it. So: half-close, then read and discard (bounded).
awaitable<void> Session::linger() {
    error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    stream_.expires_after(kLingerTimeout);
    buffer_.consume(buffer_.size());
    uint64_t total = 0;
    while (total < kLingerLimit) {
        size_t n = co_await stream_.async_read_some(buffer_.prepare(64 * 1024), redirect(ec));
        if (ec) co_return;
        total += n;
    }
}

void Session::finish(const Request& req, const Router::Route* route, int status, uint64_t bytes_out,
                     Clock::time_point started) {
    auto duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    if (state_->observer) {
        try {
            state_->observer(
                RequestRecord{&req, route, status, body_.bytes_in(), bytes_out, duration});
        } catch (const std::exception& e) {
            log::error("request observer threw",
                       {{"request_id", req.request_id}, {"error", e.what()}});
        }
    }
    if (!opt_.access_log || !log::enabled(log::Level::kInfo)) return;
    log::Line(log::Level::kInfo, "request")
        .add("server", opt_.name)
        .add("method", req.method)
        .add("path", req.path)
        .add("status", status)
        .add("bytes_in", body_.bytes_in())
        .add("bytes_out", bytes_out)
        .add("duration_ms", static_cast<double>(duration.count()) / 1000.0)
        .add("request_id", req.request_id)
        .add("remote", req.remote_address)
        .write();
}

}  // namespace

void start_session(asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                   std::string remote) {
    auto session =
        std::make_shared<Session>(std::move(socket), std::move(state), std::move(remote));
    auto ex = session->executor();
    // The lambda (and so the shared_ptr) lives in co_spawn's frame until run() ends.
    asio::co_spawn(
        ex, [session]() -> awaitable<void> { co_await session->run(); }, asio::detached);
}

namespace {

// Writes the busy response to a connection over a cap without reading its request, then
// half-closes and discards what the client sends for a moment (closing with unread bytes would
// reset the connection and could destroy the response before the client reads it).
awaitable<void> refuse(asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                       std::string remote) {
    Request req;
    req.remote_address = std::move(remote);
    req.request_id = make_request_id();
    Response res = busy_response(*state, req);
    bhttp::response<bhttp::string_body> r;
    fill_header(r, res, 11, false);
    r.body() = std::move(res.body);
    r.content_length(r.body().size());
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(kRefusalTimeout);
    error_code ec;
    co_await bhttp::async_write(stream, r, redirect(ec));
    if (!ec) stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    std::array<char, 4096> scratch;
    for (uint64_t discarded = 0; !ec && discarded < kRefusalDiscardLimit;) {
        discarded += co_await stream.async_read_some(asio::buffer(scratch), redirect(ec));
    }
    stream.close();
    --state->refusing;
}

}  // namespace

void refuse_connection(asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                       std::string remote) {
    if (state->refusing.fetch_add(1) >= kMaxRefusals) {
        --state->refusing;
        error_code ec;
        socket.close(ec);
        return;
    }
    auto ex = socket.get_executor();
    asio::co_spawn(ex, refuse(std::move(socket), std::move(state), std::move(remote)),
                   asio::detached);
}

}  // namespace imgpipe::http
