#include "app/roles.h"

#include <algorithm>
#include <set>
#include <thread>
#include <utility>

#include "api/event_ingress_api.h"
#include "api/status_api.h"
#include "api/upload_api.h"
#include "app/key_watcher.h"
#include "app/ops_routes.h"
#include "app/pipeline_backend.h"
#include "app/readiness.h"
#include "app/serve_lock.h"
#include "app/service_metrics.h"
#include "core/log.h"
#include "delivery/delivery_api.h"
#include "http/server.h"
#include "imaging/vips/vips_image_processor.h"
#include "pipeline/bucket_notifier.h"
#include "pipeline/event_ingress.h"
#include "pipeline/job_runner.h"
#include "pipeline/outbox_relay.h"
#include "pipeline/unprocessed_expiry.h"
#include "pipeline/webhook_dispatcher.h"
#include "pipeline/worker_pool.h"
#include "s3/access_keyring.h"
#include "s3/s3_service.h"
#include "store/local/local_object_store.h"
#include "store/s3/bucket_notifications.h"
#include "store/s3/s3_object_store.h"
#include "web/web_ui.h"

namespace imgpipe::app {
namespace {

http::ServerOptions server_options(const Config& c, std::string name, HostPort listen) {
    http::ServerOptions o;
    o.name = std::move(name);
    o.listen = std::move(listen);
    o.io_threads = c.io_threads;
    o.handler_threads = c.handler_threads;
    o.header_timeout = c.header_timeout;
    o.idle_timeout = c.idle_timeout;
    o.body_timeout = c.body_timeout;
    o.min_body_rate = c.min_body_rate;
    o.request_deadline = c.request_deadline;
    o.handler_queue = c.handler_queue;
    o.max_connections = c.max_connections;
    o.max_connections_per_address = c.max_connections_per_address;
    o.drain_timeout = c.drain_timeout;
    return o;
}

class Roles final : public RunningRoles {
  public:
    Roles(Config config, RootCredentials credentials, Clock& clock)
        : config_(std::move(config)), credentials_(std::move(credentials)), clock_(clock) {}

    Status start(FileSystem& fs) {
        UploadTargets uploads{config_.source_bucket, config_.s3_domains, {}};
        for (auto path : api::kUploadPaths) uploads.presign_paths.emplace(path);
        metrics_ = std::make_unique<ServiceMetrics>(std::move(uploads));
        if (config_.roles.count("s3")) {
            IMGPIPE_ASSIGN_OR_RETURN(serve_lock_, ServeLock::acquire(config_.data_dir));
        }
        IMGPIPE_RETURN_IF_ERROR(open_store(fs));
        for (const auto& bucket : {config_.source_bucket, config_.dest_bucket}) {
            Status st = store_->create_bucket(bucket);
            if (!st.is_ok() && st.code() != StatusCode::kAlreadyExists) return st;
        }

        // The root key and those of <data_dir>/keys.json, followed while the server runs.
        key_watcher_ = std::make_unique<KeyWatcher>(
            config_.data_dir, s3::AccessKey{credentials_.access_key, credentials_.secret_key},
            keyring_);
        IMGPIPE_RETURN_IF_ERROR(key_watcher_->start());
        verifier_ = std::make_unique<sigv4::Verifier>(keyring_);
        IMGPIPE_RETURN_IF_ERROR(open_pipeline());
        readiness_ = std::make_unique<Readiness>(config_.data_dir, fs, queue_.get());
        metrics_->watch_queue(*queue_, clock_);
        metrics_->watch_jobs(*jobs_);
        if (config_.roles.count("worker")) IMGPIPE_RETURN_IF_ERROR(start_workers());
        if (config_.roles.count("s3")) IMGPIPE_RETURN_IF_ERROR(start_s3());
        if (config_.roles.count("api")) IMGPIPE_RETURN_IF_ERROR(start_api());
        if (config_.metrics_listen) IMGPIPE_RETURN_IF_ERROR(start_ops());
        return Status::ok();
    }

