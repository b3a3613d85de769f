// open_payload: stacks the aws-chunked decoder (streaming modes) under one verifying source
// that counts, hashes and checksums the decoded bytes and settles every promise at the end.

#include "sigv4/payload.h"

#include <charconv>

#include "sigv4/auth_params.h"
#include "sigv4/aws_chunked.h"
#include "sigv4/digest.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

Status invalid_request(std::string message) {
    return Status(StatusCode::kInvalidArgument, "InvalidRequest", std::move(message));
}

bool is_base64_of(std::string_view value, size_t raw_size) {
    if (value.size() != 4 * ((raw_size + 2) / 3)) return false;
    size_t padding = (3 - raw_size % 3) % 3;
    for (size_t i = 0; i < value.size(); ++i) {
        char c = value[i];
        bool pad_slot = i >= value.size() - padding;
        if (pad_slot) {
            if (c != '=') return false;
        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/')) {
            return false;
        }
    }
    return true;
}

bool is_streaming(PayloadMode mode) {
    return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer ||
           mode == PayloadMode::kStreamingUnsignedTrailer;
}

bool has_trailer(PayloadMode mode) {
    return mode == PayloadMode::kStreamingSignedTrailer ||
           mode == PayloadMode::kStreamingUnsignedTrailer;
}

// What the request promised about the decoded bytes.
struct Expectations {
    std::optional<uint64_t> length;
    std::string sha256_hex;  // kSignedHex
    std::string md5_base64;  // Content-MD5
    std::optional<ChecksumAlgorithm> checksum;
    std::string checksum_base64;  // from the header; empty when it comes as a trailer
    bool checksum_in_trailer = false;
    bool checksum_computed_only = false;  // nothing to compare: the request carried none
};

class VerifyingPayloadSource final : public PayloadSource {
  public:
    VerifyingPayloadSource(ByteSource& raw, std::unique_ptr<AwsChunkedDecoder> decoder,
                           Expectations expect)
        : decoder_(std::move(decoder)),
          inner_(decoder_ ? static_cast<ByteSource&>(*decoder_) : raw),
          expect_(std::move(expect)) {
        if (!expect_.sha256_hex.empty()) sha256_.emplace(DigestKind::kSha256);
        if (!expect_.md5_base64.empty()) md5_.emplace(DigestKind::kMd5);
        if (expect_.checksum) checksummer_.emplace(*expect_.checksum);
    }

    std::optional<uint64_t> declared_length() const override { return expect_.length; }
    std::optional<PayloadChecksum> checksum() const override { return verified_; }

    Result<size_t> read(std::span<char> buf) override {
        if (!failure_.is_ok()) return failure_;
        if (done_) return size_t{0};
        auto n = inner_.read(buf);
        if (!n) return fail(n.status());
        if (*n == 0) {
            if (Status s = settle(); !s) return fail(std::move(s));
            done_ = true;
            return size_t{0};
        }
        count_ += *n;
        if (expect_.length && count_ > *expect_.length) {
            return fail(Status(
                StatusCode::kInvalidArgument, "InvalidRequest",
                "the body is longer than the declared length " + std::to_string(*expect_.length)));
        }
        std::string_view bytes(buf.data(), *n);
        if (sha256_) sha256_->update(bytes);
        if (md5_) md5_->update(bytes);
        if (checksummer_) checksummer_->update(bytes);
        return *n;
    }

  private:
    Status fail(Status s) {
        failure_ = std::move(s);
        return failure_;
    }

    Status settle() {
        if (expect_.length && count_ != *expect_.length) {
            return Status(StatusCode::kInvalidArgument, "IncompleteBody",
                          "You did not provide the number of bytes specified by the "
                          "Content-Length HTTP header (got " +
                              std::to_string(count_) + " of " + std::to_string(*expect_.length) +
                              ")");
        }
        if (sha256_ && to_hex(sha256_->finish()) != expect_.sha256_hex) {
            return Status(StatusCode::kInvalidArgument, "XAmzContentSHA256Mismatch",
                          "The provided 'x-amz-content-sha256' header does not match what was "
                          "computed.");
        }
        if (md5_ && base64_encode(md5_->finish()) != expect_.md5_base64) {
            return Status(StatusCode::kInvalidArgument, "BadDigest",
                          "The Content-MD5 you specified did not match what we received.");
        }
        if (decoder_) IMGPIPE_RETURN_IF_ERROR(check_trailer_names());
        if (!checksummer_) return Status::ok();
        std::string expected = expect_.checksum_base64;
        std::string_view header = checksum_header(*expect_.checksum);
        if (expect_.checksum_in_trailer) {
            for (const auto& [name, value] : decoder_->trailers()) {
                if (name == header) expected = value;
            }
            if (expected.empty()) {
                return Status(StatusCode::kInvalidArgument, "MalformedTrailerError",
                              "the trailer " + std::string(header) +
                                  " declared in x-amz-trailer did not arrive");
            }
        }
        std::string actual = checksummer_->finish_base64();
        std::string_view name = checksum_name(*expect_.checksum);
        if (!expect_.checksum_computed_only && actual != expected) {
            return Status(StatusCode::kInvalidArgument, "BadDigest",
                          "The " + std::string(name) +
                              " you specified did not match the calculated checksum.");
        }
        verified_ = PayloadChecksum{std::string(name), std::move(actual)};
        return Status::ok();
    }

