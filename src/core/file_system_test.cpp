#include "core/file_system.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/fault_injecting_file_system.h"

namespace imgpipe {
namespace {

class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "imgpipe-fs-XXXXXX");
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

std::string read_whole(FileSystem& fs, const std::string& path) {
    auto file = fs.open_file(path);
    EXPECT_TRUE(file.is_ok()) << file.status().to_string();
    if (!file.is_ok()) return {};
    std::string out((*file)->size(), '\0');
    size_t done = 0;
    while (done < out.size()) {
        auto n = (*file)->read_at(done, std::span<char>(out.data() + done, out.size() - done));
        EXPECT_TRUE(n.is_ok());
        if (!n.is_ok() || *n == 0) break;
        done += *n;
    }
    out.resize(done);
    return out;
}

TEST(PosixFileSystemTest, WritesSyncsRenamesAndReadsBack) {
    TempDir dir;
    FileSystem& fs = posix_file_system();
    std::string tmp = dir.path() + "/a.tmp";
    auto file = fs.create_file(tmp);
    ASSERT_TRUE(file.is_ok()) << file.status().to_string();
    ASSERT_TRUE((*file)->append("hello ").is_ok());
    ASSERT_TRUE((*file)->append("world").is_ok());
    ASSERT_TRUE((*file)->sync().is_ok());
    ASSERT_TRUE((*file)->close().is_ok());
    ASSERT_TRUE(fs.rename(tmp, dir.path() + "/a").is_ok());
    ASSERT_TRUE(fs.sync_dir(dir.path()).is_ok());
    EXPECT_FALSE(fs.exists(tmp));
    EXPECT_EQ(read_whole(fs, dir.path() + "/a"), "hello world");
}

TEST(PosixFileSystemTest, CreateRefusesExistingFile) {
    TempDir dir;
    FileSystem& fs = posix_file_system();
    ASSERT_TRUE(fs.create_file(dir.path() + "/x").is_ok());
    auto again = fs.create_file(dir.path() + "/x");
    ASSERT_FALSE(again.is_ok());
    EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
}

TEST(PosixFileSystemTest, OpenMissingIsNotFoundAndRemoveMissingIsOk) {
    TempDir dir;
    FileSystem& fs = posix_file_system();
    auto missing = fs.open_file(dir.path() + "/nope");
    ASSERT_FALSE(missing.is_ok());
    EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
    EXPECT_TRUE(fs.remove(dir.path() + "/nope").is_ok());
}

TEST(PosixFileSystemTest, CreateDirsMakesNestedDirectoriesAndListsThem) {
    TempDir dir;
    FileSystem& fs = posix_file_system();
    ASSERT_TRUE(fs.create_dirs(dir.path() + "/a/b/c").is_ok());
    ASSERT_TRUE(fs.create_dirs(dir.path() + "/a/b/c").is_ok());  // idempotent
    ASSERT_TRUE(fs.create_file(dir.path() + "/a/f").is_ok());
    auto names = fs.list_dir(dir.path() + "/a");
    ASSERT_TRUE(names.is_ok());
    std::sort(names->begin(), names->end());
    EXPECT_EQ(*names, (std::vector<std::string>{"b", "f"}));
    EXPECT_FALSE(fs.create_dirs(dir.path() + "/a/f/g").is_ok());  // f is a file
    EXPECT_EQ(fs.list_dir(dir.path() + "/zzz").status().code(), StatusCode::kNotFound);
}

TEST(FaultInjectingFileSystemTest, FailNextFailsOnceThenPassesThrough) {
    TempDir dir;
    FaultInjectingFileSystem fs(posix_file_system());
    fs.fail_next(FaultInjectingFileSystem::Op::kCreate);
    EXPECT_EQ(fs.create_file(dir.path() + "/a").status().reason(), "IoError");
    EXPECT_FALSE(fs.exists(dir.path() + "/a"));
    EXPECT_TRUE(fs.create_file(dir.path() + "/a").is_ok());
    EXPECT_EQ(fs.injected_failures(), 1);
}

TEST(FaultInjectingFileSystemTest, FailAllHonoursPathFilterUntilCleared) {
    TempDir dir;
    FaultInjectingFileSystem fs(posix_file_system());
    auto file = fs.create_file(dir.path() + "/a");
    ASSERT_TRUE(file.is_ok());
    fs.fail_all(FaultInjectingFileSystem::Op::kRename, "/target");
    EXPECT_TRUE(fs.rename(dir.path() + "/a", dir.path() + "/b").is_ok());
    EXPECT_FALSE(fs.rename(dir.path() + "/b", dir.path() + "/target").is_ok());
    EXPECT_FALSE(fs.rename(dir.path() + "/b", dir.path() + "/target").is_ok());
    fs.fail_all(FaultInjectingFileSystem::Op::kSyncDir);
    EXPECT_FALSE(fs.sync_dir(dir.path()).is_ok());
    fs.clear();
    EXPECT_TRUE(fs.rename(dir.path() + "/b", dir.path() + "/target").is_ok());
    EXPECT_TRUE(fs.sync_dir(dir.path()).is_ok());
}

TEST(FaultInjectingFileSystemTest, AppendAndSyncFaultsReachFiles) {
    TempDir dir;
    FaultInjectingFileSystem fs(posix_file_system());
    auto file = fs.create_file(dir.path() + "/a");
    ASSERT_TRUE(file.is_ok());
    fs.fail_next(FaultInjectingFileSystem::Op::kAppend);
    EXPECT_FALSE((*file)->append("x").is_ok());
    EXPECT_TRUE((*file)->append("y").is_ok());
    fs.fail_next(FaultInjectingFileSystem::Op::kSync);
    EXPECT_FALSE((*file)->sync().is_ok());
    EXPECT_TRUE((*file)->sync().is_ok());
    ASSERT_TRUE((*file)->close().is_ok());
    EXPECT_EQ(read_whole(fs, dir.path() + "/a"), "y");
}

TEST(FaultInjectingFileSystemTest, DiskBudgetWritesWhatFitsThenReportsDiskFull) {
    TempDir dir;
    FaultInjectingFileSystem fs(posix_file_system());
    fs.set_disk_budget(5);
    auto file = fs.create_file(dir.path() + "/a");
    ASSERT_TRUE(file.is_ok());
    EXPECT_TRUE((*file)->append("abc").is_ok());
    Status full = (*file)->append("defg");
    EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(full.reason(), "DiskFull");
    EXPECT_FALSE((*file)->append("h").is_ok());
    ASSERT_TRUE((*file)->close().is_ok());
    EXPECT_EQ(read_whole(fs, dir.path() + "/a"), "abcde");
}

}  // namespace
}  // namespace imgpipe
