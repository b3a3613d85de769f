#include "http/multipart_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "corpus.h"
#include "multipart_driver.h"

namespace imgpipe::http {
namespace {

// Hands out `data` in reads of the given sizes (cycled), to split it at chosen positions.
class ChunkedSource final : public ByteSource {
  public:
    ChunkedSource(std::string data, std::vector<size_t> sizes)
        : data_(std::move(data)), sizes_(std::move(sizes)) {}
    Result<size_t> read(std::span<char> buf) override {
        size_t want = sizes_.empty() ? buf.size() : sizes_[next_++ % sizes_.size()];
        size_t n = std::min({want, buf.size(), data_.size() - pos_});
        data_.copy(buf.data(), n, pos_);
        pos_ += n;
        return n;
    }

  private:
    std::string data_;
    std::vector<size_t> sizes_;
    size_t next_ = 0;
    size_t pos_ = 0;
};

// Produces `size` pseudo-random bytes, then the closing delimiter, without holding them.
class GeneratedFileSource final : public ByteSource {
  public:
    GeneratedFileSource(std::string head, uint64_t size, std::string tail)
        : head_(std::move(head)), size_(size), tail_(std::move(tail)) {}
    static char byte_at(uint64_t i) { return static_cast<char>((i * 2654435761u) >> 13); }
    Result<size_t> read(std::span<char> buf) override {
        size_t n = 0;
        while (n < buf.size()) {
            if (pos_ < head_.size()) {
                buf[n++] = head_[pos_];
            } else if (pos_ - head_.size() < size_) {
                buf[n++] = byte_at(pos_ - head_.size());
            } else if (pos_ - head_.size() - size_ < tail_.size()) {
                buf[n++] = tail_[pos_ - head_.size() - size_];
            } else {
                break;
            }
            ++pos_;
        }
        return n;
    }