    // Every trailer must have been declared in x-amz-trailer, so nothing arrives unverified.
    Status check_trailer_names() const {
        for (const auto& [name, value] : decoder_->trailers()) {
            bool declared =
                expect_.checksum_in_trailer && name == checksum_header(*expect_.checksum);
            if (!declared) {
                return Status(StatusCode::kInvalidArgument, "MalformedTrailerError",
                              "the trailer " + name + " was not declared in x-amz-trailer");
            }
        }
        return Status::ok();
    }

    std::unique_ptr<AwsChunkedDecoder> decoder_;
    ByteSource& inner_;
    Expectations expect_;
    std::optional<Digest> sha256_;
    std::optional<Digest> md5_;
    std::optional<Checksummer> checksummer_;
    uint64_t count_ = 0;
    bool done_ = false;
    Status failure_;
    std::optional<PayloadChecksum> verified_;
};

Result<uint64_t> parse_length(std::string_view header, std::string_view value) {
    value = trim(value);
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
        return Status(StatusCode::kInvalidArgument, "InvalidArgument",
                      std::string(header) + " must be a non-negative integer");
    }
    return v;
}

// Fills the checksum part of `expect` from x-amz-checksum-* headers and x-amz-trailer.
Status read_checksum_headers(PayloadMode mode, const HeaderList& headers, Expectations& expect) {
    for (const auto& [name, value] : headers) {
        auto algorithm = checksum_from_header(name);
        if (!algorithm) continue;
        if (expect.checksum) {
            return invalid_request(
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
                "allowed.");
        }
        std::string_view v = trim(value);
        if (!is_base64_of(v, checksum_size(*algorithm))) {
            return invalid_request("Value for " + std::string(checksum_header(*algorithm)) +
                                   " header is invalid.");
        }
        expect.checksum = algorithm;
        expect.checksum_base64 = std::string(v);
    }
    auto trailer = find_header(headers, "x-amz-trailer");
    if (!trailer) return Status::ok();
    if (!has_trailer(mode)) {
        return invalid_request("x-amz-trailer needs a STREAMING-*-TRAILER x-amz-content-sha256");
    }
    std::string_view list = *trailer;
    while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view item = trim(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        if (item.empty()) continue;
        auto algorithm = checksum_from_header(item);
        if (!algorithm) {
            return invalid_request(
                "The value specified in the x-amz-trailer header is not "
                "supported: " +
                std::string(item));
        }
        if (expect.checksum) {
            return invalid_request(
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
                "allowed.");
        }
        expect.checksum = algorithm;
        expect.checksum_in_trailer = true;
    }
    return Status::ok();
}

}  // namespace

Result<std::unique_ptr<PayloadSource>> open_payload(
    const Authorization& auth, const HeaderList& headers, std::optional<uint64_t> content_length,
    ByteSource& raw, std::optional<ChecksumAlgorithm> compute_if_absent) {
    Expectations expect;
    PayloadMode mode = auth.payload_mode;
    std::string anonymous_hash;
    if (auth.access_key_id.empty()) {
        // Anonymous: nothing was verified, but the body is still framed and hashed as announced.
        if (auto announced = find_header(headers, "x-amz-content-sha256")) {
            auto parsed = parse_payload_mode(trim(*announced));
            if (!parsed) {
                return Status(StatusCode::kInvalidArgument, "InvalidArgument",
                              "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-* value "
                              "or a valid sha256 value");
            }
            mode = *parsed;
            if (mode == PayloadMode::kSignedHex) anonymous_hash = to_lower(trim(*announced));
        }
    }
    if (is_streaming(mode)) {
        if (auto decoded = find_header(headers, "x-amz-decoded-content-length")) {
            IMGPIPE_ASSIGN_OR_RETURN(expect.length,
                                     parse_length("x-amz-decoded-content-length", *decoded));
        }
    } else {
        expect.length = content_length;
    }
    if (mode == PayloadMode::kSignedHex) {
        expect.sha256_hex =
            anonymous_hash.empty() ? to_lower(auth.payload_sha256_hex) : anonymous_hash;
        if (expect.sha256_hex.size() != 64 || !is_lower_hex(expect.sha256_hex)) {
            return Status(StatusCode::kInvalidArgument, "InvalidArgument",
                          "a signed-hex payload needs a 64-hex-digit payload hash");
        }
    }
    if (auto md5 = find_header(headers, "content-md5")) {
        std::string_view v = trim(*md5);
        if (!is_base64_of(v, 16)) {
            return Status(StatusCode::kInvalidArgument, "InvalidDigest",
                          "The Content-MD5 you specified is not valid.");
        }
        expect.md5_base64 = std::string(v);
    }
    IMGPIPE_RETURN_IF_ERROR(read_checksum_headers(mode, headers, expect));
    if (!expect.checksum && compute_if_absent) {
        expect.checksum = compute_if_absent;
        expect.checksum_computed_only = true;
    }

    std::unique_ptr<AwsChunkedDecoder> decoder;
    if (is_streaming(mode)) {
        AwsChunkedDecoder::Options options;
        options.expect_trailer = has_trailer(mode);
        if (mode != PayloadMode::kStreamingUnsignedTrailer) {
            if (auth.signing_key.empty() || auth.seed_signature.empty()) {
                return invalid_request(
                    "a signed streaming payload needs the request's signing "
                    "key and seed signature");
            }
            options.signing =
                ChunkSigning{auth.signing_key, auth.amz_date, auth.scope, auth.seed_signature};
        }
        decoder = std::make_unique<AwsChunkedDecoder>(raw, std::move(options));
    }
    return std::unique_ptr<PayloadSource>(
        std::make_unique<VerifyingPayloadSource>(raw, std::move(decoder), std::move(expect)));
}

}  // namespace imgpipe::sigv4
