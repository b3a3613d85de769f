#include <gtest/gtest.h>

#include <filesystem>

#include "s3/s3_test_fixture.h"

namespace imgpipe::s3::testing {
namespace {

class MultipartHandlersTest : public S3ServiceTest {
  protected:
    void SetUp() override {
        S3ServiceTest::SetUp();
        create_bucket("photos");
    }

    std::string create_upload(const std::string& key) {
        Reply r = send({.method = "POST",
                        .target = "/photos/" + key + "?uploads",
                        .headers = {{"Content-Type", "image/jpeg"}, {"x-amz-meta-w", "640"}}});
        EXPECT_EQ(r.status, 200) << r.body;
        pugi::xml_node root = r.xml();
        EXPECT_STREQ(root.name(), "InitiateMultipartUploadResult");
        EXPECT_STREQ(root.child_value("Bucket"), "photos");
        EXPECT_STREQ(root.child_value("Key"), key.c_str());
        return root.child_value("UploadId");
    }

    Reply upload_part(const std::string& key, const std::string& id, int n, std::string body) {
        return send(
            {.method = "PUT",
             .target = "/photos/" + key + "?partNumber=" + std::to_string(n) + "&uploadId=" + id,
             .body = std::move(body)});
    }

    Reply complete(const std::string& key, const std::string& id, const std::string& xml) {
        return send(
            {.method = "POST", .target = "/photos/" + key + "?uploadId=" + id, .body = xml});
    }
};

TEST_F(MultipartHandlersTest, UploadListCompleteAndRead) {
    const std::string id = create_upload("big.jpg");
    ASSERT_FALSE(id.empty());
    const std::string part1(5 << 20, 'a');
    Reply p1 = upload_part("big.jpg", id, 1, part1);
    ASSERT_EQ(p1.status, 200) << p1.body;
    Reply p2 = upload_part("big.jpg", id, 2, "tail");
    ASSERT_EQ(p2.status, 200) << p2.body;
    EXPECT_EQ(p2.header("ETag").front(), '"');

    Reply parts = get("/photos/big.jpg?uploadId=" + id);
    ASSERT_EQ(parts.status, 200) << parts.body;
    pugi::xml_node lp = parts.xml();
    EXPECT_STREQ(lp.name(), "ListPartsResult");
    EXPECT_STREQ(lp.child_value("UploadId"), id.c_str());
    std::vector<std::string> sizes;
    for (pugi::xml_node p : lp.children("Part")) sizes.emplace_back(p.child_value("Size"));
    EXPECT_EQ(sizes, (std::vector<std::string>{std::to_string(5 << 20), "4"}));

    Reply uploads = get("/photos?uploads");
    ASSERT_EQ(uploads.status, 200) << uploads.body;
    pugi::xml_node lu = uploads.xml();
    EXPECT_STREQ(lu.name(), "ListMultipartUploadsResult");
    EXPECT_STREQ(lu.child("Upload").child_value("Key"), "big.jpg");
    EXPECT_STREQ(lu.child("Upload").child_value("UploadId"), id.c_str());

    // Part ETags quoted or not, as clients send them.
    const std::string xml =
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Part><PartNumber>1</PartNumber><ETag>" +
        p1.header("ETag") +
        "</ETag></Part>"
        "<Part><PartNumber>2</PartNumber><ETag>" +
        p2.header("ETag").substr(1, 32) + "</ETag></Part></CompleteMultipartUpload>";
    Reply done = complete("big.jpg", id, xml);
    ASSERT_EQ(done.status, 200) << done.body;
    pugi::xml_node result = done.xml();
    EXPECT_STREQ(result.name(), "CompleteMultipartUploadResult");
    EXPECT_STREQ(result.child_value("Key"), "big.jpg");
    std::string etag = result.child_value("ETag");
    EXPECT_EQ(etag.substr(etag.size() - 3), "-2\"");
    EXPECT_STREQ(result.child_value("Location"), "http://localhost:9000/photos/big.jpg");

    Reply g = get("/photos/big.jpg");
    ASSERT_EQ(g.status, 200);
    EXPECT_EQ(g.body.size(), part1.size() + 4);
    EXPECT_EQ(g.body.substr(part1.size()), "tail");
    EXPECT_EQ(g.header("ETag"), etag);
    EXPECT_EQ(g.header("Content-Type"), "image/jpeg");
    EXPECT_EQ(g.header("x-amz-meta-w"), "640");
    EXPECT_FALSE(get("/photos?uploads").xml().child("Upload"));
}

TEST_F(MultipartHandlersTest, CompleteErrors) {
    const std::string id = create_upload("k");
    Reply p1 = upload_part("k", id, 1, "one");
    Reply p2 = upload_part("k", id, 2, "two");
    auto part = [](int n, const std::string& etag) {
        return "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" + etag +
               "</ETag></Part>";
    };
    Reply malformed = complete("k", id, "<CompleteMultipartUpload><Part>");
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(malformed.error_code(), "MalformedXML");
    EXPECT_EQ(complete("k", id, "<CompleteMultipartUpload/>").error_code(), "MalformedXML");
    EXPECT_EQ(complete("k", id,
                       "<CompleteMultipartUpload>" + part(2, p2.header("ETag")) +
                           part(1, p1.header("ETag")) + "</CompleteMultipartUpload>")
                  .error_code(),
              "InvalidPartOrder");
    EXPECT_EQ(
        complete("k", id,
                 "<CompleteMultipartUpload>" + part(1, "\"0000\"") + "</CompleteMultipartUpload>")
            .error_code(),
        "InvalidPart");
    // A part other than the last under 5 MiB.
    EXPECT_EQ(complete("k", id,
                       "<CompleteMultipartUpload>" + part(1, p1.header("ETag")) +
                           part(2, p2.header("ETag")) + "</CompleteMultipartUpload>")
                  .error_code(),
              "EntityTooSmall");
    EXPECT_EQ(complete("k", "no-such-upload",
                       "<CompleteMultipartUpload>" + part(1, p1.header("ETag")) +
                           "</CompleteMultipartUpload>")
                  .error_code(),
              "NoSuchUpload");
}

TEST_F(MultipartHandlersTest, PartNumberAndUploadIdErrors) {
    const std::string id = create_upload("k");
    EXPECT_EQ(upload_part("k", id, 0, "x").error_code(), "InvalidArgument");
    EXPECT_EQ(upload_part("k", id, 10001, "x").error_code(), "InvalidArgument");
    Reply unknown = upload_part("k", "bogus", 1, "x");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.error_code(), "NoSuchUpload");
    EXPECT_EQ(get("/photos/k?uploadId=bogus").error_code(), "NoSuchUpload");
}

TEST_F(MultipartHandlersTest, AbortRemovesUpload) {
    const std::string id = create_upload("k");
    ASSERT_EQ(upload_part("k", id, 1, "x").status, 200);
    EXPECT_EQ(send({.method = "DELETE", .target = "/photos/k?uploadId=" + id}).status, 204);
    EXPECT_EQ(get("/photos/k?uploadId=" + id).error_code(), "NoSuchUpload");
    EXPECT_EQ(send({.method = "DELETE", .target = "/photos/k?uploadId=" + id}).error_code(),
              "NoSuchUpload");
}

// Past the keep-alive interval the answer is a 200 at once, then whitespace while the parts are
// joined, then the result: one well-formed document however long the wait.
TEST_F(MultipartHandlersTest, LongCompleteSendsWhitespaceThenTheResult) {
    options_.keepalive_interval = std::chrono::milliseconds(0);  // the clock stands still:
    rebuild_service();                                           // one step per slice
    const std::string id = create_upload("slow.bin");
    Reply p1 = upload_part("slow.bin", id, 1, std::string(5 << 20, 'a'));
    Reply p2 = upload_part("slow.bin", id, 2, "tail");
    ASSERT_EQ(p2.status, 200) << p2.body;
    Reply done =
        complete("slow.bin", id,
                 "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                     p1.header("ETag") + "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>" +
                     p2.header("ETag") + "</ETag></Part></CompleteMultipartUpload>");
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_FALSE(done.content_length.has_value());
    const std::string prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    ASSERT_EQ(done.body.substr(0, prolog.size()), prolog);
    // Create the file, open and copy five buffers of part 1, then part 2, fsync: a space each.
    const size_t spaces = done.body.find_first_not_of(' ', prolog.size()) - prolog.size();
    EXPECT_GE(spaces, 8u) << done.body;
    EXPECT_EQ(done.body.compare(prolog.size() + spaces, 30, "<CompleteMultipartUploadResult"), 0)
        << done.body;
    pugi::xml_node result = done.xml();
    EXPECT_STREQ(result.name(), "CompleteMultipartUploadResult");
    EXPECT_EQ(std::string(result.child_value("ETag")).substr(33), "-2\"");
    Reply object = get("/photos/slow.bin");
    EXPECT_EQ(object.body.size(), (5u << 20) + 4);
}

// A failure after the 200 can only be told in the body: an <Error> document, as AWS does.
TEST_F(MultipartHandlersTest, FailureAfterTheStatusIsAnErrorDocument) {
    options_.keepalive_interval = std::chrono::milliseconds(0);
    rebuild_service();
    const std::string id = create_upload("lost.bin");
    Reply p1 = upload_part("lost.bin", id, 1, "only part");
    ASSERT_EQ(p1.status, 200) << p1.body;
    // The part's file vanishes after the checks (the index still names it).
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "parts")) {
        std::filesystem::remove(entry.path());
    }
    Reply done = complete("lost.bin", id,
                          "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                              p1.header("ETag") + "</ETag></Part></CompleteMultipartUpload>");
    EXPECT_EQ(done.status, 200);
    EXPECT_EQ(done.error_code(), "InvalidPart") << done.body;
    EXPECT_EQ(get("/photos/lost.bin").error_code(), "NoSuchKey");
    EXPECT_TRUE(std::filesystem::is_empty(dir_ / "tmp"));
}

}  // namespace
}  // namespace imgpipe::s3::testing
