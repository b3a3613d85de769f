// Additional checksums through the S3 handlers over a LocalObjectStore. Expected values come from
// Python's zlib.crc32 and hashlib, or the CRC catalogue's check values ("123456789").
#include <gtest/gtest.h>

#include "s3/s3_test_fixture.h"

namespace imgpipe::s3::testing {
namespace {

constexpr const char* kHelloCrc32 = "DUoRhQ==";  // "hello world"
constexpr const char* kHelloSha256 = "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=";
constexpr const char* kHelloSha1 = "Kq5sNclPz7QV2+lfQIuc6R7oRu0=";
constexpr const char* kCheckCrc32c = "4waSgw==";     // 0xE3069283
constexpr const char* kCheckCrc64 = "rosUhgp5mIg=";  // 0xAE8B14860A799888
// Part 1 = 5 MiB of 'a', part 2 = "tail".
constexpr const char* kPart1Crc32 = "r/zBbw==";
constexpr const char* kPart2Crc32 = "fDe0XQ==";
constexpr const char* kCompositeCrc32 = "4fn9rQ==-2";
constexpr const char* kFullCrc32 = "cX+/tw==";

class ChecksumsTest : public S3ServiceTest {
  protected:
    void SetUp() override {
        S3ServiceTest::SetUp();
        create_bucket("bkt");
    }

    Reply head(const std::string& target, sigv4::HeaderList headers = {}) {
        return send({.method = "HEAD", .target = target, .headers = std::move(headers)});
    }
    Reply get_enabled(const std::string& target, sigv4::HeaderList extra = {}) {
        extra.emplace_back("x-amz-checksum-mode", "ENABLED");
        return send({.target = target, .headers = std::move(extra)});
    }

