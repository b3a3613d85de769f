#include "store/local/attribute_json.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace imgpipe::store {
namespace {

using Map = std::map<std::string, std::string>;

TEST(AttributeJsonTest, EveryValueComesBackByteForByte) {
    const Map m = {{"cache-control", "public, max-age=86400"},
                   {"empty", ""},
                   {"latin-1", "caf\xe9"},  // not UTF-8: kept as hex
                   {"utf-8", "caf\xc3\xa9 \"quoted\" \\ \n"},
                   {"nul", std::string("a\0b", 3)}};
    const std::string text = map_to_json(m);
    // The stored form, read by an independent parser.
    const auto doc = nlohmann::json::parse(text);
    EXPECT_EQ(doc["latin-1"], nlohmann::json({{"hex", "636166e9"}}));
    EXPECT_EQ(doc["utf-8"], "caf\xc3\xa9 \"quoted\" \\ \n");
    EXPECT_EQ(map_from_json(text), m);
    EXPECT_EQ(map_from_json(map_to_json({})), Map{});
}

TEST(AttributeJsonTest, MembersOfOtherShapesAreSkipped) {
    const std::string text = R"({"a":"1","b":{"hex":"4142"},"c":5,"d":["x",{"hex":"41"}],)"
                             R"("e":{"x":"y"},"f":{"hex":"zz"},"g":{"k":{"hex":"41"}},)"
                             R"("h":null,"i":true,"j":{"hex":"43","other":"z"},"a":"2"})";
    EXPECT_EQ(map_from_json(text), (Map{{"a", "2"}, {"b", "AB"}, {"j", "C"}}));
}

TEST(AttributeJsonTest, TextThatIsNotAnObjectGivesNothing) {
    for (const char* text : {"", "[]", "\"x\"", "null", "{", R"({"a":"1"} trailing)", R"({"a":})",
                             R"({"a":"1",})", R"({"a":"\ud800"})", "{\"a\":\"\xff\"}"}) {
        EXPECT_EQ(map_from_json(text), Map{}) << text;
    }
}

// Random maps of random bytes, against the round trip: whatever the bytes, they come back.
TEST(AttributeJsonTest, RandomBytesRoundTrip) {
    std::mt19937 rng(20261205);
    auto bytes = [&](size_t max) {
        std::string s(rng() % (max + 1), '\0');
        for (auto& c : s) c = static_cast<char>(rng() % 256);
        return s;
    };
    for (int i = 0; i < 500; ++i) {
        Map m;
        for (size_t n = rng() % 6; n > 0; --n)
            m["x-amz-meta-" + std::to_string(rng() % 100)] = bytes(40);
        EXPECT_EQ(map_from_json(map_to_json(m)), m);
    }
}

}  // namespace
}  // namespace imgpipe::store
