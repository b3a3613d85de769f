#pragma once
// S3Http: signed HTTP requests to one S3-compatible endpoint over libcurl, the transport under
// S3ObjectStore. It builds the URL (path- or virtual-hosted-style, keys percent-encoded once,
// never normalised), signs with imgpipe's SigV4 signer, retries what may be retried
// (connection errors, HTTP 5xx, SlowDown/RequestTimeout) with exponential backoff and full
// jitter, and turns S3 error responses into a Status whose reason is the S3 error code.
// TLS verifies peers against the system CA store. Response bodies stream: `open` returns the
// body as a ByteSource that pulls from the socket as it is read, holding at most ~256 KiB.
// Request bodies are replayable (memory or a file), so a retry sends them again.
//
// Thread-safe: each request takes an idle connection from a small pool (keep-alive) or opens
// one. libcurl's global init must have run (S3Http::global_init, idempotent).

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/byte_source.h"
#include "core/result.h"
#include "store/s3/s3_client_options.h"

namespace imgpipe::store::s3 {

// A request body that can be sent again from its start: bytes in memory or a range of a file.
struct RequestBody {
    std::string_view memory;
    int fd = -1;  // when >= 0, `size` bytes from offset 0 of this file
    uint64_t size = 0;
    // The body's MD5 (16 raw bytes) for Content-MD5, when known.
    std::string md5;
    static RequestBody of(std::string_view bytes) { return {bytes, -1, bytes.size(), {}}; }
};

struct S3Request {
    std::string method = "GET";
    std::string bucket;  // "" for the service (ListBuckets)
    std::string key;     // "" for a bucket-level request
    // Sub-resources and parameters, unencoded; values may be empty ("?cors" is {"cors", ""}).
    std::vector<std::pair<std::string, std::string>> query;
    // Extra headers (lower-case names); Host and the SigV4 headers are added.
    std::vector<std::pair<std::string, std::string>> headers;
    const RequestBody* body = nullptr;
    // Signs the body's SHA-256 (small XML bodies) instead of UNSIGNED-PAYLOAD.
    bool sign_body = false;
    // False for requests that must not be sent twice (none today: every S3 call here is
    // idempotent or harmless to repeat).
    bool retryable = true;
};

struct S3Response {
    long status = 0;
    std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined by ','
    std::string body;
    std::string header(const std::string& name) const;
};

// A response whose body is still on the wire. Reading it is the ByteSource below.
class S3Download;

class S3Http {
  public:
    explicit S3Http(S3ClientOptions options);
    ~S3Http();
    S3Http(const S3Http&) = delete;
    S3Http& operator=(const S3Http&) = delete;

    static void global_init();

    const S3ClientOptions& options() const { return options_; }

    // Sends the request and reads the whole response (bodies over 64 MiB fail). A 2xx/3xx
    // response is returned as is; an error response becomes its S3 error (s3_errors.h), after
    // retries when it is retryable. Connection failures after the last attempt: kUnavailable,
    // reason "ServiceUnavailable".
    Result<S3Response> execute(const S3Request& request);
    // The same, but returns as soon as a 2xx response's headers are in; the body is read
    // through the returned source (and errors while reading it are kUnavailable/IoError).
    Result<std::unique_ptr<S3Download>> open(const S3Request& request);

    // The URL (scheme, host, encoded path and query) a request goes to, unsigned.
    std::string url_for(const S3Request& request) const;
    // A presigned GET/PUT URL for bucket/key, valid for `expires`.
    std::string presigned_url(const std::string& method, const std::string& bucket,
                              const std::string& key, std::chrono::seconds expires) const;

  private:
    friend class S3Download;
    struct Channel;
    std::unique_ptr<Channel> acquire();
    void release(std::unique_ptr<Channel> channel);
    Result<std::unique_ptr<S3Download>> attempt(const S3Request& request, bool& retry);
    std::chrono::milliseconds backoff(int attempt);

    S3ClientOptions options_;
    std::mutex mu_;
    std::vector<std::unique_ptr<Channel>> idle_;  // GUARDED_BY(mu_)
};

class S3Download final : public ByteSource {
  public:
    ~S3Download() override;
    Result<size_t> read(std::span<char> buf) override;
    const S3Response& response() const { return response_; }

  private:
    friend class S3Http;
    S3Download(S3Http& http, std::unique_ptr<S3Http::Channel> channel);
    // Drives the transfer one step; false once it has finished (see done_status_).
    bool step();
    Status start(const S3Request& request, const std::string& url,
                 const std::vector<std::string>& header_lines);

    S3Http& http_;
    std::unique_ptr<S3Http::Channel> channel_;
    S3Response response_;  // status and headers; body unused
    std::string buffer_;   // received, not yet read
    size_t buffer_pos_ = 0;
    bool headers_done_ = false;
    bool paused_ = false;
    bool finished_ = false;
    Status done_status_;
    const RequestBody* body_ = nullptr;
    uint64_t body_sent_ = 0;

    static size_t on_header(char* data, size_t size, size_t count, void* self);
    static size_t on_write(char* data, size_t size, size_t count, void* self);
    static size_t on_read(char* data, size_t size, size_t count, void* self);
};

}  // namespace imgpipe::store::s3
