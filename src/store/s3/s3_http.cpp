#include "store/s3/s3_http.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <thread>

#include "store/s3/s3_errors.h"

namespace imgpipe::store::s3 {
namespace {

// A download holds at most about this much received-but-unread data before pausing the
// transfer, so a slow reader never makes the client buffer a whole object.
constexpr size_t kMaxBuffered = 256 * 1024;
// Error responses and the small XML bodies of listings are read whole, up to this.
constexpr size_t kMaxErrorBody = 1024 * 1024;
constexpr size_t kMaxResponseBody = 64 * 1024 * 1024;
constexpr size_t kMaxIdleChannels = 32;

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    size_t b = s.find_first_not_of(" \t\r\n");
    size_t e = s.find_last_not_of(" \t\r\n");
    return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

bool is_transport_retryable(CURLcode code) {
    switch (code) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
            return true;
        default:
            return false;
    }
}

}  // namespace

std::string S3Response::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

// One easy handle in its own multi handle: the multi keeps the connection alive between the
// requests this channel carries, and lets a download be driven one step at a time.
struct S3Http::Channel {
    Channel() : multi(curl_multi_init()), easy(curl_easy_init()) {}
    ~Channel() {
        if (easy != nullptr) curl_easy_cleanup(easy);
        if (multi != nullptr) curl_multi_cleanup(multi);
    }
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;
    CURLM* multi;
    CURL* easy;
    char error[CURL_ERROR_SIZE] = {};
    std::unique_ptr<curl_slist, SlistDeleter> headers;
};

void S3Http::global_init() {
    static const bool done = [] {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        return true;
    }();
    (void)done;
}

S3Http::S3Http(S3ClientOptions options) : options_(std::move(options)) {
    global_init();
    if (!options_.sleep) {
        options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    }
}

S3Http::~S3Http() = default;

std::unique_ptr<S3Http::Channel> S3Http::acquire() {
    {
        std::lock_guard lock(mu_);
        if (!idle_.empty()) {
            auto channel = std::move(idle_.back());
            idle_.pop_back();
            return channel;
        }
    }
    return std::make_unique<Channel>();
}

void S3Http::release(std::unique_ptr<Channel> channel) {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdleChannels) idle_.push_back(std::move(channel));
}

std::chrono::milliseconds S3Http::backoff(int attempt) {
    // Full jitter (AWS's "Exponential Backoff And Jitter"): uniform in [0, min(cap, base*2^n)].
    auto ceiling = options_.backoff_base.count() << std::min(attempt, 16);
    ceiling = std::min<int64_t>(ceiling, options_.backoff_cap.count());
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<int64_t> pick(ceiling / 4, std::max<int64_t>(ceiling, 1));
    return std::chrono::milliseconds(pick(rng));
}

namespace {

std::string encoded_path(const S3ClientOptions& options, const S3Request& request) {
    std::string path = "/";
    if (!request.bucket.empty() && !options.virtual_hosted) {
        path += request.bucket;
        if (!request.key.empty()) path += "/";
    }
    path += sigv4::uri_encode(request.key, /*keep_slash=*/true);
    return path;
}

std::string encoded_query(const S3Request& request) {
    std::string query;
    for (const auto& [name, value] : request.query) {
        if (!query.empty()) query += '&';
        query += sigv4::uri_encode(name, false) + "=" + sigv4::uri_encode(value, false);
    }
    return query;
}

std::string host_for(const S3ClientOptions& options, const std::string& bucket) {
    if (options.virtual_hosted && !bucket.empty()) return bucket + "." + options.authority();
    return options.authority();
}

}  // namespace

std::string S3Http::url_for(const S3Request& request) const {
    std::string url = options_.scheme + "://" + host_for(options_, request.bucket) +
                      encoded_path(options_, request);
    std::string query = encoded_query(request);
    if (!query.empty()) url += "?" + query;
    return url;
}

std::string S3Http::presigned_url(const std::string& method, const std::string& bucket,
                                  const std::string& key, std::chrono::seconds expires) const {
    S3Request request;
    request.bucket = bucket;
    request.key = key;
    std::string host = host_for(options_, bucket);
    std::string path = encoded_path(options_, request);
    return options_.scheme + "://" + host + path + "?" +
           sigv4::presign_query(options_.credentials, method, host, path, "", expires,
                                std::chrono::system_clock::now());
}

