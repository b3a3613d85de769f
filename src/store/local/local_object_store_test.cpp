#include "store/local/local_object_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "store/local/local_store_test_util.h"
#include "store/object_store_contract.h"

namespace imgpipe::store {
namespace {

using testing::file_sized;
using testing::files_under;
using testing::inline_rows;
using testing::LocalHarness;
using testing::open_store;
using testing::put_string;
using testing::read_object;
using testing::TempDir;

INSTANTIATE_TEST_SUITE_P(Local, ObjectStoreContractTest,
                         ::testing::Values(ObjectStoreContractParam{
                             "Local", [] { return std::make_unique<LocalHarness>(); }}),
                         object_store_contract_name);

class LocalObjectStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        data_ = dir_.path() + "/data";
        store_ = open_store(data_);
        ASSERT_NE(store_, nullptr);
        ASSERT_TRUE(store_->create_bucket("uploads").is_ok());
    }

    TempDir dir_;
    std::string data_;
    std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(LocalObjectStoreTest, DeleteBucketRemovesThePartFilesOfItsUploads) {
    ASSERT_TRUE(store_->create_bucket("doomed").is_ok());
    auto id = store_->create_multipart_upload({"doomed", "k"});
    ASSERT_TRUE(id.is_ok());
    StringByteSource part(std::string(1000, 'p'));
    ASSERT_TRUE(store_->upload_part("doomed", "k", *id, 1, part, std::nullopt).is_ok());
    ASSERT_EQ(files_under(data_, "parts").size(), 1u);
    ASSERT_TRUE(store_->delete_bucket("doomed").is_ok());
    EXPECT_TRUE(files_under(data_, "parts").empty());
}

TEST_F(LocalObjectStoreTest, MultipartObjectsRememberTheirPartSizes) {
    LocalStoreOptions options;
    options.min_part_size = 4;
    store_.reset();
    auto store =
        LocalObjectStore::open(data_, posix_file_system(), SystemClock::instance(), options);
    ASSERT_TRUE(store.is_ok());
    store_ = std::move(store).value();
    auto id = store_->create_multipart_upload({"uploads", "multi"});
    ASSERT_TRUE(id.is_ok());
    std::vector<CompletedPart> parts;
    for (const std::string data : {"first", "second!", "3"}) {
        StringByteSource body(data);
        auto part = store_->upload_part("uploads", "multi", *id, static_cast<int>(parts.size()) + 1,
                                        body, std::nullopt);
        ASSERT_TRUE(part.is_ok());
        parts.push_back({part->part_number, part->etag});
    }
    auto done = store_->complete_multipart_upload("uploads", "multi", *id, parts);
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();
    const std::vector<uint64_t> expected = {5, 7, 1};
    EXPECT_EQ(done->part_sizes, expected);
    EXPECT_EQ(store_->head_object("uploads", "multi")->part_sizes, expected);
    EXPECT_EQ(store_->get_object("uploads", "multi", std::nullopt)->info.part_sizes, expected);
    // A copy is one new object, not multipart; a put replaces the boundaries with none.
    ASSERT_TRUE(store_->copy_object("uploads", "multi", {"uploads", "copy"}).is_ok());
    EXPECT_TRUE(store_->head_object("uploads", "copy")->part_sizes.empty());
    ASSERT_TRUE(put_string(*store_, "uploads", "multi", "plain").is_ok());
    EXPECT_TRUE(store_->head_object("uploads", "multi")->part_sizes.empty());
}

TEST_F(LocalObjectStoreTest, OutboxRecordsEveryVisibleChange) {
    ASSERT_TRUE(put_string(*store_, "uploads", "put", "1").is_ok());
    ASSERT_TRUE(put_string(*store_, "uploads", "post", "22", CreatedBy::kPost).is_ok());
    ASSERT_TRUE(store_->copy_object("uploads", "put", {"uploads", "copy"}).is_ok());
    auto id = store_->create_multipart_upload({"uploads", "multi"});
    ASSERT_TRUE(id.is_ok());
    StringByteSource part("4444");
    auto p1 = store_->upload_part("uploads", "multi", *id, 1, part, std::nullopt);
    ASSERT_TRUE(p1.is_ok());
    auto multi = store_->complete_multipart_upload("uploads", "multi", *id, {{1, p1->etag}});
    ASSERT_TRUE(multi.is_ok());
    ASSERT_TRUE(store_->delete_object("uploads", "put").is_ok());
    ASSERT_TRUE(store_->delete_object("uploads", "never-existed").is_ok());  // no event
    PutRequest bad{"uploads", "bad"};
    bad.expected_md5 = std::string(16, 'x');
    StringByteSource body("rejected");
    ASSERT_FALSE(store_->put_object(bad, body).is_ok());  // no event

    auto events = store_->read_events(0, 100);
    ASSERT_TRUE(events.is_ok()) << events.status().to_string();
    ASSERT_EQ(events->size(), 5u);
    std::vector<std::string> names, keys;
    for (const auto& e : *events) {
        names.push_back(e.event_name);
        keys.push_back(e.key);
        EXPECT_EQ(e.bucket, "uploads");
    }
    EXPECT_EQ(names, (std::vector<std::string>{
                         "ObjectCreated:Put", "ObjectCreated:Post", "ObjectCreated:Copy",
                         "ObjectCreated:CompleteMultipartUpload", "ObjectRemoved:Delete"}));
    EXPECT_EQ(keys, (std::vector<std::string>{"put", "post", "copy", "multi", "put"}));
    EXPECT_EQ((*events)[1].size, 2u);
    EXPECT_EQ((*events)[1].etag, store_->head_object("uploads", "post")->etag);
    EXPECT_EQ((*events)[3].etag, multi->etag);
    for (size_t i = 1; i < events->size(); ++i) {
        EXPECT_GT((*events)[i].seq, (*events)[i - 1].seq);
    }

    // The relay pages through and trims what it delivered; seqs are never reused.
    auto page = store_->read_events((*events)[1].seq, 2);
    ASSERT_TRUE(page.is_ok());
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].key, "copy");
    int64_t last = events->back().seq;
    ASSERT_TRUE(store_->delete_events_through(last).is_ok());
    EXPECT_TRUE(store_->read_events(0, 100)->empty());
    ASSERT_TRUE(put_string(*store_, "uploads", "later", "x").is_ok());
    auto later = store_->read_events(0, 100);
    ASSERT_TRUE(later.is_ok());
    ASSERT_EQ(later->size(), 1u);
    EXPECT_GT((*later)[0].seq, last);
}

