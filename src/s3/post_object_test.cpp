#include "s3/post_object.h"

#include <gtest/gtest.h>

#include <fstream>

#include "s3/s3_test_fixture.h"
#include "sigv4/post_policy.h"

namespace imgpipe::s3 {
namespace {

using namespace std::chrono_literals;
using sigv4::PolicyCondition;
using sigv4::PostFields;
using testing::Reply;
using testing::Send;

constexpr std::string_view kBoundary = "----imgpipeFormBoundaryQ1w2E3";

struct FilePart {
    std::string filename = "cat.jpg";
    std::string content = std::string(100, 'j');
    std::string content_type = "image/jpeg";
};

// A multipart/form-data body: `fields`, then the file (unless absent), then `after`.
std::string form_body(const PostFields& fields, const std::optional<FilePart>& file,
                      const PostFields& after = {}) {
    std::string b(kBoundary);
    std::string body;
    auto add_field = [&](const std::string& name, const std::string& value) {
        body += "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
                value + "\r\n";
    };
    for (const auto& [n, v] : fields) add_field(n, v);
    if (file) {
        body += "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
                file->filename + "\"\r\nContent-Type: " + file->content_type + "\r\n\r\n" +
                file->content + "\r\n";
    }
    for (const auto& [n, v] : after) add_field(n, v);
    return body + "--" + b + "--\r\n";
}

void set(PostFields& fields, std::string_view name, std::string value) {
    for (auto& [n, v] : fields) {
        if (http::iequals(n, name)) {
            v = std::move(value);
            return;
        }
    }
    fields.emplace_back(std::string(name), std::move(value));
}

void drop(PostFields& fields, std::string_view name) {
    std::erase_if(fields, [&](const auto& kv) { return http::iequals(kv.first, name); });
}

class PostObjectTest : public testing::S3ServiceTest {
  protected:
    void SetUp() override {
        S3ServiceTest::SetUp();
        create_bucket("uploads");
        create_bucket("other");
        create_bucket("dropbox");
    }

    // A presigned form (the upload API's shape) for `key` in `bucket`, 1..1000 bytes of image/*.
    PostFields presigned(std::string key = "uploads/${filename}", PostFields extra = {},
                         std::string bucket = "uploads",
                         const sigv4::SigningCredentials& creds = Send::main_creds()) {
        sigv4::PostPolicyRequest req;
        req.bucket = std::move(bucket);
        req.key = std::move(key);
        req.conditions = {PolicyCondition::content_length_range(1, 1000),
                          PolicyCondition::starts_with("Content-Type", "image/")};
        req.fields = {{"Content-Type", "image/jpeg"}, {"x-amz-meta-width", "640"}};
        for (auto& f : extra) req.fields.push_back(std::move(f));
        req.expires = 900s;
        return sigv4::create_post_policy(creds, req, clock_.now()).fields;
    }

    Reply post(const std::string& bucket, std::string body,
               std::string content_type = "multipart/form-data; boundary=" +
                                          std::string(kBoundary)) {
        return send({.method = "POST",
                     .target = "/" + bucket,
                     .body = std::move(body),
                     .headers = {{"Content-Type", std::move(content_type)}},
                     .creds = std::nullopt});
    }
    Reply post_form(const PostFields& fields, const std::optional<FilePart>& file = FilePart{},
                    const std::string& bucket = "uploads") {
        return post(bucket, form_body(fields, file));
    }

    size_t object_count(const std::string& bucket = "uploads") {
        auto list = store_->list_objects({.bucket = bucket});
        EXPECT_TRUE(list.is_ok()) << list.status().to_string();
        return list.is_ok() ? list->objects.size() : 0;
    }

