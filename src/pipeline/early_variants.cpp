#include "pipeline/early_variants.h"

namespace imgpipe::pipeline {

EarlyVariants::EarlyVariants(const imaging::ResizeSpec& spec, Store store)
    : store_(std::move(store)) {
    for (const auto& v : spec.variants) {
        early_.push_back(v.format != imaging::ImageFormat::kAvif);
        early_count_ += early_.back() ? 1 : 0;
    }
}

imaging::VariantReady EarlyVariants::on_ready() {
    if (early_count_ == 0 || early_count_ == early_.size()) return nullptr;
    return [this](size_t index, const imaging::Variant& variant) { ready(index, variant); };
}

void EarlyVariants::ready(size_t index, const imaging::Variant& variant) {
    if (!early_[index]) return;
    std::lock_guard lock(mu_);
    ready_indexes_.push_back(index);
    ready_.push_back(&variant);
    if (ready_.size() < early_count_) return;
    // The last of them: stored on this thread (held under the lock: no other call can be left).
    auto outcomes = store_(ready_indexes_, ready_);
    for (size_t i = 0; i < outcomes.size(); ++i) {
        stored_.emplace(ready_indexes_[i], std::move(outcomes[i]));
    }
}

const Result<store::ObjectInfo>* EarlyVariants::stored(size_t index) const {
    auto it = stored_.find(index);
    return it == stored_.end() ? nullptr : &it->second;
}

std::vector<store::ObjectInfo> EarlyVariants::stored_objects() const {
    std::vector<store::ObjectInfo> out;
    for (const auto& [index, outcome] : stored_) {
        if (outcome.is_ok()) out.push_back(*outcome);
    }
    return out;
}

}  // namespace imgpipe::pipeline
