#pragma once
// The embedded store's root credentials: taken from the configuration when set, otherwise read
// from <data_dir>/credentials, otherwise generated once (random, from OpenSSL) and written there
// with mode 0600 so they survive restarts. Called once at startup.

#include <string>

#include "core/result.h"

namespace imgpipe::app {

struct RootCredentials {
    std::string access_key;
    std::string secret_key;
    bool generated = false;    // true the first time: print them once
    bool from_config = false;  // set by the configuration rather than the data dir
};

// `access_key`/`secret_key` from the configuration, possibly empty.
Result<RootCredentials> load_or_create_credentials(const std::string& data_dir,
                                                   const std::string& access_key,
                                                   const std::string& secret_key);

}  // namespace imgpipe::app
