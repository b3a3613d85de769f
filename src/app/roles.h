#pragma once
// Roles: the running parts of `imgpipe serve` (the S3 endpoint, the upload API, the workers),
// built from the configuration over the concrete implementations. Owns everything it starts;
// stop() drains them.

#include <cstdio>
#include <memory>

#include "app/config.h"
#include "app/credentials.h"
#include "core/clock.h"
#include "core/file_system.h"
#include "core/result.h"

namespace imgpipe::app {

class RunningRoles {
  public:
    virtual ~RunningRoles() = default;
    // Where everything is, for people (DESIGN.md §1).
    virtual void print_banner(std::FILE* out) const = 0;
    // The drain (DESIGN.md §8), within http.drain_timeout. True when every thread has ended;
    // false when running jobs were cut short at the timeout and handed back to the queue: their
    // threads still run, so the caller must end the process without destroying this object.
    virtual bool stop() = 0;
};

// Opens the store, makes sure the configured buckets exist and starts the listeners of the
// configured roles. kUnavailable if a listener cannot bind or the data dir cannot be used.
Result<std::unique_ptr<RunningRoles>> start_roles(const Config& config,
                                                  const RootCredentials& credentials,
                                                  FileSystem& fs, Clock& clock);

}  // namespace imgpipe::app
