#include "s3/codec.h"

#include <cstdint>

#include "core/utf8.h"
#include "sigv4/sigv4.h"

namespace imgpipe::s3 {
namespace {

std::string_view alphabet(bool url_safe) {
    return url_safe ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                    : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

}  // namespace

std::string base64_encode(std::string_view bytes, bool url_safe) {
    const std::string_view chars = alphabet(url_safe);
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                     (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
        out += chars[(v >> 18) & 63];
        out += chars[(v >> 12) & 63];
        out += chars[(v >> 6) & 63];
        out += chars[v & 63];
    }
    if (i < bytes.size()) {
        uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
        out += chars[(v >> 18) & 63];
        out += chars[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? chars[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text, bool url_safe) {
    const std::string_view chars = alphabet(url_safe);
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    size_t padding = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '=') {
            if (i + 2 < text.size()) return std::nullopt;  // only the last two may be padding
            ++padding;
            continue;
        }
        if (padding > 0) return std::nullopt;
        auto pos = chars.find(text[i]);
        if (pos == std::string_view::npos) return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

std::string url_encode_listing(std::string_view value) { return sigv4::uri_encode(value, true); }

std::string metadata_from_header(std::string_view bytes) {
    if (is_valid_utf8(bytes)) return std::string(bytes);
    std::string text;  // Latin-1: each byte is the code point of the same number
    for (char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x80) {
            text += c;
        } else {
            text += static_cast<char>(0xC0 | (b >> 6));
            text += static_cast<char>(0x80 | (b & 0x3F));
        }
    }
    return text;
}

std::string metadata_to_header(std::string_view text) {
    std::string latin1;
    bool fits = is_valid_utf8(text);
    for (size_t i = 0; fits && i < text.size(); ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (b < 0x80) {
            fits = b >= 0x20 ? b != 0x7F : b == '\t';
            latin1 += text[i];
        } else if ((b == 0xC2 || b == 0xC3) && i + 1 < text.size()) {
            // U+0080..U+00FF; U+0080..U+009F are the C1 controls.
            const auto cp = static_cast<unsigned char>(((b & 0x03) << 6) | (text[++i] & 0x3F));
            fits = cp >= 0xA0;
            latin1 += static_cast<char>(cp);
        } else {
            fits = false;
        }
    }
    return fits ? latin1 : "=?UTF-8?B?" + base64_encode(text) + "?=";
}

}  // namespace imgpipe::s3
