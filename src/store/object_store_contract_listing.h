#pragma once
// ObjectStore contract: ListObjects semantics (prefix, delimiter, start-after paging, max-keys,
// byte order). Part of the suite in object_store_contract.h.

#include "store/object_store_contract_fixture.h"

namespace imgpipe::store {

TEST_P(ObjectStoreContractTest, ListFiltersByPrefix) {
    for (const char* key : {"a/1", "a/2", "ab", "b/1", "a"}) ASSERT_TRUE(put(key, key).is_ok());
    EXPECT_EQ(list_all("a/", "", 1000), (std::vector<std::string>{"a/1", "a/2"}));
    EXPECT_EQ(list_all("a", "", 1000), (std::vector<std::string>{"a", "a/1", "a/2", "ab"}));
    EXPECT_TRUE(list_all("c", "", 1000).empty());
    auto result = store().list_objects({bucket(), "b/"});
    ASSERT_TRUE(result.is_ok());
    ASSERT_EQ(result->objects.size(), 1u);
    EXPECT_EQ(result->objects[0].size, 3u);
    EXPECT_EQ(result->objects[0].etag, to_hex(contract::md5_raw("b/1")));
    EXPECT_FALSE(result->is_truncated);
}

TEST_P(ObjectStoreContractTest, DelimiterRollsUpCommonPrefixes) {
    for (const char* key : {"a.txt", "photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg",
                            "photos/x.jpg", "videos/v.mp4", "z"}) {
        ASSERT_TRUE(put(key, "x").is_ok());
    }
    auto top = store().list_objects({bucket(), "", "/"});
    ASSERT_TRUE(top.is_ok());
    std::vector<std::string> keys;
    for (auto& o : top->objects) keys.push_back(o.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"a.txt", "z"}));
    EXPECT_EQ(top->common_prefixes, (std::vector<std::string>{"photos/", "videos/"}));

    auto photos = store().list_objects({bucket(), "photos/", "/"});
    ASSERT_TRUE(photos.is_ok());
    ASSERT_EQ(photos->objects.size(), 1u);
    EXPECT_EQ(photos->objects[0].key, "photos/x.jpg");
    EXPECT_EQ(photos->common_prefixes, (std::vector<std::string>{"photos/2024/", "photos/2025/"}));

    // Any delimiter string works, not only "/".
    EXPECT_EQ(list_all("", ".", 1000),
              (std::vector<std::string>{"CP:a.", "CP:photos/2024/a.", "CP:photos/2024/b.",
                                        "CP:photos/2025/c.", "CP:photos/x.", "CP:videos/v.", "z"}));
}

TEST_P(ObjectStoreContractTest, PagingWithStartAfterVisitsEveryEntryOnce) {
    std::vector<std::string> keys;
    for (int d = 0; d < 4; ++d) {
        for (int f = 0; f < 3; ++f)
            keys.push_back("dir" + std::to_string(d) + "/f" + std::to_string(f));
        keys.push_back("file" + std::to_string(d));
    }
    for (const auto& key : keys) ASSERT_TRUE(put(key, "x").is_ok());
    std::sort(keys.begin(), keys.end());
    std::vector<std::string> rolled = {"CP:dir0/", "CP:dir1/", "CP:dir2/", "CP:dir3/",
                                       "file0",    "file1",    "file2",    "file3"};
    for (int page : {1, 2, 3, 1000}) {
        EXPECT_EQ(list_all("", "", page), keys) << "page " << page;
        EXPECT_EQ(list_all("", "/", page), rolled) << "page " << page;
    }
}

TEST_P(ObjectStoreContractTest, MaxKeysCountsKeysAndCommonPrefixes) {
    for (const char* key : {"a/1", "a/2", "b", "c/1", "d"}) ASSERT_TRUE(put(key, "x").is_ok());
    auto result = store().list_objects({bucket(), "", "/", "", 2});
    ASSERT_TRUE(result.is_ok());
    EXPECT_EQ(result->common_prefixes, std::vector<std::string>{"a/"});
    ASSERT_EQ(result->objects.size(), 1u);
    EXPECT_EQ(result->objects[0].key, "b");
    EXPECT_TRUE(result->is_truncated);
    EXPECT_EQ(result->next_start_after, "b");

    auto exact = store().list_objects({bucket(), "", "/", "", 4});
    ASSERT_TRUE(exact.is_ok());
    EXPECT_FALSE(exact->is_truncated);
    EXPECT_EQ(exact->objects.size() + exact->common_prefixes.size(), 4u);
}

TEST_P(ObjectStoreContractTest, MaxKeysZeroReturnsNothing) {
    ASSERT_TRUE(put("k", "x").is_ok());
    auto result = store().list_objects({bucket(), "", "", "", 0});
    ASSERT_TRUE(result.is_ok());
    EXPECT_TRUE(result->objects.empty());
    EXPECT_TRUE(result->common_prefixes.empty());
}

TEST_P(ObjectStoreContractTest, StartAfterSkipsKeysUpToIt) {
    for (const char* key : {"a", "b", "c", "d"}) ASSERT_TRUE(put(key, "x").is_ok());
    auto result = store().list_objects({bucket(), "", "", "b"});
    ASSERT_TRUE(result.is_ok());
    std::vector<std::string> keys;
    for (auto& o : result->objects) keys.push_back(o.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"c", "d"}));
    auto between = store().list_objects({bucket(), "", "", "bb"});
    ASSERT_TRUE(between.is_ok());
    ASSERT_EQ(between->objects.size(), 2u);
    EXPECT_EQ(between->objects[0].key, "c");
}

TEST_P(ObjectStoreContractTest, ListingIsInByteOrder) {
    std::vector<std::string> keys = {
        "apple", "Zebra", "apple/", "apple0",       "\xc3\xa9t\xc3\xa9", "\x7f",
        "a b",   "a+b",   "a%20b",  "\xe2\x82\xac", "\xf0\x9f\x90\xb1",  "A",
        "0",     "~"};
    for (const auto& key : keys) ASSERT_TRUE(put(key, "x").is_ok());
    std::vector<std::string> expected = keys;
    std::sort(expected.begin(), expected.end());  // char_traits<char> compares as unsigned bytes
    EXPECT_EQ(list_all("", "", 1000), expected);
    EXPECT_EQ(list_all("", "", 3), expected);
    EXPECT_EQ(expected.back(), "\xf0\x9f\x90\xb1");  // the 4-byte emoji sorts last
    EXPECT_EQ(list_all("\xc3", "", 1000), std::vector<std::string>{"\xc3\xa9t\xc3\xa9"});
}

}  // namespace imgpipe::store
