#include "s3/acl.h"

#include <algorithm>

#include "s3/xml.h"

namespace imgpipe::s3 {
namespace {

constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
constexpr std::string_view kXsi = "http://www.w3.org/2001/XMLSchema-instance";

std::string to_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

Status not_implemented(std::string message) {
    return Status(StatusCode::kUnimplemented, "NotImplemented", std::move(message));
}

// The xsi:type attribute of a Grantee, whatever prefix the client bound the namespace to.
std::string grantee_type(const pugi::xml_node& grantee) {
    for (pugi::xml_attribute a : grantee.attributes()) {
        std::string_view name = a.name();
        auto colon = name.find(':');
        if (colon != std::string_view::npos && name.substr(colon + 1) == "type") return a.value();
    }
    return "";
}

}  // namespace

bool is_unsupported_canned_acl(std::string_view value) {
    const std::string acl = to_lower(value);
    return acl == "authenticated-read" || acl == "aws-exec-read" || acl == "log-delivery-write";
}

Result<store::CannedAcl> parse_canned_acl(std::string_view value) {
    const std::string acl = to_lower(value);
    // The bucket-owner-* ACLs add a grant for the bucket's owner, who here owns every object
    // already (one owner per store), so they leave the object private, as on AWS when the
    // writer owns the bucket. On a bucket AWS ignores them.
    if (acl == "private" || acl == "bucket-owner-read" || acl == "bucket-owner-full-control") {
        return store::CannedAcl::kPrivate;
    }
    if (acl == "public-read") return store::CannedAcl::kPublicRead;
    if (acl == "public-read-write") return store::CannedAcl::kPublicReadWrite;
    if (is_unsupported_canned_acl(acl)) {
        return not_implemented("the canned ACL " + acl +
                               " needs identities this store does not have");
    }
    return invalid_argument("InvalidArgument", "unknown canned ACL " + std::string(value));
}

Result<std::optional<store::CannedAcl>> acl_from_headers(const http::Headers& headers) {
    auto value = headers.get("x-amz-acl");
    if (!value) return std::optional<store::CannedAcl>();
    IMGPIPE_ASSIGN_OR_RETURN(store::CannedAcl acl, parse_canned_acl(*value));
    return std::optional(acl);
}

Result<store::CannedAcl> acl_from_policy(std::string_view xml, const std::string& owner_id) {
    pugi::xml_document doc;
    auto root = parse_body(doc, xml, "AccessControlPolicy");
    if (!root) {
        return invalid_argument("MalformedACLError",
                                "The XML you provided was not well-formed or did not validate "
                                "against our published schema");
    }
    bool owner_full_control = false;
    bool read = false;
    bool write = false;
    for (pugi::xml_node grant : child(*root, "AccessControlList").children()) {
        if (local_name(grant) != "Grant") continue;
        const pugi::xml_node grantee = child(grant, "Grantee");
        const std::string type = grantee_type(grantee);
        const std::string permission = child(grant, "Permission").text().as_string();
        if (type == "CanonicalUser" && child(grantee, "ID").text().as_string() == owner_id &&
            permission == "FULL_CONTROL") {
            owner_full_control = true;
        } else if (type == "Group" && child(grantee, "URI").text().as_string() == kAllUsers &&
                   (permission == "READ" || permission == "WRITE")) {
            (permission == "READ" ? read : write) = true;
        } else {
            return not_implemented(
                "only the grants canned ACLs make can be kept: the owner's FULL_CONTROL and "
                "AllUsers READ or WRITE");
        }
    }
    // The owner's access cannot be taken away here; a policy without it cannot be honoured.
    if (!owner_full_control) {
        return not_implemented("a policy must keep the owner's FULL_CONTROL grant");
    }
    if (write && !read) return not_implemented("AllUsers WRITE without READ cannot be kept");
    if (write) return store::CannedAcl::kPublicReadWrite;
    return read ? store::CannedAcl::kPublicRead : store::CannedAcl::kPrivate;
}

BucketAccess access_of(store::CannedAcl acl) {
    return {acl != store::CannedAcl::kPrivate, acl == store::CannedAcl::kPublicReadWrite};
}

Result<BucketAccess> bucket_access(const S3Context& context, const std::string& bucket) {
    auto stored = context.store->get_bucket_acl(bucket);
    if (stored.is_ok() && *stored) return access_of(**stored);
    // A store that keeps no ACLs leaves the configuration in charge.
    if (!stored.is_ok() && stored.status().code() != StatusCode::kUnimplemented) {
        return stored.status();
    }
    return BucketAccess{context.options.public_read_buckets.contains(bucket),
                        context.options.public_write_buckets.contains(bucket)};
}

Result<store::CannedAcl> new_object_acl(const S3Context& context, bool anonymous,
                                        const std::string& bucket,
                                        std::optional<std::string_view> value) {
    if (!value) return store::CannedAcl::kPrivate;
    IMGPIPE_ASSIGN_OR_RETURN(store::CannedAcl acl, parse_canned_acl(*value));
    if (acl == store::CannedAcl::kPublicReadWrite) {
        return not_implemented(
            "public-read-write applies to buckets; an object takes "
            "private or public-read");
    }
    if (anonymous && acl == store::CannedAcl::kPublicRead) {
        IMGPIPE_ASSIGN_OR_RETURN(BucketAccess access, bucket_access(context, bucket));
        if (!access.read) {
            return Status(StatusCode::kPermissionDenied, "AccessDenied",
                          "an anonymous upload may not make its object public");
        }
    }
    return acl;
}

Result<store::CannedAcl> new_object_acl(const S3Context& context, const S3Call& call) {
    auto value = call.request.headers.get("x-amz-acl");
    return new_object_acl(context, !call.auth, call.target.bucket,
                          value ? std::optional<std::string_view>(*value) : std::nullopt);
}

http::Response fail_acl(const S3Call& call, const Status& status) {
    const std::string& reason = status.reason();
    const bool own = reason == "InvalidArgument" || reason == "NotImplemented" ||
                     reason == "AccessDenied" || reason == "UnexpectedContent" ||
                     reason == "MissingSecurityHeader" || reason == "MalformedACLError";
    return call.fail(status, {.message = own ? status.message() : ""});
}

http::Response acl_response(const S3Call& call, const BucketAccess& access) {
    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "AccessControlPolicy");
    append_owner(root, call);
    pugi::xml_node list = root.append_child("AccessControlList");
    auto add_grant = [&](const char* type, const char* permission) {
        pugi::xml_node grant = list.append_child("Grant");
        pugi::xml_node grantee = grant.append_child("Grantee");
        grantee.append_attribute("xmlns:xsi").set_value(std::string(kXsi).c_str());
        grantee.append_attribute("xsi:type").set_value(type);
        append_text(grant, "Permission", permission);
        return grantee;
    };
    pugi::xml_node owner = add_grant("CanonicalUser", "FULL_CONTROL");
    append_text(owner, "ID", owner_id(call));
    append_text(owner, "DisplayName", owner_id(call));
    if (access.read) append_text(add_grant("Group", "READ"), "URI", kAllUsers);
    if (access.write) append_text(add_grant("Group", "WRITE"), "URI", kAllUsers);
    return xml_response(doc);
}

}  // namespace imgpipe::s3
