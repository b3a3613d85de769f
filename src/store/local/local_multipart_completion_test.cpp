// LocalMultipartCompletion: joining hundreds of parts keeps one part file open at a time, and
// a completion run in slices commits nothing until its end (abandoned or failed: no object, no
// stray file, the upload intact).

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "core/clock.h"
#include "store/local/local_object_store.h"
#include "store/local/local_store_test_util.h"
#include "store/object_store_contract_fixture.h"

namespace imgpipe::store {
namespace {

using testing::files_under;
using testing::read_object;
using testing::TempDir;

int open_descriptors() {
    int n = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/self/fd")) {
        ++n;
    }
    return n;
}

// Forwards to the real file system and watches the descriptors: how many files it has open for
// reading at most, and the most descriptors the process had open at any open or create.
class ObservingFileSystem final : public FileSystem {
  public:
    int max_open_readers() const { return max_readers_; }
    int max_descriptors() const { return max_fds_; }
    void reset_max() {
        max_readers_ = readers_.load();
        max_fds_ = open_descriptors();
    }

    Result<std::unique_ptr<WritableFile>> create_file(const std::string& path) override {
        auto file = base_.create_file(path);
        note_descriptors();
        return file;
    }
    Result<std::unique_ptr<ReadableFile>> open_file(const std::string& path) override {
        IMGPIPE_ASSIGN_OR_RETURN(auto file, base_.open_file(path));
        int now = ++readers_;
        max_readers_ = std::max(max_readers_.load(), now);
        note_descriptors();
        return std::unique_ptr<ReadableFile>(new Reader(std::move(file), readers_));
    }
    Status rename(const std::string& from, const std::string& to) override {
        return base_.rename(from, to);
    }
    Status remove(const std::string& path) override { return base_.remove(path); }
    Status sync_dir(const std::string& path) override { return base_.sync_dir(path); }
    Status create_dirs(const std::string& path) override { return base_.create_dirs(path); }
    Result<std::vector<std::string>> list_dir(const std::string& path) override {
        return base_.list_dir(path);
    }
    bool exists(const std::string& path) override { return base_.exists(path); }

  private:
    class Reader final : public ReadableFile {
      public:
        Reader(std::unique_ptr<ReadableFile> file, std::atomic<int>& live)
            : file_(std::move(file)), live_(live) {}
        ~Reader() override { --live_; }
        Result<size_t> read_at(uint64_t offset, std::span<char> buf) const override {
            return file_->read_at(offset, buf);
        }
        uint64_t size() const override { return file_->size(); }

      private:
        std::unique_ptr<ReadableFile> file_;
        std::atomic<int>& live_;
    };

    void note_descriptors() { max_fds_ = std::max(max_fds_.load(), open_descriptors()); }

    FileSystem& base_ = posix_file_system();
    std::atomic<int> readers_{0};
    std::atomic<int> max_readers_{0};
    std::atomic<int> max_fds_{0};
};

class LocalMultipartCompletionTest : public ::testing::Test {
  protected:
    void open(FileSystem& fs) {
        LocalStoreOptions options;
        options.min_part_size = 1;  // so that thousands of small parts make a valid upload
        auto store = LocalObjectStore::open(dir_.path() + "/data", fs, clock_, options);
        ASSERT_TRUE(store.is_ok()) << store.status().to_string();
        store_ = std::move(store).value();
        ASSERT_TRUE(store_->create_bucket("bkt").is_ok());
    }

    // Uploads `count` parts of distinct bytes; returns the parts to complete with.
    std::vector<CompletedPart> upload_parts(const std::string& upload_id, int count,
                                            size_t part_size) {
        std::vector<CompletedPart> parts;
        for (int i = 1; i <= count; ++i) {
            std::string data = contract::pattern(part_size, static_cast<uint32_t>(i));
            StringByteSource body(data);
            auto part = store_->upload_part("bkt", "k", upload_id, i, body, std::nullopt);
            EXPECT_TRUE(part.is_ok()) << part.status().to_string();
            if (!part.is_ok()) break;
            expected_ += data;
            md5s_ += contract::md5_raw(data);
            parts.push_back({i, part->etag});
        }
        return parts;
    }

    std::string start_upload() {
        auto id = store_->create_multipart_upload({"bkt", "k"});
        EXPECT_TRUE(id.is_ok());
        return id.is_ok() ? *id : "";
    }

