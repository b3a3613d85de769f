#pragma once
// Window plan: the arithmetic that lets a variant be resampled from only the part of an image it
// needs, and from an earlier, smaller intermediate instead of the decoded image. Each
// intermediate ("stage") is described per axis by an AxisMap: where its pixels sit in the
// decoded image, following libvips' reduce convention (output pixel k samples input coordinate
// (k + 0.5) * shrink - 0.5 + (len - out * shrink) / 2). plan_axis() picks an integer input
// range whose reduce puts the wanted output pixels on whole-pixel positions, so the result has
// the geometry of resizing the whole decoded image and cropping (within `kMaxPhaseError`).
// No libvips here; pure functions, thread-safe.

#include <optional>

namespace imgpipe::imaging::vips_impl {

// Lanczos3 reads 3 output pixels either side of each output pixel.
inline constexpr int kLanczosReach = 3;
// Output pixels kept around a window where the source has them, so that two further 2x
// reduces can cascade from it (400 -> 200 -> 100): each level distrusts kLanczosReach pixels
// at a cut edge and halves what is left, and the next level reads 2 * kLanczosReach + 1 of
// them; 28 leaves that with a pixel of slack for phasing.
inline constexpr int kWindowMargin = 28;
// Largest shrink done as one reduce (a bit over 4, so a quarter-size variant whose rounded size
// is a pixel under can still come from the full-size one); larger ones go through vips_resize,
// which box-shrinks first.
inline constexpr double kMaxReduce = 4.5;
// Largest sub-pixel misplacement (output pixels) accepted from a partial window.
inline constexpr double kMaxPhaseError = 0.05;

// One axis of a stage: local pixel k is at decoded coordinate scale * k + offset.
struct AxisMap {
    double scale = 1.0;
    double offset = 0.0;
    int length = 0;
    bool at_start = true;  // the stage reaches the decoded image's first pixel...
    bool at_end = true;    // ...and its last, so edge pixels are extended the same way
};

// The decoded image itself, `length` pixels.
AxisMap identity_axis(int length);

// One axis of a reduce: take [start, start + length) of the source stage, shrink it by `shrink`
// to `out_length` pixels, keep [crop, crop + wanted) of that.
struct AxisCut {
    int start = 0;
    int length = 0;
    double shrink = 1.0;
    int out_length = 0;
    int crop = 0;
    // What later variants may reduce from: [trusted, trusted + reduced.length) of the reduced
    // range. Pixels within the kernel's reach of a cut edge (not an edge of the image) were
    // made from repeated edge pixels, so they are left out.
    int trusted = 0;
    AxisMap reduced;
};

// The cut that makes pixels [offset, offset + wanted) of the decoded axis scaled to `full`
// pixels, from `source`. nullopt when `source` does not hold enough of the image around them,
// would need enlarging or a shrink above kMaxReduce, or cannot be phased within kMaxPhaseError.
// REQUIRES: 0 <= offset, offset + wanted <= full, decoded_length >= 1.
std::optional<AxisCut> plan_axis(const AxisMap& source, int decoded_length, int full, int offset,
                                 int wanted);

}  // namespace imgpipe::imaging::vips_impl
