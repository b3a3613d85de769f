// LocalObjectStore keeps the additional checksums it is given (ObjectChecksum) with objects,
// uploads and parts, in its index, across a reopen.
#include <gtest/gtest.h>

#include "store/local/local_object_store.h"
#include "store/local/local_store_test_util.h"

namespace imgpipe::store {
namespace {

using testing::open_store;
using testing::TempDir;

const ObjectChecksum kCrc{"CRC32", "DUoRhQ==", "FULL_OBJECT"};

class LocalChecksumTest : public ::testing::Test {
  protected:
    void SetUp() override {
        data_ = dir_.path() + "/data";
        store_ = open_store(data_);
        ASSERT_NE(store_, nullptr);
        ASSERT_TRUE(store_->create_bucket("uploads").is_ok());
    }
    void reopen() {
        store_.reset();
        store_ = open_store(data_);
        ASSERT_NE(store_, nullptr);
    }

    TempDir dir_;
    std::string data_;
    std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(LocalChecksumTest, PutKeepsTheChecksumAskedForAtTheEnd) {
    StringByteSource body("hello world");
    bool body_ended = false;
    PutRequest put{"uploads", "k"};
    // The store must ask only once the body is read (a trailer arrives last).
    put.checksum = [&]() -> std::optional<ObjectChecksum> {
        char c = 0;
        auto more = body.read(std::span<char>(&c, 1));
        body_ended = more.is_ok() && *more == 0;
        return kCrc;
    };
    auto info = store_->put_object(put, body);
    ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    EXPECT_TRUE(body_ended);
    EXPECT_EQ(info->checksum, kCrc);
    reopen();
    EXPECT_EQ(store_->head_object("uploads", "k")->checksum, kCrc);
    EXPECT_EQ(store_->get_object("uploads", "k", std::nullopt)->info.checksum, kCrc);

    // A put without one replaces it with none.
    StringByteSource plain("plain");
    ASSERT_TRUE(store_->put_object({"uploads", "k"}, plain).is_ok());
    EXPECT_FALSE(store_->head_object("uploads", "k")->checksum.has_value());
}

TEST_F(LocalChecksumTest, CopyKeepsTheSourceChecksumUnlessGivenOne) {
    StringByteSource body("hello world");
    PutRequest put{"uploads", "src"};
    put.checksum = [] { return std::optional(kCrc); };
    ASSERT_TRUE(store_->put_object(put, body).is_ok());
    ASSERT_TRUE(store_->copy_object("uploads", "src", {"uploads", "kept"}).is_ok());
    EXPECT_EQ(store_->head_object("uploads", "kept")->checksum, kCrc);
    PutRequest other{"uploads", "other"};
    const ObjectChecksum sha{"SHA1", "Kq5sNclPz7QV2+lfQIuc6R7oRu0=", "FULL_OBJECT"};
    other.checksum = [&] { return std::optional(sha); };
    ASSERT_TRUE(store_->copy_object("uploads", "src", other).is_ok());
    EXPECT_EQ(store_->head_object("uploads", "other")->checksum, sha);
}

TEST_F(LocalChecksumTest, UploadsAndPartsKeepTheirChecksums) {
    PutRequest create{"uploads", "m"};
    const ObjectChecksum declared{"CRC32", "", "COMPOSITE"};
    create.upload_checksum = declared;
    auto id = store_->create_multipart_upload(create);
    ASSERT_TRUE(id.is_ok());
    StringByteSource body("hello world");
    const ObjectChecksum part_crc{"CRC32", "DUoRhQ==", ""};
    auto part = store_->upload_part("uploads", "m", *id, 1, body, std::nullopt,
                                    [&] { return std::optional(part_crc); });
    ASSERT_TRUE(part.is_ok());
    EXPECT_EQ(part->checksum, part_crc);
    reopen();
    auto listed = store_->list_parts("uploads", "m", *id, 0, 1000);
    ASSERT_TRUE(listed.is_ok());
    EXPECT_EQ(listed->upload_checksum, declared);
    ASSERT_EQ(listed->parts.size(), 1u);
    EXPECT_EQ(listed->parts[0].checksum, part_crc);

    const ObjectChecksum object_crc{"CRC32", "mVUQvQ==-1", "COMPOSITE"};
    CompleteMultipartRequest complete{"uploads", "m", *id, {{1, part->etag}}, {}, object_crc};
    auto started = store_->start_complete(complete);
    ASSERT_TRUE(started.is_ok()) << started.status().to_string();
    std::optional<Result<ObjectInfo>> done;
    while (!done) done = (*started)->run_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(done->is_ok());
    EXPECT_EQ((*done)->checksum, object_crc);
    EXPECT_EQ(store_->head_object("uploads", "m")->checksum, object_crc);
}

}  // namespace
}  // namespace imgpipe::store
