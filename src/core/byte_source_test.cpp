#include "core/byte_source.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace imgpipe {
namespace {

std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 251) & 0xff);
    return s;
}

// A source that does not know its length (a request body, a decoding filter): read() only.
class UnsizedSource final : public ByteSource {
  public:
    UnsizedSource(std::string data, size_t max_read) : inner_(std::move(data), max_read) {}
    Result<size_t> read(std::span<char> buf) override { return inner_.read(buf); }

  private:
    StringByteSource inner_;
};

// Says it is a file range of `claimed` bytes but reads `data`: a file that changed length
// after it was opened.
class MisreportingSource final : public ByteSource {
  public:
    MisreportingSource(std::string data, uint64_t claimed)
        : inner_(std::move(data), 1000), claimed_(claimed) {}
    Result<size_t> read(std::span<char> buf) override { return inner_.read(buf); }
    std::optional<FileRange> file_range() const override { return FileRange{-1, 0, claimed_}; }

  private:
    UnsizedSource inner_;
    uint64_t claimed_;
};

// Fails after `good` bytes, like a verifying filter that finds a bad checksum at the end.
class FailingSource final : public ByteSource {
  public:
    explicit FailingSource(size_t good) : left_(good) {}
    Result<size_t> read(std::span<char> buf) override {
        if (left_ == 0) return Status(StatusCode::kDataLoss, "BadDigest", "checksum mismatch");
        size_t n = std::min(buf.size(), left_);
        left_ -= n;
        return n;
    }

  private:
    size_t left_;
};

TEST(ReadAllTest, ReadsSourcesThatKnowTheirLengthAndSourcesThatDoNot) {
    for (size_t n :
         {size_t{0}, size_t{1}, size_t{16383}, size_t{16384}, size_t{16385}, size_t{300'000}}) {
        const std::string data = pattern(n);
        StringByteSource sized(data, 4097);
        UnsizedSource unsized(data, 4097);
        EXPECT_EQ(read_all(sized, SIZE_MAX).value(), data) << n;
        EXPECT_EQ(read_all(unsized, SIZE_MAX).value(), data) << n;
    }
}

TEST(ReadAllTest, AcceptsExactlyTheLimitAndRefusesOneByteMore) {
    const std::string data = pattern(100'000);
    for (bool know_length : {true, false}) {
        auto source = [&](size_t n) -> std::unique_ptr<ByteSource> {
            if (know_length) return std::make_unique<StringByteSource>(data.substr(0, n));
            return std::make_unique<UnsizedSource>(data.substr(0, n), 1000);
        };
        EXPECT_EQ(read_all(*source(100'000), 100'000).value(), data) << know_length;
        auto over = read_all(*source(100'000), 99'999);
        ASSERT_FALSE(over.is_ok()) << know_length;
        EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
        EXPECT_EQ(over.status().reason(), "TooLarge");
        EXPECT_EQ(read_all(*source(0), 0).value(), "") << know_length;
        EXPECT_FALSE(read_all(*source(1), 0).is_ok()) << know_length;
    }
}

TEST(ReadAllTest, ALengthKnownWronglyOnlyCostsRegrowth) {
    const std::string data = pattern(100'000);
    for (uint64_t claimed :
         {uint64_t{0}, uint64_t{99'999}, uint64_t{100'001}, uint64_t{1} << 40, UINT64_MAX}) {
        MisreportingSource exact_limit(data, claimed);
        EXPECT_EQ(read_all(exact_limit, 100'000).value(), data) << claimed;
        MisreportingSource unlimited(data, claimed);
        EXPECT_EQ(read_all(unlimited, SIZE_MAX).value(), data) << claimed;
        MisreportingSource under(data, claimed);
        EXPECT_EQ(read_all(under, 99'999).status().reason(), "TooLarge") << claimed;
    }
}

TEST(ReadAllTest, PassesOnTheSourcesError) {
    FailingSource source(50'000);
    auto read = read_all(source, SIZE_MAX);
    ASSERT_FALSE(read.is_ok());
    EXPECT_EQ(read.status().reason(), "BadDigest");
}

}  // namespace
}  // namespace imgpipe
