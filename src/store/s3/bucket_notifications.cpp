#include "store/s3/bucket_notifications.h"

#include <pugixml.hpp>

#include "sigv4/sigv4.h"
#include "store/s3/body_spool.h"

namespace imgpipe::store::s3 {
namespace {

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty()) out += '&';
        out += sigv4::uri_encode(name, false) + "=" + sigv4::uri_encode(value, false);
    }
    return out;
}

std::string xml_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace

Result<std::string> setup_bucket_notifications(S3Http& http, const NotificationSetup& setup) {
    // SNS CreateTopic, form-encoded, on the S3 endpoint itself (RGW serves both).
    std::string body = form({{"Action", "CreateTopic"},
                             {"Name", setup.topic},
                             {"Attributes.entry.1.key", "push-endpoint"},
                             {"Attributes.entry.1.value", setup.push_endpoint},
                             {"Attributes.entry.2.key", "persistent"},
                             {"Attributes.entry.2.value", "true"},
                             {"Attributes.entry.3.key", "OpaqueData"},
                             {"Attributes.entry.3.value", setup.opaque_data}});
    RequestBody topic_body = RequestBody::of(body);
    S3Request create{"POST"};
    create.headers = {{"content-type", "application/x-www-form-urlencoded"}};
    create.body = &topic_body;
    create.sign_body = true;
    IMGPIPE_ASSIGN_OR_RETURN(auto created, http.execute(create));
    pugi::xml_document doc;
    std::string arn;
    if (doc.load_buffer(created.body.data(), created.body.size())) {
        arn = doc.select_node("//TopicArn").node().child_value();
    }
    if (arn.empty()) {
        return Status(StatusCode::kUnavailable, "InvalidResponse",
                      "CreateTopic answered without a TopicArn");
    }

    std::string config =
        "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<TopicConfiguration><Id>imgpipe</Id><Topic>" +
        xml_escape(arn) +
        "</Topic><Event>s3:ObjectCreated:*</Event></TopicConfiguration>"
        "</NotificationConfiguration>";
    RequestBody config_body = RequestBody::of(config);
    Md5 md5;
    md5.update(config);
    config_body.md5 = md5.finish();
    S3Request put{"PUT", setup.bucket};
    put.query = {{"notification", ""}};
    put.body = &config_body;
    put.sign_body = true;
    IMGPIPE_RETURN_IF_ERROR(http.execute(put).status());
    return arn;
}

}  // namespace imgpipe::store::s3
