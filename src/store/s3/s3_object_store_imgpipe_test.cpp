// The ObjectStore contract suite against S3ObjectStore talking to imgpipe's own S3 endpoint (the
// `s3` role's S3Service over a LocalObjectStore, on a loopback port): the client and the
// embedded server held to the same behaviour from both ends.
#include <atomic>
#include <filesystem>

#include "core/clock.h"
#include "core/file_system.h"
#include "http/server.h"
#include "s3/access_keyring.h"
#include "s3/s3_service.h"
#include "store/local/local_object_store.h"
#include "store/object_store_contract_fixture.h"
#include "store/s3/s3_object_store.h"
#include "temp_dir.h"

namespace imgpipe::store {
namespace {

class ImgpipeS3Harness final : public ObjectStoreHarness {
  public:
    ImgpipeS3Harness() {
        auto local =
            LocalObjectStore::open(dir_.path(), posix_file_system(), SystemClock::instance());
        EXPECT_TRUE(local.is_ok()) << local.status().to_string();
        local_ = std::move(*local);
        EXPECT_TRUE(keyring_.add({"AKIDCONTRACT", "contract-secret-key"}).is_ok());
        verifier_ = std::make_unique<sigv4::Verifier>(keyring_);
        imgpipe::s3::S3Context context;
        context.store = local_.get();
        context.credentials = &keyring_;
        context.verifier = verifier_.get();
        context.clock = &SystemClock::instance();
        context.keyring = &keyring_;
        service_ = std::make_unique<imgpipe::s3::S3Service>(context);
        auto router = std::make_shared<http::Router>();
        router->set_fallback([svc = service_.get()](http::Request& r) { return svc->handle(r); },
                             service_->route_options());
        server_ = std::make_unique<http::Server>(http::ServerOptions{}, router);
        EXPECT_TRUE(server_->start().is_ok());

        s3::S3ClientOptions options;
        EXPECT_TRUE(
            s3::parse_store_url("s3+http://127.0.0.1:" + std::to_string(server_->port()), options)
                .is_ok());
        options.credentials = {"AKIDCONTRACT", "contract-secret-key", "us-east-1", "s3"};
        client_ = std::make_unique<s3::S3ObjectStore>(options);
    }
    ~ImgpipeS3Harness() override {
        client_.reset();
        server_->stop();
    }
    ObjectStore& store() override { return *client_; }

  private:
    TempDir dir_;
    std::unique_ptr<LocalObjectStore> local_;
    imgpipe::s3::AccessKeyring keyring_;
    std::unique_ptr<sigv4::Verifier> verifier_;
    std::unique_ptr<imgpipe::s3::S3Service> service_;
    std::unique_ptr<http::Server> server_;
    std::unique_ptr<s3::S3ObjectStore> client_;
};

std::unique_ptr<ObjectStoreHarness> make_imgpipe_s3() {
    return std::make_unique<ImgpipeS3Harness>();
}

INSTANTIATE_TEST_SUITE_P(ImgpipeS3, ObjectStoreContractTest,
                         ::testing::Values(ObjectStoreContractParam{"ImgpipeS3", make_imgpipe_s3}),
                         object_store_contract_name);

// Additional checksums through S3ObjectStore: sent as the service's own headers and XML, kept by
// imgpipe's endpoint, read back. Values from Python's zlib.crc32 ("hello world"; COMPOSITE of
// that one part).
TEST(ImgpipeS3ChecksumTest, ChecksumsRoundTrip) {
    ImgpipeS3Harness harness;
    ObjectStore& store = harness.store();
    ASSERT_TRUE(store.create_bucket("sums").is_ok());
    const ObjectChecksum crc{"CRC32", "DUoRhQ==", "FULL_OBJECT"};

    StringByteSource body("hello world");
    PutRequest put{"sums", "k"};
    put.checksum = [&] { return std::optional(crc); };
    auto info = store.put_object(put, body);
    ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    EXPECT_EQ(store.head_object("sums", "k")->checksum, crc);
    EXPECT_EQ(store.get_object("sums", "k", std::nullopt)->info.checksum, crc);

    // The service checks what it is sent.
    StringByteSource other("other bytes");
    PutRequest wrong{"sums", "wrong"};
    wrong.checksum = [&] { return std::optional(crc); };
    EXPECT_EQ(store.put_object(wrong, other).status().reason(), "BadDigest");

    PutRequest create{"sums", "m"};
    create.upload_checksum = ObjectChecksum{"CRC32", "", "COMPOSITE"};
    auto id = store.create_multipart_upload(create);
    ASSERT_TRUE(id.is_ok());
    StringByteSource part_body("hello world");
    const ObjectChecksum part_crc{"CRC32", "DUoRhQ==", ""};
    auto part = store.upload_part("sums", "m", *id, 1, part_body, std::nullopt,
                                  [&] { return std::optional(part_crc); });
    ASSERT_TRUE(part.is_ok()) << part.status().to_string();
    auto listed = store.list_parts("sums", "m", *id, 0, 100);
    ASSERT_TRUE(listed.is_ok());
    EXPECT_EQ(listed->upload_checksum, create.upload_checksum);
    ASSERT_EQ(listed->parts.size(), 1u);
    EXPECT_EQ(listed->parts[0].checksum, part_crc);
    CompletedPart completed{1, part->etag, part_crc};
    auto done = store.complete_multipart_upload("sums", "m", *id, {completed});
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();
    const ObjectChecksum composite{"CRC32", "YChbaA==-1", "COMPOSITE"};
    EXPECT_EQ(done->checksum, composite);
}

}  // namespace
}  // namespace imgpipe::store
