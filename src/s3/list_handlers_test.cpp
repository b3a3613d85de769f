#include <gtest/gtest.h>

#include "s3/s3_test_fixture.h"

namespace imgpipe::s3::testing {
namespace {

class ListHandlersTest : public S3ServiceTest {
  protected:
    void SetUp() override {
        S3ServiceTest::SetUp();
        create_bucket("photos");
        for (const char* key : {"a.txt", "b/1.jpg", "b/2.jpg", "c/x/y.png", "d+e f.txt"}) {
            put("/photos/" + sigv4::uri_encode(key, true), key);
        }
    }

    static std::vector<std::string> values(pugi::xml_node root, const char* element,
                                           const char* child) {
        std::vector<std::string> out;
        for (pugi::xml_node n : root.children(element)) out.emplace_back(n.child_value(child));
        return out;
    }
    static std::vector<std::string> names(pugi::xml_node root) {
        std::vector<std::string> out;
        for (pugi::xml_node c : root.children()) {
            if (out.empty() || out.back() != c.name()) out.emplace_back(c.name());
        }
        return out;
    }
};

TEST_F(ListHandlersTest, V2WithDelimiterGroupsCommonPrefixes) {
    Reply r = get("/photos?list-type=2&delimiter=%2F");
    ASSERT_EQ(r.status, 200) << r.body;
    pugi::xml_node root = r.xml();
    EXPECT_STREQ(root.name(), "ListBucketResult");
    EXPECT_STREQ(root.attribute("xmlns").value(), "http://s3.amazonaws.com/doc/2006-03-01/");
    EXPECT_EQ(values(root, "Contents", "Key"), (std::vector<std::string>{"a.txt", "d+e f.txt"}));
    EXPECT_EQ(values(root, "CommonPrefixes", "Prefix"), (std::vector<std::string>{"b/", "c/"}));
    EXPECT_STREQ(root.child_value("KeyCount"), "4");
    EXPECT_STREQ(root.child_value("IsTruncated"), "false");
    EXPECT_EQ(names(root),
              (std::vector<std::string>{"Name", "Prefix", "Delimiter", "MaxKeys", "KeyCount",
                                        "IsTruncated", "Contents", "CommonPrefixes"}));
    pugi::xml_node first = root.child("Contents");
    EXPECT_STREQ(first.child_value("Size"), "5");
    EXPECT_EQ(std::string(first.child_value("ETag")).front(), '"');
    EXPECT_STREQ(first.child_value("StorageClass"), "STANDARD");
    EXPECT_FALSE(first.child("Owner"));
}

TEST_F(ListHandlersTest, V2PrefixAndPagingWithContinuationTokens) {
    std::vector<std::string> keys;
    std::string token;
    int pages = 0;
    for (;;) {
        std::string target = "/photos?list-type=2&max-keys=2&fetch-owner=true";
        if (!token.empty()) target += "&continuation-token=" + sigv4::uri_encode(token, false);
        Reply r = get(target);
        ASSERT_EQ(r.status, 200) << r.body;
        pugi::xml_node root = r.xml();
        for (auto& k : values(root, "Contents", "Key")) keys.push_back(k);
        EXPECT_TRUE(root.child("Contents").child("Owner"));
        ++pages;
        if (std::string(root.child_value("IsTruncated")) != "true") break;
        token = root.child_value("NextContinuationToken");
        ASSERT_FALSE(token.empty());
        ASSERT_LT(pages, 10);
    }
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(keys,
              (std::vector<std::string>{"a.txt", "b/1.jpg", "b/2.jpg", "c/x/y.png", "d+e f.txt"}));

    Reply prefixed = get("/photos?list-type=2&prefix=b%2F");
    EXPECT_EQ(values(prefixed.xml(), "Contents", "Key"),
              (std::vector<std::string>{"b/1.jpg", "b/2.jpg"}));
    Reply after = get("/photos?list-type=2&start-after=b%2F2.jpg");
    pugi::xml_node after_root = after.xml();
    EXPECT_EQ(values(after_root, "Contents", "Key"),
              (std::vector<std::string>{"c/x/y.png", "d+e f.txt"}));
    EXPECT_STREQ(after_root.child_value("StartAfter"), "b/2.jpg");
}

TEST_F(ListHandlersTest, V2EmptyContinuationTokenIsNoToken) {
    Reply r = get("/photos?list-type=2&continuation-token=");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(values(r.xml(), "Contents", "Key"),
              values(get("/photos?list-type=2").xml(), "Contents", "Key"));
    EXPECT_FALSE(values(r.xml(), "Contents", "Key").empty());
}

TEST_F(ListHandlersTest, V2ParameterErrors) {
    EXPECT_EQ(get("/photos?list-type=2&continuation-token=%25%25%25").error_code(),
              "InvalidArgument");
    EXPECT_EQ(get("/photos?list-type=2&max-keys=-1").error_code(), "InvalidArgument");
    EXPECT_EQ(get("/photos?list-type=2&max-keys=abc").error_code(), "InvalidArgument");
    EXPECT_EQ(get("/photos?list-type=2&encoding-type=base64").error_code(), "InvalidArgument");
    EXPECT_EQ(get("/nothing?list-type=2").error_code(), "NoSuchBucket");
    Reply zero = get("/photos?list-type=2&max-keys=0");
    pugi::xml_node root = zero.xml();
    EXPECT_FALSE(root.child("Contents"));
    EXPECT_STREQ(root.child_value("IsTruncated"), "false");
    Reply clamped = get("/photos?list-type=2&max-keys=5000");
    EXPECT_STREQ(clamped.xml().child_value("MaxKeys"), "1000");
}

TEST_F(ListHandlersTest, EncodingTypeUrlEncodesValues) {
    Reply r = get("/photos?list-type=2&encoding-type=url&prefix=d%2B");
    ASSERT_EQ(r.status, 200) << r.body;
    pugi::xml_node root = r.xml();
    EXPECT_STREQ(root.child_value("EncodingType"), "url");
    EXPECT_STREQ(root.child_value("Prefix"), "d%2B");
    EXPECT_EQ(values(root, "Contents", "Key"), (std::vector<std::string>{"d%2Be%20f.txt"}));
}

TEST_F(ListHandlersTest, V1MarkerAndNextMarker) {
    Reply r = get("/photos?max-keys=1&delimiter=%2F&marker=a.txt");
    ASSERT_EQ(r.status, 200) << r.body;
    pugi::xml_node root = r.xml();
    EXPECT_STREQ(root.child_value("Marker"), "a.txt");
    EXPECT_STREQ(root.child_value("IsTruncated"), "true");
    EXPECT_EQ(values(root, "CommonPrefixes", "Prefix"), (std::vector<std::string>{"b/"}));
    EXPECT_STREQ(root.child_value("NextMarker"), "b/");
    EXPECT_TRUE(root.child("KeyCount").empty());

    Reply next = get("/photos?delimiter=%2F&marker=b%2F");
    pugi::xml_node next_root = next.xml();
    EXPECT_EQ(values(next_root, "CommonPrefixes", "Prefix"), (std::vector<std::string>{"c/"}));
    EXPECT_EQ(values(next_root, "Contents", "Key"), (std::vector<std::string>{"d+e f.txt"}));
    EXPECT_TRUE(next_root.child("Contents").child("Owner"));
}

TEST_F(ListHandlersTest, VersionsListCurrentObjectsAsNull) {
    Reply r = get("/photos?versions&prefix=b%2F");
    ASSERT_EQ(r.status, 200) << r.body;
    pugi::xml_node root = r.xml();
    EXPECT_STREQ(root.name(), "ListVersionsResult");
    EXPECT_EQ(values(root, "Version", "Key"), (std::vector<std::string>{"b/1.jpg", "b/2.jpg"}));
    EXPECT_EQ(values(root, "Version", "VersionId"), (std::vector<std::string>{"null", "null"}));
    EXPECT_STREQ(root.child("Version").child_value("IsLatest"), "true");
}

}  // namespace
}  // namespace imgpipe::s3::testing
