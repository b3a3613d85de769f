#pragma once
// Config: every setting of `imgpipe serve`, typed and validated. Loaded from, in increasing
// precedence, built-in defaults, a TOML file (--config), environment variables (IMGPIPE_<KEY>
// with dots as underscores, e.g. IMGPIPE_S3_LISTEN; also the seed's SOURCE_BUCKET and
// DEST_BUCKET) and command-line flags. load_config() reports all errors at once. The table of
// settings in README.md is generated from kSettingDocs (config_report.h; a test compares them).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/settings.h"
#include "imaging/resize_spec.h"
#include "queue/sqlite/sqlite_event_queue.h"

namespace imgpipe::app {

struct Config {
    std::string data_dir = "./data";
    std::set<std::string> roles = {"api", "s3", "worker"};
    std::string log_level = "info";
    // "sqlite" or "redis://HOST:PORT[/DB]" (app/pipeline_backend.h).
    std::string queue_url = "sqlite";

    // Credentials of the embedded store (and what the API signs policies with). Empty: loaded
    // from or generated into <data_dir>/credentials.
    std::string access_key;
    std::string secret_key;

    std::string source_bucket = "uploads";
    std::string dest_bucket = "resized";

    HostPort api_listen{"127.0.0.1", 8080};
    HostPort s3_listen{"127.0.0.1", 9000};
    std::string region = "us-east-1";
    std::vector<std::string> s3_domains = {"localhost"};
    // The S3 endpoint as clients reach it ("" → http://<s3 listen address>).
    std::string s3_public_url;
    std::vector<std::string> s3_cors_origins = {"*"};
    std::set<std::string> public_read_buckets;
    std::set<std::string> public_write_buckets;
    std::chrono::milliseconds s3_keepalive_interval{5000};
    // The s3 role's bucket notifications (BucketNotifier): target URLs and their bearer token.
    std::vector<std::string> s3_notify_urls;
    std::string s3_notify_token;
    uint64_t store_min_free_bytes = 256ull << 20;
    std::chrono::milliseconds store_abandoned_upload_age = std::chrono::hours(24);
    // Where objects live (DESIGN.md §7): "local" (the embedded store in the data dir) or an
    // S3-compatible service, "s3+http(s)://HOST[:PORT]", with its credentials and region.
    std::string store_url = "local";
    bool store_virtual_hosted = false;
    std::string store_region = "us-east-1";
    std::string store_access_key;
    std::string store_secret_key;
    // Bearer token of POST /events/s3 (an external store's notifications); "" disables it.
    std::string ingress_token;
    // The URL the remote store posts notifications to. Set, every api node (re)makes the store's
    // topic and bucket notification with it at start (the same on every node, so the order
    // they start in does not matter); "" leaves that to `imgpipe store setup`.
    std::string ingress_url;
    bool remote_store() const { return store_url != "local"; }

    // Upload API.
    std::vector<std::string> api_cors_origins = {"*"};
    uint64_t max_upload_bytes = 25ull << 20;
    std::chrono::milliseconds upload_expiry = std::chrono::minutes(15);
    int max_variants = 8;
    // Uploads whose job has not started this long after they landed are deleted (0: never).
    std::chrono::milliseconds expire_unprocessed{0};
    double rate_limit_per_second = 50;
    int rate_limit_burst = 100;

    // Status API: how long a variant's presigned GET URL stays valid.
    std::chrono::milliseconds url_expiry = std::chrono::hours(1);

    // Workers (role `worker`).
    int worker_concurrency = 2;  // default: the number of cores
    std::vector<std::string> worker_variants = {"400x400", "200x200", "100x100"};
    std::string output_key_template = "resized-{name}/{key}";
    int max_attempts = 5;
    std::chrono::milliseconds retry_backoff = std::chrono::seconds(1);
    std::chrono::milliseconds max_retry_backoff = std::chrono::minutes(1);
    std::chrono::milliseconds job_timeout = std::chrono::seconds(60);
    std::chrono::milliseconds worker_lease = std::chrono::seconds(30);
    int64_t max_pixels = 100'000'000;
    int64_t max_animation_pixels = 25'000'000;  // frames x pixels an animated variant may keep
    uint64_t max_source_bytes = 256ull << 20;
    std::string cache_control = "public, max-age=86400";

    // Delivery (/i/{id}/...): Cache-Control max-age of the mutable alias URLs, the key of signed
    // on-demand sizes ("" → none rendered), named presets ("NAME=WxH[:fit]..."), renders at once.
    std::chrono::milliseconds delivery_alias_max_age = std::chrono::seconds(60);
    std::string delivery_signing_key;
    std::vector<std::string> delivery_presets;
    int delivery_render_concurrency = 2;

    // Outgoing webhooks.
    std::vector<std::string> notify_urls;
    std::string notify_secret;
    std::chrono::milliseconds notify_backoff = std::chrono::seconds(1);

    // The ops listener (/metrics, /healthz, /readyz); none: they are on the API listener only.
    std::optional<HostPort> metrics_listen;

    // HTTP servers.
    int io_threads = 2;
    int handler_threads = 64;
    std::chrono::milliseconds header_timeout = std::chrono::seconds(30);
    std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
    std::chrono::milliseconds body_timeout = std::chrono::seconds(60);
    uint64_t min_body_rate = 4096;  // bytes per second; 0: none
    std::chrono::milliseconds request_deadline = std::chrono::hours(1);  // 0: none
    int handler_queue = 128;
    int max_connections = 512;             // 0: no cap
    int max_connections_per_address = 64;  // 0: no cap
    std::chrono::milliseconds drain_timeout = std::chrono::seconds(30);
};

struct SettingDoc {
    const char* key;
    const char* default_value;
    const char* description;
    const char* flag = "";  // the `imgpipe serve` flag setting it, if any
    bool secret = false;    // never printed (config print shows it redacted)
};
// One row per setting, for --help-config and README.
extern const std::vector<SettingDoc> kSettingDocs;

// The queue's settings: one delivery more than worker.max_attempts, so that the delivery after
// the last attempt (whose worker died) can still record the job as failed.
queue::QueueOptions queue_options(const Config& config);

// This process's environment variables, for ConfigInputs::env.
std::map<std::string, std::string> process_environment();

// A delivery preset "NAME=WxH[:fit]..." as the variant it renders (named NAME);
// kInvalidArgument when malformed.
Result<imaging::VariantSpec> parse_preset(const std::string& preset);

// The environment variable read for `key`: "s3.listen" → "IMGPIPE_S3_LISTEN".
std::string env_name(const std::string& key);

struct ConfigInputs {
    std::string config_file;                   // "" for none
    std::map<std::string, std::string> flags;  // setting key → value
    std::map<std::string, std::string> env;    // environment (name → value)
};

// kInvalidArgument (reason "InvalidConfig") listing every problem, one per line.
Result<Config> load_config(const ConfigInputs& inputs);

// Fills `settings` with the layers of `inputs` (file, environment, flags), as load_config reads
// them. An error when the file cannot be read or parsed.
Status layer_settings(const ConfigInputs& inputs, Settings& settings);

}  // namespace imgpipe::app
