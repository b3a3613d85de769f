#pragma once
// Test helpers for sigv4_test: reading the shared test vectors, parsing the suites' HTTP request
// files, a credential table, byte sources that split reads, and an aws-chunked encoder that
// signs chunks the way SDKs do. Test-only.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_source.h"
#include "sigv4/sigv4.h"

namespace imgpipe::sigv4::testing {

std::string testdata_dir();  // the test corpus root ($IMGPIPE_TESTDATA) + "/sigv4"
// The whole file. Throws std::runtime_error naming the path when it cannot be read: call it only
// inside a test body, where gtest reports the exception as that test's failure.
std::string read_file(const std::string& path);

// A request as written in the suites' .req / request.txt / *-signed-request.txt files.
struct ParsedRequest {
    std::string method;
    std::string path;   // as written (may hold raw spaces or UTF-8)
    std::string query;  // after '?', as written
    HeaderList headers;
    std::string body;
};
// Obsolete line folding (a continuation line starting with whitespace) is kept as "\n<line>".
ParsedRequest parse_request_file(std::string_view text);

class MapCredentials final : public CredentialProvider {
  public:
    explicit MapCredentials(std::map<std::string, std::string, std::less<>> keys)
        : keys_(std::move(keys)) {}
    std::optional<std::string> secret_for(std::string_view access_key_id) const override {
        auto it = keys_.find(access_key_id);
        if (it == keys_.end()) return std::nullopt;
        return it->second;
    }

  private:
    std::map<std::string, std::string, std::less<>> keys_;
};

// Serves `data` with reads ending at each of `cuts` (ascending offsets) and at most `max_read`
// bytes per read.
class SplitSource final : public ByteSource {
  public:
    SplitSource(std::string data, std::vector<size_t> cuts, size_t max_read = SIZE_MAX)
        : data_(std::move(data)), cuts_(std::move(cuts)), max_read_(max_read) {}
    Result<size_t> read(std::span<char> buf) override;

  private:
    std::string data_;
    std::vector<size_t> cuts_;
    size_t max_read_;
    size_t pos_ = 0;
};

// Reads `source` to its end with reads of at most `chunk` bytes. The status is the first error.
struct Drained {
    std::string data;
    Status status;
    size_t reads_after_error_ok = 0;  // reads that returned a value after the first error
};
Drained drain(ByteSource& source, size_t chunk = 4096);

// Signs chunks like an SDK: AWS4-HMAC-SHA256-PAYLOAD string to sign, chained from the seed.
struct ChunkSigner {
    std::string signing_key;
    std::string amz_date;
    std::string scope;
    std::string previous;  // starts as the seed signature
    std::string sign_chunk(std::string_view data);
    std::string sign_trailer(std::string_view canonical_trailers);
};

// aws-chunked body for `data` in chunks of `chunk_size`. With a signer every chunk (and the
// final one) carries chunk-signature=...; `trailers` ("name", "value") follow the final chunk,
// signed with x-amz-trailer-signature when a signer is given and `sign_trailer`.
std::string encode_aws_chunked(std::string_view data, size_t chunk_size, ChunkSigner* signer,
                               const std::vector<std::pair<std::string, std::string>>& trailers,
                               bool with_trailer_section);

}  // namespace imgpipe::sigv4::testing
