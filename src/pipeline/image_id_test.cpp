#include "pipeline/image_id.h"

#include <gtest/gtest.h>

namespace imgpipe::pipeline {
namespace {

const ImageIds kIds("uploads/", "server secret");

TEST(ImageIdTest, UploadApiKeysNameTheirId) {
    EXPECT_EQ(kIds.id_for("uploads", "uploads/AbCdEfGhIjKlMnOpQrSt_-/cat.jpg"),
              "AbCdEfGhIjKlMnOpQrSt_-");
}

TEST(ImageIdTest, OtherKeysGetAKeyedDerivedId) {
    // HMAC-SHA256("server secret", "uploads\0photos/cat.jpg"), from Python's hmac module, in
    // base64url, first 22 characters.
    EXPECT_EQ(kIds.id_for("uploads", "photos/cat.jpg"), "PDJ6Se8iit7AebrUB3cfCf");
    std::string a = kIds.id_for("uploads", "photos/cat.jpg");
    EXPECT_TRUE(is_image_id(a)) << a;
    EXPECT_NE(a, kIds.id_for("uploads", "photos/cat2.jpg"));
    EXPECT_NE(a, kIds.id_for("other", "photos/cat.jpg"));
    EXPECT_NE(a, ImageIds("uploads/", "another secret").id_for("uploads", "photos/cat.jpg"));
    EXPECT_NE(kIds.id_for("ab", "c"), kIds.id_for("a", "bc"));
}

TEST(ImageIdTest, OnlyTheUploadApisExactShapeNamesAnId) {
    const std::string id = "AbCdEfGhIjKlMnOpQrSt_-";
    for (const std::string& key : {"photos/" + id + "/cat.jpg",     // another prefix
                                   "uploads/x/" + id + "/cat.jpg",  // deeper
                                   "uploads/" + id + "/a/cat.jpg",  // deeper
                                   "uploads/" + id + "/",           // no filename
                                   id + "/cat.jpg",                 // no prefix
                                   std::string("uploads/AbCdEfGhIjKlMnOpQrSt_!/x")}) {  // not an id
        EXPECT_NE(kIds.id_for("uploads", key), id) << key;
        EXPECT_TRUE(is_image_id(kIds.id_for("uploads", key))) << key;
    }
}

TEST(ImageIdTest, ShapeCheck) {
    EXPECT_TRUE(is_image_id("AbCdEfGhIjKlMnOpQrSt_-"));
    EXPECT_FALSE(is_image_id("AbCdEfGhIjKlMnOpQrSt_"));
    EXPECT_FALSE(is_image_id("AbCdEfGhIjKlMnOpQrSt_-x"));
    EXPECT_FALSE(is_image_id("AbCdEfGhIjKlMnOpQrSt/-"));
    EXPECT_FALSE(is_image_id(""));
}

}  // namespace
}  // namespace imgpipe::pipeline
