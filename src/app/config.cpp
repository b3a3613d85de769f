#include "app/config.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <thread>

#include "app/pipeline_backend.h"
#include "imaging/resize_spec.h"
#include "pipeline/job_runner.h"

extern char** environ;

namespace imgpipe::app {

const std::vector<SettingDoc> kSettingDocs = {
    {"data_dir", "./data", "Where objects, the SQLite index and credentials live", "--data-dir"},
    {"roles", "api,s3,worker", "Roles this process runs", "--roles"},
    {"queue.url", "sqlite",
     "Events and job state: sqlite (pipeline.db in the data dir) or redis://HOST:PORT[/DB], "
     "shared by every process naming it",
     "--queue"},
    {"log.level", "info", "debug, info, warn or error", "--log-level"},
    {"access_key", "(generated)", "Access key of the embedded store"},
    {"secret_key", "(generated)",
     "Secret key of the embedded store; generated once into <data_dir>/credentials when unset", "",
     true},
    {"buckets.source", "uploads", "Bucket uploads go to (also SOURCE_BUCKET)"},
    {"buckets.dest", "resized", "Bucket variants go to (also DEST_BUCKET)"},
    {"api.listen", "127.0.0.1:8080", "Upload API address; port 0 picks one", "--api-listen"},
    {"api.cors_origins", "*", "Origins allowed to call the API (comma-separated)"},
    {"api.rate_limit", "50", "Upload API requests per second per client"},
    {"api.rate_burst", "100", "Upload API burst per client"},
    {"s3.listen", "127.0.0.1:9000", "S3 endpoint address; port 0 picks one", "--s3-listen"},
    {"s3.region", "us-east-1", "Region the S3 endpoint signs and verifies for"},
    {"s3.domains", "localhost", "Domains for virtual-hosted-style requests (<bucket>.<domain>)"},
    {"s3.public_url", "http://<s3.listen>", "S3 endpoint URL as browsers reach it"},
    {"s3.cors_origins", "*", "Origins allowed to use the S3 endpoint from a browser"},
    {"s3.public_read_buckets", "",
     "Buckets anyone may read, until an ACL is set on them (PutBucketAcl, CreateBucket x-amz-acl)"},
    {"s3.public_write_buckets", "",
     "Buckets anyone may PUT or POST into, until an ACL is set on them"},
    {"s3.keepalive_interval", "5s",
     "A CompleteMultipartUpload still running after this answers 200 and sends a space this often"},
    {"s3.notify_urls", "",
     "Where the s3 role POSTs an S3 event notification for each object created in the source "
     "bucket, as RGW/MinIO do (an api node's http://HOST:PORT/events/s3); set, the events go "
     "there instead of this data dir's queue",
     "--notify-url"},
    {"s3.notify_token", "", "Bearer token the s3 role's notifications carry (the ingress token)",
     "--notify-token", true},
    {"store.min_free_bytes", "256MiB",
     "Uploads are refused (507 InsufficientStorage) while the data dir has less free space"},
    {"store.abandoned_upload_age", "24h",
     "Multipart uploads neither completed nor aborted this long are aborted, parts removed"},
    {"store.url", "local",
     "Where objects live: local (the data dir) or an S3 service, s3+http(s)://HOST[:PORT]",
     "--store"},
    {"store.region", "us-east-1", "Region the remote store signs for", "--store-region"},
    {"store.virtual_hosted", "false",
     "Address the remote store virtual-hosted-style (BUCKET.HOST) instead of path-style",
     "--store-virtual-hosted"},
    {"store.access_key", "", "Access key of the remote store (else AWS_ACCESS_KEY_ID)"},
    {"store.secret_key", "", "Secret key of the remote store (else AWS_SECRET_ACCESS_KEY)", "",
     true},
    {"api.ingress_token", "",
     "Bearer token the remote store's notifications to POST /events/s3 must carry",
     "--ingress-token", true},
    {"api.ingress_url", "",
     "URL a remote store sends its notifications to (http://HOST:PORT/events/s3, the same on "
     "every api node); set, each api node makes the store's topic and bucket notification at "
     "start, else `imgpipe store setup` does"},
    {"upload.max_bytes", "25MiB", "Largest upload the API signs a policy for"},
    {"upload.expiry", "15m", "Lifetime of a presigned POST policy"},
    {"upload.max_variants", "8", "Most variants a client may request"},
    {"upload.expire_unprocessed", "0",
     "Uploads whose processing has not started this long after they landed are deleted, with "
     "their job, by the api role (0: never)"},
    {"api.url_expiry", "1h",
     "Lifetime of the presigned GET URLs the status API gives for variants"},
    {"worker.concurrency", "(cores)",
     "Images processed at once (each decoded once, its variants in parallel)"},
    {"worker.variants", "400x400,200x200,100x100",
     "Variants made when the upload names none (WxH[:fit][:format][:qN]...)"},
    {"worker.output_key", "resized-{name}/{key}",
     "Key of a variant in the destination bucket ({name} {width} {height} {format} {key} {id})"},
    {"worker.max_attempts", "5", "Attempts before a job with transient faults fails"},
    {"worker.retry_backoff", "1s", "First retry delay; doubles per attempt (with jitter)"},
    {"worker.max_retry_backoff", "1m", "Longest retry delay"},
    {"worker.job_timeout", "60s", "Longest one image may take"},
    {"worker.lease", "30s",
     "How soon a job whose worker died is taken up again (renewed while it runs)"},
    {"worker.max_pixels", "100000000",
     "Largest image (pixels of one frame), checked before decoding"},
    {"worker.max_animation_pixels", "25000000",
     "Frames x pixels of one frame an animated GIF/WebP variant is made from; over it, the "
     "first frame (stated in the job)"},
    {"worker.max_source_bytes", "256MiB", "Largest original a worker reads"},
    {"worker.cache_control", "public, max-age=86400", "Cache-Control stored with every variant"},
    {"delivery.alias_max_age", "60s",
     "Cache-Control max-age of /i/{id}/{name} (content-addressed name@etag URLs: 1 year, "
     "immutable)"},
    {"delivery.signing_key", "",
     "HMAC-SHA256 key of signed on-demand size URLs (?sig=); empty: only presets render", "", true},
    {"delivery.presets", "",
     "Named sizes rendered on first request without a signature (NAME=WxH[:fit][:format]...)"},
    {"delivery.render_concurrency", "2", "On-demand renders running at once"},
    {"notify.urls", "", "Webhook URLs that get every image event (comma-separated)"},
    {"notify.secret", "", "HMAC-SHA256 key of the X-Imgpipe-Signature header", "", true},
    {"notify.retry_backoff", "1s", "First redelivery delay of a webhook; doubles up to 5m"},
    {"metrics.listen", "",
     "Own listener for /metrics, /healthz and /readyz (e.g. 127.0.0.1:9464); they are on the "
     "API port too"},
    {"http.io_threads", "2", "I/O threads per listener"},
    {"http.handler_threads", "64", "Concurrent blocking requests per listener"},
    {"http.header_timeout", "30s", "Time allowed to send request headers"},
    {"http.idle_timeout", "60s", "Keep-alive idle time before closing"},
    {"http.body_timeout", "60s",
     "Waiting allowed for a request body (plus 1s per http.min_body_rate bytes received); "
     "longest wait for a client to take more of a response"},
    {"http.min_body_rate", "4KiB", "Bytes per second a request body must average (0: none)"},
    {"http.request_deadline", "1h", "Longest time to receive one request, body included (0: none)"},
    {"http.handler_queue", "128",
     "Requests waiting for a handler thread per listener; more get 503 SlowDown"},
    {"http.max_connections", "512", "Open connections per listener; more are refused (0: no cap)"},
    {"http.max_connections_per_address", "64",
     "Open connections per listener from one client address (0: no cap; behind a proxy)"},
    {"http.drain_timeout", "30s",
     "Longest wait for in-flight requests and running jobs on shutdown"},
};

queue::QueueOptions queue_options(const Config& config) {
    return {.max_deliveries = config.max_attempts + 1};
}

std::map<std::string, std::string> process_environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return env;
}

