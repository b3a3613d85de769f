#pragma once
// ImageIds: what a job, the status API (`/images/{id}`) and the webhooks call one uploaded image.
// An upload through the upload API has the key `<upload prefix><id>/<filename>` with a
// 22-character base64url id (api/upload_id.h), and that id is the image's, so the `statusUrl`
// the API answered with names the job. Any other key (a PUT by awscli, a copy) gets an id
// derived from its bucket and key: 22 base64url characters of their HMAC-SHA256 under a server
// secret, the same for every creation of that key and, like an upload id, not guessable by
// someone who only knows the key (an id is what DELETE /images/{id} takes). Immutable;
// thread-safe.

#include <string>
#include <string_view>

namespace imgpipe::pipeline {

class ImageIds {
  public:
    // `upload_prefix`: the upload API's key prefix ("uploads/"); `secret`: keys derived ids.
    ImageIds(std::string upload_prefix, std::string secret)
        : upload_prefix_(std::move(upload_prefix)), secret_(std::move(secret)) {}

    std::string id_for(std::string_view bucket, std::string_view key) const;

  private:
    std::string upload_prefix_;
    std::string secret_;
};

// Whether `text` has the shape of an image id (22 of [A-Za-z0-9_-]): a cheap check before a
// lookup, so a malformed id in a URL is a 404 without touching the store.
bool is_image_id(std::string_view text);

}  // namespace imgpipe::pipeline