    std::string create_upload(const std::string& key, sigv4::HeaderList headers) {
        Reply r = send({.method = "POST",
                        .target = "/bkt/" + key + "?uploads",
                        .headers = std::move(headers)});
        EXPECT_EQ(r.status, 200) << r.body;
        return r.xml().child_value("UploadId");
    }
    Reply upload_part(const std::string& key, const std::string& id, int n, std::string body,
                      sigv4::HeaderList headers = {}) {
        return send(
            {.method = "PUT",
             .target = "/bkt/" + key + "?partNumber=" + std::to_string(n) + "&uploadId=" + id,
             .body = std::move(body),
             .headers = std::move(headers)});
    }
    Reply complete(const std::string& key, const std::string& id, const std::string& parts_xml,
                   sigv4::HeaderList headers = {}) {
        return send({.method = "POST",
                     .target = "/bkt/" + key + "?uploadId=" + id,
                     .body = "<CompleteMultipartUpload>" + parts_xml + "</CompleteMultipartUpload>",
                     .headers = std::move(headers)});
    }
    static std::string part_xml(int n, const std::string& etag, const std::string& checksum_xml) {
        return "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" + etag + "</ETag>" +
               checksum_xml + "</Part>";
    }
};

TEST_F(ChecksumsTest, HeaderChecksumIsStoredAndReturnedOnlyWhenEnabled) {
    Reply r = put("/bkt/k", "hello world", {{"x-amz-checksum-crc32", kHelloCrc32}});
    ASSERT_EQ(r.status, 200) << r.body;

    EXPECT_EQ(head("/bkt/k").header("x-amz-checksum-crc32"), "");
    Reply h = head("/bkt/k", {{"x-amz-checksum-mode", "ENABLED"}});
    EXPECT_EQ(h.header("x-amz-checksum-crc32"), kHelloCrc32);
    EXPECT_EQ(h.header("x-amz-checksum-type"), "FULL_OBJECT");
    Reply g = get_enabled("/bkt/k");
    EXPECT_EQ(g.body, "hello world");
    EXPECT_EQ(g.header("x-amz-checksum-crc32"), kHelloCrc32);
}

TEST_F(ChecksumsTest, RangedGetReturnsChecksumOnlyForTheWholeObject) {
    ASSERT_EQ(put("/bkt/k", "hello world", {{"x-amz-checksum-sha256", kHelloSha256}}).status, 200);
    Reply part = get_enabled("/bkt/k", {{"Range", "bytes=0-3"}});
    EXPECT_EQ(part.status, 206);
    EXPECT_EQ(part.header("x-amz-checksum-sha256"), "");
    Reply whole = get_enabled("/bkt/k", {{"Range", "bytes=0-10"}});
    EXPECT_EQ(whole.status, 206);
    EXPECT_EQ(whole.header("x-amz-checksum-sha256"), kHelloSha256);
}

TEST_F(ChecksumsTest, EveryAlgorithmIsKept) {
    const std::pair<const char*, const char*> cases[] = {
        {"x-amz-checksum-crc32c", kCheckCrc32c},
        {"x-amz-checksum-crc64nvme", kCheckCrc64},
    };
    for (const auto& [header, value] : cases) {
        ASSERT_EQ(put("/bkt/check", "123456789", {{header, value}}).status, 200) << header;
        EXPECT_EQ(head("/bkt/check", {{"x-amz-checksum-mode", "ENABLED"}}).header(header), value);
    }
    ASSERT_EQ(put("/bkt/sha1", "hello world", {{"x-amz-checksum-sha1", kHelloSha1}}).status, 200);
    EXPECT_EQ(head("/bkt/sha1", {{"x-amz-checksum-mode", "ENABLED"}}).header("x-amz-checksum-sha1"),
              kHelloSha1);
}

TEST_F(ChecksumsTest, TrailerChecksumIsStored) {
    Reply r =
        send({.method = "PUT",
              .target = "/bkt/t",
              .body = "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:" + std::string(kHelloCrc32) +
                      "\r\n\r\n",
              .headers = {{"Content-Encoding", "aws-chunked"},
                          {"x-amz-decoded-content-length", "11"},
                          {"x-amz-sdk-checksum-algorithm", "CRC32"},
                          {"x-amz-trailer", "x-amz-checksum-crc32"}},
              .payload_hash = "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
              .chunked = true});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(head("/bkt/t", {{"x-amz-checksum-mode", "ENABLED"}}).header("x-amz-checksum-crc32"),
              kHelloCrc32);
}

TEST_F(ChecksumsTest, MismatchIsBadDigestAndStoresNothing) {
    Reply r = put("/bkt/k", "hello world", {{"x-amz-checksum-crc32", kPart1Crc32}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.error_code(), "BadDigest");
    EXPECT_EQ(head("/bkt/k").status, 404);
}

TEST_F(ChecksumsTest, AlgorithmHeaderMustAgreeWithTheValue) {
    Reply other =
        put("/bkt/k", "hello world",
            {{"x-amz-sdk-checksum-algorithm", "SHA256"}, {"x-amz-checksum-crc32", kHelloCrc32}});
    EXPECT_EQ(other.status, 400);
    EXPECT_EQ(other.error_code(), "InvalidRequest");
    Reply missing = put("/bkt/k", "hello world", {{"x-amz-sdk-checksum-algorithm", "CRC32"}});
    EXPECT_EQ(missing.error_code(), "InvalidRequest");
    EXPECT_NE(missing.body.find("no corresponding x-amz-checksum-*"), std::string::npos);
    Reply unknown =
        put("/bkt/k", "hello world",
            {{"x-amz-sdk-checksum-algorithm", "MD4"}, {"x-amz-checksum-crc32", kHelloCrc32}});
    EXPECT_EQ(unknown.error_code(), "InvalidRequest");
    Reply two = put("/bkt/k", "hello world",
                    {{"x-amz-checksum-crc32", kHelloCrc32}, {"x-amz-checksum-sha1", kHelloSha1}});
    EXPECT_EQ(two.error_code(), "InvalidRequest");
    EXPECT_EQ(head("/bkt/k").status, 404);
    Reply agree =
        put("/bkt/k", "hello world",
            {{"x-amz-sdk-checksum-algorithm", "crc32"}, {"x-amz-checksum-crc32", kHelloCrc32}});
    EXPECT_EQ(agree.status, 200) << agree.body;
}

TEST_F(ChecksumsTest, CompositeMultipartChecksum) {
    const std::string id = create_upload("m", {{"x-amz-checksum-algorithm", "CRC32"}});
    Reply p1 =
        upload_part("m", id, 1, std::string(5 << 20, 'a'), {{"x-amz-checksum-crc32", kPart1Crc32}});
    ASSERT_EQ(p1.status, 200) << p1.body;
    // No checksum sent: the upload's algorithm is computed for the part.
    Reply p2 = upload_part("m", id, 2, "tail");
    ASSERT_EQ(p2.status, 200) << p2.body;

    Reply parts = get("/bkt/m?uploadId=" + id);
    pugi::xml_node root = parts.xml();
    EXPECT_STREQ(root.child_value("ChecksumAlgorithm"), "CRC32");
    EXPECT_STREQ(root.child_value("ChecksumType"), "COMPOSITE");
    std::vector<std::string> listed;
    for (pugi::xml_node p : root.children("Part"))
        listed.emplace_back(p.child_value("ChecksumCRC32"));
    EXPECT_EQ(listed, (std::vector<std::string>{kPart1Crc32, kPart2Crc32}));

    Reply done =
        complete("m", id,
                 part_xml(1, p1.header("ETag"),
                          "<ChecksumCRC32>" + std::string(kPart1Crc32) + "</ChecksumCRC32>") +
                     part_xml(2, p2.header("ETag"),
                              "<ChecksumCRC32>" + std::string(kPart2Crc32) + "</ChecksumCRC32>"));
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_STREQ(done.xml().child_value("ChecksumCRC32"), kCompositeCrc32);
    Reply h = head("/bkt/m", {{"x-amz-checksum-mode", "ENABLED"}});
    EXPECT_EQ(h.header("x-amz-checksum-crc32"), kCompositeCrc32);
    EXPECT_EQ(h.header("x-amz-checksum-type"), "COMPOSITE");
}

TEST_F(ChecksumsTest, FullObjectMultipartChecksumCombinesPartCrcs) {
    const std::string id = create_upload(
        "f", {{"x-amz-checksum-algorithm", "CRC32"}, {"x-amz-checksum-type", "FULL_OBJECT"}});
    Reply p1 = upload_part("f", id, 1, std::string(5 << 20, 'a'));
    Reply p2 = upload_part("f", id, 2, "tail");
    // Part checksums are optional in a FULL_OBJECT completion; the whole object's is checked.
    Reply done =
        complete("f", id, part_xml(1, p1.header("ETag"), "") + part_xml(2, p2.header("ETag"), ""),
                 {{"x-amz-checksum-crc32", kFullCrc32}, {"x-amz-checksum-type", "FULL_OBJECT"}});
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_STREQ(done.xml().child_value("ChecksumType"), "FULL_OBJECT");
    Reply g = get_enabled("/bkt/f");
    EXPECT_EQ(g.header("x-amz-checksum-crc32"), kFullCrc32);
    EXPECT_EQ(g.header("x-amz-checksum-type"), "FULL_OBJECT");
}

TEST_F(ChecksumsTest, CompletionChecksumErrors) {
    const std::string id = create_upload("e", {{"x-amz-checksum-algorithm", "CRC32"}});
    Reply p1 = upload_part("e", id, 1, "only part");
    ASSERT_EQ(p1.status, 200);
    // A listed part checksum that is not the part's.
    Reply wrong =
        complete("e", id,
                 part_xml(1, p1.header("ETag"),
                          "<ChecksumCRC32>" + std::string(kPart2Crc32) + "</ChecksumCRC32>"));
    EXPECT_EQ(wrong.error_code(), "InvalidPart");
    // COMPOSITE needs every part's checksum listed.
    Reply missing = complete("e", id, part_xml(1, p1.header("ETag"), ""));
    EXPECT_EQ(missing.error_code(), "InvalidRequest");
    // The whole object's checksum, given and wrong.
    const std::string listed =
        "<ChecksumCRC32>" + std::string(p1.header("x-amz-checksum-crc32")) + "</ChecksumCRC32>";
    Reply bad = complete("e", id, part_xml(1, p1.header("ETag"), listed),
                         {{"x-amz-checksum-crc32", kHelloCrc32}});
    EXPECT_EQ(bad.error_code(), "BadDigest");
    EXPECT_EQ(head("/bkt/e").status, 404);
    EXPECT_EQ(complete("e", id, part_xml(1, p1.header("ETag"), listed)).status, 200);
}

TEST_F(ChecksumsTest, UploadChecksumRules) {
    Reply sha_full = send({.method = "POST",
                           .target = "/bkt/x?uploads",
                           .headers = {{"x-amz-checksum-algorithm", "SHA256"},
                                       {"x-amz-checksum-type", "FULL_OBJECT"}}});
    EXPECT_EQ(sha_full.error_code(), "InvalidRequest");
    Reply crc64_composite = send({.method = "POST",
                                  .target = "/bkt/x?uploads",
                                  .headers = {{"x-amz-checksum-algorithm", "CRC64NVME"},
                                              {"x-amz-checksum-type", "COMPOSITE"}}});
    EXPECT_EQ(crc64_composite.error_code(), "InvalidRequest");
    Reply type_only = send({.method = "POST",
                            .target = "/bkt/x?uploads",
                            .headers = {{"x-amz-checksum-type", "COMPOSITE"}}});
    EXPECT_EQ(type_only.error_code(), "InvalidRequest");

    const std::string id = create_upload("x", {{"x-amz-checksum-algorithm", "SHA1"}});
    Reply other = upload_part("x", id, 1, "hello world", {{"x-amz-checksum-crc32", kHelloCrc32}});
    EXPECT_EQ(other.error_code(), "InvalidRequest");
    Reply same = upload_part("x", id, 1, "hello world", {{"x-amz-checksum-sha1", kHelloSha1}});
    EXPECT_EQ(same.status, 200) << same.body;
}

TEST_F(ChecksumsTest, CopyKeepsOrRecomputesTheChecksum) {
    ASSERT_EQ(put("/bkt/src", "hello world", {{"x-amz-checksum-crc32", kHelloCrc32}}).status, 200);
    Reply kept = send(
        {.method = "PUT", .target = "/bkt/kept", .headers = {{"x-amz-copy-source", "/bkt/src"}}});
    ASSERT_EQ(kept.status, 200) << kept.body;
    EXPECT_EQ(
        head("/bkt/kept", {{"x-amz-checksum-mode", "ENABLED"}}).header("x-amz-checksum-crc32"),
        kHelloCrc32);
    Reply redone = send(
        {.method = "PUT",
         .target = "/bkt/redone",
         .headers = {{"x-amz-copy-source", "/bkt/src"}, {"x-amz-checksum-algorithm", "SHA256"}}});
    ASSERT_EQ(redone.status, 200) << redone.body;
    EXPECT_STREQ(redone.xml().child_value("ChecksumSHA256"), kHelloSha256);
    Reply h = head("/bkt/redone", {{"x-amz-checksum-mode", "ENABLED"}});
    EXPECT_EQ(h.header("x-amz-checksum-sha256"), kHelloSha256);
    EXPECT_EQ(h.header("x-amz-checksum-crc32"), "");
}

}  // namespace
}  // namespace imgpipe::s3::testing