Result<imaging::VariantSpec> parse_preset(const std::string& preset) {
    const size_t eq = preset.find('=');
    if (eq == std::string::npos || eq == 0) {
        return invalid_argument("InvalidConfig", "'" + preset + "' is not NAME=WxH[:fit]...");
    }
    auto spec = imaging::parse_variant_spec(preset.substr(eq + 1));
    if (!spec.is_ok()) return spec.status();
    spec->name = preset.substr(0, eq);
    imaging::ResizeSpec one{{*spec}};
    IMGPIPE_RETURN_IF_ERROR(imaging::validate(one));
    return one.variants.front();
}

std::string env_name(const std::string& key) {
    std::string out = "IMGPIPE_";
    for (char c : key) out += c == '.' ? '_' : static_cast<char>(std::toupper(c));
    return out;
}

namespace {

const std::set<std::string> kKnownRoles = {"api", "s3", "worker"};

bool valid_bucket_name(const std::string& name) {
    static const std::regex kBucket("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$");
    return std::regex_match(name, kBucket) && name.find("..") == std::string::npos;
}

std::set<std::string> to_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// "" when `preset` is NAME=SPEC with a valid variant spec, else what is wrong.
std::string check_preset(const std::string& preset) {
    auto parsed = parse_preset(preset);
    return parsed.is_ok() ? "" : parsed.status().message();
}

}  // namespace

