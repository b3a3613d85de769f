#include "api/filename.h"

#include <gtest/gtest.h>

namespace imgpipe::api {
namespace {

std::string reason_of(std::string_view name) {
    auto r = sanitise_filename(name);
    return r ? "ok" : r.status().reason();
}

TEST(FilenameTest, AcceptsPlainImageNames) {
    EXPECT_EQ(*sanitise_filename("cat.jpg"), "cat.jpg");
    EXPECT_EQ(*sanitise_filename("Holiday PHOTO.JPEG"), "Holiday PHOTO.JPEG");
    EXPECT_EQ(*sanitise_filename("red flower+ü.webp"), "red flower+ü.webp");
    EXPECT_EQ(*sanitise_filename("scan.tiff"), "scan.tiff");
}

TEST(FilenameTest, KeepsOnlyTheLastPathComponent) {
    EXPECT_EQ(*sanitise_filename("../x.jpg"), "x.jpg");
    EXPECT_EQ(*sanitise_filename("../../etc/x.jpg"), "x.jpg");
    EXPECT_EQ(*sanitise_filename("C:\\fakepath\\cat.png"), "cat.png");
    EXPECT_EQ(*sanitise_filename("/abs/dir/cat.gif"), "cat.gif");
}

TEST(FilenameTest, DropsLeadingDotsAndTrailingSpaces) {
    EXPECT_EQ(*sanitise_filename("...hidden.png"), "hidden.png");
    EXPECT_EQ(*sanitise_filename("  cat.png  "), "cat.png");
}

TEST(FilenameTest, ReplacesCharactersUnsafeInKeys) {
    // "${filename}" would be substituted by POST Object inside the key field.
    EXPECT_EQ(*sanitise_filename("${filename}.jpg"), "__filename_.jpg");
    EXPECT_EQ(*sanitise_filename("a%2e<b>?*|#.png"), "a_2e_b_____.png");
}

TEST(FilenameTest, RejectsEmptyAndTooLong) {
    EXPECT_EQ(reason_of(""), "InvalidFilename");
    std::string name(251, 'a');
    EXPECT_EQ(reason_of(name + ".jpg"), "ok");                // 255 bytes
    EXPECT_EQ(reason_of(name + "a.jpg"), "InvalidFilename");  // 256 bytes
}

TEST(FilenameTest, RejectsControlCharacters) {
    EXPECT_EQ(reason_of(std::string("a\0b.jpg", 7)), "InvalidFilename");
    EXPECT_EQ(reason_of("a\nb.jpg"), "InvalidFilename");
    EXPECT_EQ(reason_of("a\tb.jpg"), "InvalidFilename");
    EXPECT_EQ(reason_of("a\x1b[31m.jpg"), "InvalidFilename");
    EXPECT_EQ(reason_of("a\x7f.jpg"), "InvalidFilename");
    EXPECT_EQ(reason_of("a\xc2\x85.jpg"), "InvalidFilename");         // U+0085 (C1)
    EXPECT_EQ(reason_of("x\xe2\x80\xaegpj.exe"), "InvalidFilename");  // U+202E bidi override
}

TEST(FilenameTest, RejectsInvalidUtf8) {
    EXPECT_EQ(reason_of("a\xff.jpg"), "InvalidFilename");
    EXPECT_EQ(reason_of("a\xc0\xaf.jpg"), "InvalidFilename");      // overlong '/'
    EXPECT_EQ(reason_of("a\xed\xa0\x80.jpg"), "InvalidFilename");  // surrogate
    EXPECT_EQ(reason_of("a\xe2\x82.jpg"), "InvalidFilename");      // truncated
    EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
}

TEST(FilenameTest, RejectsNamesWithNothingLeft) {
    EXPECT_EQ(reason_of(".."), "InvalidFilename");
    EXPECT_EQ(reason_of("dir/"), "InvalidFilename");
    EXPECT_EQ(reason_of(".jpg"), "InvalidFilename");  // leading dot dropped: "jpg", no extension
    EXPECT_EQ(reason_of("x/.png"), "InvalidFilename");
}

TEST(FilenameTest, RejectsExtensionsThatAreNotImages) {
    EXPECT_EQ(reason_of("setup.exe"), "UnsupportedMediaType");
    EXPECT_EQ(reason_of("photo.jpg.exe"), "UnsupportedMediaType");
    EXPECT_EQ(reason_of("noextension"), "UnsupportedMediaType");
    EXPECT_EQ(reason_of("page.svg"), "UnsupportedMediaType");
}

TEST(FilenameTest, MapsExtensionsToContentTypes) {
    EXPECT_EQ(extension_of("A.JPG"), "jpg");
    EXPECT_EQ(extension_of("none"), "");
    EXPECT_EQ(*content_type_for_extension("jpg"), "image/jpeg");
    EXPECT_EQ(*content_type_for_extension("tif"), "image/tiff");
    EXPECT_EQ(*content_type_for_extension("heic"), "image/heic");
    EXPECT_FALSE(content_type_for_extension("bmp"));
    EXPECT_TRUE(is_accepted_content_type("image/avif"));
    EXPECT_FALSE(is_accepted_content_type("image/svg+xml"));
    EXPECT_TRUE(content_type_matches_extension("image/jpeg", "jpeg"));
    EXPECT_TRUE(content_type_matches_extension("image/heif", "heic"));
    EXPECT_FALSE(content_type_matches_extension("image/png", "jpg"));
}

}  // namespace
}  // namespace imgpipe::api