TEST_F(LocalObjectStoreTest, StateSurvivesReopen) {
    ASSERT_TRUE(put_string(*store_, "uploads", "a/b", "persisted").is_ok());
    auto id = store_->create_multipart_upload({"uploads", "m"});
    ASSERT_TRUE(id.is_ok());
    StringByteSource part("part one");
    auto p1 = store_->upload_part("uploads", "m", *id, 1, part, std::nullopt);
    ASSERT_TRUE(p1.is_ok());
    store_.reset();

    store_ = open_store(data_);
    ASSERT_NE(store_, nullptr);
    EXPECT_TRUE(store_->head_bucket("uploads").is_ok());
    EXPECT_EQ(read_object(*store_, "uploads", "a/b"), "persisted");
    // The pending upload's part was kept by the sweep and still completes.
    ASSERT_TRUE(store_->complete_multipart_upload("uploads", "m", *id, {{1, p1->etag}}).is_ok());
    EXPECT_EQ(read_object(*store_, "uploads", "m"), "part one");
    EXPECT_TRUE(files_under(data_, "parts").empty());
}

TEST_F(LocalObjectStoreTest, ReopenSweepsWhatACrashLeftBehind) {
    ASSERT_TRUE(put_string(*store_, "uploads", "keep", file_sized("kept")).is_ok());
    store_.reset();
    auto kept = files_under(data_, "objects");
    ASSERT_EQ(kept.size(), 1u);
    // What a crash can leave: a half-written temp file, a data file renamed into place whose
    // index commit never happened, and a part of an upload the index does not know.
    std::string orphan_id(32, 'a');
    std::ofstream(data_ + "/tmp/" + DataLayout::new_id()) << "half a body";
    std::filesystem::create_directories(data_ + "/objects/aa");
    std::ofstream(data_ + "/objects/aa/" + orphan_id) << "unindexed";
    std::ofstream(data_ + "/parts/" + DataLayout::new_id()) << "stale part";
    ASSERT_EQ(files_under(data_, "objects").size(), 2u);

    store_ = open_store(data_);
    ASSERT_NE(store_, nullptr);
    EXPECT_TRUE(files_under(data_, "tmp").empty());
    EXPECT_TRUE(files_under(data_, "parts").empty());
    EXPECT_EQ(files_under(data_, "objects"), kept);
    EXPECT_EQ(read_object(*store_, "uploads", "keep"), file_sized("kept"));
}

