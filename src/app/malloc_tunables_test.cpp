#include "app/malloc_tunables.h"

#include <gtest/gtest.h>

namespace imgpipe::app {
namespace {

TEST(GlibcTunablesWithOurs, UnsetOrEmptyGetsOursAlone) {
    EXPECT_EQ(glibc_tunables_with_ours(nullptr), "glibc.malloc.tcache_count=64");
    EXPECT_EQ(glibc_tunables_with_ours(""), "glibc.malloc.tcache_count=64");
}

TEST(GlibcTunablesWithOurs, TheUsersOthersAreKept) {
    EXPECT_EQ(glibc_tunables_with_ours("glibc.malloc.check=3"),
              "glibc.malloc.tcache_count=64:glibc.malloc.check=3");
    EXPECT_EQ(glibc_tunables_with_ours("glibc.malloc.tcache_max=512:glibc.malloc.arena_max=2"),
              "glibc.malloc.tcache_count=64:glibc.malloc.tcache_max=512:glibc.malloc.arena_max=2");
}

TEST(GlibcTunablesWithOurs, ANamedTcacheCountStands) {
    EXPECT_EQ(glibc_tunables_with_ours("glibc.malloc.tcache_count=7"), std::nullopt);
    EXPECT_EQ(glibc_tunables_with_ours("glibc.malloc.check=3:glibc.malloc.tcache_count=0"),
              std::nullopt);
    // A name that merely starts like it is another tunable.
    EXPECT_EQ(glibc_tunables_with_ours("glibc.malloc.tcache_count_x=1"),
              "glibc.malloc.tcache_count=64:glibc.malloc.tcache_count_x=1");
}

}  // namespace
}  // namespace imgpipe::app
