#include "imaging/resize_spec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace imgpipe::imaging {
namespace {

TEST(ResizeSpecTest, DefaultIsThreeCoverJpegsAtQ80) {
    const ResizeSpec spec = default_resize_spec();
    ASSERT_EQ(spec.variants.size(), 3u);
    EXPECT_EQ(spec.variants[0].name, "400x400");
    EXPECT_EQ(spec.variants[2].width, 100);
    for (const auto& v : spec.variants) {
        EXPECT_EQ(v.fit, Fit::kCover);
        EXPECT_EQ(v.format, ImageFormat::kJpeg);
        EXPECT_EQ(v.quality, 80);
        EXPECT_FALSE(v.enlarge);
    }
}

TEST(ResizeSpecTest, ParsesBareSizeWithDefaults) {
    auto v = parse_variant_spec("400x300");
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    EXPECT_EQ(v->width, 400);
    EXPECT_EQ(v->height, 300);
    EXPECT_EQ(v->fit, Fit::kCover);
    EXPECT_EQ(v->gravity, Gravity::kCentre);
    EXPECT_EQ(v->format, ImageFormat::kJpeg);
    EXPECT_EQ(v->quality, 80);
}

TEST(ResizeSpecTest, ParsesTokensInAnyOrder) {
    auto v = parse_variant_spec("640x480:cover:attention:avif:q60");
    ASSERT_TRUE(v.is_ok());
    EXPECT_EQ(v->gravity, Gravity::kAttention);
    EXPECT_EQ(v->format, ImageFormat::kAvif);
    EXPECT_EQ(v->quality, 60);

    auto w = parse_variant_spec("200x200:webp:inside:enlarge:progressive:#102030:name=thumb");
    ASSERT_TRUE(w.is_ok());
    EXPECT_EQ(w->fit, Fit::kInside);
    EXPECT_EQ(w->format, ImageFormat::kWebp);
    EXPECT_TRUE(w->enlarge);
    EXPECT_TRUE(w->progressive);
    EXPECT_EQ(w->background, (Rgb{0x10, 0x20, 0x30}));
    EXPECT_EQ(w->name, "thumb");
}

TEST(ResizeSpecTest, RejectsMalformedVariantStrings) {
    for (const char* bad : {"", "400", "x400", "400x", "-1x5", "400x400:sideways", "4x4:q0",
                            "4x4:q101", "4x4:qq", "400x400:", "4e2x400", "400x400:#12345"}) {
        auto v = parse_variant_spec(bad);
        ASSERT_FALSE(v.is_ok()) << bad;
        EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument) << bad;
        EXPECT_EQ(v.status().reason(), "InvalidResizeSpec");
        EXPECT_FALSE(v.status().message().empty());
    }
}

TEST(ResizeSpecTest, ValidateEnforcesSideAndCountLimits) {
    EXPECT_FALSE(parse_resize_spec({"0x10"}).is_ok());
    EXPECT_FALSE(parse_resize_spec({"4097x10"}).is_ok());
    EXPECT_TRUE(parse_resize_spec({"4096x1"}).is_ok());
    EXPECT_FALSE(parse_resize_spec({}).is_ok());
    std::vector<std::string> nine;
    for (int i = 1; i <= 9; ++i) nine.push_back(std::to_string(i) + "x" + std::to_string(i));
    auto too_many = parse_resize_spec(nine);
    ASSERT_FALSE(too_many.is_ok());
    EXPECT_NE(too_many.status().message().find("at most 8"), std::string::npos);
    nine.pop_back();
    EXPECT_TRUE(parse_resize_spec(nine).is_ok());
}

