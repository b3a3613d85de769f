#include "pipeline/s3_event.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/form_url.h"
#include "core/time_text.h"

namespace imgpipe::pipeline {
namespace {

using nlohmann::json;

Status invalid_event(std::string message) {
    return invalid_argument("InvalidEvent", std::move(message));
}

// "2026-01-01T12:00:00.123Z" (AWS, MinIO) or without fraction (Ceph); the epoch when it does not
// parse: a record's time is informational, never a reason to drop the event.
std::chrono::system_clock::time_point parse_event_time(const std::string& text) {
    std::tm tm{};
    int millis = 0;
    int n = std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                        &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis);
    if (n < 6) return {};
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(millis);
}

json record_json(const S3EventRecord& r) {
    return {
        {"eventVersion", "2.1"},
        {"eventSource", r.event_source},
        {"awsRegion", r.region},
        {"eventTime", iso8601(r.time, TimePrecision::kMillis)},
        {"eventName", r.event_name},
        {"userIdentity", {{"principalId", "imgpipe"}}},
        {"s3",
         {{"s3SchemaVersion", "1.0"},
          {"configurationId", "imgpipe"},
          {"bucket",
           {{"name", r.bucket},
            {"ownerIdentity", {{"principalId", "imgpipe"}}},
            {"arn", "arn:aws:s3:::" + r.bucket}}},
          {"object",
           {{"key", form_url_encode(r.key)},
            {"size", r.size},
            {"eTag", r.etag},
            {"sequencer", r.sequencer}}}}},
    };
}

std::string string_at(const json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<S3EventRecord> parse_record(const json& j) {
    if (!j.is_object()) return invalid_event("a record is not an object");
    S3EventRecord r;
    r.event_name = string_at(j, "eventName");
    if (r.event_name.rfind("s3:", 0) == 0) r.event_name.erase(0, 3);  // tolerate SNS-style names
    if (r.event_name.empty()) return invalid_event("a record has no eventName");
    r.event_source = string_at(j, "eventSource");
    r.region = string_at(j, "awsRegion");
    r.time = parse_event_time(string_at(j, "eventTime"));
    auto s3 = j.find("s3");
    if (s3 == j.end() || !s3->is_object()) return invalid_event("a record has no s3 member");
    auto bucket = s3->find("bucket");
    auto object = s3->find("object");
    if (bucket == s3->end() || !bucket->is_object() || object == s3->end() ||
        !object->is_object()) {
        return invalid_event("a record has no s3.bucket or s3.object");
    }
    r.bucket = string_at(*bucket, "name");
    std::string raw_key = string_at(*object, "key");
    if (r.bucket.empty() || raw_key.empty()) return invalid_event("a record has no bucket or key");
    if (r.event_source == "ceph:s3") {
        r.key = std::move(raw_key);  // Ceph RGW sends keys as they are (s3-compat.md §4)
    } else {
        auto key = form_url_decode(raw_key);
        if (!key) return invalid_event("a record's key is not form-URL-encoded");
        r.key = std::move(*key);
    }
    auto size = object->find("size");
    if (size != object->end() && size->is_number_unsigned()) r.size = size->get<uint64_t>();
    r.etag = string_at(*object, "eTag");
    if (r.etag.size() >= 2 && r.etag.front() == '"' && r.etag.back() == '"') {
        r.etag = r.etag.substr(1, r.etag.size() - 2);
    }
    r.sequencer = string_at(*object, "sequencer");
    return r;
}

}  // namespace

std::string local_sequencer(int64_t seq) {
    char text[17];
    std::snprintf(text, sizeof text, "%016" PRIX64, static_cast<uint64_t>(seq));
    return text;
}

std::string to_s3_event_json(const std::vector<S3EventRecord>& records) {
    json list = json::array();
    for (const auto& r : records) list.push_back(record_json(r));
    return json{{"Records", std::move(list)}}.dump();
}

Result<std::vector<S3EventRecord>> parse_s3_event(std::string_view text) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return invalid_event("the event is not a JSON object");
    if (string_at(j, "Event") == "s3:TestEvent") return std::vector<S3EventRecord>{};
    auto records = j.find("Records");
    if (records == j.end() || !records->is_array()) return invalid_event("no Records array");
    std::vector<S3EventRecord> out;
    for (const auto& r : *records) {
        auto record = parse_record(r);
        if (!record) return record.status();
        out.push_back(std::move(*record));
    }
    return out;
}

}  // namespace imgpipe::pipeline
