#include "imaging/vips/orient_step.h"

namespace imgpipe::imaging::vips_impl {

vips::VImage orient(const vips::VImage& image, int orientation) {
    // EXIF 274: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 CW, 7 transverse,
    // 8 rotate 270 CW.
    vips::VImage out = image;
    switch (orientation) {
        case 2:
            out = out.fliphor();
            break;
        case 3:
            out = out.rot(VIPS_ANGLE_D180);
            break;
        case 4:
            out = out.flipver();
            break;
        case 5:
            out = out.rot(VIPS_ANGLE_D90).fliphor();
            break;
        case 6:
            out = out.rot(VIPS_ANGLE_D90);
            break;
        case 7:
            out = out.rot(VIPS_ANGLE_D270).fliphor();
            break;
        case 8:
            out = out.rot(VIPS_ANGLE_D270);
            break;
        default:
            break;
    }
    if (out.get_typeof(VIPS_META_ORIENTATION) != 0) {
        out = out.copy();
        out.remove(VIPS_META_ORIENTATION);
    }
    return out;
}

}  // namespace imgpipe::imaging::vips_impl
