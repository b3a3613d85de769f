#pragma once
// The JSON of a job: what `GET /images/{id}` answers (DESIGN.md §4), what each server-sent event
// carries and what the ImageProcessed / ImageFailed webhooks send. One shape everywhere:
//
//   {"id": "...", "state": "done", "bucket": "uploads", "key": "uploads/<id>/cat.jpg",
//    "attempts": 1, "createdAt": "...", "updatedAt": "...",
//    "original": {"bytes": 123, "width": 2725, "height": 2225, "format": "jpeg"},
//    "variants": [{"name": "400x400", "width": 400, "height": 400, "bytes": 9000,
//                  "format": "jpeg", "contentType": "image/jpeg", "bucket": "resized",
//                  "key": "resized-400x400/uploads/<id>/cat.jpg", "url": "...", "frames": 1,
//                  "note": {"code": "AnimationOverBudget", "message": "..."}}],
//    "rendered": [{"name": "300x200.webp", ... as a variant, without "deliveryPath"}],
//    "error": {"code": "CorruptImage", "message": "..."}}
//
// `original` appears once a worker has read the header, `variants` when done, `rendered` once a
// size was rendered on request (delivery's signed sizes and presets; any state), `error` when
// failed, `lastError` (same shape) while a retry is pending, `url` only when a URL maker is
// given; a variant's `frames` counts the frames of an animated GIF / WebP (1 for a still), its
// `note` only when it is less than asked for.
// Pure functions; thread-safe.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "queue/job_store.h"

namespace imgpipe::pipeline {

using VariantUrl = std::function<std::string(const queue::VariantResult&)>;

nlohmann::json job_json(const queue::Job& job, const VariantUrl& url = nullptr);

// A webhook body: {"eventName": "ImageProcessed"|"ImageFailed", "eventTime": ..., "image": job}.
std::string image_event_json(const queue::Job& job, std::chrono::system_clock::time_point now);

// Serialises without throwing on bytes that are not UTF-8 (object keys may hold any bytes):
// such bytes become U+FFFD.
std::string dump_json(const nlohmann::json& j);

}  // namespace imgpipe::pipeline
