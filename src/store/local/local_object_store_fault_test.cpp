// LocalObjectStore under injected file-system faults: every failing step of a put, copy,
// part upload or completion returns an error, leaves the previous object (or none) visible,
// records no event and leaves no temp or stray data file.

#include <gtest/gtest.h>

#include "core/fault_injecting_file_system.h"
#include "store/local/local_object_store.h"
#include "store/local/local_store_test_util.h"

namespace imgpipe::store {
namespace {

using Op = FaultInjectingFileSystem::Op;
using testing::files_under;
using testing::put_string;
using testing::read_object;
using testing::TempDir;

struct Fault {
    const char* name;
    Op op;
    const char* path_filter;
    bool disk_full;
};

std::ostream& operator<<(std::ostream& os, const Fault& f) { return os << f.name; }

class LocalObjectStoreFaultTest : public ::testing::TestWithParam<Fault> {
  protected:
    void SetUp() override {
        data_ = dir_.path() + "/data";
        store_ = testing::open_store(data_, fs_);
        ASSERT_NE(store_, nullptr);
        ASSERT_TRUE(store_->create_bucket("bkt").is_ok());
        ASSERT_TRUE(put_string(*store_, "bkt", "k", "old bytes").is_ok());
        events_before_ = store_->read_events(0, 1000)->size();
        objects_before_ = files_under(data_, "objects");
    }

    void arm() {
        const Fault& fault = GetParam();
        if (fault.disk_full) {
            fs_.set_disk_budget(1536 * 1024);  // fails part-way through the second buffer
        } else {
            fs_.fail_all(fault.op, fault.path_filter);
        }
    }

    // Nothing changed: same data files, no temp files, no parts, no new events.
    void expect_untouched() {
        EXPECT_EQ(files_under(data_, "objects"), objects_before_);
        EXPECT_TRUE(files_under(data_, "tmp").empty());
        EXPECT_TRUE(files_under(data_, "parts").empty());
        EXPECT_EQ(store_->read_events(0, 1000)->size(), events_before_);
        EXPECT_EQ(read_object(*store_, "bkt", "k"), "old bytes");
    }

    TempDir dir_;
    FaultInjectingFileSystem fs_{posix_file_system()};
    std::string data_;
    std::unique_ptr<LocalObjectStore> store_;
    size_t events_before_ = 0;
    std::vector<std::string> objects_before_;
};

TEST_P(LocalObjectStoreFaultTest, FailedPutKeepsOldObjectAndLeavesNoFiles) {
    std::string body = contract::pattern(3 * 1024 * 1024);
    arm();
    auto replaced = put_string(*store_, "bkt", "k", body);
    ASSERT_FALSE(replaced.is_ok());
    if (GetParam().disk_full) {
        EXPECT_EQ(replaced.status().reason(), "DiskFull");
        EXPECT_EQ(replaced.status().code(), StatusCode::kResourceExhausted);
    } else {
        EXPECT_EQ(replaced.status().reason(), "IoError");
    }
    auto fresh = put_string(*store_, "bkt", "new", body);
    ASSERT_FALSE(fresh.is_ok());
    EXPECT_EQ(store_->head_object("bkt", "new").status().reason(), "NoSuchKey");
    expect_untouched();

    fs_.clear();
    ASSERT_TRUE(put_string(*store_, "bkt", "k", body).is_ok());
    EXPECT_EQ(read_object(*store_, "bkt", "k"), body);
}

TEST_P(LocalObjectStoreFaultTest, FailedCopyLeavesNoObject) {
    std::string body = contract::pattern(2 * 1024 * 1024);
    ASSERT_TRUE(put_string(*store_, "bkt", "src", body).is_ok());
    events_before_ = store_->read_events(0, 1000)->size();
    objects_before_ = files_under(data_, "objects");
    arm();
    EXPECT_FALSE(store_->copy_object("bkt", "src", {"bkt", "k"}).is_ok());
    expect_untouched();
    EXPECT_EQ(read_object(*store_, "bkt", "src"), body);
}

TEST_P(LocalObjectStoreFaultTest, FailedMultipartStepsKeepTheUploadUsable) {
    auto id = store_->create_multipart_upload({"bkt", "k"});
    ASSERT_TRUE(id.is_ok());
    std::string part = contract::pattern(3 * 1024 * 1024, 7);
    const Fault& fault = GetParam();
    bool part_path_fault = fault.disk_full || fault.op == Op::kAppend || fault.op == Op::kSync ||
                           fault.op == Op::kCreate;
    if (part_path_fault) {
        arm();
        StringByteSource body(part);
        EXPECT_FALSE(store_->upload_part("bkt", "k", *id, 1, body, std::nullopt).is_ok());
        EXPECT_TRUE(store_->list_parts("bkt", "k", *id, 0, 100)->parts.empty());
        expect_untouched();
        fs_.clear();
    }
    StringByteSource body(part);
    auto p1 = store_->upload_part("bkt", "k", *id, 1, body, std::nullopt);
    ASSERT_TRUE(p1.is_ok()) << p1.status().to_string();

    arm();
    auto failed = store_->complete_multipart_upload("bkt", "k", *id, {{1, p1->etag}});
    ASSERT_FALSE(failed.is_ok());
    EXPECT_EQ(read_object(*store_, "bkt", "k"), "old bytes");
    EXPECT_TRUE(files_under(data_, "tmp").empty());
    EXPECT_EQ(files_under(data_, "objects"), objects_before_);
    EXPECT_EQ(store_->list_parts("bkt", "k", *id, 0, 100)->parts.size(), 1u);

    fs_.clear();
    ASSERT_TRUE(store_->complete_multipart_upload("bkt", "k", *id, {{1, p1->etag}}).is_ok());
    EXPECT_EQ(read_object(*store_, "bkt", "k"), part);
    EXPECT_TRUE(files_under(data_, "parts").empty());
}

INSTANTIATE_TEST_SUITE_P(Faults, LocalObjectStoreFaultTest,
                         ::testing::Values(Fault{"Append", Op::kAppend, "", false},
                                           Fault{"Sync", Op::kSync, "", false},
                                           Fault{"Create", Op::kCreate, "", false},
                                           Fault{"Rename", Op::kRename, "", false},
                                           Fault{"SyncDir", Op::kSyncDir, "/objects/", false},
                                           Fault{"DiskFull", Op::kAppend, "", true}),
                         [](const ::testing::TestParamInfo<Fault>& info) {
                             return std::string(info.param.name);
                         });

TEST(LocalObjectStoreFaultOnceTest, SingleFailedSyncDirDoesNotPublishPart) {
    TempDir dir;
    FaultInjectingFileSystem fs(posix_file_system());
    auto store = testing::open_store(dir.path() + "/data", fs);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_bucket("bkt").is_ok());
    auto id = store->create_multipart_upload({"bkt", "k"});
    ASSERT_TRUE(id.is_ok());
    fs.fail_next(Op::kSyncDir, "/parts");
    StringByteSource body("part");
    EXPECT_FALSE(store->upload_part("bkt", "k", *id, 1, body, std::nullopt).is_ok());
    EXPECT_EQ(fs.injected_failures(), 1);
    EXPECT_TRUE(files_under(dir.path() + "/data", "parts").empty());
    EXPECT_TRUE(store->list_parts("bkt", "k", *id, 0, 100)->parts.empty());
}

}  // namespace
}  // namespace imgpipe::store
