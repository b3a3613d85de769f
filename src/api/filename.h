#pragma once
// Filename rules of the upload API: what a client-supplied filename must look like, how it is
// turned into the last segment of an object key, and which image types its extension names.
//
// The rules (DESIGN.md §4): 1–255 bytes of valid UTF-8, no control characters (C0, DEL, C1) and
// no Unicode bidi controls (they make "x\u202Egpj.exe" display as "xexe.jpg"); the extension
// must be an accepted image type. Sanitising keeps only the last path component (browsers may
// send "C:\fakepath\x.jpg"; "../x.jpg" becomes "x.jpg" — a name is never rejected for carrying
// directories, it just loses them), trims spaces and leading dots, and replaces characters that
// are unsafe in S3 keys or would be expanded by POST Object ('$', '{', '}' form "${filename}")
// with '_'. Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace imgpipe::api {

// True if `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF).
bool is_valid_utf8(std::string_view s);

// The key-safe name for `filename`, or kInvalidArgument with reason "InvalidFilename" (empty,
// too long, invalid UTF-8, control characters, nothing left after sanitising) or reason
// "UnsupportedMediaType" (extension missing or not an accepted image type).
Result<std::string> sanitise_filename(std::string_view filename);

// The lower-cased extension of `name` without the dot ("JPG" → "jpg"); "" when there is none.
std::string extension_of(std::string_view name);

// The default Content-Type for an accepted extension ("jpg" → "image/jpeg"), else nullopt.
std::optional<std::string_view> content_type_for_extension(std::string_view extension);

// True if `content_type` is in the accepted list (image/jpeg, image/png, image/webp, image/gif,
// image/tiff, image/heic, image/heif, image/avif).
bool is_accepted_content_type(std::string_view content_type);

// True if `content_type` belongs to the family of `extension` (HEIC and HEIF files may carry
// either of the two HEIF types). REQUIRES: both accepted.
bool content_type_matches_extension(std::string_view content_type, std::string_view extension);

}  // namespace imgpipe::api