TEST(ResizeSpecTest, NamesDefaultToBoxAndMustBeUniqueAndSafe) {
    auto spec = parse_resize_spec({"400x400", "200x100:webp"});
    ASSERT_TRUE(spec.is_ok());
    EXPECT_EQ(spec->variants[1].name, "200x100");
    // The same box in another format is that variant in that format; in the same one, a
    // duplicate.
    auto formats = parse_resize_spec({"400x400", "400x400:webp", "400x400:avif"});
    ASSERT_TRUE(formats.is_ok());
    EXPECT_EQ(formats->variants[1].name, "400x400.webp");
    EXPECT_EQ(formats->variants[2].name, "400x400.avif");
    EXPECT_FALSE(parse_resize_spec({"400x400", "400x400"}).is_ok());
    EXPECT_FALSE(parse_resize_spec({"400x400:webp", "400x400", "400x400:webp"}).is_ok());
    EXPECT_FALSE(parse_resize_spec({"4x4:name=../etc"}).is_ok());
    EXPECT_FALSE(parse_resize_spec({"4x4:name=a/b"}).is_ok());
    EXPECT_TRUE(parse_resize_spec({"4x4:name=small_1.v2"}).is_ok());
}

TEST(ResizeSpecTest, ParsesJsonVariants) {
    auto spec = parse_resize_spec_json_text(R"({"variants": [
        {"width": 640, "height": 480, "fit": "cover", "format": "webp"},
        {"width": 100, "height": 100, "fit": "contain", "background": "#000", "quality": 90,
         "gravity": "entropy", "progressive": true, "enlarge": true, "name": "small"}]})");
    ASSERT_TRUE(spec.is_ok()) << spec.status().to_string();
    ASSERT_EQ(spec->variants.size(), 2u);
    EXPECT_EQ(spec->variants[0].format, ImageFormat::kWebp);
    EXPECT_EQ(spec->variants[0].name, "640x480");
    const VariantSpec& v = spec->variants[1];
    EXPECT_EQ(v.fit, Fit::kContain);
    EXPECT_EQ(v.background, (Rgb{0, 0, 0}));
    EXPECT_EQ(v.quality, 90);
    EXPECT_EQ(v.gravity, Gravity::kEntropy);
    EXPECT_TRUE(v.progressive);
    EXPECT_TRUE(v.enlarge);
    EXPECT_EQ(v.name, "small");

    auto bare = parse_resize_spec_json_text(R"([{"width": 1, "height": 2}])");
    ASSERT_TRUE(bare.is_ok());
    EXPECT_EQ(bare->variants[0].height, 2);
}

TEST(ResizeSpecTest, JsonErrorsNameTheField) {
    struct Case {
        const char* json;
        const char* expect;
    };
    for (const Case& c : {
             Case{"{", "not valid JSON"},
             Case{R"({"variants": 3})", "must be an array"},
             Case{R"({"variants": [], "x": 1})", "unknown field"},
             Case{R"([{"width": 10}])", "needs width and height"},
             Case{R"([{"width": "10", "height": 10}])", "variants[0].width must be an integer"},
             Case{R"([{"width": 10, "height": 5000}])", "1..4096"},
             Case{R"([{"width": 10, "height": 10, "fit": "stretch"}])", "variants[0].fit"},
             Case{R"([{"width": 10, "height": 10, "format": "bmp"}])", "variants[0].format"},
             Case{R"([{"width": 10, "height": 10, "quality": 0}])", "variants[0].quality"},
             Case{R"([{"width": 10, "height": 10, "colour": "red"}])", "not a known"},
             Case{R"([{"width": 10, "height": 10, "enlarge": 1}])", "true or false"},
         }) {
        auto spec = parse_resize_spec_json_text(c.json);
        ASSERT_FALSE(spec.is_ok()) << c.json;
        EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
        EXPECT_NE(spec.status().message().find(c.expect), std::string::npos)
            << c.json << " -> " << spec.status().message();
    }
}

TEST(ResizeSpecTest, ToStringRoundTrips) {
    for (const char* text : {"400x400", "640x480:cover:attention:avif:q60",
                             "10x20:contain:png:#ff0000:enlarge", "5x5:fill:progressive:name=x"}) {
        auto v = parse_variant_spec(text);
        ASSERT_TRUE(v.is_ok()) << text;
        auto again = parse_variant_spec(to_string(*v));
        ASSERT_TRUE(again.is_ok()) << to_string(*v);
        EXPECT_EQ(*again, *v) << to_string(*v);
    }
}

}  // namespace
}  // namespace imgpipe::imaging
