#include "sigv4/aws_chunked.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "sigv4/sigv4.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

constexpr std::string_view kEmptySha256Hex =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Status incomplete(std::string message) {
    return Status(StatusCode::kInvalidArgument, "IncompleteBody", std::move(message));
}
Status invalid(std::string message) {
    return Status(StatusCode::kInvalidArgument, "InvalidRequest", std::move(message));
}
Status bad_trailer(std::string message) {
    return Status(StatusCode::kInvalidArgument, "MalformedTrailerError", std::move(message));
}
Status bad_signature(std::string message) {
    return Status(StatusCode::kUnauthenticated, "SignatureDoesNotMatch", std::move(message));
}

std::optional<uint64_t> parse_hex_size(std::string_view s) {
    if (s.empty() || s.size() > 16) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        int d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            return std::nullopt;
        }
        v = v * 16 + static_cast<uint64_t>(d);
    }
    return v;
}

bool same_signature(std::string_view expected, std::string_view provided) {
    std::string lower = to_lower(provided);
    return expected.size() == lower.size() &&
           CRYPTO_memcmp(expected.data(), lower.data(), lower.size()) == 0;
}

}  // namespace

AwsChunkedDecoder::AwsChunkedDecoder(ByteSource& raw, Options options)
    : raw_(raw), options_(std::move(options)), in_(kBufferSize) {
    if (options_.signing) previous_signature_ = to_lower(options_.signing->seed_signature);
}

Status AwsChunkedDecoder::fail(Status status) {
    record_failure(std::move(status));
    return failure_;
}

void AwsChunkedDecoder::record_failure(Status status) {
    state_ = State::kFailed;
    failure_ = std::move(status);
}

Status AwsChunkedDecoder::fill() {
    if (in_pos_ < in_end_ || raw_eof_) return Status::ok();
    in_pos_ = in_end_ = 0;
    auto n = raw_.read(std::span<char>(in_.data(), in_.size()));
    if (!n) return n.status();
    if (*n == 0) {
        raw_eof_ = true;
    } else {
        in_end_ = std::min(*n, in_.size());
    }
    return Status::ok();
}

AwsChunkedDecoder::LineResult AwsChunkedDecoder::next_line() {
    for (;;) {
        if (in_pos_ == in_end_) {
            if (Status s = fill(); !s) {
                record_failure(std::move(s));
                return LineResult::kError;
            }
            if (in_pos_ == in_end_) return LineResult::kEof;
        }
        const char* begin = in_.data() + in_pos_;
        size_t avail = in_end_ - in_pos_;
        const void* nl = std::memchr(begin, '\n', avail);
        size_t take = nl ? static_cast<size_t>(static_cast<const char*>(nl) - begin) + 1 : avail;
        if (line_.size() + take > kMaxLineLength + 2) {
            record_failure(invalid("an aws-chunked header or trailer line is longer than " +
                                   std::to_string(kMaxLineLength) + " bytes"));
            return LineResult::kError;
        }
        line_.append(begin, take);
        in_pos_ += take;
        if (nl) {
            if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
                record_failure(invalid("an aws-chunked line is not terminated by CRLF"));
                return LineResult::kError;
            }
            line_.resize(line_.size() - 2);
            return LineResult::kLine;
        }
    }
}

Result<size_t> AwsChunkedDecoder::read(std::span<char> buf) {
    for (;;) {
        switch (state_) {
            case State::kFailed:
                return failure_;
            case State::kDone:
                return size_t{0};
            case State::kChunkData: {
                if (Status s = fill(); !s) return fail(std::move(s));
                if (in_pos_ == in_end_) return fail(incomplete("the body ended inside a chunk"));
                size_t n = std::min({in_end_ - in_pos_, buf.size()});
                if (n > remaining_) n = static_cast<size_t>(remaining_);
                std::memcpy(buf.data(), in_.data() + in_pos_, n);
                if (chunk_hash_) chunk_hash_->update(std::string_view(buf.data(), n));
                in_pos_ += n;
                remaining_ -= n;
                if (remaining_ == 0) state_ = State::kChunkDataEnd;
                return n;
            }
            case State::kChunkHeader:
            case State::kChunkDataEnd:
            case State::kTrailer: {
                LineResult r = next_line();
                if (r == LineResult::kError) return failure_;
                Status s;
                if (r == LineResult::kEof) {
                    // Some encoders omit the CRLF that ends an empty trailer section.
                    if (state_ != State::kTrailer || !line_.empty()) {
                        return fail(incomplete("the body ended inside the aws-chunked framing"));
                    }
                    s = finish();
                } else if (state_ == State::kChunkHeader) {
                    s = on_chunk_header();
                } else if (state_ == State::kChunkDataEnd) {
                    s = on_chunk_end();
                } else {
                    s = on_trailer_line();
                }
                line_.clear();
                if (!s) return fail(std::move(s));
                break;
            }
        }
    }
}