Result<std::unique_ptr<S3Download>> S3Http::attempt(const S3Request& request, bool& retry) {
    retry = false;
    std::string host = host_for(options_, request.bucket);
    std::string path = encoded_path(options_, request);
    std::string query = encoded_query(request);
    sigv4::HeaderList headers = {{"host", host}};
    for (const auto& h : request.headers) headers.push_back(h);
    if (request.body != nullptr && !request.body->md5.empty()) {
        headers.emplace_back("content-md5", sigv4::base64_encode(request.body->md5));
    }
    std::string payload_hash = "UNSIGNED-PAYLOAD";
    if (request.body == nullptr) {
        payload_hash = sigv4::sha256_hex("");
    } else if (request.sign_body) {
        payload_hash = sigv4::sha256_hex(request.body->memory);
    }
    sigv4::sign_request(options_.credentials, request.method, path, query, headers, payload_hash,
                        std::chrono::system_clock::now());
    std::vector<std::string> lines;
    for (const auto& [name, value] : headers) {
        if (name == "host") continue;  // libcurl writes it from the URL
        // "name;" is libcurl's way to send a header with an empty value.
        lines.push_back(value.empty() ? name + ";" : name + ": " + value);
    }
    std::string url = options_.scheme + "://" + host + path + (query.empty() ? "" : "?" + query);

    std::unique_ptr<S3Download> download(new S3Download(*this, acquire()));
    Status started = download->start(request, url, lines);
    if (!started.is_ok()) return started;
    while (!download->headers_done_ && download->step()) {
    }
    if (!download->headers_done_) {
        // The transfer ended without a response: connection refused, reset, timed out.
        retry = request.retryable;
        return download->done_status_.is_ok()
                   ? Status(StatusCode::kUnavailable, "ServiceUnavailable", "no response")
                   : download->done_status_;
    }
    long status = download->response_.status;
    if (status >= 300) {
        while (download->step()) {
        }
        std::string body = download->buffer_;
        Status error = s3_error(status, body, download->response_.header("x-amz-request-id"));
        retry = request.retryable && is_retryable(status, error.reason());
        return error;
    }
    return download;
}

Result<std::unique_ptr<S3Download>> S3Http::open(const S3Request& request) {
    for (int attempt_no = 0;; ++attempt_no) {
        bool retry = false;
        auto result = attempt(request, retry);
        if (result.is_ok() || !retry || attempt_no + 1 >= options_.max_attempts) return result;
        options_.sleep(backoff(attempt_no));
    }
}

Result<S3Response> S3Http::execute(const S3Request& request) {
    for (int attempt_no = 0;; ++attempt_no) {
        bool retry = false;
        auto download = attempt(request, retry);
        if (download.is_ok()) {
            auto body = read_all(**download, kMaxResponseBody);
            if (body.is_ok()) {
                S3Response response = (*download)->response();
                response.body = std::move(*body);
                return response;
            }
            // Cut off mid-body: the whole request is sent again.
            retry = request.retryable && body.status().code() == StatusCode::kUnavailable;
            if (!retry || attempt_no + 1 >= options_.max_attempts) return body.status();
        } else if (!retry || attempt_no + 1 >= options_.max_attempts) {
            return download.status();
        }
        options_.sleep(backoff(attempt_no));
    }
}

// ---- S3Download ---------------------------------------------------------------------------------

S3Download::S3Download(S3Http& http, std::unique_ptr<S3Http::Channel> channel)
    : http_(http), channel_(std::move(channel)) {}

S3Download::~S3Download() {
    if (channel_ == nullptr) return;
    // Removing an unfinished transfer closes its connection; the channel stays reusable.
    curl_multi_remove_handle(channel_->multi, channel_->easy);
    channel_->headers.reset();
    http_.release(std::move(channel_));
}

