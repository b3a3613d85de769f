#pragma once
// The naming rules every ObjectStore enforces the same way, so the local store and a remote one
// reject the same names with the same reasons. Pure functions; thread-safe.

#include <string>

#include "core/status.h"

namespace imgpipe::store {

inline constexpr size_t kMaxKeyBytes = 1024;

// Ok for names S3 accepts for new buckets: 3-63 characters of a-z, 0-9, '.', '-', starting and
// ending with a letter or digit, no "..", ".-" or "-.", not shaped like an IPv4 address, none of
// the reserved prefixes/suffixes ("xn--", "sthree-", "-s3alias", "--ol-s3").
// kInvalidArgument/InvalidBucketName otherwise.
Status validate_bucket_name(const std::string& bucket);

// Ok for 1..1024-byte keys. kInvalidArgument/KeyTooLongError past 1024 bytes,
// kInvalidArgument/InvalidArgument for an empty key.
Status validate_key(const std::string& key);

}  // namespace imgpipe::store
