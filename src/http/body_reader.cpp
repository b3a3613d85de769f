#include "http/body_reader.h"

#include <algorithm>
#include <array>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <string_view>
#include <utility>  // before Asio (see session.h)

namespace imgpipe::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::awaitable;
using beast::error_code;
using Clock = BodyReader::Clock;

constexpr uint64_t kDrainLimit = 64 * 1024;
constexpr size_t kReadStep = 64 * 1024;
constexpr std::string_view k100Continue = "HTTP/1.1 100 Continue\r\n\r\n";

const auto kHttpErrorCategory = &bhttp::make_error_code(bhttp::error::bad_method).category();

auto redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

}  // namespace

void BodyReader::reset(Parser& parser) {
    parser_ = &parser;
    expect_continue_ = continue_sent_ = broken_ = poisoned_ = over_cap_ = false;
    bytes_in_ = 0;
    waited_ = {};
    direct_left_.reset();
}

void BodyReader::begin(Clock::time_point started, bool expect_continue) {
    started_ = started;
    expect_continue_ = expect_continue;
    if (auto cl = parser_->content_length(); cl && !parser_->chunked()) direct_left_ = *cl;
}

size_t BodyReader::step() const {
    return direct_left_ ? static_cast<size_t>(std::min<uint64_t>(*direct_left_, kReadStep))
                        : kReadStep;
}

Response BodyReader::failure_response(const Status& status) const {
    if (over_cap_) return Response::json_error(413, "PayloadTooLarge", "request body too large");
    if (status.reason() == "BodyTimeout") {
        Response res = Response::json_error(408, "RequestTimeout", "request body too slow");
        res.close = true;
        return res;
    }
    return Response::json_error(400, "BadRequest", "malformed request body");
}

awaitable<std::optional<Response>> BodyReader::prefetch(size_t want, std::string& into) {
    while (into.size() < want && !done()) {
        const size_t old = into.size();
        const size_t n = std::min(want - old, step());
        into.resize(old + n);
        auto got = co_await read(std::span<char>(into.data() + old, n));
        if (!got.is_ok()) co_return failure_response(got.status());
        into.resize(old + *got);
    }
    co_return std::nullopt;
}

awaitable<Result<size_t>> BodyReader::read(std::span<char> buf) {
    if (over_cap_) {
        co_return Status(StatusCode::kResourceExhausted, "BodyTooLarge", "request body too large");
    }
    if (poisoned_) co_return invalid_argument("BadRequestBody", "malformed request body");
    if (broken_) co_return Status(StatusCode::kAborted, "ClientDisconnected", "connection lost");
    if (done()) co_return size_t{0};
    error_code ec;
    if (expect_continue_ && !continue_sent_) {
        continue_sent_ = true;
        stream_.expires_after(opt_.body_timeout);
        co_await asio::async_write(stream_, asio::buffer(k100Continue.data(), k100Continue.size()),
                                   redirect(ec));
        if (ec) {
            broken_ = true;
            co_return Status(StatusCode::kAborted, "ClientDisconnected", ec.message());
        }
    }
    if (direct_left_) co_return co_await read_direct(buf);
    // Keep filling `buf` while bytes are already waiting (in Beast's buffer or the socket): each
    // piece costs the handler thread a round trip, so a fast upload should arrive in big pieces,
    // while a slow client still gets what it sent without waiting for more.
    auto& body = parser_->get().body();
    size_t total = 0;
    while (true) {
        body.data = buf.data() + total;
        body.size = buf.size() - total;
        const auto before = Clock::now();
        stream_.expires_after(wait_budget());
        co_await bhttp::async_read_some(stream_, buffer_, *parser_, redirect(ec));
        waited_ += Clock::now() - before;
        const size_t n = buf.size() - total - body.size;
        body.data = nullptr;
        total += n;
        bytes_in_ += n;
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec) {
            if (ec == bhttp::error::body_limit) {
                over_cap_ = poisoned_ = true;
                if (total > 0) co_return total;
                co_return Status(StatusCode::kResourceExhausted, "BodyTooLarge",
                                 "request body too large");
            }
            if (&ec.category() == kHttpErrorCategory && ec != bhttp::error::end_of_stream &&
                ec != bhttp::error::partial_message) {
                poisoned_ = true;
            } else {
                broken_ = true;
            }
            // Bytes already read are handed over first; the next read reports the failure.
            if (total > 0) co_return total;
            if (poisoned_) {
                co_return invalid_argument("BadRequestBody",
                                           "malformed request body: " + ec.message());
            }
            if (ec == beast::error::timeout) {
                co_return Status(StatusCode::kAborted, "BodyTimeout", "request body too slow");
            }
            co_return Status(StatusCode::kAborted, "ClientDisconnected", ec.message());
        }
        if (done() || total == buf.size()) co_return total;
        if (total > 0) {
            error_code avail_ec;
            if (buffer_.size() == 0 && stream_.socket().available(avail_ec) == 0) {
                co_return total;
            }
        }
    }
}

