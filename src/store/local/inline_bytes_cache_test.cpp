#include "store/local/inline_bytes_cache.h"

#include <gtest/gtest.h>

namespace imgpipe::store {
namespace {

std::shared_ptr<const std::string> bytes(size_t n, char c) {
    return std::make_shared<const std::string>(n, c);
}

TEST(InlineBytesCacheTest, FindsWhatWasInserted) {
    InlineBytesCache cache(100);
    EXPECT_EQ(cache.find("a"), nullptr);
    cache.insert("a", bytes(10, 'a'));
    auto found = cache.find("a");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(*found, std::string(10, 'a'));
    EXPECT_EQ(cache.bytes(), 10u);
}

TEST(InlineBytesCacheTest, EvictsTheLeastRecentlyUsedPastItsCapacity) {
    InlineBytesCache cache(100);
    cache.insert("a", bytes(40, 'a'));
    cache.insert("b", bytes(40, 'b'));
    ASSERT_NE(cache.find("a"), nullptr);  // now "b" is the least recently used
    cache.insert("c", bytes(40, 'c'));
    EXPECT_NE(cache.find("a"), nullptr);
    EXPECT_EQ(cache.find("b"), nullptr);
    EXPECT_NE(cache.find("c"), nullptr);
    EXPECT_EQ(cache.bytes(), 80u);
}

TEST(InlineBytesCacheTest, KeepsNothingLargerThanItsCapacity) {
    InlineBytesCache cache(100);
    cache.insert("big", bytes(101, 'x'));
    EXPECT_EQ(cache.find("big"), nullptr);
    EXPECT_EQ(cache.bytes(), 0u);
    InlineBytesCache none(0);
    none.insert("a", bytes(1, 'a'));
    EXPECT_EQ(none.find("a"), nullptr);
}

TEST(InlineBytesCacheTest, BytesHandedOutOutliveTheirEviction) {
    InlineBytesCache cache(10);
    cache.insert("a", bytes(10, 'a'));
    auto held = cache.find("a");
    cache.insert("b", bytes(10, 'b'));
    EXPECT_EQ(cache.find("a"), nullptr);
    ASSERT_NE(held, nullptr);
    EXPECT_EQ(*held, std::string(10, 'a'));
}

}  // namespace
}  // namespace imgpipe::store
