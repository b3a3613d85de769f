#include "app/roles.h"

#include "api/upload_api.h"
#include "core/log.h"
#include "http/server.h"
#include "s3/access_keyring.h"
#include "s3/s3_service.h"
#include "store/local/local_object_store.h"

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
    o.drain_timeout = c.drain_timeout;
    return o;
}

class Roles final : public RunningRoles {
  public:
    Roles(const Config& config, const RootCredentials& credentials, Clock& clock)
        : config_(config), credentials_(credentials), clock_(clock) {}

    Status start(FileSystem& fs) {
        auto store = store::LocalObjectStore::open(config_.data_dir, fs, clock_);
        if (!store) return store.status().with_context("opening the store");
        store_ = std::move(*store);
        for (const auto& bucket : {config_.source_bucket, config_.dest_bucket}) {
            Status st = store_->create_bucket(bucket);
            if (!st.is_ok() && st.code() != StatusCode::kAlreadyExists) return st;
        }

        IMGPIPE_RETURN_IF_ERROR(
            keyring_.add(s3::AccessKey{credentials_.access_key, credentials_.secret_key}));
        verifier_ = std::make_unique<sigv4::Verifier>(keyring_);
        if (config_.roles.count("s3")) IMGPIPE_RETURN_IF_ERROR(start_s3());
        if (config_.roles.count("api")) IMGPIPE_RETURN_IF_ERROR(start_api());
        return Status::ok();
    }

    void print_banner(std::FILE* out) const override {
        if (api_server_) {
            std::fprintf(out, "upload API            http://%s:%u\n",
                         config_.api_listen.host.c_str(), api_server_->port());
        }
        if (s3_server_) {
            std::fprintf(out, "S3 endpoint           %s   (buckets: %s -> %s)\n",
                         s3_public_url().c_str(), config_.source_bucket.c_str(),
                         config_.dest_bucket.c_str());
        }
        if (credentials_.generated) {
            std::fprintf(out, "access key            %s\nsecret key            %s\n",
                         credentials_.access_key.c_str(), credentials_.secret_key.c_str());
            std::fprintf(out, "                      (printed once; stored in %s/credentials)\n",
                         config_.data_dir.c_str());
        } else if (credentials_.from_config) {
            std::fprintf(out, "access key            %s   (from the configuration)\n",
                         credentials_.access_key.c_str());
        } else {
            std::fprintf(out, "access key            %s   (secret in %s/credentials)\n",
                         credentials_.access_key.c_str(), config_.data_dir.c_str());
        }
        std::fflush(out);
    }

    void stop() override {
        if (api_server_) api_server_->stop();
        if (s3_server_) s3_server_->stop();
    }

  private:
    std::string s3_public_url() const {
        if (!config_.s3_public_url.empty()) return config_.s3_public_url;
        HostPort hp = config_.s3_listen;
        if (s3_server_) hp.port = s3_server_->port();
        return "http://" + hp.to_string();
    }

    Status start_s3() {
        s3::S3Context context;
        context.store = store_.get();
        context.credentials = &keyring_;
        context.keyring = &keyring_;
        context.verifier = verifier_.get();
        context.clock = &clock_;
        context.options.region = config_.region;
        context.options.virtual_host_domains = config_.s3_domains;
        context.options.public_read_buckets = config_.public_read_buckets;
        context.options.public_write_buckets = config_.public_write_buckets;
        context.options.cors_origins = config_.s3_cors_origins;
        s3_service_ = std::make_unique<s3::S3Service>(context);

        auto router = std::make_shared<http::Router>();
        router->set_fallback(
            [svc = s3_service_.get()](http::Request& r) { return svc->handle(r); });
        s3_server_ = std::make_unique<http::Server>(
            server_options(config_, "s3", config_.s3_listen), router);
        IMGPIPE_RETURN_IF_ERROR(s3_server_->start());
        log_listening("s3", config_.s3_listen.host, s3_server_->port());
        return Status::ok();
    }

    Status start_api() {
        api::UploadApiOptions options;
        options.bucket = config_.source_bucket;
        options.bucket_url = s3_public_url() + "/" + config_.source_bucket;
        options.region = config_.region;
        options.access_key = credentials_.access_key;
        options.secret_key = credentials_.secret_key;
        options.expiry = std::chrono::duration_cast<std::chrono::seconds>(config_.upload_expiry);
        options.max_upload_bytes = config_.max_upload_bytes;
        options.max_variants = config_.max_variants;
        options.cors_origins = config_.api_cors_origins;
        options.rate_per_second = config_.rate_limit_per_second;
        options.rate_burst = config_.rate_limit_burst;
        upload_api_ = std::make_unique<api::UploadApi>(options, clock_);

        auto router = std::make_shared<http::Router>();
        upload_api_->add_routes(*router);
        api_server_ = std::make_unique<http::Server>(
            server_options(config_, "api", config_.api_listen), router);
        IMGPIPE_RETURN_IF_ERROR(api_server_->start());
        log_listening("api", config_.api_listen.host, api_server_->port());
        return Status::ok();
    }

    static void log_listening(const std::string& role, const std::string& host, uint16_t port) {
        log::info("listening",
                  {{"role", role}, {"address", HostPort{host, port}.to_string()}, {"port", port}});
    }

    Config config_;
    RootCredentials credentials_;
    Clock& clock_;
    std::unique_ptr<store::LocalObjectStore> store_;
    s3::AccessKeyring keyring_;
    std::unique_ptr<sigv4::Verifier> verifier_;
    std::unique_ptr<s3::S3Service> s3_service_;
    std::unique_ptr<api::UploadApi> upload_api_;
    std::unique_ptr<http::Server> s3_server_;
    std::unique_ptr<http::Server> api_server_;
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
