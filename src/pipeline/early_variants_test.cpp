// EarlyVariants: which variants are stored early, when, and what the job then takes.

#include "pipeline/early_variants.h"

#include <gtest/gtest.h>

namespace imgpipe::pipeline {
namespace {

imaging::ResizeSpec spec_of(const std::vector<imaging::ImageFormat>& formats) {
    imaging::ResizeSpec spec;
    for (auto f : formats)
        spec.variants.push_back({.name = "v", .width = 1, .height = 1, .format = f});
    return spec;
}

imaging::Variant variant(const std::string& name) {
    imaging::Variant v;
    v.name = name;
    return v;
}

using F = imaging::ImageFormat;

TEST(EarlyVariantsTest, StoresTheOthersOnceAllAreMadeBeforeAvif) {
    std::vector<std::vector<size_t>> calls;
    EarlyVariants early(spec_of({F::kAvif, F::kJpeg, F::kWebp}),
                        [&](const std::vector<size_t>& indexes, const auto& variants) {
                            calls.push_back(indexes);
                            std::vector<Result<store::ObjectInfo>> out;
                            for (const auto* v : variants) {
                                store::ObjectInfo info;
                                info.key = v->name;
                                out.emplace_back(info);
                            }
                            return out;
                        });
    auto ready = early.on_ready();
    ASSERT_TRUE(ready);
    const imaging::Variant webp = variant("webp");
    const imaging::Variant jpeg = variant("jpeg");
    ready(2, webp);
    EXPECT_TRUE(calls.empty());  // one of the two is still to come
    ready(1, jpeg);
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0], (std::vector<size_t>{2, 1}));
    ready(0, variant("avif"));  // the AVIF one is stored with the job, not here
    EXPECT_EQ(calls.size(), 1u);
    ASSERT_NE(early.stored(1), nullptr);
    EXPECT_EQ((*early.stored(1))->key, "jpeg");
    EXPECT_EQ((*early.stored(2))->key, "webp");
    EXPECT_EQ(early.stored(0), nullptr);
    EXPECT_EQ(early.stored_objects().size(), 2u);
}

TEST(EarlyVariantsTest, NothingEarlyWithoutAvifOrWithOnlyAvif) {
    auto never = [](const auto&, const auto&) {
        ADD_FAILURE() << "stored early";
        return std::vector<Result<store::ObjectInfo>>{};
    };
    EarlyVariants plain(spec_of({F::kJpeg, F::kWebp}), never);
    EXPECT_FALSE(plain.on_ready());
    EarlyVariants avif(spec_of({F::kAvif, F::kAvif}), never);
    EXPECT_FALSE(avif.on_ready());
}

TEST(EarlyVariantsTest, ASupersededJobStoresNothingEarly) {
    EarlyVariants early(spec_of({F::kJpeg, F::kAvif}), [](const auto&, const auto&) {
        return std::vector<Result<store::ObjectInfo>>{};  // what the runner returns then
    });
    early.on_ready()(0, variant("jpeg"));
    EXPECT_EQ(early.stored(0), nullptr);
    EXPECT_TRUE(early.stored_objects().empty());
}

}  // namespace
}  // namespace imgpipe::pipeline
