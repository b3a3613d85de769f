#include "sigv4/signing_key_cache.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "sigv4/sigv4.h"

namespace imgpipe::sigv4 {
namespace {

TEST(SigningKeyCacheTest, ReturnsTheDerivedKeyForEveryScopePart) {
    SigningKeyCache cache;
    const std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const std::string expected = signing_key(secret, "20130524", "us-east-1", "s3");
    EXPECT_EQ(cache.get(secret, "20130524", "us-east-1", "s3"), expected);
    EXPECT_EQ(cache.get(secret, "20130524", "us-east-1", "s3"), expected);  // from the cache
    // Any part changing is another key, not a stale hit.
    EXPECT_EQ(cache.get(secret, "20130525", "us-east-1", "s3"),
              signing_key(secret, "20130525", "us-east-1", "s3"));
    EXPECT_EQ(cache.get(secret, "20130524", "eu-west-1", "s3"),
              signing_key(secret, "20130524", "eu-west-1", "s3"));
    EXPECT_EQ(cache.get(secret, "20130524", "us-east-1", "sqs"),
              signing_key(secret, "20130524", "us-east-1", "sqs"));
    EXPECT_EQ(cache.get("other", "20130524", "us-east-1", "s3"),
              signing_key("other", "20130524", "us-east-1", "s3"));
    // Parts are delimited: "a"+"bc" and "ab"+"c" are different scopes.
    EXPECT_EQ(cache.get("k", "ab", "c", "s3"), signing_key("k", "ab", "c", "s3"));
    EXPECT_EQ(cache.get("k", "a", "bc", "s3"), signing_key("k", "a", "bc", "s3"));
}

TEST(SigningKeyCacheTest, StaysCorrectWhenFullAndUnderConcurrentUse) {
    SigningKeyCache cache;
    std::vector<std::thread> threads;
    threads.reserve(4);
    std::vector<int> wrong(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 1500; ++i) {  // more scopes than the cache holds
                const std::string date = std::to_string(20000000 + i);
                if (cache.get("secret", date, "us-east-1", "s3") !=
                    signing_key("secret", date, "us-east-1", "s3")) {
                    ++wrong[t];
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace imgpipe::sigv4