    void print_banner(std::FILE* out) const override {
        if (api_server_) {
            std::fprintf(out, "upload API            http://%s:%u   (web page: /)\n",
                         config_.api_listen.host.c_str(), api_server_->port());
        }
        if (ops_server_) {
            std::fprintf(out, "metrics               http://%s:%u/metrics\n",
                         config_.metrics_listen->host.c_str(), ops_server_->port());
        }
        if (config_.queue_url != "sqlite") {
            std::fprintf(out, "queue and jobs        %s\n", queue_where_.c_str());
        }
        if (s3_server_) {
            std::fprintf(out, "S3 endpoint           %s   (buckets: %s -> %s)\n",
                         s3_public_url().c_str(), config_.source_bucket.c_str(),
                         config_.dest_bucket.c_str());
        }
        // Never the secret: service managers keep this output (journald, docker logs).
        if (credentials_.from_config) {
            std::fprintf(out, "access key            %s   (from the configuration)\n",
                         credentials_.access_key.c_str());
        } else {
            std::fprintf(out,
                         "access key            %s   (secret in %s/credentials, mode 0600;\n"
                         "                      `imgpipe keys show --data-dir %s` prints it)\n",
                         credentials_.access_key.c_str(), config_.data_dir.c_str(),
                         config_.data_dir.c_str());
        }
        std::fflush(out);
    }

    // The drain (DESIGN.md §8): /readyz turns 503 at once, so a balancer stops sending. The
    // listeners stop accepting and finish their in-flight requests (each within
    // http.drain_timeout) while, at the same time, the workers stop claiming and finish the jobs
    // they run; what is still queued stays in the queue for the next start. Then the relay and
    // the webhooks, which may still have events of those requests and jobs to pass on, and the
    // ops listener last, so /readyz and /metrics answer throughout.
    bool stop() override {
        if (readiness_) readiness_->set_draining();
        if (status_api_) status_api_->stop();
        std::vector<std::thread> stopping;
        if (api_server_) stopping.emplace_back([this] { api_server_->stop(); });
        if (s3_server_) stopping.emplace_back([this] { s3_server_->stop(); });
        bool workers_ended = true;
        if (workers_) {
            stopping.emplace_back([this, &workers_ended] {
                workers_ended = workers_->stop_within(config_.drain_timeout);
            });
        }
        for (auto& t : stopping) t.join();
        if (expiry_) expiry_->stop();
        if (relay_) relay_->stop();
        if (notifications_) notifications_->stop();
        if (webhooks_) webhooks_->stop();
        if (ops_server_) ops_server_->stop();
        if (key_watcher_) key_watcher_->stop();
        return workers_ended;
    }

  private:
    std::string s3_public_url() const {
        if (!config_.s3_public_url.empty()) return config_.s3_public_url;
        HostPort hp = config_.s3_listen;
        if (s3_server_) hp.port = s3_server_->port();
        return "http://" + hp.to_string();
    }

    // The queue, the job store and the relay from the store's outbox into them. Every process
    // that opens the store relays: the workers' own puts (into the destination bucket) leave
    // outbox events too, which the relay skips and deletes. Several relays on one data dir
    // publish the same events under the same message ids, which the queue takes once.
    Status open_store(FileSystem& fs) {
        if (config_.remote_store()) {
            store::s3::S3ClientOptions options;
            IMGPIPE_RETURN_IF_ERROR(store::s3::parse_store_url(config_.store_url, options));
            options.virtual_hosted = config_.store_virtual_hosted;
            options.credentials = {config_.store_access_key, config_.store_secret_key,
                                   config_.store_region, "s3"};
            remote_store_ = std::make_unique<store::s3::S3ObjectStore>(options);
            store_ = remote_store_.get();
            return Status::ok();
        }
        store::LocalStoreOptions options;
        options.min_free_bytes = config_.store_min_free_bytes;
        options.abandoned_upload_age = config_.store_abandoned_upload_age;
        auto store = store::LocalObjectStore::open(config_.data_dir, fs, clock_, options);
        if (!store) return store.status().with_context("opening the store");
        local_store_ = std::move(*store);
        store_ = local_store_.get();
        return Status::ok();
    }

    // The public URL of the store browsers upload to and read variants from: the remote store,
    // or the s3 role's endpoint.
    std::string store_public_url() const {
        if (!remote_store_) return s3_public_url();
        const auto& o = remote_store_->options();
        return o.scheme + "://" + o.authority();
    }
    std::string bucket_public_url(const std::string& bucket) const {
        if (remote_store_ && remote_store_->options().virtual_hosted) {
            const auto& o = remote_store_->options();
            return o.scheme + "://" + bucket + "." + o.authority();
        }
        return store_public_url() + "/" + bucket;
    }

