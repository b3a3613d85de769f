#include "web/web_ui.h"

#include <gtest/gtest.h>

#include "web/web_assets.h"

namespace imgpipe::web {
namespace {

http::Request get(std::string path) {
    http::Request r;
    r.method = "GET";
    r.path = r.target = std::move(path);
    return r;
}

WebUi make_ui() {
    return WebUi({.s3_public_url = "http://127.0.0.1:9000", .max_upload_bytes = 42});
}

TEST(WebUiTest, PageIsServedAsHtmlWithPolicyAndValidator) {
    WebUi ui = make_ui();
    http::Response r = ui.handle_file(get("/"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.get_or("Content-Type", ""), "text/html; charset=utf-8");
    EXPECT_EQ(r.headers.get_or("Cache-Control", ""), "no-cache");
    EXPECT_EQ(r.headers.get_or("X-Content-Type-Options", ""), "nosniff");
    EXPECT_NE(r.body.find("<html"), std::string::npos);
    EXPECT_FALSE(r.headers.get_or("ETag", "").empty());
    EXPECT_EQ(r.headers.get_or("Content-Security-Policy", ""), ui.content_security_policy());
}

TEST(WebUiTest, EveryEmbeddedFileIsServedWithItsType) {
    WebUi ui = make_ui();
    EXPECT_EQ(ui.handle_file(get("/ui/app.js")).headers.get_or("Content-Type", ""),
              "text/javascript; charset=utf-8");
    EXPECT_EQ(ui.handle_file(get("/ui/style.css")).headers.get_or("Content-Type", ""),
              "text/css; charset=utf-8");
    for (const Asset& a : assets()) {
        std::string path = a.path == "/index.html" ? "/" : "/ui" + std::string(a.path);
        http::Response r = ui.handle_file(get(path));
        EXPECT_EQ(r.status, 200) << path;
        EXPECT_EQ(r.body, a.body) << path;
        EXPECT_FALSE(a.body.empty()) << path;
    }
}

TEST(WebUiTest, MatchingIfNoneMatchIsNotModified) {
    WebUi ui = make_ui();
    std::string etag = ui.handle_file(get("/ui/app.js")).headers.get_or("ETag", "");
    http::Request again = get("/ui/app.js");
    again.headers.add("If-None-Match", etag);
    http::Response r = ui.handle_file(again);
    EXPECT_EQ(r.status, 304);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.headers.get_or("ETag", ""), etag);

    http::Request stale = get("/ui/app.js");
    stale.headers.add("If-None-Match", "\"other\"");
    EXPECT_EQ(ui.handle_file(stale).status, 200);
}

TEST(WebUiTest, UnknownFileIs404AndNothingOutsideTheTableIsReachable) {
    WebUi ui = make_ui();
    for (const char* path : {"/ui/nope.js", "/ui/../web_ui.cpp", "/index.html", "/ui/"}) {
        http::Response r = ui.handle_file(get(path));
        EXPECT_EQ(r.status, 404) << path;
        EXPECT_NE(r.body.find("NoSuchFile"), std::string::npos) << path;
    }
}

TEST(WebUiTest, PolicyAllowsOnlySelfAndTheS3Origin) {
    WebUi ui({.s3_public_url = "https://s3.example:9443/base"});
    EXPECT_EQ(ui.content_security_policy(),
              "default-src 'none'; script-src 'self'; style-src 'self'; "
              "img-src 'self' https://s3.example:9443; connect-src 'self' https://s3.example:9443; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
}

TEST(WebUiTest, ConfigCarriesTheUploadLimit) {
    http::Response r = make_ui().handle_config(get("/ui/config.json"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"maxUploadBytes":42})");
    EXPECT_EQ(r.headers.get_or("Cache-Control", ""), "no-store");
}

TEST(WebUiTest, OriginOfDropsPathAndNeedsAScheme) {
    EXPECT_EQ(origin_of("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
    EXPECT_EQ(origin_of("http://h:1/a/b?c"), "http://h:1");
    EXPECT_EQ(origin_of("h:1/a"), "");
}

}  // namespace
}  // namespace imgpipe::web