    // Asserts an error reply and that nothing was stored in any test bucket.
    void expect_rejected(Reply& r, int status, const std::string& code,
                         const std::string& message = "") {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(r.error_code(), code) << r.body;
        if (!message.empty()) {
            EXPECT_EQ(std::string(r.xml().child_value("Message")), message);
        }
        EXPECT_EQ(object_count("uploads"), 0u);
        EXPECT_EQ(object_count("other"), 0u);
        EXPECT_EQ(object_count("dropbox"), 0u);
    }
};

TEST_F(PostObjectTest, StoresTheFileWithFormAttributesAnd204) {
    PostFields fields = presigned();
    set(fields, "Content-Type", "image/jpeg");
    Reply r = post_form(fields);
    ASSERT_EQ(r.status, 204) << r.body;
    EXPECT_TRUE(r.body.empty());
    auto info = store_->head_object("uploads", "uploads/cat.jpg");
    ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    EXPECT_EQ(info->size, 100u);
    EXPECT_EQ(info->attributes.content_type, "image/jpeg");
    EXPECT_EQ(info->attributes.metadata.at("width"), "640");
    EXPECT_EQ(r.header("ETag"), "\"" + info->etag + "\"");
    EXPECT_EQ(r.header("Location"), "http://localhost:9000/uploads/uploads/cat.jpg");
}

TEST_F(PostObjectTest, Answers201WithPostResponseWithoutNamespace) {
    Reply r = post_form(presigned("k.jpg", {{"success_action_status", "201"}}));
    ASSERT_EQ(r.status, 201) << r.body;
    pugi::xml_node root = r.xml();
    EXPECT_STREQ(root.name(), "PostResponse");
    EXPECT_TRUE(root.attribute("xmlns").empty());
    EXPECT_STREQ(root.child_value("Bucket"), "uploads");
    EXPECT_STREQ(root.child_value("Key"), "k.jpg");
    EXPECT_EQ(root.child_value("Location"), r.header("Location"));
    EXPECT_EQ(root.child_value("ETag"), r.header("ETag"));
    EXPECT_EQ(object_count(), 1u);
}

TEST_F(PostObjectTest, Answers200OrDefault204ForOtherStatuses) {
    Reply ok = post_form(presigned("a.jpg", {{"success_action_status", "200"}}));
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_TRUE(ok.body.empty());
    Reply other = post_form(presigned("b.jpg", {{"success_action_status", "404"}}));
    EXPECT_EQ(other.status, 204) << other.body;
    EXPECT_EQ(object_count(), 2u);
}

TEST_F(PostObjectTest, RedirectsWith303AndUploadDetails) {
    Reply r = post_form(
        presigned("uploads/${filename}", {{"success_action_redirect", "http://app.test/done"}}));
    ASSERT_EQ(r.status, 303) << r.body;
    auto info = store_->head_object("uploads", "uploads/cat.jpg");
    ASSERT_TRUE(info.is_ok());
    EXPECT_EQ(
        r.header("Location"),
        "http://app.test/done?bucket=uploads&key=uploads%2Fcat.jpg&etag=%22" + info->etag + "%22");

    // A URL that cannot be redirected to is ignored.
    Reply relative = post_form(presigned("r.jpg", {{"success_action_redirect", "/done"}}));
    EXPECT_EQ(relative.status, 204) << relative.body;
}

TEST_F(PostObjectTest, SubstitutesFilenameFromClientPath) {
    Reply r = post_form(presigned(), FilePart{.filename = "C:\\Users\\me\\photo 1.jpg"});
    ASSERT_EQ(r.status, 204) << r.body;
    EXPECT_TRUE(store_->head_object("uploads", "uploads/photo 1.jpg").is_ok());
}

TEST_F(PostObjectTest, FieldNamesAreCaseInsensitive) {
    // boto3 sends lower-case names; s3-tests sends odd casings.
    PostFields fields = presigned("case.jpg");
    for (auto& [name, value] : fields) {
        if (name == "Policy") name = "pOLICy";
        if (name == "key") name = "kEy";
        if (name.starts_with("X-Amz-")) {
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    Reply r = post_form(fields);
    EXPECT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(object_count(), 1u);
}

TEST_F(PostObjectTest, WrongKeyIsDenied) {
    PostFields fields = presigned("exact.jpg");
    set(fields, "key", "other.jpg");
    Reply r = post_form(fields);
    expect_rejected(
        r, 403, "AccessDenied",
        R"(Invalid according to Policy: Policy Condition failed: ["eq", "$key", "exact.jpg"])");
}

TEST_F(PostObjectTest, OtherBucketIsDenied) {
    Reply r = post_form(presigned(), FilePart{}, "other");
    expect_rejected(
        r, 403, "AccessDenied",
        R"(Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "uploads"])");
}

TEST_F(PostObjectTest, WrongContentTypeIsDenied) {
    PostFields fields = presigned();
    set(fields, "Content-Type", "text/html");
    Reply r = post_form(fields);
    expect_rejected(
        r, 403, "AccessDenied",
        R"(Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"])");
}

TEST_F(PostObjectTest, TooBigIsRejectedWithSizes) {
    Reply r = post_form(presigned(), FilePart{.content = std::string(1001, 'x')});
    expect_rejected(r, 400, "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed size");
    EXPECT_STREQ(r.xml().child_value("ProposedSize"), "1001");
    EXPECT_STREQ(r.xml().child_value("MaxSizeAllowed"), "1000");
}

TEST_F(PostObjectTest, TooSmallIsRejectedWithSizes) {
    Reply r = post_form(presigned(), FilePart{.content = ""});
    expect_rejected(r, 400, "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size");
    EXPECT_STREQ(r.xml().child_value("ProposedSize"), "0");
    EXPECT_STREQ(r.xml().child_value("MinSizeAllowed"), "1");
}

TEST_F(PostObjectTest, ExpiredPolicyIsDenied) {
    PostFields fields = presigned();
    clock_.advance(901s);
    Reply r = post_form(fields);
    expect_rejected(r, 403, "AccessDenied", "Invalid according to Policy: Policy expired.");
}

TEST_F(PostObjectTest, TamperedPolicyDoesNotMatch) {
    PostFields fields = presigned();
    std::string json = *sigv4::base64_decode(*sigv4::find_post_field(fields, "Policy"));
    json.replace(json.find("1000"), 4, "9999");
    set(fields, "Policy", sigv4::base64_encode(json));
    Reply r = post_form(fields, FilePart{.content = std::string(5000, 'x')});
    expect_rejected(r, 403, "SignatureDoesNotMatch");
    EXPECT_EQ(r.xml().child_value("StringToSign"), *sigv4::find_post_field(fields, "Policy"));
    EXPECT_STREQ(r.xml().child_value("AWSAccessKeyId"), testing::kAccessKey);
}

TEST_F(PostObjectTest, BadSignatureDoesNotMatch) {
    PostFields fields = presigned();
    set(fields, "X-Amz-Signature", std::string(64, 'a'));
    Reply r = post_form(fields);
    expect_rejected(r, 403, "SignatureDoesNotMatch");
    EXPECT_EQ(r.xml().child_value("SignatureProvided"), std::string(64, 'a'));
}

TEST_F(PostObjectTest, UnknownAccessKeyIsRejected) {
    Reply r = post_form(presigned("k.jpg", {}, "uploads", {"AKIDUNKNOWN", "whatever"}));
    expect_rejected(r, 403, "InvalidAccessKeyId");
    EXPECT_STREQ(r.xml().child_value("AWSAccessKeyId"), "AKIDUNKNOWN");
}

TEST_F(PostObjectTest, KeyWithoutWriteAccessIsDenied) {
    Reply r = post_form(presigned(
        "k.jpg", {}, "uploads", {testing::kReaderKey, testing::kReaderSecret, "us-east-1", "s3"}));
    expect_rejected(r, 403, "AccessDenied");
}

TEST_F(PostObjectTest, ExtraFieldIsDenied) {
    PostFields fields = presigned();
    set(fields, "x-amz-meta-sneaky", "1");
    Reply r = post_form(fields);
    expect_rejected(r, 403, "AccessDenied",
                    "Invalid according to Policy: Extra input fields: x-amz-meta-sneaky");
}

TEST_F(PostObjectTest, IgnoredFieldsNeedNoCondition) {
    PostFields fields = presigned();
    set(fields, "x-ignore-tracking", "1");
    Reply r = post_form(fields);
    EXPECT_EQ(r.status, 204) << r.body;
}

TEST_F(PostObjectTest, MissingSignatureFieldsAreNamed) {
    for (std::string name :
         {"X-Amz-Signature", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "Policy"}) {
        SCOPED_TRACE(name);
        PostFields fields = presigned();
        drop(fields, name);
        Reply r = post_form(fields);
        expect_rejected(r, 400, "InvalidArgument",
                        "Bucket POST must contain a field named '" + name +
                            "'.  If it is specified, please check the order of the fields.");
        EXPECT_EQ(r.xml().child_value("ArgumentName"), name);
    }
}

TEST_F(PostObjectTest, MissingKeyIsInvalidArgument) {
    PostFields fields = presigned();
    drop(fields, "key");
    Reply r = post_form(fields);
    expect_rejected(r, 400, "InvalidArgument",
                    "Bucket POST must contain a field named 'key'.  If it is specified, please "
                    "check the order of the fields.");
}

TEST_F(PostObjectTest, KeyAfterFileCountsAsMissing) {
    PostFields fields = presigned("late.jpg");
    PostFields after = {{"key", "late.jpg"}};
    drop(fields, "key");
    Reply r = post("uploads", form_body(fields, FilePart{}, after));
    expect_rejected(r, 400, "InvalidArgument",
                    "Bucket POST must contain a field named 'key'.  If it is specified, please "
                    "check the order of the fields.");
}

TEST_F(PostObjectTest, FieldsAfterFileAreIgnored) {
    Reply r = post("uploads", form_body(presigned("k.jpg"), FilePart{},
                                        {{"x-amz-meta-late", "1"}, {"key", "other.jpg"}}));
    ASSERT_EQ(r.status, 204) << r.body;
    auto info = store_->head_object("uploads", "k.jpg");
    ASSERT_TRUE(info.is_ok());
    EXPECT_FALSE(info->attributes.metadata.contains("late"));
}

TEST_F(PostObjectTest, MissingFileIsInvalidArgument) {
    Reply r = post_form(presigned("k.jpg"), std::nullopt);
    expect_rejected(r, 400, "InvalidArgument",
                    "POST requires exactly one file upload per request.");
}

TEST_F(PostObjectTest, NonMultipartBodyIsPreconditionFailed) {
    // Through the service (which routes a non-form POST itself, after authentication).
    Reply r = send({.method = "POST",
                    .target = "/uploads",
                    .body = "key=a.jpg",
                    .headers = {{"Content-Type", "application/x-www-form-urlencoded"}}});
    expect_rejected(r, 412, "PreconditionFailed");

    // The handler answers the same when called directly.
    S3Context context;
    context.store = store_.get();
    context.credentials = &keyring_;
    context.keyring = &keyring_;
    context.clock = &clock_;
    http::Request request;
    request.method = "POST";
    request.headers.add("Content-Type", "text/plain");
    StringByteSource body("key=a.jpg");
    request.body = &body;
    http::Response response = post_object(context, request, "uploads");
    EXPECT_EQ(response.status, 412);
    EXPECT_NE(response.body.find("<Condition>Bucket POST must be of the enclosure-type "
                                 "multipart/form-data</Condition>"),
              std::string::npos)
        << response.body;
}

TEST_F(PostObjectTest, MalformedOrOversizedFormsAreRejected) {
    std::string truncated = form_body(presigned(), FilePart{});
    truncated.resize(truncated.size() - 20);
    Reply cut = post("uploads", truncated);
    expect_rejected(cut, 400, "MalformedPOSTRequest");

    PostFields big = presigned();
    set(big, "x-ignore-padding", std::string(21 * 1024, 'p'));
    Reply over = post_form(big);
    expect_rejected(over, 400, "MaxPostPreDataLengthExceededError");

    Reply no_boundary = post("uploads", "x", "multipart/form-data");
    expect_rejected(no_boundary, 400, "MalformedPOSTRequest");
}

TEST_F(PostObjectTest, UnknownBucketIsNoSuchBucket) {
    Reply r = post_form(presigned("k.jpg", {}, "missing"), FilePart{}, "missing");
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.error_code(), "NoSuchBucket");
}

TEST_F(PostObjectTest, AnonymousUploadOnlyIntoPublicWriteBuckets) {
    PostFields fields = {{"key", "anon.txt"}, {"Content-Type", "text/plain"}};
    Reply denied = post_form(fields, FilePart{}, "uploads");
    expect_rejected(denied, 403, "AccessDenied", "Access Denied");

    Reply ok = post_form(fields, FilePart{}, "dropbox");
    EXPECT_EQ(ok.status, 204) << ok.body;
    auto info = store_->head_object("dropbox", "anon.txt");
    ASSERT_TRUE(info.is_ok());
    EXPECT_EQ(info->attributes.content_type, "text/plain");
}

TEST_F(PostObjectTest, AnonymousUploadIntoBucketMadePublicWriteByItsAcl) {
    PostFields fields = {
        {"key", "foo.txt"}, {"acl", "public-read"}, {"Content-Type", "text/plain"}};
    create_bucket("inbox");
    Reply before = post_form(fields, FilePart{}, "inbox");
    EXPECT_EQ(before.error_code(), "AccessDenied") << before.body;
    // As ceph/s3-tests' test_post_object_anonymous_request: a public-read-write bucket.
    Reply acl = send(
        {.method = "PUT", .target = "/inbox?acl", .headers = {{"x-amz-acl", "public-read-write"}}});
    ASSERT_EQ(acl.status, 200) << acl.body;
    Reply ok = post_form(fields, FilePart{}, "inbox");
    EXPECT_EQ(ok.status, 204) << ok.body;
    auto stored = store_->get_object_acl("inbox", "foo.txt");
    ASSERT_TRUE(stored.is_ok()) << stored.status().to_string();
    EXPECT_EQ(*stored, store::CannedAcl::kPublicRead);
}

TEST_F(PostObjectTest, AnonymousUploadMayNotPublishIntoWriteOnlyBucket) {
    PostFields fields = {{"key", "anon.txt"}, {"acl", "public-read"}};
    Reply r = post_form(fields, FilePart{}, "dropbox");
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.error_code(), "AccessDenied");
    EXPECT_EQ(object_count("dropbox"), 0u);
}

TEST_F(PostObjectTest, SignedAclFieldSetsTheObjectAcl) {
    Reply ok = post_form(presigned("open.jpg", {{"acl", "public-read"}}));
    EXPECT_EQ(ok.status, 204) << ok.body;
    EXPECT_EQ(*store_->get_object_acl("uploads", "open.jpg"), store::CannedAcl::kPublicRead);
    Reply refused = post_form(presigned("group.jpg", {{"acl", "authenticated-read"}}));
    EXPECT_EQ(refused.status, 501) << refused.body;
    EXPECT_EQ(refused.error_code(), "NotImplemented");
    EXPECT_EQ(store_->head_object("uploads", "group.jpg").status().reason(), "NoSuchKey");
}

TEST_F(PostObjectTest, AcceptsSigV2Policies) {
    const std::string policy = sigv4::base64_encode(
        R"({"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"uploads"},)"
        R"(["starts-with","$key","v2/"],{"acl":"private"},["content-length-range",0,1024]]})");
    // base64(HMAC-SHA1(kSecretKey, policy)), computed with Python's hmac module.
    PostFields fields = {{"key", "v2/a.txt"},
                         {"AWSAccessKeyId", testing::kAccessKey},
                         {"acl", "private"},
                         {"policy", policy},
                         {"signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}};
    Reply bad = post_form(fields);
    expect_rejected(bad, 403, "SignatureDoesNotMatch");

    set(fields, "signature", "/ui5je3qGWT0W0h2qrfgyTfmRe4=");
    Reply good = post_form(fields);
    EXPECT_EQ(good.status, 204) << good.body;
    EXPECT_TRUE(store_->head_object("uploads", "v2/a.txt").is_ok());
    ASSERT_TRUE(store_->delete_object("uploads", "v2/a.txt").is_ok());

    drop(fields, "signature");
    Reply missing = post_form(fields);
    expect_rejected(missing, 400, "InvalidArgument");
    EXPECT_STREQ(missing.xml().child_value("ArgumentName"), "Signature");
}

TEST_F(PostObjectTest, StreamsAMultiMegabyteFile) {
    sigv4::PostPolicyRequest req;
    req.bucket = "uploads";
    req.key = "big.bin";
    req.conditions = {PolicyCondition::content_length_range(0, 8 << 20)};
    PostFields fields = sigv4::create_post_policy(Send::main_creds(), req, clock_.now()).fields;
    std::string content(3 << 20, '\0');
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 31 + (i >> 9));
    Reply r = post_form(fields, FilePart{.filename = "big.bin",
                                         .content = content,
                                         .content_type = "application/octet-stream"});
    ASSERT_EQ(r.status, 204) << r.body;
    auto object = store_->get_object("uploads", "big.bin", std::nullopt);
    ASSERT_TRUE(object.is_ok());
    auto bytes = read_all(*object->body, 8 << 20);
    ASSERT_TRUE(bytes.is_ok());
    EXPECT_TRUE(*bytes == content);
}

