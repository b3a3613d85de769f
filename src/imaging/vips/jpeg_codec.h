#pragma once
// JPEG codec: the image engine's direct path for the common job, a JPEG photo in and JPEG
// variants out, on libjpeg-turbo (the library libvips itself decodes and encodes JPEG with).
// libvips runs every decode and save through its thread pool, handing strips between threads,
// and its decode through a sequential line cache; for a job that is one 1/4-scale decode and
// three small encodes that costs a quarter of the job. Measured on the 2725x2225 benchmark
// photo: the decode 11.7 ms through libvips against 8.8 ms here, a 400x400 q80 encode 0.6 ms
// against 0.36 ms. Here libjpeg runs in the job's thread, straight into one buffer.
//
// Only used where it gives what libvips would (OpenedImage::direct_jpeg): colour-managed,
// CMYK and other inputs keep the libvips path. Like libvips' default (fail_on=none), libjpeg's
// warnings about damaged data it can decode past are ignored; its fatal errors are returned as
// CorruptImage or UnsupportedFormat. This is the only code that includes libjpeg. Thread-safe
// (no shared state).

#include <functional>
#include <string>
#include <string_view>
#include <vips/vips8>

#include "core/result.h"
#include "imaging/variant_geometry.h"
#include "imaging/vips/deadline_guard.h"
#include "imaging/vips/pixel_view.h"

namespace imgpipe::imaging::vips_impl {

// `jpeg`, whose header says it is `source` pixels, decoded at 1/shrink scale (shrink 1, 2, 4 or
// 8) into a memory image (or a crop of one), 8-bit sRGB or grey, of libvips' size for that
// shrink (floor(side / shrink)). Bounded in time by `guard` throughout (also while libjpeg reads
// the scans of a progressive file) and in work by a limit on the number of scans. Throws
// vips::VError if the image cannot be allocated.
// REQUIRES: OpenedImage::direct_jpeg for these bytes.
Result<vips::VImage> decode_jpeg(std::string_view jpeg, Size source, int shrink,
                                 const DeadlineGuard& guard);

// Supplies rows [y, y + count) of the image being encoded, valid until the next call. A
// non-ok result stops the encode with it.
using RowSource = std::function<Result<PixelView>(int y, int count)>;

// A width x height image of `bands` bands (1: grey, 3: sRGB), fetched from `rows` a strip at a
// time, as a JPEG at `quality` (1..100) with the settings libvips' jpegsave uses by default
// (4:2:0 chroma below quality 90, none from 90), baseline or progressive, with no metadata.
// Bounded in time by `guard` throughout (also in the entropy coding a progressive file does at
// the end).
Result<std::string> encode_jpeg(int width, int height, int bands, int quality, bool progressive,
                                const RowSource& rows, const DeadlineGuard& guard);

}  // namespace imgpipe::imaging::vips_impl