Status AwsChunkedDecoder::on_chunk_header() {
    std::string_view line = line_;
    size_t semi = line.find(';');
    auto size = parse_hex_size(trim(line.substr(0, semi)));
    if (!size) return invalid("malformed aws-chunked chunk size");
    chunk_signature_.clear();
    bool has_signature = false;
    std::string_view ext = semi == std::string_view::npos ? "" : line.substr(semi + 1);
    while (!ext.empty()) {
        size_t next = ext.find(';');
        std::string_view part = trim(ext.substr(0, next));
        ext = next == std::string_view::npos ? std::string_view() : ext.substr(next + 1);
        size_t eq = part.find('=');
        if (eq != std::string_view::npos && trim(part.substr(0, eq)) == "chunk-signature") {
            chunk_signature_ = std::string(trim(part.substr(eq + 1)));
            has_signature = true;
        }
    }
    if (options_.signing && !has_signature) {
        return bad_signature("an aws-chunked chunk has no chunk-signature");
    }
    if (*size == 0) {
        state_ = State::kTrailer;
        return options_.signing ? check_chunk_signature(kEmptySha256Hex) : Status::ok();
    }
    remaining_ = *size;
    if (options_.signing) chunk_hash_.emplace(DigestKind::kSha256);
    state_ = State::kChunkData;
    return Status::ok();
}

Status AwsChunkedDecoder::on_chunk_end() {
    if (!line_.empty()) return invalid("aws-chunked chunk data is longer than its declared size");
    state_ = State::kChunkHeader;
    if (!options_.signing) return Status::ok();
    std::string hash = to_hex(chunk_hash_->finish());
    chunk_hash_.reset();
    return check_chunk_signature(hash);
}

Status AwsChunkedDecoder::check_chunk_signature(std::string_view data_hash_hex) {
    const ChunkSigning& s = *options_.signing;
    std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amz_date + "\n" + s.scope + "\n" +
                      previous_signature_ + "\n" + std::string(kEmptySha256Hex) + "\n" +
                      std::string(data_hash_hex);
    std::string expected = to_hex(hmac_sha256(s.signing_key, sts));
    if (!same_signature(expected, chunk_signature_)) {
        return bad_signature("an aws-chunked chunk signature does not match");
    }
    previous_signature_ = std::move(expected);
    return Status::ok();
}

Status AwsChunkedDecoder::on_trailer_line() {
    if (line_.empty()) return finish();
    if (!options_.expect_trailer) return invalid("data after the final aws-chunked chunk");
    trailer_bytes_ += line_.size() + 2;
    if (trailer_bytes_ > kMaxTrailerBytes) return bad_trailer("the trailer section is too large");
    std::string_view line = line_;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return bad_trailer("a trailer line has no ':'");
    std::string name = to_lower(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    if (name.empty()) return bad_trailer("a trailer line has no name");
    if (name == "x-amz-trailer-signature") {
        if (trailer_signature_) return bad_trailer("x-amz-trailer-signature sent twice");
        trailer_signature_ = std::move(value);
    } else {
        trailers_.emplace_back(std::move(name), std::move(value));
    }
    return Status::ok();
}

Status AwsChunkedDecoder::finish() {
    if (options_.signing && options_.expect_trailer) {
        if (!trailer_signature_) return bad_signature("x-amz-trailer-signature is missing");
        auto sorted = trailers_;
        std::sort(sorted.begin(), sorted.end());
        std::string canonical;
        for (const auto& [name, value] : sorted) canonical += name + ":" + value + "\n";
        const ChunkSigning& s = *options_.signing;
        std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + s.amz_date + "\n" + s.scope + "\n" +
                          previous_signature_ + "\n" + sha256_hex(canonical);
        if (!same_signature(to_hex(hmac_sha256(s.signing_key, sts)), *trailer_signature_)) {
            return bad_signature("the aws-chunked trailer signature does not match");
        }
    }
    // The framing says the body is over; anything after it means the framing lied.
    if (Status s = fill(); !s) return s;
    if (in_pos_ < in_end_) return invalid("data after the end of the aws-chunked body");
    state_ = State::kDone;
    return Status::ok();
}

}  // namespace imgpipe::sigv4
