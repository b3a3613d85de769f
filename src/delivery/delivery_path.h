#pragma once
// What the last segment of a delivery URL (`GET /i/{id}/{segment}`) asks for. Three forms:
//
//   NAME              the variant NAME of the image, the mutable alias (its content changes when
//                     the original is uploaded again); a NAME without a format suffix is
//                     negotiated among NAME, NAME.avif, NAME.webp, NAME.jpeg and NAME.png
//   NAME@ETAG         exactly the content with that ETag: content-addressed, cacheable forever
//   WxH[:fit][.fmt]   an on-demand size (fit cover|contain|inside|fill, format jpeg|jpg|webp|
//                     avif|png), rendered on first request when the URL is signed
//
// Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "imaging/resize_spec.h"

namespace imgpipe::delivery {

struct DeliveryTarget {
    std::string name;  // the segment before '@'
    std::string etag;  // after '@'; "" for the alias
};

// nullopt for an empty name, an empty or non-hex ETag, or a second '@'.
std::optional<DeliveryTarget> parse_target(std::string_view segment);

// The on-demand variant named by `name` ("640x480:inside.webp"), with its canonical variant
// name ("640x480-inside.webp": the default fit cover and format jpeg are left out), so that
// spellings of one size share one stored object. nullopt when `name` is not of that form or
// its sides are outside 1..limits.max_side.
std::optional<imaging::VariantSpec> parse_on_demand(std::string_view name,
                                                    const imaging::SpecLimits& limits);

}  // namespace imgpipe::delivery
