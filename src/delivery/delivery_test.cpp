// Units of the delivery module: URL segments, Accept reduction, signatures, single flight.

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "delivery/accept.h"
#include "delivery/delivery_path.h"
#include "delivery/single_flight.h"
#include "delivery/url_signature.h"

namespace imgpipe::delivery {
namespace {

using imaging::Fit;
using imaging::ImageFormat;

TEST(DeliveryPathTest, SplitsNameAndContentAddress) {
    auto alias = parse_target("400x400");
    ASSERT_TRUE(alias);
    EXPECT_EQ(alias->name, "400x400");
    EXPECT_EQ(alias->etag, "");
    auto pinned = parse_target("400x400.webp@0123ABCdef");
    ASSERT_TRUE(pinned);
    EXPECT_EQ(pinned->name, "400x400.webp");
    EXPECT_EQ(pinned->etag, "0123abcdef");
    EXPECT_FALSE(parse_target("@abc"));
    EXPECT_FALSE(parse_target("400x400@"));
    EXPECT_FALSE(parse_target("400x400@xyz"));
    EXPECT_FALSE(parse_target("400x400@ab@cd"));
}

TEST(DeliveryPathTest, OnDemandSizesHaveOneCanonicalName) {
    imaging::SpecLimits limits;
    auto plain = parse_on_demand("640x480", limits);
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->name, "640x480");
    EXPECT_EQ(plain->fit, Fit::kCover);
    EXPECT_EQ(plain->format, ImageFormat::kJpeg);
    auto full = parse_on_demand("640x480:inside.webp", limits);
    ASSERT_TRUE(full);
    EXPECT_EQ(full->width, 640);
    EXPECT_EQ(full->height, 480);
    EXPECT_EQ(full->fit, Fit::kInside);
    EXPECT_EQ(full->format, ImageFormat::kWebp);
    EXPECT_EQ(full->name, "640x480-inside.webp");
    EXPECT_EQ(parse_on_demand("640x480:cover.jpg", limits)->name, "640x480");
}

TEST(DeliveryPathTest, RejectsWhatIsNotASize) {
    imaging::SpecLimits limits;
    for (const char* bad : {"thumb", "640", "x480", "640x", "0x10", "010x10", "640x480:crop",
                            "640x480.bmp", "640x480:inside:webp", "5000x10", "-1x10", "1x1x1"}) {
        EXPECT_FALSE(parse_on_demand(bad, limits)) << bad;
    }
}

TEST(AcceptTest, ReducesToThreeClasses) {
    // Chrome / Firefox image requests, Safari 16, an old browser, curl.
    EXPECT_EQ(reduce_accept("image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"),
              AcceptClass::kAvif);
    EXPECT_EQ(reduce_accept("image/webp,*/*"), AcceptClass::kWebp);
    EXPECT_EQ(reduce_accept("image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"),
              AcceptClass::kBaseline);
    EXPECT_EQ(reduce_accept("*/*"), AcceptClass::kBaseline);
    EXPECT_EQ(reduce_accept(""), AcceptClass::kBaseline);
    EXPECT_EQ(reduce_accept("Image/AVIF ; q=0.5"), AcceptClass::kAvif);
    // Refused or malformed quality turns nothing on.
    EXPECT_EQ(reduce_accept("image/avif;q=0, image/webp"), AcceptClass::kWebp);
    EXPECT_EQ(reduce_accept("image/avif;q=bogus"), AcceptClass::kBaseline);
}

TEST(AcceptTest, ChoosesTheBestAvailableFormat) {
    const std::vector<ImageFormat> all = {ImageFormat::kJpeg, ImageFormat::kWebp,
                                          ImageFormat::kAvif};
    EXPECT_EQ(choose_format(AcceptClass::kAvif, all), 2u);
    EXPECT_EQ(choose_format(AcceptClass::kWebp, all), 1u);
    EXPECT_EQ(choose_format(AcceptClass::kBaseline, all), 0u);
    EXPECT_EQ(choose_format(AcceptClass::kAvif, {ImageFormat::kJpeg, ImageFormat::kWebp}), 1u);
    EXPECT_EQ(choose_format(AcceptClass::kBaseline, {ImageFormat::kAvif, ImageFormat::kWebp}), 1u);
    EXPECT_FALSE(choose_format(AcceptClass::kAvif, {}));
}

TEST(UrlSignatureTest, VerifiesOnlyItsOwnPathAndKey) {
    const std::string sig = sign_path("key", "/i/abc/640x480");
    // base64url of HMAC-SHA256("key", "/i/abc/640x480"), from Python's hmac module.
    EXPECT_EQ(sig, "M88re1OuocC9Zk5Cb9xEFEbb_FrEdJJm3gvHprwSbsI");
    EXPECT_TRUE(verify_path("key", "/i/abc/640x480", sig));
    EXPECT_FALSE(verify_path("key", "/i/abc/640x481", sig));
    EXPECT_FALSE(verify_path("other", "/i/abc/640x480", sig));
    EXPECT_FALSE(verify_path("", "/i/abc/640x480", sign_path("x", "/i/abc/640x480")));
    EXPECT_FALSE(verify_path("key", "/i/abc/640x480", sig.substr(1)));
    EXPECT_EQ(query_param("a=1&sig=xyz&b", "sig"), "xyz");
    EXPECT_EQ(query_param("a=1&b", "sig"), "");
    EXPECT_EQ(query_param("signature=1", "sig"), "");
}

TEST(SingleFlightTest, ConcurrentCallersShareOneCall) {
    SingleFlight flights;
    std::atomic<int> calls{0};
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    auto call = [&] {
        calls.fetch_add(1);
        released.wait();
        return Status(StatusCode::kNotFound, "NoSuchImage", "shared");
    };
    std::vector<std::future<Status>> outcomes;
    outcomes.push_back(std::async(std::launch::async, [&] { return flights.run("k", call); }));
    while (calls.load() == 0) std::this_thread::yield();
    for (int i = 0; i < 8; ++i) {
        outcomes.push_back(std::async(std::launch::async, [&] { return flights.run("k", call); }));
    }
    while (flights.waiting("k") < 8) std::this_thread::yield();
    // Another key is not held up by this one.
    EXPECT_TRUE(flights.run("other", [] { return Status::ok(); }).is_ok());
    release.set_value();
    for (auto& o : outcomes) EXPECT_EQ(o.get().reason(), "NoSuchImage");
    EXPECT_EQ(calls.load(), 1);
    EXPECT_EQ(flights.waiting("k"), 0);
}

}  // namespace
}  // namespace imgpipe::delivery