Status S3Download::start(const S3Request& request, const std::string& url,
                         const std::vector<std::string>& header_lines) {
    if (channel_->multi == nullptr || channel_->easy == nullptr) {
        return internal_error("libcurl could not create a handle");
    }
    CURL* c = channel_->easy;
    const S3ClientOptions& options = http_.options_;
    curl_easy_reset(c);
    curl_slist* list = nullptr;
    for (const auto& line : header_lines) {
        curl_slist* grown = curl_slist_append(list, line.c_str());
        if (grown == nullptr) {
            curl_slist_free_all(list);
            return internal_error("out of memory");
        }
        list = grown;
    }
    channel_->headers.reset(list);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    // S3 keys may hold "..", "./" or "//": they must reach the service as written.
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_timeout.count()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, channel_->error);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &S3Download::on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &S3Download::on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, this);
    // Bodies are compared byte for byte and ranges are of the stored bytes: no decoding.
    curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    if (request.method == "HEAD") {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (request.method == "GET") {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        // Every other method sends a body, if only an empty one, so Content-Length is set.
        body_ = request.body;
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                         static_cast<curl_off_t>(body_ == nullptr ? 0 : body_->size));
        curl_easy_setopt(c, CURLOPT_READFUNCTION, &S3Download::on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, this);
    }
    if (curl_multi_add_handle(channel_->multi, c) != CURLM_OK) {
        return internal_error("libcurl could not start a transfer");
    }
    return Status::ok();
}

bool S3Download::step() {
    if (finished_) return false;
    int running = 0;
    curl_multi_perform(channel_->multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(channel_->multi, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        finished_ = true;
        CURLcode code = msg->data.result;
        if (code != CURLE_OK) {
            std::string detail =
                channel_->error[0] != '\0' ? channel_->error : curl_easy_strerror(code);
            done_status_ = Status(StatusCode::kUnavailable,
                                  is_transport_retryable(code) ? "ServiceUnavailable" : "IoError",
                                  "S3 transfer failed: " + detail);
        }
    }
    if (finished_) return false;
    if (!paused_) curl_multi_poll(channel_->multi, nullptr, 0, 100, nullptr);
    return true;
}

Result<size_t> S3Download::read(std::span<char> buf) {
    while (buffer_pos_ == buffer_.size()) {
        buffer_.clear();
        buffer_pos_ = 0;
        if (finished_) {
            if (!done_status_.is_ok()) return done_status_;
            return size_t{0};
        }
        if (paused_) {
            paused_ = false;
            // May hand over the held-back data at once, through on_write.
            curl_easy_pause(channel_->easy, CURLPAUSE_CONT);
            continue;
        }
        step();
    }
    size_t n = std::min(buf.size(), buffer_.size() - buffer_pos_);
    buffer_.copy(buf.data(), n, buffer_pos_);
    buffer_pos_ += n;
    return n;
}

size_t S3Download::on_header(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<S3Download*>(self_ptr);
    std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
        // A new response (the first, or the final one after 100 Continue).
        self->response_.headers.clear();
        auto space = line.find(' ');
        self->response_.status = space == std::string_view::npos
                                     ? 0
                                     : std::atol(std::string(line.substr(space + 1, 3)).c_str());
        return line.size();
    }
    if (trim(line).empty()) {
        if (self->response_.status >= 200) self->headers_done_ = true;
        return line.size();
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string name = to_lower(trim(line.substr(0, colon)));
        std::string value = trim(line.substr(colon + 1));
        auto [it, fresh] = self->response_.headers.emplace(name, value);
        if (!fresh) it->second += "," + value;
    }
    return line.size();
}

size_t S3Download::on_write(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<S3Download*>(self_ptr);
    size_t n = size * count;
    if (self->response_.status >= 300) {
        if (self->buffer_.size() < kMaxErrorBody) self->buffer_.append(data, n);
        return n;
    }
    if (self->buffer_.size() - self->buffer_pos_ >= kMaxBuffered) {
        self->paused_ = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    self->buffer_.append(data, n);
    return n;
}

size_t S3Download::on_read(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<S3Download*>(self_ptr);
    const RequestBody* body = self->body_;
    if (body == nullptr) return 0;
    size_t want =
        static_cast<size_t>(std::min<uint64_t>(size * count, body->size - self->body_sent_));
    if (want == 0) return 0;
    if (body->fd >= 0) {
        ssize_t got = ::pread(body->fd, data, want, static_cast<off_t>(self->body_sent_));
        if (got <= 0) return CURL_READFUNC_ABORT;
        want = static_cast<size_t>(got);
    } else {
        body->memory.copy(data, want, self->body_sent_);
    }
    self->body_sent_ += want;
    return want;
}

}  // namespace imgpipe::store::s3