// A worker (or an api node) opening the data dir an s3 process serves must not take that
// process's puts in flight for a crash's leftovers: its open leaves them; the next open by a
// process alone with the store sweeps them.
TEST_F(LocalObjectStoreTest, OpenLeavesTheFilesOfAnotherLiveProcessAlone) {
    const std::string in_flight = data_ + "/tmp/" + DataLayout::new_id();
    std::ofstream(in_flight) << "a body being received";
    std::filesystem::create_directories(data_ + "/objects/bb");
    const std::string renamed = data_ + "/objects/bb/" + std::string(32, 'b');
    std::ofstream(renamed) << "renamed, index commit to come";

    // store_ is open (the other process: flock treats two opens of the file as two holders).
    auto second = open_store(data_);
    ASSERT_NE(second, nullptr);
    EXPECT_TRUE(std::filesystem::exists(in_flight));
    EXPECT_TRUE(std::filesystem::exists(renamed));
    ASSERT_TRUE(put_string(*second, "uploads", "k", file_sized("v")).is_ok());

    second.reset();
    store_.reset();
    store_ = open_store(data_);
    ASSERT_NE(store_, nullptr);
    EXPECT_FALSE(std::filesystem::exists(in_flight));
    EXPECT_FALSE(std::filesystem::exists(renamed));
    EXPECT_EQ(read_object(*store_, "uploads", "k"), file_sized("v"));
}

TEST_F(LocalObjectStoreTest, KeysNeverBecomeFileNames) {
    for (const char* key : {"../../escape", "/etc/passwd", "a/../../../b", "..", "x//y"}) {
        ASSERT_TRUE(put_string(*store_, "uploads", key, file_sized(key)).is_ok()) << key;
        EXPECT_EQ(read_object(*store_, "uploads", key), file_sized(key));
    }
    // Everything is inside the data dir, under generated names.
    std::vector<std::string> outside;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
        outside.push_back(entry.path().filename().string());
    }
    EXPECT_EQ(outside, std::vector<std::string>{"data"});
    auto files = files_under(data_, "objects");
    ASSERT_EQ(files.size(), 5u);
    for (const auto& file : files) {
        std::string name = std::filesystem::path(file).filename().string();
        EXPECT_TRUE(DataLayout::is_id(name)) << file;
        EXPECT_EQ(file, "objects/" + name.substr(0, 2) + "/" + name);
    }
}

TEST_F(LocalObjectStoreTest, ReplacedAndDeletedDataFilesAreRemoved) {
    ASSERT_TRUE(put_string(*store_, "uploads", "k", file_sized("v1")).is_ok());
    ASSERT_TRUE(put_string(*store_, "uploads", "k", file_sized("v2")).is_ok());
    EXPECT_EQ(files_under(data_, "objects").size(), 1u);
    ASSERT_TRUE(store_->delete_object("uploads", "k").is_ok());
    EXPECT_TRUE(files_under(data_, "objects").empty());
    EXPECT_TRUE(files_under(data_, "tmp").empty());
}

