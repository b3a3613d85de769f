#include "core/json_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace imgpipe::json_text {
namespace {

std::string as_json(std::string_view s) {
    std::string out;
    append_string(out, s);
    return out;
}

TEST(JsonTextTest, MatchesNlohmannDumpOnEveryByteAndAwkwardStrings) {
    std::string every_ascii;
    for (int c = 0; c < 128; ++c) every_ascii.push_back(static_cast<char>(c));
    for (const std::string& s :
         {std::string(), std::string("plain"), every_ascii, std::string("quote \" back \\ slash /"),
          std::string("tab\tnew\nline\r\b\f"), std::string("\x01\x1f\x7f", 3),
          std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb7"),  // é € 📷
          std::string("\"\"\\\\"), std::string(1, '\0')}) {
        EXPECT_EQ(as_json(s), nlohmann::json(s).dump()) << nlohmann::json(s).dump();
    }
}

TEST(JsonTextTest, AppendsToWhatIsThere) {
    std::string out = "{\"k\":";
    append_string(out, "v");
    EXPECT_EQ(out, "{\"k\":\"v\"");
}

}  // namespace
}  // namespace imgpipe::json_text
