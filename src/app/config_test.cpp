#include "app/config.h"

#include <gtest/gtest.h>

namespace imgpipe::app {
namespace {

TEST(ConfigTest, DefaultsAreValid) {
    auto c = load_config({});
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    EXPECT_EQ(c->source_bucket, "uploads");
    EXPECT_EQ(c->dest_bucket, "resized");
    EXPECT_EQ(c->api_listen.port, 8080);
    EXPECT_EQ(c->s3_listen.port, 9000);
    EXPECT_EQ(c->roles.size(), 3u);
}

TEST(ConfigTest, FlagsBeatEnvironmentAndSeedNamesWork) {
    ConfigInputs in;
    in.env = {{"IMGPIPE_S3_LISTEN", "127.0.0.1:9100"},
              {"SOURCE_BUCKET", "photos-in"},
              {"DEST_BUCKET", "photos-out"},
              {"IMGPIPE_ACCESS_KEY", "AKIDTEST"},
              {"IMGPIPE_SECRET_KEY", "secretsecret"}};
    in.flags = {{"s3.listen", "127.0.0.1:0"}, {"roles", "s3"}};
    auto c = load_config(in);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    EXPECT_EQ(c->s3_listen.port, 0);
    EXPECT_EQ(c->source_bucket, "photos-in");
    EXPECT_EQ(c->dest_bucket, "photos-out");
    EXPECT_EQ(c->access_key, "AKIDTEST");
    EXPECT_EQ(c->roles, std::set<std::string>{"s3"});
}

TEST(ConfigTest, BucketNotificationsAreTheS3RolesAndTakeHttpUrls) {
    ConfigInputs in;
    in.flags = {{"roles", "s3"},
                {"s3.notify_urls", "http://10.0.0.1:8080/events/s3,https://api.example/events/s3"},
                {"s3.notify_token", "tok"}};
    auto c = load_config(in);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    EXPECT_EQ(c->s3_notify_urls.size(), 2u);
    EXPECT_EQ(c->s3_notify_token, "tok");

    in.flags["s3.notify_urls"] = "ftp://x/events/s3";
    auto scheme = load_config(in);
    ASSERT_FALSE(scheme.is_ok());
    EXPECT_NE(scheme.status().message().find("s3.notify_urls: 'ftp://x/events/s3'"),
              std::string::npos);

    in.flags = {{"roles", "api,worker"}, {"s3.notify_urls", "http://h/events/s3"}};
    auto role = load_config(in);
    ASSERT_FALSE(role.is_ok());
    EXPECT_NE(role.status().message().find("only the s3 role"), std::string::npos);
}

TEST(ConfigTest, QueueIsSqliteOrARedisUrl) {
    EXPECT_EQ(load_config({})->queue_url, "sqlite");
    ConfigInputs in;
    in.env = {{"IMGPIPE_QUEUE_URL", "redis://10.0.0.7:6380/3"}};
    auto c = load_config(in);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    EXPECT_EQ(c->queue_url, "redis://10.0.0.7:6380/3");
    for (const char* bad : {"postgres://h/db", "redis://:pw@h:0", "redis://h/x", "SQLITE"}) {
        in.env = {{"IMGPIPE_QUEUE_URL", bad}};
        auto rejected = load_config(in);
        ASSERT_FALSE(rejected.is_ok()) << bad;
        EXPECT_NE(rejected.status().message().find("queue.url:"), std::string::npos) << bad;
        EXPECT_EQ(rejected.status().message().find(":pw@"), std::string::npos) << bad;
    }
}

TEST(ConfigTest, EveryErrorIsReportedAtOnce) {
    ConfigInputs in;
    in.env = {{"IMGPIPE_UPLOAD_MAX_BYTES", "huge"}, {"IMGPIPE_ACCESS_KEY", "AKID"}};
    in.flags = {{"roles", "api,printer"}, {"buckets.dest", "uploads"}, {"api.listen", "nope"}};
    auto c = load_config(in);
    ASSERT_FALSE(c.is_ok());
    const std::string m = c.status().message();
    for (const char* needle : {"upload.max_bytes", "unknown role 'printer'", "must differ",
                               "api.listen", "set together"}) {
        EXPECT_NE(m.find(needle), std::string::npos) << needle << " missing in:\n" << m;
    }
}

TEST(ConfigTest, RemoteStoreTakesAwsCredentialsAndNeedsItsSettings) {
    ConfigInputs in;
    in.env = {{"AWS_ACCESS_KEY_ID", "AKIDAWS"},
              {"AWS_SECRET_ACCESS_KEY", "aws-secret"},
              {"IMGPIPE_STORE_SECRET_KEY", "imgpipe-secret"}};
    in.flags = {{"store.url", "s3+https://rgw.example:7480"},
                {"roles", "api,worker"},
                {"api.ingress_token", "tok"}};
    auto c = load_config(in);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    EXPECT_TRUE(c->remote_store());
    EXPECT_EQ(c->store_access_key, "AKIDAWS");
    EXPECT_EQ(c->store_secret_key, "imgpipe-secret");  // imgpipe's own name wins

    ConfigInputs bad;
    bad.flags = {{"store.url", "ftp://rgw"}, {"roles", "api,s3"}};
    auto refused = load_config(bad);
    ASSERT_FALSE(refused.is_ok());
    const std::string m = refused.status().message();
    for (const char* needle : {"neither local nor", "store.access_key", "the s3 role serves",
                               "api.ingress_token: required"}) {
        EXPECT_NE(m.find(needle), std::string::npos) << needle << " missing in:\n" << m;
    }
    EXPECT_TRUE(load_config({}).value().remote_store() == false);
}

TEST(ConfigTest, EnvNamesFollowKeys) {
    EXPECT_EQ(env_name("s3.public_url"), "IMGPIPE_S3_PUBLIC_URL");
    EXPECT_EQ(env_name("data_dir"), "IMGPIPE_DATA_DIR");
}

}  // namespace
}  // namespace imgpipe::app
