#include "delivery/on_demand_renderer.h"

#include <algorithm>

#include "core/log.h"
#include "pipeline/job_runner.h"

namespace imgpipe::delivery {
namespace {

constexpr const char* kSourceEtag = "source-etag";

// Releases a counting semaphore's slot on every path out.
class SlotGuard {
  public:
    explicit SlotGuard(std::counting_semaphore<>& slots) : slots_(slots) { slots_.acquire(); }
    ~SlotGuard() { slots_.release(); }
    SlotGuard(const SlotGuard&) = delete;
    SlotGuard& operator=(const SlotGuard&) = delete;

  private:
    std::counting_semaphore<>& slots_;
};

}  // namespace

OnDemandRenderer::OnDemandRenderer(store::ObjectStore& store,
                                   const imaging::ImageProcessor& processor, const Clock& clock,
                                   RendererOptions options)
    : store_(store),
      processor_(processor),
      clock_(clock),
      options_(std::move(options)),
      slots_(std::max(1, options_.max_concurrent)) {}

Result<std::string> OnDemandRenderer::ensure(const queue::Job& job,
                                             const imaging::VariantSpec& variant) {
    const std::string key =
        pipeline::output_key(options_.output_key_template, variant, job.key, job.id);
    if (is_current(key, job.etag)) return key;
    // The flight checks again: a render of this key may have landed just before it started.
    Status st = flights_.run(key + '\n' + job.etag, [&]() -> Status {
        if (is_current(key, job.etag)) return Status::ok();
        return render(job, variant, key);
    });
    if (!st.is_ok()) return st;
    return key;
}

bool OnDemandRenderer::is_current(const std::string& key, const std::string& source_etag) {
    auto info = store_.head_object(options_.dest_bucket, key);
    if (!info.is_ok()) return false;
    auto it = info->attributes.metadata.find(kSourceEtag);
    return it != info->attributes.metadata.end() && it->second == source_etag;
}

Status OnDemandRenderer::render(const queue::Job& job, const imaging::VariantSpec& variant,
                                const std::string& key) {
    auto reader = store_.get_object(job.bucket, job.key, std::nullopt);
    if (!reader.is_ok()) {
        if (reader.status().code() == StatusCode::kNotFound) {
            return Status(StatusCode::kNotFound, "NoSuchImage", "the original is gone");
        }
        return reader.status();
    }
    if (reader->info.size > options_.max_source_bytes) {
        return Status(StatusCode::kResourceExhausted, "SourceTooLarge",
                      std::to_string(reader->info.size) + " bytes");
    }
    IMGPIPE_ASSIGN_OR_RETURN(std::string bytes, read_all(*reader->body, options_.max_source_bytes));
    // What the stored object was made from: the original as read now, which may be newer than
    // the job's record (a re-upload the worker has not processed yet).
    const std::string source_etag = reader->info.etag;

    imaging::ResizeSpec spec{{variant}};
    auto t0 = clock_.steady_now();
    Result<imaging::ProcessedImage> processed = [&] {
        SlotGuard slot(slots_);
        return processor_.process(bytes, spec, options_.image_limits, t0 + options_.timeout);
    }();
    if (!processed.is_ok()) return processed.status();
    const auto t_made = clock_.steady_now();
    const imaging::Variant& made = processed->variants.front();

    store::PutRequest put;
    put.bucket = options_.dest_bucket;
    put.key = key;
    put.attributes.content_type = made.content_type;
    put.attributes.headers["cache-control"] = options_.cache_control;
    put.attributes.metadata["image-id"] = job.id;
    put.attributes.metadata["variant"] = made.name;
    put.attributes.metadata[kSourceEtag] = source_etag;
    StringByteSource body(made.bytes);
    auto stored = store_.put_object(put, body);
    if (!stored.is_ok()) return stored.status();
    renders_.fetch_add(1);
    log::info("variant rendered on demand",
              {{"image_id", job.id},
               {"variant", made.name},
               {"bytes", made.bytes.size()},
               // Where a first render's time goes (bench/delivery compares it with the CLI's).
               {"process_ms", std::chrono::duration<double, std::milli>(t_made - t0).count()},
               {"store_ms",
                std::chrono::duration<double, std::milli>(clock_.steady_now() - t_made).count()},
               {"duration_ms",
                std::chrono::duration<double, std::milli>(clock_.steady_now() - t0).count()}});
    return Status::ok();
}

}  // namespace imgpipe::delivery