  private:
    std::string head_;
    uint64_t size_;
    std::string tail_;
    uint64_t pos_ = 0;
};

constexpr std::string_view kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

// A browser-style body: two fields, a file whose bytes contain near-delimiters, a field after
// the file, preamble and epilogue.
std::string sample_body() {
    std::string b(kBoundary);
    return "preamble to ignore\r\n"
           "--" +
           b +
           "\r\n"
           "Content-Disposition: form-data; name=\"key\"\r\n\r\n"
           "uploads/${filename}\r\n"
           "--" +
           b +
           "\r\n"
           "content-disposition: form-data; name=\"X-Amz-Meta-Note\"\r\n"
           "Content-Type: text/plain\r\n\r\n"
           "line1\r\nline2\r\n--not-a-boundary\r\n"
           "--" +
           b +
           "  \t\r\n"
           "Content-Disposition: form-data; name=\"file\"; filename=\"cat \\\"1\\\".jpg\"\r\n"
           "Content-Type: image/jpeg\r\n\r\n"
           "\xff\xd8\r\n--" +
           b.substr(0, 10) + "\r\n-\r\n\r\n--" + b.substr(0, b.size() - 1) +
           std::string("X\0\xff\xd9\r\n--", 8) + b +
           "\r\n"
           "Content-Disposition: form-data; name=\"ignored\"\r\n\r\n"
           "after the file\r\n"
           "--" +
           b +
           "--\r\n"
           "epilogue";
}

std::string expected_file() {
    std::string b(kBoundary);
    std::string f =
        "\xff\xd8\r\n--" + b.substr(0, 10) + "\r\n-\r\n\r\n--" + b.substr(0, b.size() - 1) + "X";
    f.push_back('\0');
    f += "\xff\xd9";
    return f;
}

struct Parsed {
    std::vector<FormField> fields;
    std::optional<PartHeaders> file;
    std::string file_bytes;
};

// Parses `body` with reads of the given sizes, reading the file `consumer_chunk` bytes a time.
Result<Parsed> parse(std::string body, std::vector<size_t> sizes, size_t consumer_chunk = 8192,
                     uint64_t budget = 20 * 1024) {
    ChunkedSource source(std::move(body), std::move(sizes));
    IMGPIPE_ASSIGN_OR_RETURN(auto form, MultipartForm::open(source, kBoundary, budget));
    Parsed out;
    out.fields = form->fields();
    if (form->has_file()) {
        out.file = form->file_headers();
        std::string buf(consumer_chunk, '\0');
        for (;;) {
            IMGPIPE_ASSIGN_OR_RETURN(size_t n, form->file().read(buf));
            if (n == 0) break;
            out.file_bytes.append(buf.data(), n);
        }
    }
    return out;
}

void expect_sample(const Result<Parsed>& r) {
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_EQ(r->fields.size(), 2u);
    EXPECT_EQ(r->fields[0].name, "key");
    EXPECT_EQ(r->fields[0].value, "uploads/${filename}");
    EXPECT_EQ(r->fields[1].name, "X-Amz-Meta-Note");
    EXPECT_EQ(r->fields[1].value, "line1\r\nline2\r\n--not-a-boundary");
    ASSERT_TRUE(r->file.has_value());
    EXPECT_EQ(r->file->name, "file");
    EXPECT_EQ(r->file->filename, "cat \"1\".jpg");
    EXPECT_EQ(r->file->content_type, "image/jpeg");
    EXPECT_EQ(r->file_bytes, expected_file());
}

TEST(MultipartBoundaryTest, AcceptsQuotedAndUnquoted) {
    EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=abc"), "abc");
    EXPECT_EQ(*multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a b'()+_,-./:=?\""),
              "a b'()+_,-./:=?");
    EXPECT_EQ(*multipart_boundary("multipart/form-data; charset=utf-8; boundary=x1;"), "x1");
}

TEST(MultipartBoundaryTest, RejectsOtherMediaTypes) {
    for (auto ct :
         {"", "text/plain", "application/x-www-form-urlencoded", "multipart/mixed; boundary=abc"}) {
        auto r = multipart_boundary(ct);
        ASSERT_FALSE(r.is_ok()) << ct;
        EXPECT_EQ(r.status().reason(), "RequestIsNotMultiPartContent") << ct;
    }
}

TEST(MultipartBoundaryTest, RejectsInvalidBoundaries) {
    for (const std::string& ct : std::vector<std::string>{
             "multipart/form-data", "multipart/form-data; boundary=",
             "multipart/form-data; boundary=\"\"", "multipart/form-data; boundary=\"abc \"",
             "multipart/form-data; boundary=a\"b", "multipart/form-data; boundary=\"unterminated",
             "multipart/form-data; boundary=" + std::string(71, 'a'),
             std::string("multipart/form-data; boundary=a\rb")}) {
        auto r = multipart_boundary(ct);
        ASSERT_FALSE(r.is_ok()) << ct;
        EXPECT_EQ(r.status().reason(), "MalformedPOSTRequest") << ct;
    }
    EXPECT_TRUE(multipart_boundary("multipart/form-data; boundary=" + std::string(70, 'a')));
}

TEST(ContentDispositionTest, ParsesNameAndFilename) {
    auto r = parse_content_disposition("form-data; name=\"file\"; filename=\"a b.jpg\"");
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->name, "file");
    EXPECT_EQ(r->filename, "a b.jpg");

    auto token = parse_content_disposition("Form-Data;NAME=key");
    ASSERT_TRUE(token.is_ok());
    EXPECT_EQ(token->name, "key");
    EXPECT_FALSE(token->filename.has_value());
}

TEST(ContentDispositionTest, HonoursQuotedEscapesButKeepsWindowsPaths) {
    auto r =
        parse_content_disposition(R"(form-data; name="a\"b"; filename="C:\dir\x \"q\" \\.jpg")");
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->name, "a\"b");
    EXPECT_EQ(r->filename, R"(C:\dir\x "q" \.jpg)");
}

TEST(ContentDispositionTest, ExtendedFilenameWins) {
    auto r = parse_content_disposition(
        "form-data; name=file; filename=\"fallback.jpg\"; filename*=UTF-8''%E2%82%AC%20rates.jpg");
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->filename, "\xE2\x82\xAC rates.jpg");

    auto latin1 =
        parse_content_disposition("form-data; name=file; filename*=iso-8859-1'en'%E9.png");
    ASSERT_TRUE(latin1.is_ok());
    EXPECT_EQ(latin1->filename, "\xC3\xA9.png");

    // An unusable extended value falls back to the plain one.
    auto bad = parse_content_disposition(
        "form-data; name=file; filename=\"plain.jpg\"; filename*=UTF-8''%G1");
    ASSERT_TRUE(bad.is_ok());
    EXPECT_EQ(bad->filename, "plain.jpg");
}

