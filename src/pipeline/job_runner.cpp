#include "pipeline/job_runner.h"

#include <algorithm>
#include <random>

#include "core/log.h"
#include "imaging/image_format.h"
#include "pipeline/early_variants.h"
#include "pipeline/event_ingress.h"
#include "pipeline/job_errors.h"
#include "pipeline/job_json.h"

namespace imgpipe::pipeline {
namespace {

void replace_all(std::string& text, std::string_view from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
        text.replace(at, from.size(), to);
        at += to.size();
    }
}

}  // namespace

std::string output_key(const std::string& key_template, const imaging::VariantSpec& variant,
                       const std::string& source_key, const std::string& image_id) {
    std::string key = key_template;
    replace_all(key, "{name}", variant.name);
    replace_all(key, "{width}", std::to_string(variant.width));
    replace_all(key, "{height}", std::to_string(variant.height));
    replace_all(key, "{format}", std::string(imaging::format_name(variant.format)));
    replace_all(key, "{id}", image_id);
    replace_all(key, "{key}", source_key);  // last: the source key may itself contain "{...}"
    return key;
}

std::string check_output_key_template(const std::string& key_template) {
    if (key_template.find("{key}") == std::string::npos &&
        key_template.find("{id}") == std::string::npos) {
        return "must contain {key} or {id}, or every image would write the same keys";
    }
    if (key_template.find("{name}") == std::string::npos) {
        return "must contain {name}, the one placeholder that differs for every variant";
    }
    return "";
}

struct JobRunner::Made {
    queue::OriginalInfo original;
    std::vector<queue::VariantResult> variants;
    std::vector<WebhookEvent> events;  // one ObjectCreated:Put per variant
    double process_ms = 0;             // decode, resize and encode: the image engine's share
};

JobRunner::JobRunner(RunnerPorts ports, JobOptions options)
    : store_(ports.store),
      processor_(ports.processor),
      jobs_(ports.jobs),
      queue_(ports.queue),
      ids_(ports.ids),
      webhooks_(ports.webhooks),
      clock_(ports.clock),
      options_(std::move(options)),
      cpu_slots_(std::max(1, options_.cpu_slots)) {}

RunResult JobRunner::run(const S3EventRecord& record, int attempt,
                         std::chrono::system_clock::time_point published) {
    const std::string id = ids_.id_for(record.bucket, record.key);
    auto started = jobs_.start(id, record.sequencer);
    if (!started.is_ok()) {
        if (started.status().code() == StatusCode::kNotFound) return {};  // deleted meanwhile
        return {RunResult::kRetry, backoff(attempt), error_code_for(started.status())};
    }
    if (!started->has_value()) return {};  // superseded, or a duplicate of a finished delivery
    const queue::Job& job = **started;
    if (attempt > options_.max_attempts) {
        // The earlier deliveries never came back: the worker died or ran past its lease.
        RunResult r = fail(job, std::string(kRetriesExhausted),
                           Status(StatusCode::kAborted, std::string(kRetriesExhausted),
                                  "interrupted on every attempt"),
                           {});
        if (r.outcome == RunResult::kFailed) r.outcome = RunResult::kDead;
        return r;
    }

    // From the event entering the queue (right after the object's commit) to this start; and
    // from the event's own time, taken before the store's commit and its fsync, to the ms.
    const double queued_ms =
        std::chrono::duration<double, std::milli>(clock_.now() - published).count();
    const double since_event_ms =
        std::chrono::duration<double, std::milli>(clock_.now() - record.time).count();
    auto t0 = clock_.steady_now();
    auto made = make_variants(job, id);
    if (!made.is_ok() && made.status().reason() == kSuperseded) return {};
    if (!made.is_ok()) return retry_or_fail(job, made.status(), attempt);

    queue::Job done = job;
    done.state = queue::JobState::kDone;
    done.original = made->original;
    done.variants = made->variants;
    done.updated = clock_.now();
    made->events.push_back({id, "ImageProcessed", image_event_json(done, clock_.now())});
    // Queued before the job is marked done, so a crash in between sends them twice rather than
    // never (at least once).
    if (Status st = notify(made->events); !st.is_ok()) return retry_or_fail(job, st, attempt);
    auto finished = jobs_.finish(id, record.sequencer, made->original, made->variants);
    if (!finished.is_ok() && finished.status().code() == StatusCode::kNotFound) {
        // DELETE /images/{id} removed the image while it was being made: remove what this run
        // stored after that.
        for (const auto& v : made->variants) (void)store_.delete_object(v.bucket, v.key);
        return {};
    }
    if (!finished.is_ok()) return retry_or_fail(job, finished.status(), attempt);
    if (!*finished) {
        // A later upload of the key took the job while this run stored its variants.
        rerun_if_overwritten(job);
        return {};
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steady_now() - t0);
    log::info("job done", {{"job_id", id},
                           {"key", record.key},
                           {"variants", made->variants.size()},
                           {"attempt", attempt},
                           {"queued_ms", queued_ms},
                           {"since_event_ms", since_event_ms},
                           {"process_ms", made->process_ms},
                           {"duration_ms", ms.count()}});
    return {RunResult::kDone};
}

