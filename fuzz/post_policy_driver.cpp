#include "post_policy_driver.h"

#include <cstdlib>
#include <string>
#include <string_view>

#include "sigv4/post_policy.h"

namespace imgpipe::sigv4::fuzzing {
namespace {

void check(bool invariant) {
    if (!invariant) std::abort();
}

class OneKey final : public CredentialProvider {
  public:
    std::optional<std::string> secret_for(std::string_view akid) const override {
        if (akid == "AKIDFUZZ") return std::string("fuzzsecret");
        return std::nullopt;
    }
};

bool expected_reason(const Status& s) {
    return s.is_ok() || s.reason() == "InvalidPolicyDocument" || s.reason() == "AccessDenied" ||
           s.reason() == "InvalidArgument" || s.reason() == "InvalidAccessKeyId" ||
           s.reason() == "SignatureDoesNotMatch";
}

// "name=value" lines.
PostFields parse_fields(std::string_view text) {
    PostFields fields;
    while (!text.empty() && fields.size() < 64) {
        size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        size_t eq = line.find('=');
        fields.emplace_back(std::string(line.substr(0, eq)),
                            eq == std::string_view::npos ? "" : std::string(line.substr(eq + 1)));
        if (eol == std::string_view::npos) break;
        text.remove_prefix(eol + 1);
    }
    return fields;
}

const TimePoint kNow = *parse_amz_date("20260101T000000Z");

Status check_policy(const PostPolicy& policy, const PostFields& fields) {
    for (const PolicyCondition& c : policy.conditions) check(!describe(c).empty());
    if (auto range = policy.content_length_range()) check(range->first <= range->second);
    Status s = check_post_policy(policy, fields, "bucket", kNow);
    check(s.is_ok() || s.reason() == "AccessDenied");
    return s;
}

}  // namespace

Status run_post_policy_input(const uint8_t* data, size_t size) {
    if (size == 0) return Status::ok();
    const uint8_t control = data[0];
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    // Whatever the mode, base64 must round-trip.
    check(base64_decode(base64_encode(text)) == std::string(text));

    const PostFields default_fields = {{"key", "uploads/a.jpg"},
                                       {"Content-Type", "image/jpeg"},
                                       {"x-amz-meta-w", "640"},
                                       {"success_action_status", "201"}};
    Status result;
    switch (control % 3) {
        case 0: {  // policy JSON
            auto policy = parse_post_policy(base64_encode(text));
            if (!policy) {
                result = policy.status();
                break;
            }
            result = check_policy(*policy, default_fields);
            break;
        }
        case 1: {  // the policy field as received (base64 text)
            auto policy = parse_post_policy(text);
            result = policy ? check_policy(*policy, default_fields) : policy.status();
            break;
        }
        default: {  // a form: fields checked against a signed policy
            SigningCredentials creds{"AKIDFUZZ", "fuzzsecret"};
            PostPolicyRequest req;
            req.bucket = "bucket";
            req.key = "uploads/${filename}";
            req.conditions = {PolicyCondition::content_length_range(0, 100),
                              PolicyCondition::starts_with("Content-Type", "image/")};
            PresignedPostForm form = create_post_policy(creds, req, kNow);
            PostFields fields = parse_fields(text);
            if (control & 0x80)
                fields.insert(fields.begin(), form.fields.begin(), form.fields.end());
            PostAuthVersion version = post_auth_version(fields);
            if (version == PostAuthVersion::kNone) break;
            auto akid = verify_post_signature(fields, version, OneKey());
            if (!akid) {
                result = akid.status();
                break;
            }
            check(*akid == "AKIDFUZZ");
            auto policy = parse_post_policy(*find_post_field(fields, "policy"));
            result = policy ? check_policy(*policy, fields) : policy.status();
            break;
        }
    }
    check(expected_reason(result));
    return result;
}

}  // namespace imgpipe::sigv4::fuzzing