Status layer_settings(const ConfigInputs& inputs, Settings& s) {
    if (!inputs.config_file.empty()) IMGPIPE_RETURN_IF_ERROR(s.load_toml_file(inputs.config_file));
    for (const auto& doc : kSettingDocs) {
        if (auto it = inputs.env.find(env_name(doc.key)); it != inputs.env.end()) {
            s.set_env(doc.key, it->second);
        }
    }
    // The seed's names.
    if (auto it = inputs.env.find("SOURCE_BUCKET"); it != inputs.env.end()) {
        s.set_env("buckets.source", it->second);
    }
    if (auto it = inputs.env.find("DEST_BUCKET"); it != inputs.env.end()) {
        s.set_env("buckets.dest", it->second);
    }
    // The names AWS tools use, below imgpipe's own.
    for (const auto& [aws, key] : {std::pair{"AWS_ACCESS_KEY_ID", "store.access_key"},
                                   std::pair{"AWS_SECRET_ACCESS_KEY", "store.secret_key"}}) {
        auto it = inputs.env.find(aws);
        if (it != inputs.env.end() && !inputs.env.count(env_name(key))) s.set_env(key, it->second);
    }
    for (const auto& [k, v] : inputs.flags) s.set_flag(k, v);
    return Status::ok();
}