    TempDir dir_;
    FakeClock clock_;
    std::unique_ptr<LocalObjectStore> store_;
    std::string expected_;  // the parts' bytes, joined
    std::string md5s_;      // the parts' MD5s, joined
};

TEST_F(LocalMultipartCompletionTest, HundredsOfPartsKeepOnePartFileOpen) {
    ObservingFileSystem fs;
    open(fs);
    const std::string id = start_upload();
    constexpr int kParts = 300;  // each part costs a few fsyncs to upload
    auto parts = upload_parts(id, kParts, 100);
    ASSERT_EQ(parts.size(), static_cast<size_t>(kParts));

    const int before = open_descriptors();
    fs.reset_max();
    auto done = store_->complete_multipart_upload("bkt", "k", id, parts);
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();

    // One part being read, one object file being written; never one descriptor per part.
    EXPECT_LE(fs.max_open_readers(), 1);
    EXPECT_LE(fs.max_descriptors(), before + 2);
    EXPECT_EQ(done->etag, to_hex(contract::md5_raw(md5s_)) + "-" + std::to_string(kParts));
    EXPECT_EQ(done->size, expected_.size());
    EXPECT_EQ(read_object(*store_, "bkt", "k"), expected_);
    EXPECT_TRUE(files_under(dir_.path() + "/data", "parts").empty());
}

TEST_F(LocalMultipartCompletionTest, RunsInSlicesAndCommitsOnlyAtTheEnd) {
    open(posix_file_system());
    const std::string id = start_upload();
    auto parts = upload_parts(id, 5, 3000);
    auto completion = store_->start_complete_multipart_upload("bkt", "k", id, parts);
    ASSERT_TRUE(completion.is_ok()) << completion.status().to_string();
    // The clock does not move, so a zero budget is one step per call.
    int slices = 0;
    std::optional<Result<ObjectInfo>> done;
    while (!(done = (*completion)->run_for(std::chrono::milliseconds(0)))) {
        ++slices;
        EXPECT_EQ(read_object(*store_, "bkt", "k"), "error:NoSuchKey") << "after slice " << slices;
    }
    // Create the temp file, then open and copy each part, then fsync: each its own slice.
    EXPECT_GE(slices, 1 + 2 * 5);
    ASSERT_TRUE(done->is_ok()) << done->status().to_string();
    EXPECT_EQ(read_object(*store_, "bkt", "k"), expected_);
    EXPECT_TRUE(files_under(dir_.path() + "/data", "tmp").empty());
}

TEST_F(LocalMultipartCompletionTest, AbandonedCompletionLeavesTheUploadAsItWas) {
    open(posix_file_system());
    const std::string id = start_upload();
    auto parts = upload_parts(id, 4, 2000);
    {
        auto completion = store_->start_complete_multipart_upload("bkt", "k", id, parts);
        ASSERT_TRUE(completion.is_ok());
        for (int i = 0; i < 4; ++i) {
            ASSERT_FALSE((*completion)->run_for(std::chrono::milliseconds(0)).has_value());
        }
        EXPECT_EQ(files_under(dir_.path() + "/data", "tmp").size(), 1u);
    }  // the client went away
    EXPECT_TRUE(files_under(dir_.path() + "/data", "tmp").empty());
    EXPECT_EQ(read_object(*store_, "bkt", "k"), "error:NoSuchKey");
    EXPECT_EQ(store_->list_parts("bkt", "k", id, 0, 1000)->parts.size(), 4u);

    auto done = store_->complete_multipart_upload("bkt", "k", id, parts);
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();
    EXPECT_EQ(read_object(*store_, "bkt", "k"), expected_);
}

TEST_F(LocalMultipartCompletionTest, UploadAbortedMidwayEndsWithNoSuchUpload) {
    open(posix_file_system());
    const std::string id = start_upload();
    auto parts = upload_parts(id, 4, 2000);
    auto completion = store_->start_complete_multipart_upload("bkt", "k", id, parts);
    ASSERT_TRUE(completion.is_ok());
    for (int i = 0; i < 3; ++i) {
        ASSERT_FALSE((*completion)->run_for(std::chrono::milliseconds(0)).has_value());
    }
    ASSERT_TRUE(store_->abort_multipart_upload("bkt", "k", id).is_ok());
    auto done = (*completion)->run_for(std::chrono::hours(1));
    ASSERT_TRUE(done.has_value());
    EXPECT_EQ(done->status().reason(), "NoSuchUpload");
    EXPECT_EQ(read_object(*store_, "bkt", "k"), "error:NoSuchKey");
    EXPECT_TRUE(files_under(dir_.path() + "/data", "tmp").empty());
    EXPECT_TRUE(files_under(dir_.path() + "/data", "objects").empty());
}

}  // namespace
}  // namespace imgpipe::store
