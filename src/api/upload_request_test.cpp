#include "api/upload_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/api_error.h"

namespace imgpipe::api {
namespace {

struct BadCase {
    const char* what;
    std::string body;
    const char* reason;
    int http_status;
};

std::string with_filename(const std::string& name) {
    return nlohmann::json{{"filename", name}}.dump();
}

std::string n_variants(int n) {
    nlohmann::json list = nlohmann::json::array();
    for (int i = 0; i < n; ++i) list.push_back({{"width", 10 + i}, {"height", 10 + i}});
    return nlohmann::json{{"filename", "x.jpg"}, {"variants", list}}.dump();
}

// The API validation table: every bad input is a clear 4xx with a code.
TEST(UploadRequestTest, RejectsEachBadInputWithItsCode) {
    const std::vector<BadCase> cases = {
        {"empty body", "", "InvalidJson", 400},
        {"not JSON", "filename=cat.jpg", "InvalidJson", 400},
        {"truncated JSON", R"({"filename":"cat.jpg")", "InvalidJson", 400},
        {"deeply nested", std::string(100, '[') + std::string(100, ']'), "InvalidJson", 400},
        {"array body", R"(["cat.jpg"])", "InvalidRequest", 400},
        {"no filename", R"({"name":"cat.jpg"})", "InvalidRequest", 400},
        {"filename number", R"({"filename":5})", "InvalidRequest", 400},
        {"filename null", R"({"filename":null})", "InvalidRequest", 400},
        {"empty filename", R"({"filename":""})", "InvalidFilename", 400},
        {"256-byte filename", with_filename(std::string(252, 'a') + ".jpg"), "InvalidFilename",
         400},
        {"NUL", R"({"filename":"a\u0000.jpg"})", "InvalidFilename", 400},
        {"control char", R"({"filename":"a\u001b.jpg"})", "InvalidFilename", 400},
        {"newline", R"({"filename":"a\nb.jpg"})", "InvalidFilename", 400},
        {"only directories", R"({"filename":"../"})", "InvalidFilename", 400},
        {".exe", R"({"filename":"setup.exe"})", "UnsupportedMediaType", 415},
        {"no extension", R"({"filename":"photo"})", "UnsupportedMediaType", 415},
        {"content type not an image", R"({"filename":"x.jpg","contentType":"text/html"})",
         "UnsupportedMediaType", 415},
        {"content type mismatch", R"({"filename":"x.jpg","contentType":"image/png"})",
         "ContentTypeMismatch", 400},
        {"content type number", R"({"filename":"x.jpg","contentType":7})", "InvalidRequest", 400},
        {"size string", R"({"filename":"x.jpg","size":"10"})", "InvalidSize", 400},
        {"size negative", R"({"filename":"x.jpg","size":-1})", "InvalidSize", 400},
        {"size zero", R"({"filename":"x.jpg","size":0})", "InvalidSize", 400},
        {"size fraction", R"({"filename":"x.jpg","size":1.5})", "InvalidSize", 400},
        {"size over max", R"({"filename":"x.jpg","size":26214401})", "EntityTooLarge", 413},
        {"size huge", R"({"filename":"x.jpg","size":18446744073709551615})", "EntityTooLarge", 413},
        {"too many variants", n_variants(9), "InvalidVariants", 400},
        {"no variants", R"({"filename":"x.jpg","variants":[]})", "InvalidVariants", 400},
        {"variants object", R"({"filename":"x.jpg","variants":{"width":1}})", "InvalidVariants",
         400},
        {"variant too wide", R"({"filename":"x.jpg","variants":[{"width":4097,"height":10}]})",
         "InvalidVariants", 400},
        {"variant zero", R"({"filename":"x.jpg","variants":[{"width":0,"height":10}]})",
         "InvalidVariants", 400},
        {"variant width string", R"({"filename":"x.jpg","variants":[{"width":"400","height":10}]})",
         "InvalidVariants", 400},
        {"variant unknown member",
         R"({"filename":"x.jpg","variants":[{"width":4,"height":4,"fitt":"cover"}]})",
         "InvalidVariants", 400},
        {"variant bad fit",
         R"({"filename":"x.jpg","variants":[{"width":4,"height":4,"fit":"zoom"}]})",
         "InvalidVariants", 400},
        {"variant bad format",
         R"({"filename":"x.jpg","variants":[{"width":4,"height":4,"format":"bmp"}]})",
         "InvalidVariants", 400},
        {"seed width without height", R"({"filename":"x.jpg","width":100})", "InvalidVariants",
         400},
        {"seed width string", R"({"filename":"x.jpg","width":"100","height":100})",
         "InvalidVariants", 400},
        {"both styles", R"({"filename":"x.jpg","width":1,"height":1,"variants":[]})",
         "InvalidVariants", 400},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        auto r = parse_upload_request(c.body, UploadLimits{});
        ASSERT_FALSE(r.is_ok());
        EXPECT_EQ(r.status().reason(), c.reason);
        EXPECT_FALSE(r.status().message().empty());
        EXPECT_EQ(http_status_for(r.status().reason()), c.http_status);
    }
}

TEST(UploadRequestTest, AcceptsTheSeedRequest) {
    auto r = parse_upload_request(R"({"filename":"cat.jpg"})", UploadLimits{});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(r->filename, "cat.jpg");
    EXPECT_EQ(r->content_type, "image/jpeg");
    EXPECT_FALSE(r->size);
    EXPECT_TRUE(r->variants.variants.empty());
    EXPECT_EQ(r->variants_metadata, "");
}

TEST(UploadRequestTest, SanitisesTheFilename) {
    auto r = parse_upload_request(R"({"filename":"../../x.PNG"})", UploadLimits{});
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->filename, "x.PNG");
    EXPECT_EQ(r->content_type, "image/png");
}

TEST(UploadRequestTest, AcceptsContentTypeOfTheSameFamily) {
    auto r =
        parse_upload_request(R"({"filename":"x.heic","contentType":"Image/HEIF"})", UploadLimits{});
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->content_type, "image/heif");
}

