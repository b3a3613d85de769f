#include "core/settings.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

TEST(SettingsTest, LaterLayersWin) {
    Settings s;
    ASSERT_TRUE(
        s.load_toml_string("[s3]\nlisten = \"0.0.0.0:9000\"\nregion = \"eu-west-1\"\n", "test.toml")
            .is_ok());
    s.set_env("s3.listen", "127.0.0.1:9100");
    s.set_flag("s3.listen", "127.0.0.1:9200");
    EXPECT_EQ(s.get_host_port("s3.listen", "127.0.0.1:9000").port, 9200);
    EXPECT_EQ(s.get_string("s3.region", "us-east-1"), "eu-west-1");
    EXPECT_TRUE(s.finish().empty());
}

TEST(SettingsTest, ReportsEveryErrorAtOnce) {
    Settings s;
    ASSERT_TRUE(s.load_toml_string("typo = 1\n[api]\nmax_upload = \"lots\"\n", "t.toml").is_ok());
    s.set_env("api.listen", "nowhere");
    s.set_flag("worker.threads", "-3");
    s.get_byte_size("api.max_upload", 1);
    s.get_host_port("api.listen", "127.0.0.1:8080");
    s.get_int("worker.threads", 2, 1, 256);
    auto errors = s.finish();
    ASSERT_EQ(errors.size(), 4u);
    EXPECT_NE(errors[0].find("api.max_upload"), std::string::npos);
    EXPECT_NE(errors[1].find("api.listen"), std::string::npos);
    EXPECT_NE(errors[2].find("worker.threads"), std::string::npos);
    EXPECT_NE(errors[3].find("unknown setting 'typo'"), std::string::npos);
}

TEST(SettingsTest, MalformedTomlNamesTheLine) {
    Settings s;
    Status st = s.load_toml_string("a = 1\nb = [\n", "bad.toml");
    EXPECT_EQ(st.reason(), "InvalidConfig");
    EXPECT_NE(st.message().find("bad.toml:"), std::string::npos);
}

TEST(SettingsTest, ParsesSizesDurationsAndAddresses) {
    EXPECT_EQ(parse_byte_size("25MiB"), 25u << 20);
    EXPECT_EQ(parse_byte_size("1024"), 1024u);
    EXPECT_FALSE(parse_byte_size("12 parsecs"));
    EXPECT_EQ(parse_duration("15m"), std::chrono::minutes(15));
    EXPECT_EQ(parse_duration("250ms"), std::chrono::milliseconds(250));
    EXPECT_FALSE(parse_duration("soon"));
    auto hp = parse_host_port("[::1]:0");
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->host, "::1");
    EXPECT_EQ(hp->port, 0);
    EXPECT_FALSE(parse_host_port("localhost:99999"));
}

}  // namespace
}  // namespace imgpipe
