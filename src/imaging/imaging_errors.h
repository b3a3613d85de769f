#pragma once
// The error values the image engine returns, one constructor per reason, so every
// ImageProcessor reports failures the same way:
//   UnsupportedFormat  kInvalidArgument   not an image type imgpipe accepts (permanent)
//   CorruptImage       kInvalidArgument   the bytes are damaged or lie about themselves (permanent)
//   ImageTooLarge      kResourceExhausted over the pixel or page limit (permanent for this config)
//   DeadlineExceeded   kDeadlineExceeded  the job ran out of time
// Thread-safe pure functions.

#include <string>
#include <string_view>

#include "core/status.h"

namespace imgpipe::imaging {

inline constexpr std::string_view kUnsupportedFormat = "UnsupportedFormat";
inline constexpr std::string_view kCorruptImage = "CorruptImage";
inline constexpr std::string_view kImageTooLarge = "ImageTooLarge";
inline constexpr std::string_view kDeadlineExceeded = "DeadlineExceeded";

inline Status unsupported_format(std::string message) {
    return {StatusCode::kInvalidArgument, std::string(kUnsupportedFormat), std::move(message)};
}
inline Status corrupt_image(std::string message) {
    return {StatusCode::kInvalidArgument, std::string(kCorruptImage), std::move(message)};
}
inline Status image_too_large(std::string message) {
    return {StatusCode::kResourceExhausted, std::string(kImageTooLarge), std::move(message)};
}
// A decoder's fatal error. Decoders (libjpeg above all) call valid files of a kind imgpipe does
// not read "Unsupported" (lossless and 12-bit JPEGs, for one); anything else is damage.
inline Status decode_failure(std::string_view what) {
    const bool unsupported = what.find("Unsupported") != std::string_view::npos ||
                             what.find("unsupported") != std::string_view::npos;
    std::string message = "cannot decode: " + std::string(what);
    return unsupported ? unsupported_format(std::move(message)) : corrupt_image(std::move(message));
}
inline Status deadline_exceeded(std::string message) {
    return {StatusCode::kDeadlineExceeded, std::string(kDeadlineExceeded), std::move(message)};
}

}  // namespace imgpipe::imaging
