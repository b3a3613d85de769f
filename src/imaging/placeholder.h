#pragma once
// Placeholder: what a page shows while a variant loads — a ThumbHash (Evan Wallace's compact
// image placeholder, https://evanw.github.io/thumbhash/: the DCT of the image's luminance,
// yellow-blue, red-green and alpha channels in ~25 bytes, aspect ratio included) and the
// dominant colour. Computed by the worker from the image it already decoded, shrunk to at most
// 100x100 and upright (no second decode). Pure functions; thread-safe.

#include <cstdint>
#include <span>
#include <string>

#include "imaging/resize_spec.h"

namespace imgpipe::imaging {

struct Placeholder {
    std::string thumbhash;  // base64url (unpadded) of the hash bytes
    Rgb dominant;           // the most common colour, to 4 bits per channel, averaged
    friend bool operator==(const Placeholder&, const Placeholder&) = default;
};

// The ThumbHash bytes of an RGBA image (8 bits per channel, alpha not premultiplied, rows top
// to bottom), ported from the reference encoder (rgbaToThumbHash). REQUIRES: 1 <= width,
// height <= 100 and rgba.size() == width * height * 4.
std::string thumbhash_from_rgba(int width, int height, std::span<const uint8_t> rgba);

// The centre of the most populated cell of a 16x16x16 RGB grid (pixels weighted by alpha):
// the mean colour of the pixels in that cell. White for a fully transparent image. Same
// REQUIRES as above (any size).
Rgb dominant_colour(int width, int height, std::span<const uint8_t> rgba);

// Both, with the hash in base64url.
Placeholder make_placeholder(int width, int height, std::span<const uint8_t> rgba);

// "#rrggbb".
std::string hex_colour(const Rgb& colour);

}  // namespace imgpipe::imaging
