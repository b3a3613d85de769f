#include "delivery/on_demand_renderer.h"

#include <algorithm>
#include <charconv>

#include "core/log.h"
#include "pipeline/job_runner.h"

namespace imgpipe::delivery {
namespace {

constexpr const char* kSourceEtag = "source-etag";
// What the render made, so a variant found stored is recorded as it was made, without a decode.
constexpr const char* kWidth = "width";
constexpr const char* kHeight = "height";
constexpr const char* kFrames = "frames";
constexpr const char* kNote = "note";

int metadata_int(const store::ObjectInfo& info, const char* name) {
    auto it = info.attributes.metadata.find(name);
    if (it == info.attributes.metadata.end()) return 0;  // stored before it was kept
    int value = 0;
    auto [end, ec] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
    return ec == std::errc() && end == it->second.data() + it->second.size() ? value : 0;
}

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

OnDemandRenderer::OnDemandRenderer(store::ObjectStore& store, queue::JobStore& jobs,
                                   const imaging::ImageProcessor& processor, const Clock& clock,
                                   RendererOptions options)
    : store_(store),
      jobs_(jobs),
      processor_(processor),
      clock_(clock),
      options_(std::move(options)),
      slots_(std::max(1, options_.max_concurrent)) {}

Result<std::string> OnDemandRenderer::ensure(const queue::Job& job,
                                             const imaging::VariantSpec& variant) {
    const std::string key =
        pipeline::output_key(options_.output_key_template, variant, job.key, job.id);
    if (auto stored = current(key, variant, job.etag)) {
        IMGPIPE_RETURN_IF_ERROR(record(job, *stored, /*just_stored=*/false));
        return key;
    }
    // The flight checks again: a render of this key may have landed just before it started. Its
    // waiters share the outcome, so a render is recorded once, by the call that made it.
    Status st = flights_.run(key + '\n' + job.etag, [&]() -> Status {
        if (auto stored = current(key, variant, job.etag)) return record(job, *stored, false);
        IMGPIPE_ASSIGN_OR_RETURN(queue::VariantResult made, render(job, variant, key));
        return record(job, made, /*just_stored=*/true);
    });
    if (!st.is_ok()) return st;
    return key;
}

std::optional<queue::VariantResult> OnDemandRenderer::current(const std::string& key,
                                                              const imaging::VariantSpec& variant,
                                                              const std::string& source_etag) {
    auto info = store_.head_object(options_.dest_bucket, key);
    if (!info.is_ok()) return std::nullopt;
    auto it = info->attributes.metadata.find(kSourceEtag);
    if (it == info->attributes.metadata.end() || it->second != source_etag) return std::nullopt;
    queue::VariantResult v;
    v.name = variant.name;
    v.bucket = options_.dest_bucket;
    v.key = key;
    v.width = metadata_int(*info, kWidth);
    v.height = metadata_int(*info, kHeight);
    v.bytes = info->size;
    v.format = std::string(imaging::format_name(variant.format));
    v.content_type = info->attributes.content_type;
    v.etag = info->etag;
    v.frames = std::max(1, metadata_int(*info, kFrames));
    if (auto note = info->attributes.metadata.find(kNote); note != info->attributes.metadata.end())
        v.note = note->second;
    return v;
}

Status OnDemandRenderer::record(const queue::Job& job, const queue::VariantResult& stored,
                                bool just_stored) {
    const bool listed = std::any_of(job.rendered.begin(), job.rendered.end(), [&](const auto& r) {
        return r.name == stored.name && r.key == stored.key && r.etag == stored.etag;
    });
    if (listed) return Status::ok();  // the common case: no write per request
    auto added = jobs_.add_rendered(job.id, stored);
    if (added.is_ok()) return Status::ok();
    const bool gone = added.status().code() == StatusCode::kNotFound;
    // Gone: DELETE /images/{id} removed the image (and what its job listed) meanwhile, so the
    // object would outlive it, readable in the destination bucket. Not recorded for another
    // reason: a render just stored is taken back too (the request fails and a retry renders
    // again); one found stored is left for the next request to record.
    if (gone || just_stored) (void)store_.delete_object(stored.bucket, stored.key);
    if (gone) return Status(StatusCode::kNotFound, "NoSuchImage", "the image was deleted");
    return added.status();
}

Result<queue::VariantResult> OnDemandRenderer::render(const queue::Job& job,
                                                      const imaging::VariantSpec& variant,
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
    put.attributes.metadata[kWidth] = std::to_string(made.width);
    put.attributes.metadata[kHeight] = std::to_string(made.height);
    put.attributes.metadata[kFrames] = std::to_string(made.frames);
    if (!made.note.empty()) put.attributes.metadata[kNote] = made.note;
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
    queue::VariantResult v;
    v.name = variant.name;
    v.bucket = options_.dest_bucket;
    v.key = key;
    v.width = made.width;
    v.height = made.height;
    v.bytes = stored->size;
    v.format = std::string(imaging::format_name(made.format));
    v.content_type = made.content_type;
    v.etag = stored->etag;
    v.frames = made.frames;
    v.note = made.note;
    return v;
}

}  // namespace imgpipe::delivery
