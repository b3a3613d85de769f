#include <gtest/gtest.h>

#include "s3/codec.h"
#include "s3/s3_test_fixture.h"
#include "s3/xml.h"
#include "sigv4/payload.h"

namespace imgpipe::s3::testing {
namespace {

class ObjectHandlersTest : public S3ServiceTest {
  protected:
    void SetUp() override {
        S3ServiceTest::SetUp();
        create_bucket("photos");
    }
};

// MD5("hello world"), base64 and hex.
constexpr const char* kHelloMd5B64 = "XrY7u+Ae7tCTyyK7j1rNww==";
constexpr const char* kHelloMd5Hex = "5eb63bbbe01eeed093cb22bb8f5acdc3";

TEST_F(ObjectHandlersTest, PutThenGetReturnsBytesAndHeaders) {
    Reply p = put("/photos/dir/hello.txt", "hello world",
                  {{"Content-Type", "text/plain"},
                   {"Content-MD5", kHelloMd5B64},
                   {"x-amz-meta-Color", "blue"},
                   {"Cache-Control", "max-age=60"},
                   {"Expect", "100-continue"},
                   {"amz-sdk-invocation-id", "abc"}});
    ASSERT_EQ(p.status, 200) << p.body;
    EXPECT_EQ(p.header("ETag"), std::string("\"") + kHelloMd5Hex + "\"");
    EXPECT_EQ(p.header("x-amz-request-id"), "req-test-1");

    Reply g = get("/photos/dir/hello.txt");
    ASSERT_EQ(g.status, 200) << g.body;
    EXPECT_EQ(g.body, "hello world");
    EXPECT_EQ(g.content_length, 11u);
    EXPECT_EQ(g.header("ETag"), std::string("\"") + kHelloMd5Hex + "\"");
    EXPECT_EQ(g.header("Content-Type"), "text/plain");
    EXPECT_EQ(g.header("x-amz-meta-color"), "blue");
    EXPECT_EQ(g.header("Cache-Control"), "max-age=60");
    EXPECT_EQ(g.header("Accept-Ranges"), "bytes");
    EXPECT_TRUE(parse_http_date(g.header("Last-Modified")).has_value())
        << g.header("Last-Modified");
}

TEST_F(ObjectHandlersTest, HeadObjectHasHeadersNoBody) {
    put_object("photos", "a.bin", std::string(300, 'x'));
    Reply h = send({.method = "HEAD", .target = "/photos/a.bin"});
    EXPECT_EQ(h.status, 200);
    EXPECT_TRUE(h.body.empty());
    EXPECT_EQ(h.content_length, 300u);
    EXPECT_EQ(h.header("Content-Type"), "binary/octet-stream");
    Reply missing = send({.method = "HEAD", .target = "/photos/nope"});
    EXPECT_EQ(missing.status, 404);
    EXPECT_TRUE(missing.body.empty());
}

TEST_F(ObjectHandlersTest, MissingKeyAndBucket) {
    Reply r = get("/photos/nope");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.error_code(), "NoSuchKey");
    pugi::xml_node e = r.xml();
    EXPECT_STREQ(e.child_value("Resource"), "/photos/nope");
    EXPECT_STREQ(e.child_value("RequestId"), "req-test-1");
    Reply nb = put("/no-bucket/k", "x");
    EXPECT_EQ(nb.status, 404);
    EXPECT_EQ(nb.error_code(), "NoSuchBucket");
}

TEST_F(ObjectHandlersTest, DigestAndPayloadHashMismatchesStoreNothing) {
    Reply bad_md5 = put("/photos/a", "hello world", {{"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}});
    EXPECT_EQ(bad_md5.status, 400);
    EXPECT_EQ(bad_md5.error_code(), "BadDigest");
    Reply invalid_md5 = put("/photos/a", "hello world", {{"Content-MD5", "not-base64"}});
    EXPECT_EQ(invalid_md5.status, 400);
    EXPECT_EQ(invalid_md5.error_code(), "InvalidDigest");
    Reply sha = send({.method = "PUT",
                      .target = "/photos/a",
                      .body = "hello world",
                      .payload_hash = sigv4::sha256_hex("something else")});
    EXPECT_EQ(sha.status, 400);
    EXPECT_EQ(sha.error_code(), "XAmzContentSHA256Mismatch");
    EXPECT_EQ(get("/photos/a").error_code(), "NoSuchKey");
}

TEST_F(ObjectHandlersTest, ChecksumHeaderIsVerifiedAndEchoed) {
    const std::string crc = sigv4::crc32_base64("hello world");
    Reply ok = put("/photos/c", "hello world",
                   {{"x-amz-checksum-crc32", crc}, {"x-amz-sdk-checksum-algorithm", "CRC32"}});
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.header("x-amz-checksum-crc32"), crc);
    Reply bad = put("/photos/d", "hello world", {{"x-amz-checksum-crc32", "AAAAAA=="}});
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.error_code(), "BadDigest");
    EXPECT_EQ(get("/photos/d").status, 404);
}

TEST_F(ObjectHandlersTest, StreamingUnsignedTrailerUpload) {
    // The body @aws-sdk/client-s3 sends for a stream (s3-compat.md §1.4a).
    Reply r = send({.method = "PUT",
                    .target = "/photos/streamed",
                    .body = "d\r\nstreamed body\r\n0\r\nx-amz-checksum-crc32:z7Y9bA==\r\n\r\n",
                    .headers = {{"Content-Encoding", "aws-chunked"},
                                {"x-amz-decoded-content-length", "13"},
                                {"x-amz-trailer", "x-amz-checksum-crc32"}},
                    .payload_hash = "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                    .chunked = true});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("x-amz-checksum-crc32"), "z7Y9bA==");
    Reply g = get("/photos/streamed");
    EXPECT_EQ(g.body, "streamed body");
    // aws-chunked describes the transfer only; it is not stored as the content encoding.
    EXPECT_EQ(g.header("Content-Encoding"), "");
}

TEST_F(ObjectHandlersTest, KeyTooLong) {
    Reply r = put("/photos/" + std::string(1025, 'k'), "x");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.error_code(), "KeyTooLongError");
}

TEST_F(ObjectHandlersTest, Ranges) {
    put_object("photos", "digits", "0123456789");
    Reply r = send({.target = "/photos/digits", .headers = {{"Range", "bytes=2-4"}}});
    ASSERT_EQ(r.status, 206) << r.body;
    EXPECT_EQ(r.body, "234");
    EXPECT_EQ(r.header("Content-Range"), "bytes 2-4/10");
    Reply suffix = send({.target = "/photos/digits", .headers = {{"Range", "bytes=-3"}}});
    EXPECT_EQ(suffix.status, 206);
    EXPECT_EQ(suffix.body, "789");
    Reply open = send({.target = "/photos/digits", .headers = {{"Range", "bytes=8-"}}});
    EXPECT_EQ(open.body, "89");
    EXPECT_EQ(open.header("Content-Range"), "bytes 8-9/10");
    Reply bad = send({.target = "/photos/digits", .headers = {{"Range", "bytes=10-"}}});
    EXPECT_EQ(bad.status, 416);
    EXPECT_EQ(bad.error_code(), "InvalidRange");
    EXPECT_EQ(bad.header("Content-Range"), "bytes */10");
}

TEST_F(ObjectHandlersTest, ConditionalGets) {
    put_object("photos", "k", "hello world");
    const std::string etag = std::string("\"") + kHelloMd5Hex + "\"";
    const std::string past = http_date(clock_.now() - std::chrono::hours(1));
    const std::string future = http_date(clock_.now() + std::chrono::hours(1));
    auto with = [&](sigv4::HeaderList h) {
        return send({.target = "/photos/k", .headers = std::move(h)});
    };

    EXPECT_EQ(with({{"If-Match", etag}}).status, 200);
    Reply failed = with({{"If-Match", "\"0000\""}});
    EXPECT_EQ(failed.status, 412);
    EXPECT_EQ(failed.error_code(), "PreconditionFailed");
    Reply not_modified = with({{"If-None-Match", etag}});
    EXPECT_EQ(not_modified.status, 304);
    EXPECT_TRUE(not_modified.body.empty());
    EXPECT_EQ(not_modified.header("ETag"), etag);
    EXPECT_EQ(with({{"If-Modified-Since", future}}).status, 304);
    EXPECT_EQ(with({{"If-Modified-Since", past}}).status, 200);
    EXPECT_EQ(with({{"If-Unmodified-Since", past}}).status, 412);
    EXPECT_EQ(with({{"If-Match", etag}, {"If-Unmodified-Since", past}}).status, 200);
    EXPECT_EQ(with({{"If-None-Match", "\"0000\""}, {"If-Modified-Since", future}}).status, 200);
    Reply head =
        send({.method = "HEAD", .target = "/photos/k", .headers = {{"If-Match", "\"x\""}}});
    EXPECT_EQ(head.status, 412);
    EXPECT_TRUE(head.body.empty());
}

TEST_F(ObjectHandlersTest, ResponseHeaderOverrides) {
    put_object("photos", "k", "data");
    Reply r =
        get("/photos/k?response-content-type=image%2Fpng&response-content-disposition="
            "attachment%3B%20filename%3Dx.png&response-cache-control=no-cache");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "image/png");
    EXPECT_EQ(r.header("Content-Disposition"), "attachment; filename=x.png");
    EXPECT_EQ(r.header("Cache-Control"), "no-cache");
}

TEST_F(ObjectHandlersTest, DeleteObject) {
    put_object("photos", "k", "data");
    EXPECT_EQ(send({.method = "DELETE", .target = "/photos/k"}).status, 204);
    EXPECT_EQ(get("/photos/k").status, 404);
    // Deleting what is not there succeeds, as in S3.
    EXPECT_EQ(send({.method = "DELETE", .target = "/photos/k"}).status, 204);
    EXPECT_EQ(send({.method = "DELETE", .target = "/missing-bucket/k"}).error_code(),
              "NoSuchBucket");
}

TEST_F(ObjectHandlersTest, DeleteObjects) {
    put_object("photos", "a", "1");
    put_object("photos", "b", "2");
    const std::string body =
        "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>a</Key></Object>"
        "<Object><Key>b</Key></Object><Object><Key>never</Key></Object></Delete>";
    Reply r = send({.method = "POST", .target = "/photos?delete", .body = body});
    ASSERT_EQ(r.status, 200) << r.body;
    pugi::xml_node root = r.xml();
    EXPECT_STREQ(root.name(), "DeleteResult");
    std::vector<std::string> deleted;
    for (pugi::xml_node d : root.children("Deleted")) deleted.emplace_back(d.child_value("Key"));
    EXPECT_EQ(deleted, (std::vector<std::string>{"a", "b", "never"}));
    EXPECT_EQ(get("/photos/a").status, 404);

    put_object("photos", "c", "3");
    const std::string quiet =
        "<Delete><Quiet>true</Quiet><Object><Key>c</Key></Object><Object><Key>" +
        std::string(1025, 'k') + "</Key></Object></Delete>";
    Reply q = send({.method = "POST", .target = "/photos?delete", .body = quiet});
    ASSERT_EQ(q.status, 200) << q.body;
    pugi::xml_node qroot = q.xml();
    EXPECT_FALSE(qroot.child("Deleted"));
    EXPECT_STREQ(qroot.child("Error").child_value("Code"), "KeyTooLongError");
    EXPECT_EQ(get("/photos/c").status, 404);

    Reply bad = send({.method = "POST", .target = "/photos?delete", .body = "<Delete><Object>"});
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.error_code(), "MalformedXML");
    Reply empty = send({.method = "POST", .target = "/photos?delete", .body = "<Delete/>"});
    EXPECT_EQ(empty.error_code(), "MalformedXML");
}

TEST_F(ObjectHandlersTest, ConditionalPuts) {
    Reply created = put("/photos/c", "one", {{"If-None-Match", "*"}});
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string etag = created.headers.get_or("ETag", "");
    Reply exists = put("/photos/c", "two", {{"If-None-Match", "*"}});
    EXPECT_EQ(exists.status, 412);
    EXPECT_EQ(exists.error_code(), "PreconditionFailed");
    EXPECT_EQ(put("/photos/c", "two", {{"If-None-Match", "\"abc\""}}).error_code(),
              "NotImplemented");
    EXPECT_EQ(put("/photos/c", "two", {{"If-Match", "\"00000000000000000000000000000000\""}})
                  .error_code(),
              "PreconditionFailed");
    EXPECT_EQ(put("/photos/c", "two", {{"If-Match", etag}}).status, 200);
    EXPECT_EQ(get("/photos/c").body, "two");
    EXPECT_EQ(put("/photos/none", "x", {{"If-Match", etag}}).status, 404);
}

TEST_F(ObjectHandlersTest, DeleteObjectsKeepsWhitespaceInKeys) {
    // Keys made only of whitespace, or padded with it, are keys like any other.
    for (const char* key : {" ", "   ", " padded ", "\t"}) put_object("photos", key, "x");
    put_object("photos", "padded", "must stay");
    const std::string body =
        "<Delete><Object><Key> </Key></Object><Object><Key>   </Key></Object>"
        "<Object><Key> padded </Key></Object><Object><Key>&#9;</Key></Object></Delete>";
    Reply r = send({.method = "POST", .target = "/photos?delete", .body = body});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(r.xml().child("Error")) << r.body;
    for (const char* key : {"%20", "%20%20%20", "%20padded%20", "%09"}) {
        EXPECT_EQ(get(std::string("/photos/") + key).status, 404) << key;
    }
    EXPECT_EQ(get("/photos/padded").status, 200);
}

TEST_F(ObjectHandlersTest, CopyObjectKeepsOrReplacesMetadata) {
    put("/photos/src%20file", "payload", {{"Content-Type", "text/x-src"}, {"x-amz-meta-a", "1"}});
    Reply c = put("/photos/copy", "", {{"x-amz-copy-source", "/photos/src%20file"}});
    ASSERT_EQ(c.status, 200) << c.body;
    pugi::xml_node root = c.xml();
    EXPECT_STREQ(root.name(), "CopyObjectResult");
    EXPECT_STREQ(root.child_value("ETag"), "\"321c3cf486ed509164edec1e1981fec8\"");
    EXPECT_EQ(std::string(root.child_value("LastModified")).size(), 24u);
    Reply g = get("/photos/copy");
    EXPECT_EQ(g.body, "payload");
    EXPECT_EQ(g.header("Content-Type"), "text/x-src");
    EXPECT_EQ(g.header("x-amz-meta-a"), "1");

    Reply replaced = put("/photos/copy2", "",
                         {{"x-amz-copy-source", "photos/src%20file"},
                          {"x-amz-metadata-directive", "REPLACE"},
                          {"Content-Type", "text/x-new"}});
    ASSERT_EQ(replaced.status, 200) << replaced.body;
    Reply g2 = get("/photos/copy2");
    EXPECT_EQ(g2.header("Content-Type"), "text/x-new");
    EXPECT_EQ(g2.header("x-amz-meta-a"), "");
}

TEST_F(ObjectHandlersTest, CopyObjectErrors) {
    put_object("photos", "k", "data");
    Reply self = put("/photos/k", "", {{"x-amz-copy-source", "/photos/k"}});
    EXPECT_EQ(self.status, 400);
    EXPECT_EQ(self.error_code(), "InvalidRequest");
    Reply self_replace = put("/photos/k", "",
                             {{"x-amz-copy-source", "/photos/k"},
                              {"x-amz-metadata-directive", "REPLACE"},
                              {"x-amz-meta-b", "2"}});
    EXPECT_EQ(self_replace.status, 200) << self_replace.body;
    EXPECT_EQ(get("/photos/k").header("x-amz-meta-b"), "2");
    EXPECT_EQ(put("/photos/x", "", {{"x-amz-copy-source", "/photos/none"}}).error_code(),
              "NoSuchKey");
    EXPECT_EQ(put("/photos/x", "", {{"x-amz-copy-source", "nobucketkey"}}).error_code(),
              "InvalidArgument");
    EXPECT_EQ(put("/photos/x", "",
                  {{"x-amz-copy-source", "/photos/k"}, {"x-amz-copy-source-if-match", "\"no\""}})
                  .status,
              412);
}

}  // namespace
}  // namespace imgpipe::s3::testing

