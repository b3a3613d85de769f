#include "http/multipart_parser.h"

#include <algorithm>
#include <cctype>
#include <cstring>  // and ::memmem (GNU), which glibc declares through <string.h>

#include "core/form_url.h"
#include "http/headers.h"

namespace imgpipe::http {
namespace {

// One buffer per reader: each refill is a round trip to the connection's I/O thread, so it is
// as large as the server's biggest body piece (1 MiB); that is still cheap per upload.
constexpr size_t kBufferSize = 1024 * 1024;
// RFC 2046 allows "transport padding" (linear white space) after a delimiter; bound it.
constexpr size_t kMaxPadding = 256;
constexpr std::string_view kHeaderEnd = "\r\n\r\n";

Status malformed(std::string message) {
    return invalid_argument("MalformedPOSTRequest", std::move(message));
}

Status too_large(std::string message) {
    return {StatusCode::kResourceExhausted, "MaxPostPreDataLengthExceededError",
            std::move(message)};
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// RFC 2046 §5.1.1 bcharsnospace.
bool is_bchar_nospace(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           std::string_view("'()+_,-./:=?").find(c) != std::string_view::npos;
}

struct Param {
    std::string name;  // lower-cased
    std::string value;
};

struct HeaderValue {
    std::string main;  // the value before the first ';', trimmed
    std::vector<Param> params;
};

// Parses `main *(";" name "=" (token | quoted-string))`. A quoted-string honours backslash
// escapes of '"' and '\' only: browsers put Windows paths in filenames without escaping them.
std::optional<HeaderValue> parse_header_value(std::string_view v) {
    HeaderValue out;
    size_t pos = v.find(';');
    out.main = std::string(trim(v.substr(0, pos)));
    while (pos < v.size()) {
        ++pos;  // the ';'
        while (pos < v.size() && is_space(v[pos])) ++pos;
        if (pos == v.size()) break;  // a trailing ';' is harmless
        size_t name_end = pos;
        while (name_end < v.size() && v[name_end] != '=' && v[name_end] != ';') ++name_end;
        Param param{to_lower(trim(v.substr(pos, name_end - pos))), ""};
        if (param.name.empty()) return std::nullopt;
        pos = name_end;
        if (pos < v.size() && v[pos] == '=') {
            ++pos;
            while (pos < v.size() && is_space(v[pos])) ++pos;
            if (pos < v.size() && v[pos] == '"') {
                ++pos;
                bool closed = false;
                while (pos < v.size()) {
                    char c = v[pos++];
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (c == '\\' && pos < v.size() && (v[pos] == '"' || v[pos] == '\\')) {
                        c = v[pos++];
                    }
                    param.value.push_back(c);
                }
                if (!closed) return std::nullopt;
                while (pos < v.size() && is_space(v[pos])) ++pos;
                if (pos < v.size() && v[pos] != ';') return std::nullopt;
            } else {
                size_t end = v.find(';', pos);
                param.value = std::string(trim(v.substr(pos, end - pos)));
                pos = end;
            }
        }
        out.params.push_back(std::move(param));
        if (pos == std::string_view::npos) break;
    }
    return out;
}

const Param* find_param(const HeaderValue& h, std::string_view name) {
    for (const Param& p : h.params) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

// RFC 5987 ext-value: charset "'" [language] "'" pct-encoded value. nullopt if unusable.
std::optional<std::string> decode_ext_value(std::string_view v) {
    size_t q1 = v.find('\'');
    if (q1 == std::string_view::npos) return std::nullopt;
    size_t q2 = v.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) return std::nullopt;
    std::string charset = to_lower(v.substr(0, q1));
    bool latin1 = charset == "iso-8859-1";
    if (charset != "utf-8" && !latin1) return std::nullopt;
    auto decoded = percent_decode(v.substr(q2 + 1), /*plus_is_space=*/false);
    if (!decoded) return std::nullopt;
    const std::string& raw = *decoded;
    if (!latin1) return raw;
    std::string utf8;
    for (char c : raw) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x80) {
            utf8.push_back(c);
        } else {
            utf8.push_back(static_cast<char>(0xC0 | (u >> 6)));
            utf8.push_back(static_cast<char>(0x80 | (u & 0x3F)));
        }
    }
    return utf8;
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
    if (!iequals(trim(content_type.substr(0, content_type.find(';'))), "multipart/form-data")) {
        return invalid_argument(
            "RequestIsNotMultiPartContent",
            "Content-Type is not multipart/form-data: " + std::string(content_type.substr(0, 200)));
    }
    auto parsed = parse_header_value(content_type);
    if (!parsed) return malformed("unparsable multipart/form-data parameters");
    const Param* boundary = find_param(*parsed, "boundary");
    if (boundary == nullptr) return malformed("multipart/form-data without a boundary");
    const std::string& b = boundary->value;
    if (b.empty() || b.size() > 70 || b.back() == ' ') return malformed("invalid boundary length");
    for (char c : b) {
        if (c != ' ' && !is_bchar_nospace(c)) return malformed("invalid character in boundary");
    }
    return b;
}

Result<PartHeaders> parse_content_disposition(std::string_view value) {
    auto parsed = parse_header_value(value);
    if (!parsed) return malformed("unparsable Content-Disposition");
    if (!iequals(parsed->main, "form-data")) return malformed("part is not form-data");
    const Param* name = find_param(*parsed, "name");
    if (name == nullptr) return malformed("part without a name");
    PartHeaders out;
    out.name = name->value;
    if (const Param* ext = find_param(*parsed, "filename*")) {
        out.filename = decode_ext_value(ext->value);
    }
    if (!out.filename) {
        if (const Param* plain = find_param(*parsed, "filename")) out.filename = plain->value;
    }
    return out;
}

MultipartReader::MultipartReader(ByteSource& source, std::string_view boundary, Limits limits)
    : source_(source), delimiter_("\r\n--" + std::string(boundary)), limits_(limits) {
    const size_t size = std::max(kBufferSize, limits_.max_header_bytes + delimiter_.size() + 16);
    buf_storage_ = std::make_unique_for_overwrite<char[]>(size);
    buf_ = std::span<char>(buf_storage_.get(), size);
    // A virtual CRLF before the body lets a delimiter on the very first line match like any
    // other; consumed() does not count it.
    buf_[0] = '\r';
    buf_[1] = '\n';
    end_ = 2;
    total_read_ = 2;
}

Status MultipartReader::fill() {
    if (eof_) return Status::ok();
    if (begin_ > 0) {
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        clear_until_ = clear_until_ > begin_ ? clear_until_ - begin_ : 0;
        begin_ = 0;
    }
    if (end_ == buf_.size()) return internal_error("multipart buffer full");
    auto n = source_.read(std::span<char>(buf_.data() + end_, buf_.size() - end_));
    if (!n) return n.status();
    if (*n == 0) eof_ = true;
    end_ += *n;
    total_read_ += *n;
    return Status::ok();
}

Result<size_t> MultipartReader::take_until_delimiter(std::span<char> buf, size_t drop_max) {
    for (;;) {
        if (begin_ < clear_until_) {
            size_t n = std::min(clear_until_ - begin_, buf.empty() ? drop_max : buf.size());
            if (!buf.empty()) std::memcpy(buf.data(), buf_.data() + begin_, n);
            begin_ += n;
            return n;
        }
        const char* base = buf_.data();
        const size_t len = end_ - begin_;
        const void* hit = memmem(base + begin_, len, delimiter_.data(), delimiter_.size());
        if (hit != nullptr) {
            auto at = static_cast<size_t>(static_cast<const char*>(hit) - base);
            if (at > begin_) {
                clear_until_ = at;
                continue;
            }
            begin_ += delimiter_.size();
            clear_until_ = begin_;
            return size_t{0};
        }
        // No whole delimiter: everything before the longest tail that could start one is data.
        size_t safe_end = end_;
        for (size_t i = end_ - std::min(len, delimiter_.size() - 1); i < end_; ++i) {
            if (std::memcmp(base + i, delimiter_.data(), end_ - i) == 0) {
                safe_end = i;
                break;
            }
        }
        if (safe_end > begin_) {
            clear_until_ = safe_end;
            continue;
        }
        if (eof_) return malformed("body ended before the closing boundary");
        IMGPIPE_RETURN_IF_ERROR(fill());
    }
}

Result<bool> MultipartReader::parse_after_delimiter() {
    while (end_ - begin_ < 2 && !eof_) IMGPIPE_RETURN_IF_ERROR(fill());
    if (end_ - begin_ >= 2 && buf_[begin_] == '-' && buf_[begin_ + 1] == '-') {
        begin_ += 2;
        return false;
    }
    size_t padding = 0;
    for (;;) {
        while (begin_ < end_ && is_space(buf_[begin_])) {
            ++begin_;
            if (++padding > kMaxPadding) return malformed("too much padding after a boundary");
        }
        if (end_ - begin_ >= 2) break;
        if (end_ - begin_ == 1 && buf_[begin_] != '\r') break;
        if (eof_) return malformed("body ended after a boundary");
        IMGPIPE_RETURN_IF_ERROR(fill());
    }
    if (end_ - begin_ < 2 || buf_[begin_] != '\r' || buf_[begin_ + 1] != '\n') {
        return malformed("unexpected bytes after a boundary");
    }
    // The CRLF stays: parse_headers looks for "\r\n\r\n" from it, which also covers a part
    // with no headers at all.
    return true;
}

Result<PartHeaders> MultipartReader::parse_headers() {
    size_t at = 0;
    for (;;) {
        const void* hit =
            memmem(buf_.data() + begin_, end_ - begin_, kHeaderEnd.data(), kHeaderEnd.size());
        if (hit != nullptr) {
            at = static_cast<size_t>(static_cast<const char*>(hit) - buf_.data());
            break;
        }
        if (end_ - begin_ > limits_.max_header_bytes + kHeaderEnd.size()) {
            return too_large("part headers longer than " +
                             std::to_string(limits_.max_header_bytes) + " bytes");
        }
        if (eof_) return malformed("body ended inside part headers");
        IMGPIPE_RETURN_IF_ERROR(fill());
    }
    if (at - begin_ > limits_.max_header_bytes + 2) {
        return too_large("part headers longer than " + std::to_string(limits_.max_header_bytes) +
                         " bytes");
    }
    std::string_view block(buf_.data() + begin_ + 2, at > begin_ + 2 ? at - begin_ - 2 : 0);
    begin_ = at + kHeaderEnd.size();
    clear_until_ = begin_;

    // Header lines; a line starting with white space continues the previous one (obs-fold).
    std::string disposition;
    std::string content_type;
    bool have_disposition = false;
    std::string* last = nullptr;
    while (!block.empty()) {
        size_t eol = block.find("\r\n");
        std::string_view line = block.substr(0, eol);
        block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
        if (line.empty()) continue;
        if (is_space(line.front())) {
            if (last == nullptr) return malformed("part header starts with a continuation");
            last->append(" ").append(trim(line));
            continue;
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || trim(line.substr(0, colon)).empty()) {
            return malformed("part header line without a name");
        }
        std::string_view name = trim(line.substr(0, colon));
        std::string_view value = trim(line.substr(colon + 1));
        last = nullptr;
        if (iequals(name, "Content-Disposition") && !have_disposition) {
            disposition = value;
            have_disposition = true;
            last = &disposition;
        } else if (iequals(name, "Content-Type") && content_type.empty()) {
            content_type = value;
            last = &content_type;
        }
    }
    if (!have_disposition) return malformed("part without Content-Disposition");
    IMGPIPE_ASSIGN_OR_RETURN(PartHeaders headers, parse_content_disposition(disposition));
    headers.content_type = std::string(trim(content_type));
    return headers;
}

Result<std::optional<PartHeaders>> MultipartReader::next_part() {
    if (state_ == State::kDone) return std::optional<PartHeaders>();
    if (state_ == State::kPreamble || state_ == State::kBody) {
        const bool preamble = state_ == State::kPreamble;
        for (;;) {
            IMGPIPE_ASSIGN_OR_RETURN(size_t n, take_until_delimiter({}, SIZE_MAX));
            if (preamble && consumed() > limits_.max_preamble_bytes) {
                state_ = State::kDone;
                return too_large("preamble longer than " +
                                 std::to_string(limits_.max_preamble_bytes) + " bytes");
            }
            if (n == 0) break;
        }
    }
    state_ = State::kAfterDelimiter;
    auto more = parse_after_delimiter();
    if (!more || !*more) {
        state_ = State::kDone;
        if (!more) return more.status();
        return std::optional<PartHeaders>();
    }
    auto headers = parse_headers();
    if (!headers) {
        state_ = State::kDone;
        return headers.status();
    }
    state_ = State::kBody;
    return std::optional<PartHeaders>(std::move(*headers));
}

Result<size_t> MultipartReader::read(std::span<char> buf) {
    if (state_ != State::kBody) return size_t{0};
    auto n = take_until_delimiter(buf, 0);
    if (!n) {
        state_ = State::kDone;
        return n;
    }
    if (*n == 0) state_ = State::kAfterDelimiter;
    return n;
}

Result<bool> MultipartReader::discard_rest(uint64_t limit) {
    state_ = State::kDone;
    uint64_t dropped = end_ - begin_;
    begin_ = end_ = 0;
    clear_until_ = 0;
    while (!eof_ && dropped <= limit) {
        auto n = source_.read(std::span<char>(buf_.data(), buf_.size()));
        if (!n) return n.status();
        if (*n == 0) eof_ = true;
        total_read_ += *n;
        dropped += *n;
    }
    return eof_;
}

// ---- MultipartForm ----------------------------------------------------------------------------

class MultipartForm::FileSource final : public ByteSource {
  public:
    explicit FileSource(MultipartReader& reader) : reader_(reader) {}
    Result<size_t> read(std::span<char> buf) override { return reader_.read(buf); }

