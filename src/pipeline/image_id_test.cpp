#include "pipeline/image_id.h"

#include <gtest/gtest.h>

namespace imgpipe::pipeline {
namespace {

TEST(ImageIdTest, UploadApiKeysNameTheirId) {
    EXPECT_EQ(image_id_for("uploads", "uploads/AbCdEfGhIjKlMnOpQrSt_-/cat.jpg"),
              "AbCdEfGhIjKlMnOpQrSt_-");
}

TEST(ImageIdTest, OtherKeysGetAStableDerivedId) {
    std::string a = image_id_for("uploads", "photos/cat.jpg");
    EXPECT_TRUE(is_image_id(a)) << a;
    EXPECT_EQ(a, image_id_for("uploads", "photos/cat.jpg"));
    EXPECT_NE(a, image_id_for("uploads", "photos/cat2.jpg"));
    EXPECT_NE(a, image_id_for("other", "photos/cat.jpg"));
    // The separator keeps bucket and key apart.
    EXPECT_NE(image_id_for("ab", "c"), image_id_for("a", "bc"));
    // Too short, too long or with other characters: not an upload id, so hashed.
    EXPECT_NE(image_id_for("b", "x/short/cat.jpg"), "short");
    EXPECT_TRUE(is_image_id(image_id_for("b", "x/AbCdEfGhIjKlMnOpQrSt_!/cat.jpg")));
    EXPECT_TRUE(is_image_id(image_id_for("b", "AbCdEfGhIjKlMnOpQrSt_-/cat.jpg")));
    EXPECT_NE(image_id_for("b", "AbCdEfGhIjKlMnOpQrSt_-/cat.jpg"), "AbCdEfGhIjKlMnOpQrSt_-");
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
