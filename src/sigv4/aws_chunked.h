#pragma once
// AwsChunkedDecoder: a streaming parser for `Content-Encoding: aws-chunked` bodies, as a
// ByteSource over the raw (HTTP-dechunked) body that yields the object's bytes.
//
// Framing: `hex-size[;chunk-signature=<64 hex>]\r\n<data>\r\n` ... `0[;...]\r\n`, then trailer
// lines `name:value\r\n` (only when trailers are expected) and a final `\r\n`. Chunk headers and
// trailer lines may be split across any read boundary; they are bounded (kMaxLineLength,
// kMaxTrailerBytes), chunk data is streamed through without buffering, so memory stays constant
// whatever the body says. With `signing` set every chunk signature (including the final empty
// chunk's) is verified, chained from the seed signature, and with trailers the
// x-amz-trailer-signature too. A bad chunk is reported by the read that reaches its end; a
// consumer that stops at the first error never sees the end of the stream. Errors (all sticky):
// IncompleteBody (body ended early), InvalidRequest (malformed framing, data after the end),
// MalformedTrailerError (bad trailer line), SignatureDoesNotMatch. One thread at a time.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/byte_source.h"
#include "sigv4/digest.h"

namespace imgpipe::sigv4 {

struct ChunkSigning {
    std::string signing_key;  // raw kSigning
    std::string amz_date;
    std::string scope;
    std::string seed_signature;  // hex, from the Authorization header
};

class AwsChunkedDecoder final : public ByteSource {
  public:
    static constexpr size_t kMaxLineLength = 4096;
    static constexpr size_t kMaxTrailerBytes = 16 * 1024;
    static constexpr size_t kBufferSize = 16 * 1024;

    struct Options {
        bool expect_trailer = false;
        std::optional<ChunkSigning> signing;
    };

    // `raw` must outlive the decoder.
    AwsChunkedDecoder(ByteSource& raw, Options options);

    Result<size_t> read(std::span<char> buf) override;

    // Trailer headers (lower-case names, trimmed values, without x-amz-trailer-signature) in
    // arrival order; complete once read() has returned 0.
    const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }

  private:
    enum class State { kChunkHeader, kChunkData, kChunkDataEnd, kTrailer, kDone, kFailed };
    enum class LineResult { kLine, kEof, kError };

    Status fail(Status status);
    void record_failure(Status status);
    // Fills `in_` when empty. Sets raw_eof_ at the end of the raw body.
    Status fill();
    // Reads one CRLF-terminated line into `line_` (without the CRLF).
    LineResult next_line();
    Status on_chunk_header();
    Status on_chunk_end();
    Status on_trailer_line();
    Status finish();
    Status check_chunk_signature(std::string_view data_hash_hex);

    ByteSource& raw_;
    Options options_;
    std::vector<char> in_;
    size_t in_pos_ = 0;
    size_t in_end_ = 0;
    bool raw_eof_ = false;

    State state_ = State::kChunkHeader;
    Status failure_;
    std::string line_;
    bool line_complete_ = false;
    uint64_t remaining_ = 0;
    std::string chunk_signature_;  // as sent for the current chunk
    std::optional<Digest> chunk_hash_;
    std::string previous_signature_;
    size_t trailer_bytes_ = 0;
    std::optional<std::string> trailer_signature_;
    std::vector<std::pair<std::string, std::string>> trailers_;
};

}  // namespace imgpipe::sigv4