  private:
    MultipartReader& reader_;
};

MultipartForm::MultipartForm(ByteSource& body, std::string_view boundary,
                             MultipartReader::Limits limits)
    : reader_(body, boundary, limits) {}

Result<std::unique_ptr<MultipartForm>> MultipartForm::open(ByteSource& body,
                                                           std::string_view boundary,
                                                           uint64_t max_form_bytes) {
    MultipartReader::Limits limits;
    limits.max_header_bytes =
        static_cast<size_t>(std::clamp<uint64_t>(max_form_bytes, 1024, 16 * 1024));
    limits.max_preamble_bytes = max_form_bytes;
    std::unique_ptr<MultipartForm> form(new MultipartForm(body, boundary, limits));
    IMGPIPE_RETURN_IF_ERROR(form->read_fields(max_form_bytes));
    return form;
}

Status MultipartForm::read_fields(uint64_t max_form_bytes) {
    auto over_budget = [&] {
        return too_large("form fields before the file exceed " + std::to_string(max_form_bytes) +
                         " bytes");
    };
    for (;;) {
        IMGPIPE_ASSIGN_OR_RETURN(std::optional<PartHeaders> part, reader_.next_part());
        if (reader_.consumed() > max_form_bytes) return over_budget();
        if (!part) return Status::ok();
        if (iequals(part->name, "file")) {
            bytes_before_file_ = reader_.consumed();
            file_ = std::move(*part);
            file_source_ = std::make_unique<FileSource>(reader_);
            return Status::ok();
        }
        std::string value;
        char chunk[4096];
        for (;;) {
            IMGPIPE_ASSIGN_OR_RETURN(size_t n, reader_.read(chunk));
            if (n == 0) break;
            if (reader_.consumed() > max_form_bytes) return over_budget();
            value.append(chunk, n);
        }
        fields_.push_back({std::move(part->name), std::move(value)});
    }
}

std::optional<std::string_view> MultipartForm::field(std::string_view name) const {
    for (const FormField& f : fields_) {
        if (iequals(f.name, name)) return std::string_view(f.value);
    }
    return std::nullopt;
}

}  // namespace imgpipe::http