TEST_F(LocalObjectStoreTest, SmallObjectsLiveInTheIndexLargeOnesInFiles) {
    const std::string at_limit(LocalObjectStore::kInlineLimit, 's');
    const std::string past_limit = at_limit + "!";
    ASSERT_TRUE(put_string(*store_, "uploads", "small", at_limit).is_ok());
    ASSERT_TRUE(put_string(*store_, "uploads", "empty", "").is_ok());
    EXPECT_TRUE(files_under(data_, "objects").empty());
    EXPECT_EQ(inline_rows(data_), 2);
    ASSERT_TRUE(put_string(*store_, "uploads", "large", past_limit).is_ok());
    EXPECT_EQ(files_under(data_, "objects").size(), 1u);
    EXPECT_TRUE(files_under(data_, "tmp").empty());

    EXPECT_EQ(read_object(*store_, "uploads", "small"), at_limit);
    EXPECT_EQ(read_object(*store_, "uploads", "empty"), "");
    auto head = store_->head_object("uploads", "small");
    ASSERT_TRUE(head.is_ok());
    EXPECT_EQ(head->size, at_limit.size());
    // A range of an inline object, and a copy of one.
    ASSERT_TRUE(put_string(*store_, "uploads", "abc", "0123456789").is_ok());
    auto range = store_->get_object("uploads", "abc", ByteRange{3, 5});
    ASSERT_TRUE(range.is_ok());
    EXPECT_EQ(*read_all(*range->body, 100), "345");
    ASSERT_TRUE(store_->copy_object("uploads", "abc", PutRequest{"uploads", "abc-copy"}).is_ok());
    EXPECT_EQ(read_object(*store_, "uploads", "abc-copy"), "0123456789");
    EXPECT_EQ(inline_rows(data_), 4);

    // Kept across a reopen (the bytes were committed with their rows).
    store_.reset();
    store_ = open_store(data_);
    ASSERT_NE(store_, nullptr);
    EXPECT_EQ(read_object(*store_, "uploads", "small"), at_limit);
    EXPECT_EQ(read_object(*store_, "uploads", "large"), past_limit);
}

TEST_F(LocalObjectStoreTest, ReplacingOrDeletingAnInlineObjectRemovesItsBytes) {
    ASSERT_TRUE(put_string(*store_, "uploads", "k", "inline one").is_ok());
    ASSERT_TRUE(put_string(*store_, "uploads", "k", "inline two").is_ok());
    EXPECT_EQ(inline_rows(data_), 1);
    ASSERT_TRUE(put_string(*store_, "uploads", "k", file_sized("a file")).is_ok());
    EXPECT_EQ(inline_rows(data_), 0);
    EXPECT_EQ(files_under(data_, "objects").size(), 1u);
    ASSERT_TRUE(put_string(*store_, "uploads", "k", "inline again").is_ok());
    EXPECT_TRUE(files_under(data_, "objects").empty());
    EXPECT_EQ(read_object(*store_, "uploads", "k"), "inline again");
    ASSERT_TRUE(store_->delete_object("uploads", "k").is_ok());
    EXPECT_EQ(inline_rows(data_), 0);
    EXPECT_EQ(read_object(*store_, "uploads", "k"), "error:NoSuchKey");
}

// Each read below fills the inline-bytes cache, so every later read must see what changed since.
TEST_F(LocalObjectStoreTest, ReadsOfInlineObjectsFollowEveryChange) {
    ASSERT_TRUE(put_string(*store_, "uploads", "k", "first").is_ok());
    EXPECT_EQ(read_object(*store_, "uploads", "k"), "first");
    EXPECT_EQ(read_object(*store_, "uploads", "k"), "first");
    ASSERT_TRUE(put_string(*store_, "uploads", "k", "second").is_ok());
    EXPECT_EQ(read_object(*store_, "uploads", "k"), "second");
    auto range = store_->get_object("uploads", "k", ByteRange{1, 3});
    ASSERT_TRUE(range.is_ok());
    EXPECT_EQ(*read_all(*range->body, 100), "eco");
    ASSERT_TRUE(store_->copy_object("uploads", "k", PutRequest{"uploads", "copy"}).is_ok());
    EXPECT_EQ(read_object(*store_, "uploads", "copy"), "second");
    ASSERT_TRUE(put_string(*store_, "uploads", "k", file_sized("a file")).is_ok());
    EXPECT_EQ(read_object(*store_, "uploads", "k"), file_sized("a file"));
    ASSERT_TRUE(store_->delete_object("uploads", "copy").is_ok());
    EXPECT_EQ(read_object(*store_, "uploads", "copy"), "error:NoSuchKey");
    ASSERT_TRUE(put_string(*store_, "uploads", "copy", "third").is_ok());
    EXPECT_EQ(read_object(*store_, "uploads", "copy"), "third");
}

