#pragma once
// Format negotiation for delivery URLs. A browser's Accept header is reduced to one of three
// classes before anything is chosen — it names image/avif, else it names image/webp, else
// neither — so a CDN that keys its cache on the reduced value (or on Accept, with `Vary:
// Accept`) holds at most three entries per variant. Only an explicit `image/avif` /
// `image/webp` with q > 0 counts: `*/*` and `image/*` are what old browsers send too, so they
// get JPEG (or PNG), which every client shows. Pure functions; thread-safe.

#include <optional>
#include <string_view>
#include <vector>

#include "imaging/image_format.h"

namespace imgpipe::delivery {

enum class AcceptClass { kAvif, kWebp, kBaseline };

AcceptClass reduce_accept(std::string_view accept);

// The index in `available` of the format to send to a client of `accepts`: the first of its
// preference order (AVIF: avif, webp, jpeg, png, gif; WebP: webp, jpeg, png, gif, avif;
// baseline: jpeg, png, gif, webp, avif) that is available; nullopt when `available` is empty.
std::optional<size_t> choose_format(AcceptClass accepts,
                                    const std::vector<imaging::ImageFormat>& available);

}  // namespace imgpipe::delivery
