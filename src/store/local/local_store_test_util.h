#pragma once
// Test helpers for LocalObjectStore tests: a self-deleting temp dir, a contract-suite harness,
// and inspection of what the store left on disk (files, and inline rows read straight from the
// index with SQLite). Test-only.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/local/local_object_store.h"
#include "store/object_store_contract_fixture.h"
#include "temp_dir.h"

namespace imgpipe::store::testing {

using ::imgpipe::TempDir;

inline std::unique_ptr<LocalObjectStore> open_store(const std::string& dir,
                                                    FileSystem& fs = posix_file_system()) {
    auto store = LocalObjectStore::open(dir, fs, SystemClock::instance());
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    return store.is_ok() ? std::move(store).value() : nullptr;
}

class LocalHarness final : public ObjectStoreHarness {
  public:
    LocalHarness() : store_(open_store(dir_.path() + "/data")) {}
    ObjectStore& store() override { return *store_; }

  private:
    TempDir dir_;
    std::unique_ptr<LocalObjectStore> store_;
};

// Paths (relative to `dir`) of the regular files under `subdir` of it, sorted.
inline std::vector<std::string> files_under(const std::string& dir, const std::string& subdir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir + "/" + subdir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file()) {
            out.push_back(std::filesystem::relative(it->path(), dir).string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// `text` padded past LocalObjectStore::kInlineLimit, so that it is stored in a file of its own.
inline std::string file_sized(const std::string& text) {
    return text + std::string(LocalObjectStore::kInlineLimit + 1, '.');
}

// The number of inline objects' byte rows in the index of the store at `data_dir`, read with a
// connection of its own; -1 if the index cannot be read.
inline int inline_rows(const std::string& data_dir) {
    sqlite3* db = nullptr;
    int count = -1;
    if (sqlite3_open_v2((data_dir + "/index.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
        SQLITE_OK) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM object_data", -1, &s, nullptr) ==
                SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW) {
            count = sqlite3_column_int(s, 0);
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return count;
}

inline std::string read_object(ObjectStore& store, const std::string& bucket,
                               const std::string& key) {
    auto reader = store.get_object(bucket, key, std::nullopt);
    if (!reader.is_ok()) return "error:" + reader.status().reason();
    auto data = read_all(*reader->body, size_t{1} << 30);
    if (!data.is_ok()) return "error:" + data.status().reason();
    return *data;
}

inline Result<ObjectInfo> put_string(ObjectStore& store, const std::string& bucket,
                                     const std::string& key, const std::string& data,
                                     CreatedBy created_by = CreatedBy::kPut) {
    PutRequest request{bucket, key};
    request.created_by = created_by;
    StringByteSource body(data);
    return store.put_object(request, body);
}

}  // namespace imgpipe::store::testing