TEST(ContentDispositionTest, RejectsNonFormDataAndMissingName) {
    for (auto v : {"attachment; name=\"a\"", "form-data; filename=\"x\"", "form-data; name=\"a",
                   "form-data; =x; name=a", "form-data; name=\"a\"b"}) {
        auto r = parse_content_disposition(v);
        ASSERT_FALSE(r.is_ok()) << v;
        EXPECT_EQ(r.status().reason(), "MalformedPOSTRequest") << v;
    }
}

TEST(MultipartFormTest, ParsesSampleInOneRead) { expect_sample(parse(sample_body(), {})); }

TEST(MultipartFormTest, ParsesSampleSplitAtEveryBytePosition) {
    const std::string body = sample_body();
    for (size_t split = 1; split < body.size(); ++split) {
        SCOPED_TRACE("split at " + std::to_string(split));
        expect_sample(parse(body, {split, body.size()}));
    }
}

TEST(MultipartFormTest, ParsesSampleInOneByteReads) {
    expect_sample(parse(sample_body(), {1}));
    expect_sample(parse(sample_body(), {1}, 1));
}

TEST(MultipartFormTest, ParsesSampleWithRandomReadSizes) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<size_t> size(1, 97);
    for (int round = 0; round < 200; ++round) {
        std::vector<size_t> sizes(31);
        for (auto& s : sizes) s = size(rng);
        expect_sample(parse(sample_body(), sizes, size(rng)));
    }
}

TEST(MultipartFormTest, FieldLookupIsCaseInsensitive) {
    auto source = StringByteSource(sample_body());
    auto form = MultipartForm::open(source, kBoundary, 20 * 1024);
    ASSERT_TRUE(form.is_ok());
    EXPECT_EQ((*form)->field("KEY"), "uploads/${filename}");
    EXPECT_EQ((*form)->field("x-amz-meta-note"), "line1\r\nline2\r\n--not-a-boundary");
    EXPECT_FALSE((*form)->field("ignored").has_value());
    EXPECT_FALSE((*form)->field("missing").has_value());
}

TEST(MultipartFormTest, FilePartIsFoundByNameInAnyCase) {
    std::string b(kBoundary);
    std::string body =
        "--" + b +
        "\r\nContent-Disposition: form-data; name=\"key\"; filename=\"key\"\r\n\r\nk\r\n--" + b +
        "\r\nContent-Disposition: form-data; name=\"FILE\"\r\n\r\ndata\r\n--" + b + "--";
    auto r = parse(body, {});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_EQ(r->fields.size(), 1u);
    // python-requests gives every field a filename; the field is still a field.
    EXPECT_EQ(r->fields[0].value, "k");
    ASSERT_TRUE(r->file.has_value());
    EXPECT_FALSE(r->file->filename.has_value());
    EXPECT_EQ(r->file_bytes, "data");
}

TEST(MultipartFormTest, FormWithoutFile) {
    std::string b(kBoundary);
    std::string body =
        "--" + b + "\r\nContent-Disposition: form-data; name=key\r\n\r\nk\r\n--" + b + "--\r\n";
    auto r = parse(body, {3});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(r->fields.size(), 1u);
    EXPECT_FALSE(r->file.has_value());
}

TEST(MultipartFormTest, EmptyPartsAndEmptyFile) {
    std::string b(kBoundary);
    std::string body =
        "--" + b + "\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n--" + b +
        "\r\nContent-Disposition: form-data; name=file; filename=\"\"\r\n\r\n\r\n--" + b + "--";
    auto r = parse(body, {1});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_EQ(r->fields.size(), 1u);
    EXPECT_EQ(r->fields[0].value, "");
    EXPECT_EQ(r->file->filename, "");
    EXPECT_EQ(r->file_bytes, "");
}