TEST_F(LocalObjectStoreTest, OpensAnIndexFromBeforeInlineObjects) {
    // The objects table as the first releases created it, with one file-backed row.
    store_.reset();
    std::filesystem::remove(data_ + "/index.db");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((data_ + "/index.db").c_str(), &db), SQLITE_OK);
    const std::string sql =
        "CREATE TABLE buckets (name TEXT PRIMARY KEY, created_ns INTEGER NOT NULL) WITHOUT ROWID;"
        "INSERT INTO buckets VALUES ('uploads', 0);"
        "CREATE TABLE objects (bucket TEXT NOT NULL, key BLOB NOT NULL, size INTEGER NOT NULL, "
        "etag TEXT NOT NULL, content_type TEXT NOT NULL, metadata TEXT NOT NULL, headers TEXT NOT "
        "NULL, last_modified_ns INTEGER NOT NULL, data_id TEXT NOT NULL, created_by INTEGER NOT "
        "NULL, PRIMARY KEY (bucket, key)) WITHOUT ROWID;"
        "INSERT INTO objects VALUES ('uploads', CAST('old' AS BLOB), 3, 'etag', '', '{}', '{}', 0, "
        "'" +
        std::string(32, 'b') + "', 0);";
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    std::filesystem::create_directories(data_ + "/objects/bb");
    std::ofstream(data_ + "/objects/bb/" + std::string(32, 'b')) << "old";

    store_ = open_store(data_);
    ASSERT_NE(store_, nullptr);
    EXPECT_EQ(read_object(*store_, "uploads", "old"), "old");
    ASSERT_TRUE(put_string(*store_, "uploads", "new", "small").is_ok());
    EXPECT_EQ(read_object(*store_, "uploads", "new"), "small");
}

TEST_F(LocalObjectStoreTest, OpenFailsCleanlyOnUnusableDataDir) {
    std::string file = dir_.path() + "/not-a-dir";
    std::ofstream(file) << "x";
    auto store = LocalObjectStore::open(file, posix_file_system(), SystemClock::instance());
    EXPECT_FALSE(store.is_ok());
}

long rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
}

TEST_F(LocalObjectStoreTest, LargeObjectStreamsWithFlatMemory) {
    constexpr uint64_t kSize = 256ull << 20;
    long before = rss_kib();
    contract::CountingSource body(kSize, 256 * 1024);
    PutRequest request{"uploads", "large"};
    auto info = store_->put_object(request, body);
    ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    EXPECT_EQ(info->size, kSize);

    auto reader = store_->get_object("uploads", "large", std::nullopt);
    ASSERT_TRUE(reader.is_ok());
    std::vector<char> buf(1 << 20);
    uint64_t offset = 0;
    bool same = true;
    for (;;) {
        auto n = reader->body->read(buf);
        ASSERT_TRUE(n.is_ok());
        if (*n == 0) break;
        for (size_t i = 0; i < *n && same; ++i) {
            same = buf[i] == static_cast<char>((offset + i) * 31);
        }
        offset += *n;
    }
    EXPECT_TRUE(same);
    EXPECT_EQ(offset, kSize);
    // A few buffers, not the object: well under a quarter of its size.
    EXPECT_LT(rss_kib() - before, 64 * 1024);
}

}  // namespace
}  // namespace imgpipe::store
