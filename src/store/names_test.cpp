#include "store/names.h"

#include <gtest/gtest.h>

namespace imgpipe::store {
namespace {

TEST(NamesTest, AcceptsValidBucketNames) {
    for (const char* name : {"abc", "my-bucket", "my.bucket.01", "0bucket9",
                             "a23456789012345678901234567890123456789012345678901234567890123"}) {
        EXPECT_TRUE(validate_bucket_name(name).is_ok()) << name;
    }
}

TEST(NamesTest, RejectsInvalidBucketNames) {
    for (const char* name :
         {"ab", "", "UPPER", "under_score", "-start", "end-", ".dot", "a..b", "a.-b", "a-.b",
          "192.168.1.1", "xn--bucket", "sthree-x", "b-s3alias", "b--ol-s3", "sp ace", "a/b",
          "a234567890123456789012345678901234567890123456789012345678901234"}) {
        Status s = validate_bucket_name(name);
        EXPECT_EQ(s.reason(), "InvalidBucketName") << name;
        EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name;
    }
}

TEST(NamesTest, KeyLengthLimits) {
    EXPECT_TRUE(validate_key(std::string(1024, 'k')).is_ok());
    EXPECT_EQ(validate_key(std::string(1025, 'k')).reason(), "KeyTooLongError");
    EXPECT_EQ(validate_key("").reason(), "InvalidArgument");
    EXPECT_TRUE(validate_key("../../etc/passwd").is_ok());
}

}  // namespace
}  // namespace imgpipe::store