namespace imgpipe::s3::testing {
namespace {

// Frames `data` as STREAMING-AWS4-HMAC-SHA256-PAYLOAD (s3-compat.md §1.4): every chunk signed,
// chained from the seed signature of the request's Authorization header.
std::string signed_chunks(const std::string& data, size_t chunk_size, std::string seed,
                          const std::string& amz_date, const std::string& secret,
                          bool corrupt_last) {
    const std::string date = amz_date.substr(0, 8);
    const std::string scope = date + "/us-east-1/s3/aws4_request";
    const std::string key = sigv4::signing_key(secret, date, "us-east-1", "s3");
    std::string out;
    std::string previous = std::move(seed);
    for (size_t pos = 0;; pos += chunk_size) {
        std::string chunk = pos < data.size() ? data.substr(pos, chunk_size) : "";
        std::string to_sign = "AWS4-HMAC-SHA256-PAYLOAD\n" + amz_date + "\n" + scope + "\n" +
                              previous + "\n" + sigv4::sha256_hex("") + "\n" +
                              sigv4::sha256_hex(chunk);
        std::string signature = to_hex(sigv4::hmac_sha256(key, to_sign));
        if (corrupt_last && chunk.empty()) signature[0] = signature[0] == '0' ? '1' : '0';
        char size[32];
        std::snprintf(size, sizeof size, "%zx", chunk.size());
        out += std::string(size) + ";chunk-signature=" + signature + "\r\n" + chunk + "\r\n";
        previous = signature;
        if (chunk.empty()) return out;
    }
}

class SignedChunkUploadTest : public S3ServiceTest {
  protected:
    Reply upload(const std::string& data, bool corrupt) {
        sigv4::HeaderList headers = {{"Host", "localhost:9000"},
                                     {"Content-Encoding", "aws-chunked"},
                                     {"x-amz-decoded-content-length", std::to_string(data.size())}};
        sigv4::sign_request(Send::main_creds(), "PUT", "/photos/chunked", "", headers,
                            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", clock_.now());
        std::string authorization, amz_date;
        for (const auto& [name, value] : headers) {
            if (http::iequals(name, "Authorization")) authorization = value;
            if (http::iequals(name, "x-amz-date")) amz_date = value;
        }
        std::string seed = authorization.substr(authorization.find("Signature=") + 10);
        std::string body = signed_chunks(data, 1000, seed, amz_date, kSecretKey, corrupt);
        return send({.method = "PUT",
                     .target = "/photos/chunked",
                     .body = body,
                     .headers = headers,
                     .creds = std::nullopt});
    }
};

TEST_F(SignedChunkUploadTest, VerifiesEveryChunk) {
    create_bucket("photos");
    std::string data;
    for (int i = 0; i < 2500; ++i) data += static_cast<char>('a' + i % 26);
    Reply ok = upload(data, false);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(get("/photos/chunked").body, data);

    EXPECT_EQ(send({.method = "DELETE", .target = "/photos/chunked"}).status, 204);
    Reply bad = upload(data, true);
    EXPECT_EQ(bad.status, 403);
    EXPECT_EQ(bad.error_code(), "SignatureDoesNotMatch");
    EXPECT_EQ(get("/photos/chunked").status, 404);
}

}  // namespace
}  // namespace imgpipe::s3::testing