TEST(MultipartFormTest, FieldsBeyondBudgetAreRejected) {
    std::string b(kBoundary);
    std::string body = "--" + b + "\r\nContent-Disposition: form-data; name=big\r\n\r\n" +
                       std::string(30 * 1024, 'x') + "\r\n--" + b + "--";
    auto r = parse(body, {});
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().reason(), "MaxPostPreDataLengthExceededError");

    auto preamble = parse(std::string(30 * 1024, 'p') + "\r\n" + body, {});
    ASSERT_FALSE(preamble.is_ok());
    EXPECT_EQ(preamble.status().reason(), "MaxPostPreDataLengthExceededError");

    std::string long_header = "--" + b + "\r\nContent-Disposition: form-data; name=a\r\nX-Pad: " +
                              std::string(40 * 1024, 'h') + "\r\n\r\nv\r\n--" + b + "--";
    auto header = parse(long_header, {});
    ASSERT_FALSE(header.is_ok());
    EXPECT_EQ(header.status().reason(), "MaxPostPreDataLengthExceededError");
}

TEST(MultipartFormTest, BudgetCountsEverythingBeforeTheFile) {
    std::string b(kBoundary);
    std::string head = "--" + b + "\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--" +
                       b + "\r\nContent-Disposition: form-data; name=file\r\n\r\n";
    std::string body = head + "0123456789\r\n--" + b + "--";
    EXPECT_TRUE(parse(body, {}, 8192, head.size()).is_ok());
    auto r = parse(body, {}, 8192, head.size() - 1);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().reason(), "MaxPostPreDataLengthExceededError");
}

TEST(MultipartFormTest, MalformedBodiesGiveClearErrors) {
    std::string b(kBoundary);
    std::string part = "Content-Disposition: form-data; name=file\r\n\r\n";
    const std::vector<std::string> bodies = {
        "",                                                        // no delimiter at all
        "no boundary here",                                        // idem
        "--" + b,                                                  // ends after a delimiter
        "--" + b + "\r\n" + part + "data",                         // truncated file
        "--" + b + "\r\n" + part + "data\r\n--" + b.substr(0, 5),  // truncated delimiter
        "--" + b + "x\r\n" + part,                                 // junk after a delimiter
        "--" + b + "\r\nContent-Disposition: form-data\r\n\r\nv\r\n--" + b + "--",  // no name
        "--" + b + "\r\nno colon\r\n\r\nv\r\n--" + b + "--",  // bad header line
        "--" + b + "\r\n\r\nv\r\n--" + b + "--",              // no headers
        "--" + b + "\r\n Content-Disposition: form-data; name=a\r\n\r\nv\r\n--" + b + "--",
        "--" + b + "\r\nContent-Disposition: form-data; name=a\r\n",  // headers never end
        "--" + b + std::string(300, ' ') + "\r\n" + part,             // endless padding
    };
    for (const std::string& body : bodies) {
        SCOPED_TRACE(body.substr(0, 120));
        auto r = parse(body, {7});
        ASSERT_FALSE(r.is_ok());
        EXPECT_EQ(r.status().reason(), "MalformedPOSTRequest");
    }
}

TEST(MultipartFormTest, FoldedHeadersAreJoined) {
    std::string b(kBoundary);
    std::string body =
        "--" + b +
        "\r\nContent-Disposition: form-data;\r\n name=\"file\";\r\n\tfilename=\"f.png\"\r\n"
        "Content-Type:   image/png  \r\n\r\nPNG\r\n--" +
        b + "--";
    auto r = parse(body, {2});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(r->file->filename, "f.png");
    EXPECT_EQ(r->file->content_type, "image/png");
    EXPECT_EQ(r->file_bytes, "PNG");
}

