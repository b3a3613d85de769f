#include "pipeline/job_json.h"

#include "core/time_text.h"
#include "imaging/image_processor.h"
#include "pipeline/job_errors.h"

namespace imgpipe::pipeline {

using nlohmann::json;

namespace {

// The public sentence for a VariantResult::note code.
std::string variant_note_message(const std::string& code) {
    if (code == imaging::kAnimationOverBudget) {
        return "the animation is over the worker's frames x pixels budget "
               "(worker.max_animation_pixels): this variant is its first frame only";
    }
    return code;
}

// One entry of "variants" or "rendered", without the delivery path.
json variant_json(const queue::VariantResult& v, const VariantUrl& url) {
    json vj = {{"name", v.name},     {"width", v.width},   {"height", v.height},
               {"bytes", v.bytes},   {"format", v.format}, {"contentType", v.content_type},
               {"bucket", v.bucket}, {"key", v.key},       {"frames", v.frames}};
    if (!v.note.empty()) vj["note"] = {{"code", v.note}, {"message", variant_note_message(v.note)}};
    if (url) vj["url"] = url(v);
    if (!v.etag.empty()) vj["etag"] = v.etag;
    return vj;
}

}  // namespace

json job_json(const queue::Job& job, const VariantUrl& url) {
    json j = {
        {"id", job.id},
        {"state", queue::job_state_name(job.state)},
        {"bucket", job.bucket},
        {"key", job.key},
        {"attempts", job.attempts},
        {"createdAt", iso8601(job.created, TimePrecision::kMillis)},
        {"updatedAt", iso8601(job.updated, TimePrecision::kMillis)},
    };
    if (!job.original.format.empty()) {
        j["original"] = {{"bytes", job.original.bytes},
                         {"width", job.original.width},
                         {"height", job.original.height},
                         {"format", job.original.format}};
    }
    if (!job.original.thumbhash.empty()) {
        // What a page shows until a variant loads (base64url ThumbHash, dominant colour).
        j["placeholder"] = {{"thumbhash", job.original.thumbhash},
                            {"dominantColor", job.original.dominant_color}};
    }
    if (job.state == queue::JobState::kDone) {
        json variants = json::array();
        for (const auto& v : job.variants) {
            json vj = variant_json(v, url);
            if (!v.etag.empty()) {
                // The content-addressed delivery URL on the API port (cacheable for a year).
                vj["deliveryPath"] = "/i/" + job.id + "/" + v.name + "@" + v.etag;
            }
            variants.push_back(std::move(vj));
        }
        j["variants"] = std::move(variants);
    }
    if (!job.rendered.empty()) {
        // Made on request: reached again through the signed URL or preset that made them (a
        // signed size's signature covers its path, so no deliveryPath is offered).
        json rendered = json::array();
        for (const auto& v : job.rendered) rendered.push_back(variant_json(v, url));
        j["rendered"] = std::move(rendered);
    }
    if (!job.error_code.empty() && job.state != queue::JobState::kDone) {
        // While a retry is pending it is the last attempt's error, not the outcome.
        j[job.state == queue::JobState::kFailed ? "error" : "lastError"] = {
            {"code", public_error_code(job.error_code)}, {"message", job.error_message}};
    }
    return j;
}

std::string image_event_json(const queue::Job& job, std::chrono::system_clock::time_point now) {
    json j = {
        {"eventName", job.state == queue::JobState::kDone ? "ImageProcessed" : "ImageFailed"},
        {"eventTime", iso8601(now, TimePrecision::kMillis)},
        {"image", job_json(job)},
    };
    return dump_json(j);
}

std::string dump_json(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace imgpipe::pipeline