Result<JobRunner::Made> JobRunner::make_variants(const queue::Job& job,
                                                 const std::string& image_id) {
    auto reader = store_.get_object(job.bucket, job.key, std::nullopt);
    if (!reader.is_ok()) {
        if (reader.status().code() == StatusCode::kNotFound) {
            return Status(StatusCode::kNotFound, std::string(kSourceMissing),
                          reader.status().message());
        }
        return reader.status();
    }
    Made made;
    made.original.bytes = reader->info.size;
    if (reader->info.size > options_.max_source_bytes) {
        return Status(StatusCode::kResourceExhausted, std::string(kSourceTooLarge),
                      std::to_string(reader->info.size) + " bytes");
    }

    imaging::ResizeSpec spec = options_.default_spec;
    if (auto v = reader->info.attributes.metadata.find("variants");
        v != reader->info.attributes.metadata.end()) {
        auto requested = imaging::parse_resize_spec_json_text(v->second, options_.spec_limits);
        if (!requested.is_ok()) {
            return invalid_argument(std::string(kInvalidVariants), requested.status().message());
        }
        spec = std::move(*requested);
    }

    IMGPIPE_ASSIGN_OR_RETURN(std::string bytes, read_all(*reader->body, options_.max_source_bytes));
    // An upload of the same key since this run started makes its variants stale: storing them
    // now could overwrite the newer ones.
    // (Or the image was deleted meanwhile: then nothing is to be stored either.)
    auto still_current = [&]() -> Status {
        auto current = jobs_.get(job.id);
        if (!current.is_ok() && current.status().code() != StatusCode::kNotFound) {
            return current.status();
        }
        if (!current.is_ok() || current->sequencer != job.sequencer ||
            current->state != queue::JobState::kProcessing) {
            return Status(StatusCode::kAborted, std::string(kSuperseded),
                          "a later upload took over");
        }
        return Status::ok();
    };
    auto put_all = [&](const std::vector<size_t>& indexes,
                       const std::vector<const imaging::Variant*>& variants) {
        std::vector<store::PutRequest> puts;
        for (size_t k = 0; k < indexes.size(); ++k) {
            const imaging::Variant& v = *variants[k];
            store::PutRequest& put = puts.emplace_back();
            put.bucket = options_.dest_bucket;
            put.key = output_key(options_.output_key_template, spec.variants[indexes[k]], job.key,
                                 image_id);
            put.attributes.content_type = v.content_type;
            put.attributes.headers["cache-control"] = options_.cache_control;
            put.attributes.metadata["image-id"] = image_id;
            put.attributes.metadata["variant"] = v.name;
        }
        // All at once: the store overlaps their writes and may commit them together.
        std::vector<StringByteSource> bodies;
        bodies.reserve(variants.size());
        for (const auto* v : variants) bodies.emplace_back(v->bytes);
        std::vector<ByteSource*> body_ptrs;
        body_ptrs.reserve(bodies.size());
        for (auto& b : bodies) body_ptrs.push_back(&b);
        return store_.put_objects(puts, body_ptrs);
    };
    // First variant first: the variants other than AVIF are stored while the AVIF ones encode.
    EarlyVariants early(spec, [&](const auto& indexes, const auto& variants) {
        if (!still_current().is_ok()) return std::vector<Result<store::ObjectInfo>>{};
        return put_all(indexes, variants);
    });
    cpu_slots_.acquire();
    auto t_read = clock_.steady_now();
    auto deadline = t_read + options_.job_timeout;
    auto processed =
        processor_.process(bytes, spec, options_.image_limits, deadline, early.on_ready());
    made.process_ms =
        std::chrono::duration<double, std::milli>(clock_.steady_now() - t_read).count();
    cpu_slots_.release();
    if (!processed.is_ok()) {
        // A failed job leaves no variants behind, not even those stored early.
        for (const auto& o : early.stored_objects()) (void)store_.delete_object(o.bucket, o.key);
        return processed.status();
    }
    imaging::Size upright = processed->source.upright();
    made.original.width = upright.width;
    made.original.height = upright.height;
    made.original.format = std::string(imaging::format_name(processed->source.format));
    made.original.thumbhash = processed->placeholder.thumbhash;
    made.original.dominant_color = processed->placeholder.thumbhash.empty()
                                       ? ""
                                       : imaging::hex_colour(processed->placeholder.dominant);

    if (Status st = still_current(); !st.is_ok()) {
        // What was stored early may have overwritten a later upload's variants.
        if (!early.stored_objects().empty()) rerun_if_overwritten(job);
        return st;
    }
    std::vector<size_t> late;
    std::vector<const imaging::Variant*> late_variants;
    for (size_t i = 0; i < processed->variants.size(); ++i) {
        if (early.stored(i) != nullptr) continue;
        late.push_back(i);
        late_variants.push_back(&processed->variants[i]);
    }
    auto stored_late =
        late.empty() ? std::vector<Result<store::ObjectInfo>>{} : put_all(late, late_variants);
    for (size_t i = 0, j = 0; i < processed->variants.size(); ++i) {
        const Result<store::ObjectInfo>& stored =
            early.stored(i) != nullptr ? *early.stored(i) : stored_late[j++];
        if (!stored.is_ok()) return stored.status();
        const store::ObjectInfo& info = *stored;
        const imaging::Variant& v = processed->variants[i];
        made.variants.push_back({v.name, info.bucket, info.key, v.width, v.height, info.size,
                                 std::string(imaging::format_name(v.format)), v.content_type,
                                 info.etag, v.frames, v.note});
        S3EventRecord created;
        created.event_name = "ObjectCreated:Put";
        created.time = info.last_modified;
        created.bucket = info.bucket;
        created.key = info.key;
        created.size = info.size;
        created.etag = info.etag;
        made.events.push_back({image_id, "ObjectCreated:Put", to_s3_event_json({created})});
    }
    return made;
}

