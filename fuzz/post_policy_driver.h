#pragma once
// The body of the fuzz_post_policy target, shared with the corpus replay test in
// src/sigv4/post_policy_test.cpp. Input: one control byte, then the policy JSON (or, when the
// control byte says so, base64 text or a form-field list). Aborts on a broken invariant; every
// other outcome is a Status.

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace imgpipe::sigv4::fuzzing {

// The first failure met (or ok): parse, check and signature errors are expected outcomes.
Status run_post_policy_input(const uint8_t* data, size_t size);

}  // namespace imgpipe::sigv4::fuzzing