Result<Config> load_config(const ConfigInputs& inputs) {
    Settings s;
    IMGPIPE_RETURN_IF_ERROR(layer_settings(inputs, s));

    Config c;
    c.data_dir = s.get_string("data_dir", c.data_dir);
    c.roles = to_set(s.get_list("roles", {"api", "s3", "worker"}));
    c.log_level = s.get_string("log.level", c.log_level);
    c.queue_url = s.get_string("queue.url", c.queue_url);
    c.access_key = s.get_string("access_key", "");
    c.secret_key = s.get_string("secret_key", "");
    c.source_bucket = s.get_string("buckets.source", c.source_bucket);
    c.dest_bucket = s.get_string("buckets.dest", c.dest_bucket);
    c.api_listen = s.get_host_port("api.listen", "127.0.0.1:8080");
    c.api_cors_origins = s.get_list("api.cors_origins", c.api_cors_origins);
    c.rate_limit_per_second = static_cast<double>(s.get_int("api.rate_limit", 50, 1, 1'000'000));
    c.rate_limit_burst = static_cast<int>(s.get_int("api.rate_burst", 100, 1, 1'000'000));
    c.s3_listen = s.get_host_port("s3.listen", "127.0.0.1:9000");
    c.region = s.get_string("s3.region", c.region);
    c.s3_domains = s.get_list("s3.domains", c.s3_domains);
    c.s3_public_url = s.get_string("s3.public_url", "");
    c.s3_cors_origins = s.get_list("s3.cors_origins", c.s3_cors_origins);
    c.public_read_buckets = to_set(s.get_list("s3.public_read_buckets", {}));
    c.public_write_buckets = to_set(s.get_list("s3.public_write_buckets", {}));
    c.s3_keepalive_interval = s.get_duration("s3.keepalive_interval", c.s3_keepalive_interval);
    c.s3_notify_urls = s.get_list("s3.notify_urls", {});
    c.s3_notify_token = s.get_string("s3.notify_token", "");
    c.store_min_free_bytes = s.get_byte_size("store.min_free_bytes", c.store_min_free_bytes);
    c.store_abandoned_upload_age =
        s.get_duration("store.abandoned_upload_age", c.store_abandoned_upload_age);
    c.store_url = s.get_string("store.url", c.store_url);
    c.store_region = s.get_string("store.region", c.store_region);
    c.store_virtual_hosted = s.get_bool("store.virtual_hosted", false);
    c.store_access_key = s.get_string("store.access_key", "");
    c.store_secret_key = s.get_string("store.secret_key", "");
    c.ingress_token = s.get_string("api.ingress_token", "");
    c.ingress_url = s.get_string("api.ingress_url", "");
    c.max_upload_bytes = s.get_byte_size("upload.max_bytes", c.max_upload_bytes);
    c.upload_expiry = s.get_duration("upload.expiry", c.upload_expiry);
    c.max_variants = static_cast<int>(s.get_int("upload.max_variants", 8, 1, 8));
    c.expire_unprocessed = s.get_duration("upload.expire_unprocessed", c.expire_unprocessed);
    c.url_expiry = s.get_duration("api.url_expiry", c.url_expiry);
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    c.worker_concurrency = static_cast<int>(s.get_int("worker.concurrency", cores, 1, 256));
    c.worker_variants = s.get_list("worker.variants", c.worker_variants);
    c.output_key_template = s.get_string("worker.output_key", c.output_key_template);
    c.max_attempts = static_cast<int>(s.get_int("worker.max_attempts", 5, 1, 100));
    c.retry_backoff = s.get_duration("worker.retry_backoff", c.retry_backoff);
    c.max_retry_backoff = s.get_duration("worker.max_retry_backoff", c.max_retry_backoff);
    c.job_timeout = s.get_duration("worker.job_timeout", c.job_timeout);
    c.worker_lease = s.get_duration("worker.lease", c.worker_lease);
    c.max_pixels = s.get_int("worker.max_pixels", c.max_pixels, 1, 1'000'000'000'000);
    c.max_animation_pixels =
        s.get_int("worker.max_animation_pixels", c.max_animation_pixels, 0, 1'000'000'000'000);
    c.max_source_bytes = s.get_byte_size("worker.max_source_bytes", c.max_source_bytes);
    c.cache_control = s.get_string("worker.cache_control", c.cache_control);
    c.delivery_alias_max_age = s.get_duration("delivery.alias_max_age", c.delivery_alias_max_age);
    c.delivery_signing_key = s.get_string("delivery.signing_key", "");
    c.delivery_presets = s.get_list("delivery.presets", {});
    c.delivery_render_concurrency =
        static_cast<int>(s.get_int("delivery.render_concurrency", 2, 1, 256));
    c.notify_urls = s.get_list("notify.urls", {});
    c.notify_secret = s.get_string("notify.secret", "");
    c.notify_backoff = s.get_duration("notify.retry_backoff", c.notify_backoff);
    if (auto m = s.get_string("metrics.listen", ""); !m.empty()) {
        if (auto hp = parse_host_port(m)) {
            c.metrics_listen = *hp;
        } else {
            s.add_error("metrics.listen: '" + m + "' is not HOST:PORT");
        }
    }
    c.io_threads = static_cast<int>(s.get_int("http.io_threads", 2, 1, 64));
    c.handler_threads = static_cast<int>(s.get_int("http.handler_threads", 64, 1, 1024));
    c.header_timeout = s.get_duration("http.header_timeout", c.header_timeout);
    c.idle_timeout = s.get_duration("http.idle_timeout", c.idle_timeout);
    c.body_timeout = s.get_duration("http.body_timeout", c.body_timeout);
    c.min_body_rate = s.get_byte_size("http.min_body_rate", c.min_body_rate);
    c.request_deadline = s.get_duration("http.request_deadline", c.request_deadline);
    c.handler_queue = static_cast<int>(s.get_int("http.handler_queue", 128, 0, 1'000'000));
    c.max_connections = static_cast<int>(s.get_int("http.max_connections", 512, 0, 1'000'000));
    c.max_connections_per_address =
        static_cast<int>(s.get_int("http.max_connections_per_address", 64, 0, 1'000'000));
    c.drain_timeout = s.get_duration("http.drain_timeout", c.drain_timeout);

    // Cross-field validation.
    for (const auto& r : c.roles) {
        if (!kKnownRoles.count(r)) s.add_error("roles: unknown role '" + r + "' (api, s3, worker)");
    }
    if (c.roles.empty()) s.add_error("roles: at least one role is required");
    if (auto bad = check_queue_url(c.queue_url); !bad.empty()) s.add_error("queue.url: " + bad);
    for (const auto* b : {&c.source_bucket, &c.dest_bucket}) {
        if (!valid_bucket_name(*b)) s.add_error("buckets: '" + *b + "' is not a valid bucket name");
    }
    if (c.source_bucket == c.dest_bucket) {
        s.add_error("buckets: source and destination must differ (a resize would trigger itself)");
    }
    if (c.access_key.empty() != c.secret_key.empty()) {
        s.add_error("access_key and secret_key must be set together");
    }
    if (!c.access_key.empty() && (c.access_key.size() < 3 || c.secret_key.size() < 8)) {
        s.add_error("access_key needs at least 3 characters and secret_key at least 8");
    }
    if (c.remote_store()) {
        if (c.store_url.rfind("s3+http://", 0) != 0 && c.store_url.rfind("s3+https://", 0) != 0) {
            s.add_error("store.url: '" + c.store_url +
                        "' is neither local nor s3+http(s)://HOST[:PORT]");
        }
        if (c.store_access_key.empty() || c.store_secret_key.empty()) {
            s.add_error(
                "store.url: a remote store needs store.access_key and store.secret_key "
                "(IMGPIPE_STORE_ACCESS_KEY/IMGPIPE_STORE_SECRET_KEY or AWS_ACCESS_KEY_ID/"
                "AWS_SECRET_ACCESS_KEY)");
        }
        if (c.roles.count("s3")) {
            s.add_error(
                "roles: the s3 role serves the local store; with store.url remote, run "
                "api and worker roles");
        }
        if (c.roles.count("api") && c.ingress_token.empty()) {
            s.add_error(
                "api.ingress_token: required with a remote store, so that its "
                "notifications reach POST /events/s3");
        }
    }
    if (c.max_upload_bytes == 0 || c.max_upload_bytes > (5ull << 30)) {
        s.add_error("upload.max_bytes must be between 1 byte and 5GiB");
    }
    if (c.upload_expiry < std::chrono::seconds(1) || c.upload_expiry > std::chrono::hours(24 * 7)) {
        s.add_error("upload.expiry must be between 1s and 7d");
    }
    if (!c.s3_public_url.empty() && c.s3_public_url.rfind("http://", 0) != 0 &&
        c.s3_public_url.rfind("https://", 0) != 0) {
        s.add_error("s3.public_url must start with http:// or https://");
    }
    if (auto spec = imaging::parse_resize_spec(c.worker_variants); !spec.is_ok()) {
        s.add_error("worker.variants: " + spec.status().message());
    }
    if (auto bad = pipeline::check_output_key_template(c.output_key_template); !bad.empty()) {
        s.add_error("worker.output_key " + bad);
    }
    for (const auto& preset : c.delivery_presets) {
        if (auto bad = check_preset(preset); !bad.empty()) s.add_error("delivery.presets: " + bad);
    }
    if (c.url_expiry < std::chrono::seconds(1) || c.url_expiry > std::chrono::hours(24 * 7)) {
        s.add_error("api.url_expiry must be between 1s and 7d");
    }
    if (c.job_timeout < std::chrono::seconds(1)) s.add_error("worker.job_timeout must be >= 1s");
    if (c.worker_lease < std::chrono::milliseconds(300)) {
        s.add_error("worker.lease must be >= 300ms");
    }
    if (c.retry_backoff < std::chrono::milliseconds(1) ||
        c.max_retry_backoff > std::chrono::hours(24) || c.retry_backoff > c.max_retry_backoff) {
        s.add_error(
            "worker.retry_backoff must be between 1ms and worker.max_retry_backoff, "
            "and that at most 1d");
    }
    if (c.notify_backoff < std::chrono::milliseconds(10) ||
        c.notify_backoff > std::chrono::hours(1)) {
        s.add_error("notify.retry_backoff must be between 10ms and 1h");
    }
    for (const auto& url : c.notify_urls) {
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
            s.add_error("notify.urls: '" + url + "' must start with http:// or https://");
        }
    }
    for (const auto& url : c.s3_notify_urls) {
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
            s.add_error("s3.notify_urls: '" + url + "' must start with http:// or https://");
        }
    }
    if (!c.s3_notify_urls.empty() && !c.roles.count("s3")) {
        s.add_error("s3.notify_urls: only the s3 role sends bucket notifications");
    }
    if (!std::set<std::string>{"debug", "info", "warn", "error"}.count(c.log_level)) {
        s.add_error("log.level: '" + c.log_level + "' is not debug, info, warn or error");
    }

    auto errors = s.finish();
    if (!errors.empty()) {
        std::string all;
        for (const auto& e : errors) all += (all.empty() ? "" : "\n") + e;
        return invalid_argument("InvalidConfig", all);
    }
    return c;
}

}  // namespace imgpipe::app