    // A remote store's object-created events go to api.ingress_url (POST /events/s3 of an api
    // node, or a balancer in front of them): with it set, the topic and the source bucket's
    // notification are (re)made at start-up. Every node names the same URL, so the last one to
    // start changes nothing. Without it they are `imgpipe store setup`'s to make: a node pointing
    // the store at itself would take the events from every node started before it.
    Status setup_notifications() {
        const std::string& endpoint = config_.ingress_url;
        if (endpoint.empty()) {
            log::info("store notifications left as they are (api.ingress_url unset)",
                      {{"hint", "imgpipe store setup --notify-url http://HOST:PORT/events/s3"}});
            return Status::ok();
        }
        auto arn = store::s3::setup_bucket_notifications(
            remote_store_->http(),
            {config_.source_bucket, "imgpipe-object-created", endpoint, config_.ingress_token});
        if (!arn) return arn.status().with_context("setting up the store's notifications");
        log::info("store notifications set up",
                  {{"topic", *arn}, {"bucket", config_.source_bucket}});
        return Status::ok();
    }

    Status open_pipeline() {
        IMGPIPE_ASSIGN_OR_RETURN(PipelineBackend backend, open_pipeline_backend(config_, clock_));
        queue_ = std::move(backend.queue);
        jobs_ = std::move(backend.jobs);
        queue_where_ = std::move(backend.where);
        // Derived image ids are keyed by the store's secret, so nobody can compute one from a key.
        image_ids_ = std::make_unique<pipeline::ImageIds>(api::PresignOptions{}.key_prefix,
                                                          credentials_.secret_key);
        ingress_ = std::make_unique<pipeline::EventIngress>(*queue_, *jobs_, *image_ids_,
                                                            config_.source_bucket);
        // A remote store sends its events to POST /events/s3 instead.
        if (!local_store_) return Status::ok();
        if (config_.roles.count("s3") && !config_.s3_notify_urls.empty()) {
            IMGPIPE_RETURN_IF_ERROR(open_bucket_notifier());
        } else {
            relay_ = std::make_unique<pipeline::OutboxRelay>(*local_store_, *queue_, *ingress_,
                                                             config_.region);
        }
        relay_->start();
        return Status::ok();
    }

    // The s3 role's own notifications (--notify-url) take the store's events instead of this
    // data dir's queue: the store then serves other nodes, whose api takes them at
    // POST /events/s3, as it would RGW's. Their outbox is a file of its own, apart from the
    // workers' webhooks in pipeline.db, which go out with other headers.
    Status open_bucket_notifier() {
        pipeline::WebhookOptions hooks;
        hooks.urls = config_.s3_notify_urls;
        hooks.bearer_token = config_.s3_notify_token;
        hooks.initial_backoff = config_.notify_backoff;
        hooks.on_attempt = metrics_->webhook_observer();
        auto dispatcher = pipeline::WebhookDispatcher::open(config_.data_dir + "/notifications.db",
                                                            hooks, clock_);
        if (!dispatcher) return dispatcher.status().with_context("opening the notifications");
        notifications_ = std::move(*dispatcher);
        notifications_->start();
        notifier_ = std::make_unique<pipeline::BucketNotifier>(
            *notifications_, std::set<std::string>{config_.source_bucket});
        relay_ = std::make_unique<pipeline::OutboxRelay>(*local_store_, *notifier_, config_.region);
        log::info("bucket notifications",
                  {{"bucket", config_.source_bucket}, {"targets", config_.s3_notify_urls}});
        return Status::ok();
    }