// A multipart body generated on the fly: `head`, `size` file bytes, then the closing delimiter.
class GeneratedBody final : public ByteSource {
  public:
    GeneratedBody(std::string head, uint64_t size)
        : head_(std::move(head)),
          size_(size),
          tail_("\r\n--" + std::string(kBoundary) + "--\r\n") {}
    uint64_t total() const { return head_.size() + size_ + tail_.size(); }
    Result<size_t> read(std::span<char> buf) override {
        size_t n = 0;
        while (n < buf.size() && pos_ < total()) {
            if (pos_ < head_.size()) {
                buf[n] = head_[pos_];
            } else if (pos_ < head_.size() + size_) {
                buf[n] = static_cast<char>(pos_ * 7);
            } else {
                buf[n] = tail_[pos_ - head_.size() - size_];
            }
            ++n;
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

// "VmHWM" / "VmRSS" of this process in KiB.
uint64_t proc_status_kib(const std::string& name) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with(name + ":")) return std::stoull(line.substr(name.size() + 1));
    }
    return 0;
}

TEST_F(PostObjectTest, LargeUploadStreamsInBoundedMemory) {
    constexpr uint64_t kSize = 64ull << 20;
    sigv4::PostPolicyRequest req;
    req.bucket = "uploads";
    req.key = "large.bin";
    req.conditions = {PolicyCondition::content_length_range(1, kSize)};
    PostFields fields = sigv4::create_post_policy(Send::main_creds(), req, clock_.now()).fields;
    std::string head = form_body(fields, std::nullopt);
    head.resize(head.size() - (std::string(kBoundary).size() + 6));  // drop the close delimiter
    head += "--" + std::string(kBoundary) +
            "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"large.bin\"\r\n\r\n";
    GeneratedBody body(head, kSize);

    S3Context context;
    context.store = store_.get();
    context.credentials = &keyring_;
    context.keyring = &keyring_;
    context.clock = &clock_;
    http::Request request;
    request.method = "POST";
    request.headers.add("Host", "localhost:9000");
    request.headers.add("Content-Type", "multipart/form-data; boundary=" + std::string(kBoundary));
    request.content_length = body.total();
    request.body = &body;

    // Reset the peak-RSS counter so the check sees only this upload.
    std::ofstream("/proc/self/clear_refs") << "5";
    const uint64_t rss_before = proc_status_kib("VmRSS");
    http::Response response = post_object(context, request, "uploads");
    const uint64_t peak = proc_status_kib("VmHWM");
    ASSERT_EQ(response.status, 204) << response.body;
    auto info = store_->head_object("uploads", "large.bin");
    ASSERT_TRUE(info.is_ok());
    EXPECT_EQ(info->size, kSize);
    EXPECT_LT(peak - std::min(peak, rss_before), uint64_t{32} << 10)
        << "peak RSS grew by " << (peak - rss_before) << " KiB";

    // The same body one byte over the policy's limit is refused and leaves nothing behind.
    GeneratedBody over(head, kSize + 1);
    request.body = &over;
    request.content_length = over.total();
    http::Response refused = post_object(context, request, "uploads");
    EXPECT_EQ(refused.status, 400);
    EXPECT_NE(refused.body.find("<ProposedSize>" + std::to_string(kSize + 1) + "</ProposedSize>"),
              std::string::npos)
        << refused.body;
    auto kept = store_->head_object("uploads", "large.bin");
    ASSERT_TRUE(kept.is_ok());
    EXPECT_EQ(kept->size, kSize);  // the earlier object, untouched
}

// x-amz-checksum-* form fields: checked against the file and kept with the object. The value is
// Python's zlib.crc32 of "hello world".
TEST_F(PostObjectTest, ChecksumFieldIsVerifiedAndKept) {
    const FilePart hello{.content = "hello world"};
    Reply bad = post_form(presigned("bad.jpg", {{"x-amz-checksum-crc32", "AAAAAA=="}}), hello);
    expect_rejected(bad, 400, "BadDigest");

    Reply r = post_form(presigned("c.jpg", {{"x-amz-checksum-crc32", "DUoRhQ=="}}), hello);
    ASSERT_EQ(r.status, 204) << r.body;
    auto info = store_->head_object("uploads", "c.jpg");
    ASSERT_TRUE(info.is_ok());
    ASSERT_TRUE(info->checksum.has_value());
    EXPECT_EQ(info->checksum->algorithm, "CRC32");
    EXPECT_EQ(info->checksum->value, "DUoRhQ==");
}

}  // namespace
}  // namespace imgpipe::s3
