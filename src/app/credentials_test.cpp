#include "app/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace imgpipe::app {
namespace {

class CredentialsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("imgpipe-cred-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
};

TEST_F(CredentialsTest, GeneratedOnceWithOwnerOnlyModeThenReused) {
    auto first = load_or_create_credentials(dir_.string(), "", "");
    ASSERT_TRUE(first.is_ok()) << first.status().to_string();
    EXPECT_TRUE(first->generated);
    EXPECT_EQ(first->access_key.size(), 20u);
    EXPECT_EQ(first->secret_key.size(), 40u);

    struct stat st {};
    ASSERT_EQ(::stat((dir_ / "credentials").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);

    auto second = load_or_create_credentials(dir_.string(), "", "");
    ASSERT_TRUE(second.is_ok());
    EXPECT_FALSE(second->generated);
    EXPECT_EQ(second->access_key, first->access_key);
    EXPECT_EQ(second->secret_key, first->secret_key);
}

TEST_F(CredentialsTest, ConfiguredKeysWinAndWriteNothing) {
    auto c = load_or_create_credentials(dir_.string(), "AKIDCONFIG", "secretsecret");
    ASSERT_TRUE(c.is_ok());
    EXPECT_TRUE(c->from_config);
    EXPECT_EQ(c->access_key, "AKIDCONFIG");
    EXPECT_FALSE(std::filesystem::exists(dir_ / "credentials"));
}

TEST_F(CredentialsTest, DamagedFileIsAClearError) {
    std::FILE* f = std::fopen((dir_ / "credentials").c_str(), "w");
    std::fputs("access_key=ONLYHALF\n", f);
    std::fclose(f);
    auto c = load_or_create_credentials(dir_.string(), "", "");
    ASSERT_FALSE(c.is_ok());
    EXPECT_EQ(c.status().reason(), "InvalidConfig");
}

}  // namespace
}  // namespace imgpipe::app
