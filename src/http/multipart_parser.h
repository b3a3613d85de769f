#pragma once
// Streaming multipart/form-data parsing (RFC 7578 over RFC 2046), as browser POST uploads need.
//
// MultipartReader walks the parts of a body pulled from a ByteSource: `next_part()` yields each
// part's headers, `read()` streams its bytes. The delimiter ("\r\n--" + boundary) is found across
// arbitrary read splits while holding at most one fixed-size buffer, so a part of any size
// streams through in constant memory. MultipartForm builds on it for the POST Object shape: the
// fields before the part named "file" are collected in memory (within a byte budget), then the
// file part is handed out as a ByteSource; whatever follows it is ignored.
//
// Malformed input is an error value, never a crash or an unbounded allocation. Error reasons
// (S3 error names, as POST Object answers them): RequestIsNotMultiPartContent (the Content-Type
// is not multipart/form-data), MalformedPOSTRequest (bad boundary, truncated body, bad part
// headers), MaxPostPreDataLengthExceededError (the fields before the file exceed the budget).
// Errors of the underlying ByteSource are returned unchanged.
//
// Neither class is thread-safe; each reads its source from one thread at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_source.h"
#include "core/result.h"

namespace imgpipe::http {

// The boundary parameter of a `multipart/form-data` Content-Type value (quoted or not; media type
// and parameter names case-insensitive). RequestIsNotMultiPartContent for another media type,
// MalformedPOSTRequest for a missing or invalid boundary (RFC 2046: 1-70 characters from the
// bchars set, not ending in a space).
Result<std::string> multipart_boundary(std::string_view content_type);

// What a part's headers say about it.
struct PartHeaders {
    std::string name;                     // Content-Disposition name, as sent
    std::optional<std::string> filename;  // filename*= (decoded) wins over filename=
    std::string content_type;             // "" when the part has none
};

// Parses a Content-Disposition value ("form-data; name=\"a\"; filename=\"b.jpg\""). Quoted
// values honour backslash escapes of '"' and '\' only (browsers send Windows paths unescaped);
// `filename*=UTF-8''a%20b` (RFC 5987; UTF-8 or ISO-8859-1) takes precedence over `filename`.
// MalformedPOSTRequest when it is not form-data or has no name.
Result<PartHeaders> parse_content_disposition(std::string_view value);

class MultipartReader {
  public:
    struct Limits {
        // Largest header section of one part.
        size_t max_header_bytes = 16 * 1024;
        // Largest preamble skipped before the first delimiter.
        uint64_t max_preamble_bytes = UINT64_MAX;
    };

    // REQUIRES: `boundary` is valid (as multipart_boundary returns); `source` outlives this.
    MultipartReader(ByteSource& source, std::string_view boundary, Limits limits);
    MultipartReader(ByteSource& source, std::string_view boundary)
        : MultipartReader(source, boundary, Limits{}) {}

    // Moves to the next part, skipping what is left of the current one, and returns its headers;
    // nullopt once the close delimiter has been read (the epilogue is not read).
    Result<std::optional<PartHeaders>> next_part();

    // Reads the current part's bytes: the count (> 0), or 0 at its end (and before the first
    // next_part / after the close delimiter). REQUIRES: !buf.empty().
    Result<size_t> read(std::span<char> buf);

    // Bytes of the body consumed so far: everything up to the data `read` has returned (or up to
    // the end of the headers just returned by next_part).
    uint64_t consumed() const {
        // total_read_ counts the virtual CRLF, which is consumed before any real byte.
        const uint64_t taken = total_read_ - (end_ - begin_);
        return taken > 2 ? taken - 2 : 0;
    }

    // Reads and drops up to `limit` more bytes of the raw body (the epilogue, or whatever follows
    // the part being read), so a keep-alive connection can be reused. Returns true if the body
    // ended within the limit.
    Result<bool> discard_rest(uint64_t limit);

  private:
    enum class State { kPreamble, kAfterDelimiter, kBody, kDone };

    Status fill();
    // Copies body bytes up to the next delimiter into `buf` (or drops them when `buf` is empty,
    // returning how many were dropped); 0 when the delimiter has been consumed.
    Result<size_t> take_until_delimiter(std::span<char> buf, size_t drop_max);
    Result<bool> parse_after_delimiter();
    Result<PartHeaders> parse_headers();

    ByteSource& source_;
    std::string delimiter_;  // "\r\n--" + boundary
    Limits limits_;
    State state_ = State::kPreamble;
    // Not zero-filled: a small form touches only the pages it is read into (zero-filling 1 MiB
    // cost every form, and the fuzzer, a fault per page).
    std::span<char> buf_;
    std::unique_ptr<char[]> buf_storage_;
    size_t begin_ = 0;
    size_t end_ = 0;
    // Buffer positions below this hold no delimiter start (search cache for small reads).
    size_t clear_until_ = 0;
    bool eof_ = false;
    // Counts the virtual "\r\n" put before the body so a delimiter on the first line is found.
    uint64_t total_read_ = 0;
};

struct FormField {
    std::string name;  // as sent; compare case-insensitively
    std::string value;
};

// A POST Object form: the fields before the part named "file" (any case), then the file.
class MultipartForm {
  public:
    // Reads `body` up to the start of the file part's bytes (or its end if there is no file).
    // `max_form_bytes` bounds everything before the file bytes: preamble, delimiters, headers
    // and field values (MaxPostPreDataLengthExceededError). `body` must outlive the form.
    static Result<std::unique_ptr<MultipartForm>> open(ByteSource& body, std::string_view boundary,
                                                       uint64_t max_form_bytes);

    // Fields in arrival order (all of them before the file part).
    const std::vector<FormField>& fields() const { return fields_; }
    // The first field named `name`, compared case-insensitively.
    std::optional<std::string_view> field(std::string_view name) const;

    bool has_file() const { return file_.has_value(); }
    // REQUIRES: has_file()
    const PartHeaders& file_headers() const { return *file_; }
    // The file part's bytes; ends cleanly only once its closing delimiter has been seen, so a
    // truncated body is an error (MalformedPOSTRequest). REQUIRES: has_file()
    ByteSource& file() { return *file_source_; }
    // Bytes of the body before the file's bytes.
    uint64_t bytes_before_file() const { return bytes_before_file_; }

    // Drops what follows the file (ignored fields, epilogue), at most `limit` bytes.
    Result<bool> discard_rest(uint64_t limit) { return reader_.discard_rest(limit); }

  private:
    class FileSource;
    MultipartForm(ByteSource& body, std::string_view boundary, MultipartReader::Limits limits);
    Status read_fields(uint64_t max_form_bytes);

    MultipartReader reader_;
    std::vector<FormField> fields_;
    std::optional<PartHeaders> file_;
    std::unique_ptr<ByteSource> file_source_;
    uint64_t bytes_before_file_ = 0;
};

}  // namespace imgpipe::http