TEST(UploadRequestTest, KeepsSizeAndIgnoresUnknownMembers) {
    auto r =
        parse_upload_request(R"({"filename":"x.gif","size":1234,"client":"v2"})", UploadLimits{});
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->size, 1234u);
    EXPECT_EQ(r->content_type, "image/gif");
}

TEST(UploadRequestTest, SizeLimitIsConfigurable) {
    UploadLimits limits;
    limits.max_upload_bytes = 1000;
    EXPECT_TRUE(parse_upload_request(R"({"filename":"x.jpg","size":1000})", limits).is_ok());
    EXPECT_EQ(parse_upload_request(R"({"filename":"x.jpg","size":1001})", limits).status().reason(),
              "EntityTooLarge");
}

TEST(UploadRequestTest, SeedStyleWidthHeightIsOneVariant) {
    auto r =
        parse_upload_request(R"({"filename":"x.jpg","width":300,"height":200})", UploadLimits{});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_EQ(r->variants.variants.size(), 1u);
    EXPECT_EQ(r->variants.variants[0].width, 300);
    EXPECT_EQ(r->variants.variants[0].height, 200);
    EXPECT_EQ(nlohmann::json::parse(r->variants_metadata),
              nlohmann::json::parse(R"([{"width":300,"height":200}])"));
}

TEST(UploadRequestTest, VariantsBecomeCompactMetadata) {
    auto r = parse_upload_request(
        R"({"filename":"x.jpg","variants":[{"width":640,"height":480,"fit":"cover","format":"webp"},
            {"width":100,"height":100}]})",
        UploadLimits{});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_EQ(r->variants.variants.size(), 2u);
    EXPECT_EQ(r->variants.variants[0].format, imaging::ImageFormat::kWebp);
    EXPECT_EQ(r->variants_metadata.find(' '), std::string::npos);
    EXPECT_EQ(nlohmann::json::parse(r->variants_metadata),
              nlohmann::json::parse(R"([{"width":640,"height":480,"fit":"cover","format":"webp"},
                                        {"width":100,"height":100}])"));
    // What the worker will parse back from the object's metadata.
    auto back = imaging::parse_resize_spec_json(nlohmann::json::parse(r->variants_metadata));
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(*back, r->variants);
}

TEST(UploadRequestTest, EightVariantsAreAllowed) {
    EXPECT_TRUE(parse_upload_request(n_variants(8), UploadLimits{}).is_ok());
}

}  // namespace
}  // namespace imgpipe::api
