#pragma once
// The image id: what a job, the status API (`/images/{id}`) and the webhooks call one uploaded
// image. An upload through the upload API has its key made as `<prefix>/<id>/<filename>` with a
// 22-character base64url id (api/upload_id.h), and that id is the image's, so the `statusUrl` the
// API answered with names the job. Any other key (a PUT by awscli, a copy) gets an id derived
// from its bucket and key: 22 base64url characters of their SHA-256, the same for every
// creation of that key. Pure functions; thread-safe.

#include <string>
#include <string_view>

namespace imgpipe::pipeline {

std::string image_id_for(std::string_view bucket, std::string_view key);

// Whether `text` has the shape of an image id (22 of [A-Za-z0-9_-]): a cheap check before a
// lookup, so a malformed id in a URL is a 404 without touching the store.
bool is_image_id(std::string_view text);

}  // namespace imgpipe::pipeline