TEST(MultipartFormTest, StreamsLargeFileThroughFixedBuffer) {
    std::string b(kBoundary);
    std::string head =
        "--" + b + "\r\nContent-Disposition: form-data; name=file; filename=x\r\n\r\n";
    const uint64_t size = 5 * 1024 * 1024 + 17;
    GeneratedFileSource source(head, size, "\r\n--" + b + "--\r\n");
    auto form = MultipartForm::open(source, b, 20 * 1024);
    ASSERT_TRUE(form.is_ok()) << form.status().to_string();
    EXPECT_EQ((*form)->bytes_before_file(), head.size());
    std::vector<char> buf(100'003);
    uint64_t total = 0;
    bool same = true;
    for (;;) {
        auto n = (*form)->file().read(buf);
        ASSERT_TRUE(n.is_ok()) << n.status().to_string();
        if (*n == 0) break;
        for (size_t i = 0; i < *n; ++i) same &= buf[i] == GeneratedFileSource::byte_at(total + i);
        total += *n;
    }
    EXPECT_EQ(total, size);
    EXPECT_TRUE(same);
    auto rest = (*form)->discard_rest(1024);
    ASSERT_TRUE(rest.is_ok());
    EXPECT_TRUE(*rest);
}

TEST(MultipartReaderTest, WalksPartsAndSkipsUnreadBodies) {
    ChunkedSource source(sample_body(), {5});
    MultipartReader reader(source, kBoundary);
    char c;
    EXPECT_EQ(*reader.read({&c, 1}), 0u);  // before the first part
    std::vector<std::string> names;
    for (;;) {
        auto part = reader.next_part();
        ASSERT_TRUE(part.is_ok()) << part.status().to_string();
        if (!*part) break;
        names.push_back((*part)->name);
    }
    EXPECT_THAT(names, testing::ElementsAre("key", "X-Amz-Meta-Note", "file", "ignored"));
    EXPECT_EQ(*reader.read({&c, 1}), 0u);
    auto again = reader.next_part();
    ASSERT_TRUE(again.is_ok());
    EXPECT_FALSE(again->has_value());
}

TEST(MultipartReaderTest, DiscardRestStopsAtLimit) {
    ChunkedSource source(sample_body() + std::string(100'000, 'e'), {});
    MultipartReader reader(source, kBoundary);
    ASSERT_TRUE(reader.next_part().is_ok());
    auto ended = reader.discard_rest(1000);
    ASSERT_TRUE(ended.is_ok());
    EXPECT_FALSE(*ended);
}

TEST(MultipartReaderTest, SourceErrorsPassThrough) {
    class FailingSource final : public ByteSource {
      public:
        Result<size_t> read(std::span<char>) override {
            return Status(StatusCode::kAborted, "IncompleteBody", "peer went away");
        }
    } source;
    MultipartReader reader(source, kBoundary);
    auto r = reader.next_part();
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().reason(), "IncompleteBody");
}

// The fuzz target's seed corpus (and any crash input saved there) replayed through its driver.
TEST(MultipartCorpusTest, EverySeedParsesOrFailsCleanly) {
    // Outcomes of the hand-written seeds: "" = ok with a file, "nofile" = ok without one.
    const std::map<std::string, std::string> expected = {
        {"browser-form", ""},
        {"browser-form-small-reads", ""},
        {"requests-style", ""},
        {"quoted-boundary-preamble-epilogue", ""},
        {"folded-headers", ""},
        {"fields-after-file", ""},
        {"empty-parts", ""},
        {"no-file", "nofile"},
        {"truncated-file", "MalformedPOSTRequest"},
        {"junk-after-boundary", "MalformedPOSTRequest"},
        {"missing-name", "MalformedPOSTRequest"},
        {"bad-boundary", "MalformedPOSTRequest"},
        {"big-field", "MaxPostPreDataLengthExceededError"},
        {"not-multipart", "RequestIsNotMultiPartContent"},
    };
    size_t seen = 0;
    for (const auto& [name, data] : read_fuzz_corpus("multipart")) {
        auto outcome = fuzzing::run_multipart_input(reinterpret_cast<const uint8_t*>(data.data()),
                                                    data.size());
        auto it = expected.find(name);
        if (it == expected.end()) continue;
        ++seen;
        SCOPED_TRACE(it->first);
        if (it->second.empty() || it->second == "nofile") {
            EXPECT_TRUE(outcome.status.is_ok()) << outcome.status.to_string();
            EXPECT_EQ(outcome.has_file, it->second.empty());
        } else {
            EXPECT_EQ(outcome.status.reason(), it->second);
        }
    }
    EXPECT_EQ(seen, expected.size());
}

}  // namespace
}  // namespace imgpipe::http