void JobRunner::rerun_if_overwritten(const queue::Job& stale) {
    auto current = jobs_.get(stale.id);
    if (!current.is_ok() || current->sequencer == stale.sequencer) return;
    log::warn("job superseded while storing", {{"job_id", stale.id}, {"key", stale.key}});
    // A later creation that is already done may have had its variants overwritten by this run's:
    // it runs again. One still pending or running stores its own after this run's.
    if (current->state != queue::JobState::kDone) return;
    auto reset = jobs_.reset(stale.id);
    Status st =
        reset.is_ok()
            ? queue_.publish(message_id_for(reset->id, reset->sequencer) + "~rerun", reset->event)
            : reset.status();
    if (!st.is_ok())
        log::error("rerun not queued", {{"job_id", stale.id}, {"error", st.to_string()}});
}

RunResult JobRunner::retry_or_fail(const queue::Job& job, const Status& error, int attempt) {
    const std::string code = error_code_for(error);
    if (!is_retryable(error)) return fail(job, code, error, {});
    if (attempt >= options_.max_attempts) {
        RunResult r =
            fail(job, std::string(kRetriesExhausted),
                 error.with_context("gave up after " + std::to_string(attempt) + " attempts"), {});
        if (r.outcome == RunResult::kFailed) r.outcome = RunResult::kDead;
        return r;
    }
    auto delay = backoff(attempt);
    log::warn("job will be retried", {{"job_id", job.id},
                                      {"attempt", attempt},
                                      {"retry_ms", delay.count()},
                                      {"error", error.to_string()}});
    auto noted = jobs_.retry_later(job.id, job.sequencer, code, public_error_message(code, true));
    if (!noted.is_ok()) log::warn("job store", {{"error", noted.status().to_string()}});
    return {RunResult::kRetry, delay, code};
}

RunResult JobRunner::fail(const queue::Job& job, const std::string& code, const Status& detail,
                          const queue::OriginalInfo& original) {
    log::warn(
        "job failed",
        {{"job_id", job.id}, {"key", job.key}, {"code", code}, {"error", detail.to_string()}});
    queue::Job failed = job;
    failed.state = queue::JobState::kFailed;
    failed.error_code = code;
    failed.error_message = public_error_message(code, false);
    failed.original = original;
    failed.updated = clock_.now();
    Status queued = notify({{job.id, "ImageFailed", image_event_json(failed, clock_.now())}});
    auto r = !queued.is_ok()
                 ? Result<bool>(queued)
                 : jobs_.fail(job.id, job.sequencer, code, failed.error_message, original);
    if (!r.is_ok()) {
        // The job stays processing; its message comes back after the backoff and fails again.
        log::warn("job store", {{"job_id", job.id}, {"error", r.status().to_string()}});
        return {RunResult::kRetry, backoff(1), error_code_for(r.status())};
    }
    return {RunResult::kFailed, {}, code};
}

std::chrono::milliseconds JobRunner::backoff(int attempt) const {
    // Exponential, capped, with "equal jitter": half fixed, half random, so retries of many jobs
    // that failed together spread out but none comes back at once.
    int shift = std::clamp(attempt - 1, 0, 20);
    std::chrono::milliseconds ceiling =
        std::min(options_.max_backoff, options_.initial_backoff * (int64_t{1} << shift));
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<int64_t> half(0, ceiling.count() / 2);
    return std::chrono::milliseconds(ceiling.count() - ceiling.count() / 2 + half(rng));
}

Status JobRunner::notify(const std::vector<WebhookEvent>& events) {
    return webhooks_ == nullptr ? Status::ok() : webhooks_->enqueue(events);
}

}  // namespace imgpipe::pipeline
