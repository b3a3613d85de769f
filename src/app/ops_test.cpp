// Units of the operator's side: readiness checks over a fault-injecting file system, the key
// file's create/revoke round trip, and the upload refusal reasons.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "app/key_file.h"
#include "app/readiness.h"
#include "app/service_metrics.h"
#include "core/fault_injecting_file_system.h"
#include "temp_dir.h"

namespace imgpipe::app {
namespace {

TEST(ReadinessTest, ReadyUntilTheStoreFailsOrADrainBegins) {
    TempDir dir;
    FaultInjectingFileSystem fs(posix_file_system());
    Readiness readiness(dir.path(), fs, nullptr);
    EXPECT_TRUE(readiness.check().ready) << readiness.check().to_json();

    fs.fail_all(FaultInjectingFileSystem::Op::kSync);
    ReadinessReport report = readiness.check();
    EXPECT_FALSE(report.ready);
    EXPECT_EQ(report.to_json(),
              R"({"checks":{"drain":"ok","store":"IoError"},"status":"unavailable"})");
    EXPECT_FALSE(std::filesystem::exists(dir.path() + "/.readyz-probe"))
        << "a failed probe leaves no file behind";

    fs.clear();
    EXPECT_TRUE(readiness.check().ready);
    readiness.set_draining();
    EXPECT_EQ(readiness.check().to_json(),
              R"({"checks":{"drain":"draining","store":"ok"},"status":"unavailable"})");
}

TEST(KeyFileTest, CreateListRevoke) {
    TempDir dir;
    auto none = read_keys(dir.path());
    ASSERT_TRUE(none.is_ok());
    EXPECT_TRUE(none->empty());

    auto a = create_key(dir.path(), {"uploads"}, {"write"});
    auto b = create_key(dir.path(), {"*"}, {"read", "admin"});
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    EXPECT_NE(a->id, b->id);
    EXPECT_NE(a->secret, b->secret);
    EXPECT_EQ(
        std::filesystem::status(keys_path(dir.path())).permissions() & std::filesystem::perms::all,
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

    ASSERT_TRUE(revoke_key(dir.path(), a->id).is_ok());
    auto keys = read_keys(dir.path());
    ASSERT_TRUE(keys.is_ok());
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_FALSE((*keys)[0].revoked.empty());
    auto valid = valid_access_keys(*keys);
    ASSERT_TRUE(valid.is_ok());
    ASSERT_EQ(valid->size(), 1u);
    EXPECT_EQ((*valid)[0].access_key_id, b->id);
    EXPECT_EQ((*valid)[0].actions, (std::set<s3::Action>{s3::Action::kRead, s3::Action::kAdmin}));

    EXPECT_EQ(revoke_key(dir.path(), "NOPE").reason(), "NoSuchKey");
    EXPECT_EQ(create_key(dir.path(), {"uploads"}, {"fly"}).status().code(),
              StatusCode::kInvalidArgument);
}

TEST(KeyFileTest, ChangesMadeAtOnceAreAllKept) {
    // Each thread opens the lock file itself, as separate `imgpipe keys` processes would.
    TempDir dir;
    constexpr int kWriters = 8;
    std::vector<std::thread> writers;
    writers.reserve(kWriters);
    std::atomic<int> failed{0};
    for (int i = 0; i < kWriters; ++i) {
        writers.emplace_back([&] {
            if (!create_key(dir.path(), {"uploads"}, {"write"}).is_ok()) ++failed;
        });
    }
    for (auto& t : writers) t.join();
    EXPECT_EQ(failed, 0);
    auto keys = read_keys(dir.path());
    ASSERT_TRUE(keys.is_ok()) << keys.status().to_string();
    EXPECT_EQ(keys->size(), static_cast<size_t>(kWriters));
}

TEST(KeyFileTest, ABrokenFileIsAnErrorNotAnEmptyKeyring) {
    TempDir dir;
    std::ofstream(keys_path(dir.path())) << "[{\"id\": 1}";
    EXPECT_EQ(read_keys(dir.path()).status().reason(), "InvalidKeyFile");
}

TEST(ServiceMetricsTest, RefusalReasonsFollowTheStatus) {
    EXPECT_EQ(refusal_reason(413), "too_large");
    EXPECT_EQ(refusal_reason(403), "forbidden");
    EXPECT_EQ(refusal_reason(429), "rate_limited");
    EXPECT_EQ(refusal_reason(499), "client_gone");
    EXPECT_EQ(refusal_reason(502), "server_error");
}

}  // namespace
}  // namespace imgpipe::app
