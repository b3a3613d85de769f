#include "queue/redis/redis_job_hash.h"

#include <charconv>
#include <map>

#include "queue/redis/redis_time.h"
#include "queue/variants_json.h"

namespace imgpipe::queue::redis {
namespace {

Status corrupt(const std::string& id, const std::string& field) {
    return {StatusCode::kDataLoss, "CorruptJobRow",
            "job " + id + ": field " + field + " is missing or unreadable"};
}

template <typename T>
bool parse_number(const std::string& s, T& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::vector<std::string> job_hash_fields(const Job& job) {
    return {"id",
            job.id,
            "bucket",
            job.bucket,
            "key",
            job.key,
            "etag",
            job.etag,
            "size",
            std::to_string(job.size),
            "sequencer",
            job.sequencer,
            "event",
            job.event,
            "state",
            std::string(job_state_name(job.state)),
            "attempts",
            std::to_string(job.attempts),
            "error_code",
            job.error_code,
            "error_message",
            job.error_message,
            "original_bytes",
            std::to_string(job.original.bytes),
            "original_width",
            std::to_string(job.original.width),
            "original_height",
            std::to_string(job.original.height),
            "original_format",
            job.original.format,
            "thumbhash",
            job.original.thumbhash,
            "dominant_color",
            job.original.dominant_color,
            "variants",
            variants_to_json(job.variants),
            "rendered",
            variants_to_json(job.rendered),
            "created_ns",
            ns_text(job.created),
            "updated_ns",
            ns_text(job.updated),
            "version",
            std::to_string(job.version)};
}

Result<Job> job_from_hash(const RedisReply& hgetall) {
    std::map<std::string, std::string> f;
    for (size_t i = 0; i + 1 < hgetall.size(); i += 2) f[hgetall[i].str()] = hgetall[i + 1].str();
    Job job;
    job.id = f["id"];
    auto text = [&](const char* name, std::string& out) {
        auto it = f.find(name);
        if (it == f.end()) return false;
        out = it->second;
        return true;
    };
    auto number = [&](const char* name, auto& out) {
        auto it = f.find(name);
        return it != f.end() && parse_number(it->second, out);
    };
    auto time = [&](const char* name, TimePoint& out) {
        auto it = f.find(name);
        auto t = it == f.end() ? std::nullopt : parse_ns_text(it->second);
        if (t) out = *t;
        return t.has_value();
    };
    if (!text("bucket", job.bucket)) return corrupt(job.id, "bucket");
    if (!text("key", job.key)) return corrupt(job.id, "key");
    if (!text("etag", job.etag)) return corrupt(job.id, "etag");
    if (!number("size", job.size)) return corrupt(job.id, "size");
    if (!text("sequencer", job.sequencer)) return corrupt(job.id, "sequencer");
    if (!text("event", job.event)) return corrupt(job.id, "event");
    std::optional<JobState> state = parse_job_state(f["state"]);
    if (!state) return corrupt(job.id, "state");
    job.state = *state;
    if (!number("attempts", job.attempts)) return corrupt(job.id, "attempts");
    if (!text("error_code", job.error_code)) return corrupt(job.id, "error_code");
    if (!text("error_message", job.error_message)) return corrupt(job.id, "error_message");
    if (!number("original_bytes", job.original.bytes)) return corrupt(job.id, "original_bytes");
    if (!number("original_width", job.original.width)) return corrupt(job.id, "original_width");
    if (!number("original_height", job.original.height)) {
        return corrupt(job.id, "original_height");
    }
    if (!text("original_format", job.original.format)) {
        return corrupt(job.id, "original_format");
    }
    // The placeholder is optional (jobs written before placeholders were kept have none).
    job.original.thumbhash = f["thumbhash"];
    job.original.dominant_color = f["dominant_color"];
    IMGPIPE_ASSIGN_OR_RETURN(job.variants, variants_from_json(f["variants"]));
    // Absent from jobs written before on-demand renders were recorded: none recorded.
    if (auto it = f.find("rendered"); it != f.end()) {
        IMGPIPE_ASSIGN_OR_RETURN(job.rendered, variants_from_json(it->second));
    }
    if (!time("created_ns", job.created)) return corrupt(job.id, "created_ns");
    if (!time("updated_ns", job.updated)) return corrupt(job.id, "updated_ns");
    if (!number("version", job.version)) return corrupt(job.id, "version");
    return job;
}

}  // namespace imgpipe::queue::redis