    Status start_workers() {
        const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        // Variants of one image spread over the cores when they are idle; under load the
        // worker threads share them.
        auto processor =
            imaging::VipsImageProcessor::create({.vips_concurrency = 1, .variant_threads = cores});
        if (!processor) return processor.status();
        processor_ = std::move(*processor);

        if (!config_.notify_urls.empty()) {
            pipeline::WebhookOptions hooks;
            hooks.urls = config_.notify_urls;
            hooks.secret = config_.notify_secret;
            hooks.initial_backoff = config_.notify_backoff;
            hooks.on_attempt = metrics_->webhook_observer();
            auto webhooks =
                pipeline::WebhookDispatcher::open(config_.data_dir + "/pipeline.db", hooks, clock_);
            if (!webhooks) return webhooks.status().with_context("opening the webhooks");
            webhooks_ = std::move(*webhooks);
            webhooks_->start();
        }

        pipeline::JobOptions job;
        job.dest_bucket = config_.dest_bucket;
        job.output_key_template = config_.output_key_template;
        auto spec = imaging::parse_resize_spec(config_.worker_variants);
        if (!spec) return spec.status();  // load_config validated it already
        job.default_spec = std::move(*spec);
        job.spec_limits.max_variants = config_.max_variants;
        job.image_limits.max_pixels = config_.max_pixels;
        job.image_limits.max_animation_pixels = config_.max_animation_pixels;
        job.max_source_bytes = config_.max_source_bytes;
        job.job_timeout = config_.job_timeout;
        job.cache_control = config_.cache_control;
        job.max_attempts = config_.max_attempts;
        job.initial_backoff = config_.retry_backoff;
        job.max_backoff = config_.max_retry_backoff;
        job.cpu_slots = config_.worker_concurrency;
        runner_ = std::make_unique<pipeline::JobRunner>(
            pipeline::RunnerPorts{*store_, *processor_, *jobs_, *queue_, *image_ids_,
                                  webhooks_.get(), clock_},
            job);
        pipeline::WorkerOptions workers{2 * config_.worker_concurrency, config_.worker_lease,
                                        metrics_->job_observer()};
        workers_ = std::make_unique<pipeline::WorkerPool>(*queue_, *runner_, clock_, workers);
        metrics_->watch_workers(*workers_);
        workers_->start();
        log::info("workers started", {{"concurrency", config_.worker_concurrency}});
        return Status::ok();
    }

    Status start_s3() {
        s3::S3Context context;
        context.store = store_;
        context.credentials = &keyring_;
        context.keyring = &keyring_;
        context.verifier = verifier_.get();
        context.clock = &clock_;
        context.options.region = config_.region;
        context.options.virtual_host_domains = config_.s3_domains;
        context.options.public_read_buckets = config_.public_read_buckets;
        context.options.public_write_buckets = config_.public_write_buckets;
        context.options.cors_origins = config_.s3_cors_origins;
        context.options.keepalive_interval = config_.s3_keepalive_interval;
        s3_service_ = std::make_unique<s3::S3Service>(context);

        auto router = std::make_shared<http::Router>();
        router->set_fallback([svc = s3_service_.get()](http::Request& r) { return svc->handle(r); },
                             s3_service_->route_options());
        router->set_busy_response(&s3::S3Service::busy_response);
        s3_server_ =
            std::make_unique<http::Server>(server_options(config_, "s3", config_.s3_listen), router,
                                           metrics_->request_observer("s3"));
        IMGPIPE_RETURN_IF_ERROR(s3_server_->start());
        log_listening("s3", config_.s3_listen.host, s3_server_->port());
        return Status::ok();
    }

