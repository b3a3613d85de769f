#include "api/filename.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <utility>

namespace imgpipe::api {
namespace {

constexpr size_t kMaxFilenameBytes = 255;

// extension → default Content-Type, and the family every accepted type belongs to.
struct ExtensionType {
    std::string_view extension;
    std::string_view content_type;
    std::string_view family;
};
constexpr std::array<ExtensionType, 10> kExtensions = {{
    {"jpg", "image/jpeg", "jpeg"},
    {"jpeg", "image/jpeg", "jpeg"},
    {"png", "image/png", "png"},
    {"webp", "image/webp", "webp"},
    {"gif", "image/gif", "gif"},
    {"tif", "image/tiff", "tiff"},
    {"tiff", "image/tiff", "tiff"},
    {"heic", "image/heic", "heif"},
    {"heif", "image/heif", "heif"},
    {"avif", "image/avif", "avif"},
}};

struct TypeFamily {
    std::string_view content_type;
    std::string_view family;
};
constexpr std::array<TypeFamily, 8> kContentTypes = {{
    {"image/jpeg", "jpeg"},
    {"image/png", "png"},
    {"image/webp", "webp"},
    {"image/gif", "gif"},
    {"image/tiff", "tiff"},
    {"image/heic", "heif"},
    {"image/heif", "heif"},
    {"image/avif", "avif"},
}};

// Characters replaced by '_' in keys: path separators, characters AWS lists as "to avoid" in
// keys, and '$'/'{'/'}' because POST Object substitutes "${filename}" inside the key field.
constexpr std::string_view kUnsafeKeyChars = "/\\\"*:<>?|#%{}^`[]$";

// Decodes one UTF-8 sequence at `s[i]`; returns the code point and advances `i`, or -1.
int32_t next_code_point(std::string_view s, size_t& i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    int len;
    int32_t cp;
    if (c < 0x80) {
        ++i;
        return c;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return -1;
    }
    if (i + len > s.size()) return -1;
    for (int k = 1; k < len; ++k) {
        unsigned char cc = byte(i + k);
        if ((cc & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past Unicode.
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        return -1;
    }
    i += len;
    return cp;
}

bool is_forbidden_code_point(int32_t cp) {
    if (cp < 0x20 || cp == 0x7F) return true;       // C0 controls (NUL, TAB, CR, LF...), DEL
    if (cp >= 0x80 && cp <= 0x9F) return true;      // C1 controls
    if (cp == 0x2028 || cp == 0x2029) return true;  // line/paragraph separators
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
        cp == 0x200F) {
        return true;  // bidi controls: they disguise the real extension
    }
    return false;
}

Status invalid_filename(std::string message) {
    return invalid_argument("InvalidFilename", std::move(message));
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        if (next_code_point(s, i) < 0) return false;
    }
    return true;
}

std::string extension_of(std::string_view name) {
    size_t dot = name.rfind('.');
    if (dot == std::string_view::npos) return "";
    std::string ext(name.substr(dot + 1));
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

std::optional<std::string_view> content_type_for_extension(std::string_view extension) {
    for (const auto& e : kExtensions) {
        if (e.extension == extension) return e.content_type;
    }
    return std::nullopt;
}

bool is_accepted_content_type(std::string_view content_type) {
    return std::any_of(kContentTypes.begin(), kContentTypes.end(),
                       [&](const TypeFamily& t) { return t.content_type == content_type; });
}

bool content_type_matches_extension(std::string_view content_type, std::string_view extension) {
    std::string_view ext_family;
    for (const auto& e : kExtensions) {
        if (e.extension == extension) ext_family = e.family;
    }
    for (const auto& t : kContentTypes) {
        if (t.content_type == content_type) return !ext_family.empty() && t.family == ext_family;
    }
    return false;
}

Result<std::string> sanitise_filename(std::string_view filename) {
    if (filename.empty()) return invalid_filename("filename is empty");
    if (filename.size() > kMaxFilenameBytes) {
        return invalid_filename("filename is longer than 255 bytes");
    }
    size_t i = 0;
    while (i < filename.size()) {
        int32_t cp = next_code_point(filename, i);
        if (cp < 0) return invalid_filename("filename is not valid UTF-8");
        if (is_forbidden_code_point(cp)) {
            return invalid_filename("filename contains a control character");
        }
    }

    // Only the last path component counts, whichever separator the client's OS uses.
    size_t sep = filename.find_last_of("/\\");
    std::string_view base = sep == std::string_view::npos ? filename : filename.substr(sep + 1);
    const bool had_leading_dot = !base.empty() && base.front() == '.';
    // Leading dots would make hidden files and keep "..": drop them; trailing spaces and dots
    // are dropped by Windows anyway.
    while (!base.empty() && (base.front() == '.' || base.front() == ' ')) base.remove_prefix(1);
    while (!base.empty() && (base.back() == ' ' || base.back() == '.')) base.remove_suffix(1);

    if (base.empty()) return invalid_filename("filename has no name after removing directories");

    std::string name;
    name.reserve(base.size());
    for (char c : base) {
        name.push_back(kUnsafeKeyChars.find(c) == std::string_view::npos ? c : '_');
    }
    std::string ext = extension_of(name);
    if (ext.empty() && had_leading_dot && name.find('.') == std::string::npos) {
        // ".jpg" or "x/.png": only an extension, which the leading-dot rule removed.
        return invalid_filename("filename has an extension but no name");
    }
    if (ext.empty() || !content_type_for_extension(ext)) {
        return Status(StatusCode::kInvalidArgument, "UnsupportedMediaType",
                      "filename extension '" + ext +
                          "' is not an accepted image type (jpg jpeg png webp gif tif tiff heic "
                          "heif avif)");
    }
    if (name.size() == ext.size() + 1) {
        return invalid_filename("filename has an extension but no name");
    }
    return name;
}

}  // namespace imgpipe::api
