#include "delivery/delivery_api.h"

#include "core/log.h"
#include "delivery/accept.h"
#include "delivery/delivery_path.h"
#include "delivery/url_signature.h"
#include "http/router.h"
#include "pipeline/image_id.h"
#include "s3/conditions.h"
#include "s3/s3_call.h"
#include "s3/xml.h"

namespace imgpipe::delivery {
namespace {

constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr int kReadAttempts = 3;
constexpr size_t kMaxResolved = 100'000;

Status no_such_image() { return not_found("NoSuchImage", "no image has this id"); }
Status no_such_variant() {
    return not_found("NoSuchVariant", "the image has no such variant (or not yet)");
}

http::Response error(const Status& st, const std::string& request_id) {
    int status = 500;
    std::string code = "InternalError";
    std::string message = "internal error";
    switch (st.code()) {
        case StatusCode::kNotFound:
            status = 404;
            break;
        case StatusCode::kPermissionDenied:
            status = 403;
            break;
        case StatusCode::kInvalidArgument:
        case StatusCode::kResourceExhausted:
        case StatusCode::kFailedPrecondition:
            // The original cannot be made into this variant (corrupt, too large, ...).
            status = 422;
            break;
        case StatusCode::kUnavailable:
        case StatusCode::kDeadlineExceeded:
            status = 503;
            break;
        default:
            break;
    }
    if (status == 404 || status == 403) {
        code = st.reason();
        message = st.message();
    } else if (status == 422) {
        code = "CannotRender";
        message = "the original cannot be made into this variant";
    } else if (status == 503) {
        code = "SlowDown";
        message = "try again later";
    }
    if (status >= 422) {
        log::warn("delivery failed", {{"request_id", request_id}, {"error", st.to_string()}});
    }
    http::Response r = http::Response::json_error(status, code, message);
    r.headers.set("Cache-Control", "no-store");
    return r;
}

// The variants of `job` that are `name` in some format: NAME itself and NAME.<format>.
std::vector<const queue::VariantResult*> formats_of(const queue::Job& job,
                                                    const std::string& name) {
    std::vector<const queue::VariantResult*> out;
    for (const auto& v : job.variants) {
        if (v.name == name || (v.name.size() > name.size() + 1 && v.name.starts_with(name) &&
                               v.name[name.size()] == '.' &&
                               imaging::parse_output_format(v.name.substr(name.size() + 1)))) {
            out.push_back(&v);
        }
    }
    return out;
}

}  // namespace

DeliveryApi::DeliveryApi(DeliveryOptions options, queue::JobStore& jobs, store::ObjectStore& store,
                         OnDemandRenderer& renderer)
    : options_(std::move(options)),
      jobs_(jobs),
      store_(store),
      renderer_(renderer),
      cors_(options_.cors_origins) {}

void DeliveryApi::add_routes(http::Router& router) {
    http::RouteOptions get;
    if (options_.local_reads) {
        get.inline_answer = [this](http::Request& r) { return serve_resolved(r); };
    }
    router.add(
        "GET", "/i/{id}/{variant}", [this](http::Request& r) { return handle_get(r); }, get);
    router.add(
        "OPTIONS", "/i/{id}/{variant}",
        [this](http::Request& r) { return cors_.preflight(r, "GET, HEAD, OPTIONS"); },
        http::Execution::kInline);
}

// A content-addressed URL names fixed bytes: where they were found is kept, so repeated requests
// (a CDN's misses, browsers) skip the job look-up; serve() still checks the ETag.
std::optional<http::Response> DeliveryApi::serve_resolved(http::Request& request) {
    auto target = parse_target(request.path_params["variant"]);
    if (!target || target->etag.empty()) return std::nullopt;
    auto known = resolved(request.path_params["id"] + '/' + target->name);
    if (!known) return std::nullopt;
    known->etag = target->etag;
    http::Response r = serve(request, *known);
    cors_.apply(request, r);
    return r;
}

http::Response DeliveryApi::handle_get(http::Request& request) {
    if (auto r = serve_resolved(request)) return std::move(*r);
    const std::string id = request.path_params["id"];
    auto target = parse_target(request.path_params["variant"]);
    Result<queue::Job> job = pipeline::is_image_id(id) ? jobs_.get(id) : no_such_image();
    if (!job.is_ok() && job.status().code() == StatusCode::kNotFound) job = no_such_image();
    if (job.is_ok() && !target) job = no_such_variant();
    Result<Choice> choice = job.is_ok() ? choose(request, *job, target->name) : job.status();
    http::Response r;
    if (choice.is_ok()) {
        choice->etag = target->etag;
        if (!target->etag.empty() && !choice->vary_accept)
            remember(id + '/' + target->name, *choice);
        r = serve(request, *choice);
    } else {
        r = error(choice.status(), request.request_id);
    }
    cors_.apply(request, r);
    return r;
}

std::optional<DeliveryApi::Choice> DeliveryApi::resolved(const std::string& name) {
    std::lock_guard lock(mu_);
    auto it = resolved_.find(name);
    if (it == resolved_.end()) return std::nullopt;
    return it->second;
}

void DeliveryApi::remember(const std::string& name, const Choice& choice) {
    std::lock_guard lock(mu_);
    if (resolved_.size() >= kMaxResolved) resolved_.clear();  // crude, but bounded
    resolved_[name] = choice;
}

Result<DeliveryApi::Choice> DeliveryApi::choose(const http::Request& request, const queue::Job& job,
                                                const std::string& name) {
    Choice choice;
    // A variant made at upload, in one format or several.
    auto formats = job.state == queue::JobState::kDone ? formats_of(job, name)
                                                       : std::vector<const queue::VariantResult*>{};
    if (!formats.empty()) {
        const queue::VariantResult* pick = formats.front();
        // NAME itself when it exists in one format only, or when NAME names a format already.
        if (formats.size() > 1) {
            std::vector<imaging::ImageFormat> available;
            available.reserve(formats.size());
            for (const auto* v : formats) {
                available.push_back(
                    imaging::parse_output_format(v->format).value_or(imaging::ImageFormat::kJpeg));
            }
            auto accept = request.headers.get("Accept");
            pick = formats[*choose_format(reduce_accept(accept ? *accept : ""), available)];
            choice.vary_accept = true;
        }
        choice.bucket = pick->bucket;
        choice.key = pick->key;
        return choice;
    }
    // A size made on request: a named preset, or a signed WxH[:fit][.format].
    std::optional<imaging::VariantSpec> spec;
    if (auto preset = options_.presets.find(name); preset != options_.presets.end()) {
        spec = preset->second;
    } else {
        spec = parse_on_demand(name, options_.limits);
        if (!spec) return no_such_variant();
        if (!verify_path(options_.signing_key, request.path, query_param(request.query, "sig"))) {
            return Status(StatusCode::kPermissionDenied, "SignatureRequired",
                          "sizes not made at upload need a signed URL or a configured preset");
        }
        if (name.find('.') == std::string::npos) {
            // No format named: negotiated as a precomputed variant is, so one signed URL gives
            // each class of client its format (at most three renders, one per class).
            static const std::vector<imaging::ImageFormat> kOffered = {imaging::ImageFormat::kJpeg,
                                                                       imaging::ImageFormat::kWebp,
                                                                       imaging::ImageFormat::kAvif};
            auto accept = request.headers.get("Accept");
            spec->format = kOffered[*choose_format(reduce_accept(accept ? *accept : ""), kOffered)];
            if (spec->format != imaging::ImageFormat::kJpeg) {
                spec->name += "." + std::string(imaging::format_name(spec->format));
            }
            choice.vary_accept = true;
        }
    }
    IMGPIPE_ASSIGN_OR_RETURN(choice.key, renderer_.ensure(job, *spec));
    choice.bucket = renderer_.dest_bucket();
    return choice;
}

http::Response DeliveryApi::serve(const http::Request& request, const Choice& choice) {
    const bool with_body = request.method != "HEAD";
    for (int attempt = 1;; ++attempt) {
        // Opened whole first: the common answer (200, the whole variant) then costs one look-up.
        auto reader = store_.get_object(choice.bucket, choice.key, std::nullopt);
        if (!reader.is_ok() && reader.status().code() == StatusCode::kNotFound) {
            return error(no_such_variant(), request.request_id);
        }
        if (!reader.is_ok()) return error(reader.status(), request.request_id);
        const store::ObjectInfo info = reader->info;
        // A content-addressed URL whose content was replaced names nothing any more.
        if (!choice.etag.empty() && info.etag != choice.etag) {
            return error(not_found("NoSuchVariant", "this version of the variant was replaced"),
                         request.request_id);
        }
        http::Response r;
        r.headers.set("ETag", s3::quote_etag(info.etag));
        r.headers.set("Last-Modified", s3::http_date(info.last_modified));
        r.headers.set("Cache-Control",
                      choice.etag.empty()
                          ? "public, max-age=" + std::to_string(options_.alias_max_age.count())
                          : std::string(kImmutable));
        if (choice.vary_accept) r.headers.add("Vary", "Accept");
        switch (s3::evaluate_preconditions(request.headers, info.etag, info.last_modified)) {
            case s3::Precondition::kNotModified:
                r.status = 304;
                return r;
            case s3::Precondition::kFailed:
                r = http::Response::json_error(412, "PreconditionFailed",
                                               "conditional headers failed");
                r.headers.set("Cache-Control", "no-store");
                return r;
            case s3::Precondition::kProceed:
                break;
        }
        r.headers.set("Content-Type", info.attributes.content_type.empty()
                                          ? "application/octet-stream"
                                          : info.attributes.content_type);
        r.headers.set("Accept-Ranges", "bytes");
        auto range = s3::resolve_range(request.headers.get("Range"), info.size);
        if (!range.is_ok()) {
            http::Response bad =
                http::Response::json_error(416, "InvalidRange", "the range is not satisfiable");
            bad.headers.set("Content-Range", "bytes */" + std::to_string(info.size));
            bad.headers.set("Cache-Control", "no-store");
            return bad;
        }
        r.status = *range ? 206 : 200;
        if (*range) {
            r.headers.set("Content-Range", "bytes " + std::to_string((*range)->first) + "-" +
                                               std::to_string((*range)->last) + "/" +
                                               std::to_string(info.size));
            r.content_length = (*range)->last - (*range)->first + 1;
        } else {
            r.content_length = info.size;
        }
        if (!with_body) return r;
        if (*range) {
            reader = store_.get_object(choice.bucket, choice.key, *range);
            if (!reader.is_ok()) return error(reader.status(), request.request_id);
            // Replaced meanwhile: the range and conditions were for the old object.
            if (reader->info.etag != info.etag && attempt < kReadAttempts) continue;
            if (reader->info.etag != info.etag) {
                return error(Status(StatusCode::kUnavailable, "SlowDown", "replaced during GET"),
                             request.request_id);
            }
        }
        r.source = std::move(reader->body);
        return r;
    }
}

}  // namespace imgpipe::delivery