    Status start_api() {
        api::UploadApiOptions options;
        options.bucket = config_.source_bucket;
        options.bucket_url = bucket_public_url(config_.source_bucket);
        options.region = remote_store_ ? config_.store_region : config_.region;
        options.access_key = remote_store_ ? config_.store_access_key : credentials_.access_key;
        options.secret_key = remote_store_ ? config_.store_secret_key : credentials_.secret_key;
        options.expiry = std::chrono::duration_cast<std::chrono::seconds>(config_.upload_expiry);
        options.max_upload_bytes = config_.max_upload_bytes;
        options.max_variants = config_.max_variants;
        options.cors_origins = config_.api_cors_origins;
        options.rate_per_second = config_.rate_limit_per_second;
        options.rate_burst = config_.rate_limit_burst;
        upload_api_ = std::make_unique<api::UploadApi>(options, clock_);

        api::StatusApiOptions status;
        status.s3_public_url = store_public_url();
        status.region = remote_store_ ? config_.store_region : config_.region;
        status.access_key = remote_store_ ? config_.store_access_key : credentials_.access_key;
        status.secret_key = remote_store_ ? config_.store_secret_key : credentials_.secret_key;
        status.dest_public_read = config_.public_read_buckets.count(config_.dest_bucket) > 0;
        status.bucket_acl_from_store = !remote_store_;
        status.url_expiry = std::chrono::duration_cast<std::chrono::seconds>(config_.url_expiry);
        status.cors_origins = config_.api_cors_origins;
        status.max_streams = std::max(1, config_.handler_threads / 2);
        status_api_ = std::make_unique<api::StatusApi>(status, *jobs_, *store_, clock_);

        IMGPIPE_RETURN_IF_ERROR(start_delivery());

        auto router = std::make_shared<http::Router>();
        upload_api_->add_routes(*router);
        status_api_->add_routes(*router);
        delivery_api_->add_routes(*router);
        web_ui_ = std::make_unique<web::WebUi>(
            web::WebUiOptions{store_public_url(), config_.max_upload_bytes});
        web_ui_->add_routes(*router);
        if (!config_.ingress_token.empty()) {
            event_api_ = std::make_unique<api::EventIngressApi>(
                api::EventIngressApiOptions{config_.ingress_token}, *ingress_);
            event_api_->add_routes(*router);
        }
        add_ops_routes(*router, *metrics_, *readiness_, /*with_healthz=*/false);
        api_server_ =
            std::make_unique<http::Server>(server_options(config_, "api", config_.api_listen),
                                           router, metrics_->request_observer("api"));
        IMGPIPE_RETURN_IF_ERROR(api_server_->start());
        log_listening("api", config_.api_listen.host, api_server_->port());
        if (remote_store_) IMGPIPE_RETURN_IF_ERROR(setup_notifications());
        if (config_.expire_unprocessed.count() > 0) start_expiry();
        return Status::ok();
    }

