#pragma once
// EarlyVariants: first variant first. When a job asks for AVIF variants (slow to encode) and
// others, the ImageProcessor makes the others first and tells of each as it is made
// (VariantReady); this collects them and, as soon as the last of them is in, stores them all at
// once through `store` while the AVIF ones still encode, so the first variant's latency does not
// depend on whether AVIF was requested. The job then takes what was stored early as is.
// Thread-safe (on_ready's calls may overlap).

#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "imaging/image_processor.h"
#include "store/object_store.h"

namespace imgpipe::pipeline {

class EarlyVariants {
  public:
    // Stores `variants` (those of the spec's `indexes`), returning one outcome per variant;
    // an empty vector when nothing was stored (the job was superseded meanwhile).
    using Store = std::function<std::vector<Result<store::ObjectInfo>>(
        const std::vector<size_t>& indexes, const std::vector<const imaging::Variant*>& variants)>;

    EarlyVariants(const imaging::ResizeSpec& spec, Store store);

    // The callback for ImageProcessor::process; null when nothing is to be stored early (no
    // AVIF variant, or only AVIF ones).
    imaging::VariantReady on_ready();

    // The outcome of storing the variant at `index` early; null when it was not.
    // REQUIRES: process() has returned.
    const Result<store::ObjectInfo>* stored(size_t index) const;

    // Every object stored early. REQUIRES: process() has returned.
    std::vector<store::ObjectInfo> stored_objects() const;

  private:
    void ready(size_t index, const imaging::Variant& variant);

    Store store_;
    std::vector<bool> early_;  // by spec index: made before the AVIF ones
    size_t early_count_ = 0;
    std::mutex mu_;
    std::vector<size_t> ready_indexes_;                   // GUARDED_BY(mu_)
    std::vector<const imaging::Variant*> ready_;          // GUARDED_BY(mu_)
    std::map<size_t, Result<store::ObjectInfo>> stored_;  // GUARDED_BY(mu_) while processing
};

}  // namespace imgpipe::pipeline
