#pragma once
// Upload ids: 128 random bits from OpenSSL's CSPRNG, written as 22 characters of unpadded
// base64url ([A-Za-z0-9_-]), so an id is unguessable, URL-safe and key-safe. Thread-safe.

#include <string>

#include "core/result.h"

namespace imgpipe::api {

// A fresh id; kInternal (reason "RandomFailed") only if the CSPRNG cannot be seeded.
Result<std::string> new_upload_id();

}  // namespace imgpipe::api