    // upload.expire_unprocessed: the api role, which hands out the presigned POSTs, also
    // deletes what they brought in that no worker ever took up (with no worker running, above
    // all). A page of the source bucket per a quarter of the age, at most a minute apart.
    void start_expiry() {
        pipeline::ExpiryOptions options;
        options.bucket = config_.source_bucket;
        options.age = config_.expire_unprocessed;
        options.interval =
            std::clamp(config_.expire_unprocessed / 4, std::chrono::milliseconds(100),
                       std::chrono::milliseconds(60'000));
        expiry_ = std::make_unique<pipeline::UnprocessedExpiry>(*store_, *jobs_, *image_ids_,
                                                                clock_, options);
        metrics_->registry().counter_reader(
            "imgpipe_uploads_expired_total",
            "Uploads deleted because their processing had not started (upload.expire_unprocessed).",
            [e = expiry_.get()] {
                return std::vector<metrics::GaugeSample>{{{}, static_cast<double>(e->expired())}};
            });
        expiry_->start();
    }

    // The image origin of the API port (/i/{id}/...), rendering sizes not made at upload with
    // the workers' engine (its own when this process runs no workers).
    Status start_delivery() {
        if (!processor_) {
            auto processor = imaging::VipsImageProcessor::create({.vips_concurrency = 1});
            if (!processor) return processor.status();
            processor_ = std::move(*processor);
        }
        delivery::RendererOptions render;
        render.dest_bucket = config_.dest_bucket;
        render.output_key_template = config_.output_key_template;
        render.image_limits.max_pixels = config_.max_pixels;
        render.image_limits.max_animation_pixels = config_.max_animation_pixels;
        render.max_source_bytes = config_.max_source_bytes;
        render.timeout = config_.job_timeout;
        render.cache_control = config_.cache_control;
        render.max_concurrent = config_.delivery_render_concurrency;
        renderer_ = std::make_unique<delivery::OnDemandRenderer>(*store_, *jobs_, *processor_,
                                                                 clock_, render);
        metrics_->registry().counter_reader(
            "imgpipe_delivery_renders_total",
            "Variants rendered on request (signed sizes and presets) and stored.",
            [r = renderer_.get()] {
                return std::vector<metrics::GaugeSample>{{{}, static_cast<double>(r->renders())}};
            });
        delivery::DeliveryOptions options;
        options.alias_max_age =
            std::chrono::duration_cast<std::chrono::seconds>(config_.delivery_alias_max_age);
        options.signing_key = config_.delivery_signing_key;
        for (const auto& text : config_.delivery_presets) {
            auto preset = parse_preset(text);
            if (!preset) return preset.status();  // load_config validated it already
            options.presets[preset->name] = *preset;
        }
        options.cors_origins = config_.api_cors_origins;
        options.local_reads = local_store_ != nullptr;
        delivery_api_ =
            std::make_unique<delivery::DeliveryApi>(options, *jobs_, *store_, *renderer_);
        return Status::ok();
    }

    // The ops listener: metrics and probes on their own port, for a worker-only process and
    // for scrapers that should not reach the upload API. No access log: scrapes every few
    // seconds would drown the requests that matter.
    Status start_ops() {
        auto router = std::make_shared<http::Router>();
        add_ops_routes(*router, *metrics_, *readiness_, /*with_healthz=*/true);
        http::ServerOptions options = server_options(config_, "metrics", *config_.metrics_listen);
        options.access_log = false;
        options.handler_threads = 4;
        ops_server_ =
            std::make_unique<http::Server>(options, router, metrics_->request_observer("metrics"));
        IMGPIPE_RETURN_IF_ERROR(ops_server_->start());
        log_listening("metrics", config_.metrics_listen->host, ops_server_->port());
        return Status::ok();
    }

    static void log_listening(const std::string& role, const std::string& host, uint16_t port) {
        log::info("listening",
                  {{"role", role}, {"address", HostPort{host, port}.to_string()}, {"port", port}});
    }

    Config config_;
    RootCredentials credentials_;
    Clock& clock_;
    // First: everything below reports to it, and its gauges read the ports below.
    std::unique_ptr<ServiceMetrics> metrics_;
    std::unique_ptr<ServeLock> serve_lock_;  // with the s3 role: this data dir is ours
    std::unique_ptr<store::LocalObjectStore> local_store_;    // --store local
    std::unique_ptr<store::s3::S3ObjectStore> remote_store_;  // --store s3+http(s)://
    store::ObjectStore* store_ = nullptr;                     // the one of the two
    std::unique_ptr<queue::EventQueue> queue_;
    std::unique_ptr<queue::JobStore> jobs_;
    std::string queue_where_;
    std::unique_ptr<pipeline::ImageIds> image_ids_;
    std::unique_ptr<pipeline::EventIngress> ingress_;
    std::unique_ptr<pipeline::WebhookDispatcher> notifications_;  // --notify-url
    std::unique_ptr<pipeline::BucketNotifier> notifier_;
    std::unique_ptr<pipeline::OutboxRelay> relay_;
    std::unique_ptr<pipeline::UnprocessedExpiry> expiry_;  // upload.expire_unprocessed
    std::unique_ptr<imaging::ImageProcessor> processor_;
    std::unique_ptr<pipeline::WebhookDispatcher> webhooks_;
    std::unique_ptr<pipeline::JobRunner> runner_;
    std::unique_ptr<pipeline::WorkerPool> workers_;
    std::unique_ptr<api::StatusApi> status_api_;
    std::unique_ptr<delivery::OnDemandRenderer> renderer_;
    std::unique_ptr<delivery::DeliveryApi> delivery_api_;
    std::unique_ptr<Readiness> readiness_;
    s3::AccessKeyring keyring_;
    std::unique_ptr<KeyWatcher> key_watcher_;
    std::unique_ptr<sigv4::Verifier> verifier_;
    std::unique_ptr<s3::S3Service> s3_service_;
    std::unique_ptr<api::UploadApi> upload_api_;
    std::unique_ptr<api::EventIngressApi> event_api_;
    std::unique_ptr<web::WebUi> web_ui_;
    std::unique_ptr<http::Server> s3_server_;
    std::unique_ptr<http::Server> api_server_;
    std::unique_ptr<http::Server> ops_server_;
};

}  // namespace

Result<std::unique_ptr<RunningRoles>> start_roles(const Config& config,
                                                  const RootCredentials& credentials,
                                                  FileSystem& fs, Clock& clock) {
    auto roles = std::make_unique<Roles>(config, credentials, clock);
    IMGPIPE_RETURN_IF_ERROR(roles->start(fs));
    return std::unique_ptr<RunningRoles>(std::move(roles));
}

}  // namespace imgpipe::app
