#include "core/utf8.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

// Cases from RFC 3629 §4's syntax and Markus Kuhn's UTF-8 decoder stress test.
TEST(Utf8Test, AcceptsWellFormedText) {
    for (std::string_view s :
         {"", "plain ascii", "Hello World\xC3\xA9", "\xE2\x82\xAC", "\xED\x9F\xBF", "\xEE\x80\x80",
          "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "\xE6\x97\xA5\xE6\x9C\xAC"}) {
        EXPECT_TRUE(is_valid_utf8(s)) << s;
    }
}

TEST(Utf8Test, RejectsWhatRfc3629Forbids) {
    for (std::string_view s : {
             "Hello World\xE9",   // a Latin-1 byte
             "\x80",              // a lone continuation byte
             "\xC0\xAF",          // overlong '/'
             "\xC1\xBF",          // overlong
             "\xE0\x80\xAF",      // overlong, three bytes
             "\xF0\x80\x80\xAF",  // overlong, four bytes
             "\xED\xA0\x80",      // a UTF-16 surrogate
             "\xF4\x90\x80\x80",  // past U+10FFFF
             "\xF5\x80\x80\x80",  // lead byte never used
             "\xE2\x82",          // truncated at the end
             "\xE2\x28\xA1",      // bad continuation
             "\xFF",
         }) {
        EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(std::string(s));
    }
}

}  // namespace
}  // namespace imgpipe
