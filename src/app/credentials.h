#pragma once
// The embedded store's root credentials: taken from the configuration when set, otherwise read
// from <data_dir>/credentials, otherwise generated once (random, from OpenSSL) and written there
// with mode 0600 so they survive restarts. Called once at startup. The secret is never printed
// or logged (service managers keep a process's output); `imgpipe keys show` reads it from the
// file when its owner asks.

#include <string>

#include "core/result.h"

namespace imgpipe::app {

struct RootCredentials {
    std::string access_key;
    std::string secret_key;
    bool generated = false;    // true the first time the data dir is used
    bool from_config = false;  // set by the configuration rather than the data dir
};

// <data_dir>/credentials.
std::string credentials_path(const std::string& data_dir);

// The credentials stored in the data dir. kNotFound "NoCredentials" when the file does not
// exist, InvalidConfig when it is damaged.
Result<RootCredentials> read_credentials(const std::string& data_dir);

// `access_key`/`secret_key` from the configuration, possibly empty.
Result<RootCredentials> load_or_create_credentials(const std::string& data_dir,
                                                   const std::string& access_key,
                                                   const std::string& secret_key);

}  // namespace imgpipe::app