// A Content-Length body needs no parsing, so it is read straight from the socket into the
// handler's buffer: one copy instead of two (socket → Beast's buffer → body) and reads as large
// as the buffer rather than Beast's 64 KiB. Like the parsed path, it keeps filling `buf` with
// whatever is already waiting and returns when nothing is.
awaitable<Result<size_t>> BodyReader::read_direct(std::span<char> buf) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), *direct_left_));
    size_t total = 0;
    if (buffer_.size() > 0) {  // body bytes that arrived with the header
        total = asio::buffer_copy(asio::buffer(buf.data(), want), buffer_.data());
        buffer_.consume(total);
    }
    error_code ec;
    if (total == 0) {
        const auto before = Clock::now();
        stream_.expires_after(wait_budget());
        total = co_await stream_.async_read_some(asio::buffer(buf.data(), want), redirect(ec));
        waited_ += Clock::now() - before;
    }
    while (!ec && total < want) {
        const size_t n =
            stream_.socket().read_some(asio::buffer(buf.data() + total, want - total), ec);
        total += n;
        if (ec == asio::error::would_block) {
            ec = {};
            break;
        }
    }
    *direct_left_ -= total;
    bytes_in_ += total;
    if (ec) broken_ = true;  // the next read reports it; bytes already read are handed over
    if (total > 0) co_return total;
    if (ec == beast::error::timeout) {
        co_return Status(StatusCode::kAborted, "BodyTimeout", "request body too slow");
    }
    co_return Status(StatusCode::kAborted, "ClientDisconnected",
                     ec ? ec.message() : std::string("connection lost"));
}

// The body allowance (server.h): body_timeout plus a second per min_body_rate bytes received,
// less the time already spent waiting for body bytes, and never past request_deadline. Time the
// handler spends elsewhere (on the disk) is not the client's and does not count.
Clock::duration BodyReader::wait_budget() const {
    using std::chrono::microseconds;
    Clock::duration allowance = opt_.body_timeout;
    if (opt_.min_body_rate > 0) {
        allowance += microseconds(bytes_in_ / opt_.min_body_rate * 1'000'000 +
                                  bytes_in_ % opt_.min_body_rate * 1'000'000 / opt_.min_body_rate);
    }
    Clock::duration budget = allowance - waited_;
    if (opt_.request_deadline.count() > 0) {
        budget = std::min(budget, started_ + opt_.request_deadline - Clock::now());
    }
    return std::max(budget, Clock::duration::zero());
}

awaitable<bool> BodyReader::drain(const Request& req) {
    // A client still waiting for "100 Continue" may never send the body: closing is the only
    // way to end the exchange cleanly.
    if (expect_continue_ && !continue_sent_) co_return false;
    if (req.content_length && *req.content_length - bytes_in_ > kDrainLimit) co_return false;
    std::array<char, 16 * 1024> scratch;
    uint64_t drained = 0;
    while (!done() && drained <= kDrainLimit) {
        auto got = co_await read(scratch);
        if (!got.is_ok()) co_return false;
        drained += *got;
    }
    co_return done();
}

}  // namespace imgpipe::http
