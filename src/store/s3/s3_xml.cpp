#include "store/s3/s3_xml.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <pugixml.hpp>
#include <sstream>

#include "sigv4/sigv4.h"
#include "store/s3/s3_errors.h"

namespace imgpipe::store::s3 {
namespace {

constexpr std::string_view kNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";

Status invalid_response(const std::string& what) {
    return {StatusCode::kUnavailable, "InvalidResponse", "S3 service sent " + what};
}

// pugixml matches names exactly; documents with a prefixed namespace ("s3:Key") are matched
// by local name.
std::string_view local(pugi::xml_node node) {
    std::string_view name = node.name();
    auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node node, std::string_view name) {
    for (pugi::xml_node c : node.children()) {
        if (local(c) == name) return c;
    }
    return {};
}

std::string text(pugi::xml_node node, std::string_view name) {
    return child(node, name).child_value();
}

std::vector<pugi::xml_node> children(pugi::xml_node node, std::string_view name) {
    std::vector<pugi::xml_node> out;
    for (pugi::xml_node c : node.children()) {
        if (local(c) == name) out.push_back(c);
    }
    return out;
}

Result<pugi::xml_node> load(pugi::xml_document& doc, std::string_view xml, std::string_view root) {
    if (!doc.load_buffer(xml.data(), xml.size())) return invalid_response("malformed XML");
    pugi::xml_node node = doc.document_element();
    if (local(node) != root) {
        return invalid_response("<" + std::string(local(node)) + "> where <" + std::string(root) +
                                "> was expected");
    }
    return node;
}

std::string unquote(std::string etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
        etag = etag.substr(1, etag.size() - 2);
    }
    // Some services send the quotes as entities, already decoded by the parser.
    return etag;
}

uint64_t to_u64(const std::string& s) {
    uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

Result<std::string> decode_if(bool url_encoded, const std::string& s) {
    if (!url_encoded) return s;
    // encoding-type=url encodes spaces as '+', as HTML forms do (AWS and RGW alike).
    std::string plus_as_space = s;
    std::replace(plus_as_space.begin(), plus_as_space.end(), '+', ' ');
    auto decoded = sigv4::uri_decode(plus_as_space);
    if (!decoded) return invalid_response("a badly encoded key");
    return *decoded;
}

}  // namespace

std::optional<TimePoint> parse_iso8601(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.fff]Z
    if (s.size() < 20) return std::nullopt;
    auto num = [&](size_t pos, size_t len) {
        int v = 0;
        auto [end, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, v);
        return ec == std::errc() && end == s.data() + pos + len ? v : -1;
    };
    std::tm tm{};
    tm.tm_year = num(0, 4) - 1900;
    tm.tm_mon = num(5, 2) - 1;
    tm.tm_mday = num(8, 2);
    tm.tm_hour = num(11, 2);
    tm.tm_min = num(14, 2);
    tm.tm_sec = num(17, 2);
    if (tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0 ||
        s[4] != '-' || s[10] != 'T' || s.back() != 'Z') {
        return std::nullopt;
    }
    auto t = std::chrono::system_clock::from_time_t(timegm(&tm));
    if (s[19] == '.') {
        size_t digits = s.size() - 21;
        int frac = num(20, std::min<size_t>(digits, 3));
        if (frac < 0) return std::nullopt;
        for (size_t i = digits; i < 3; ++i) frac *= 10;
        t += std::chrono::milliseconds(frac);
    }
    return t;
}

Result<std::vector<BucketInfo>> parse_list_buckets(std::string_view xml) {
    pugi::xml_document doc;
    IMGPIPE_ASSIGN_OR_RETURN(auto root, load(doc, xml, "ListAllMyBucketsResult"));
    std::vector<BucketInfo> out;
    for (pugi::xml_node b : children(child(root, "Buckets"), "Bucket")) {
        out.push_back(
            {text(b, "Name"), parse_iso8601(text(b, "CreationDate")).value_or(TimePoint{})});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

Result<ListResult> parse_list_objects(std::string_view xml, const std::string& bucket) {
    pugi::xml_document doc;
    IMGPIPE_ASSIGN_OR_RETURN(auto root, load(doc, xml, "ListBucketResult"));
    bool url = text(root, "EncodingType") == "url";
    ListResult out;
    for (pugi::xml_node c : children(root, "Contents")) {
        ObjectInfo info;
        info.bucket = bucket;
        IMGPIPE_ASSIGN_OR_RETURN(info.key, decode_if(url, text(c, "Key")));
        info.size = to_u64(text(c, "Size"));
        info.etag = unquote(text(c, "ETag"));
        info.last_modified = parse_iso8601(text(c, "LastModified")).value_or(TimePoint{});
        out.objects.push_back(std::move(info));
    }
    for (pugi::xml_node p : children(root, "CommonPrefixes")) {
        IMGPIPE_ASSIGN_OR_RETURN(auto prefix, decode_if(url, text(p, "Prefix")));
        out.common_prefixes.push_back(std::move(prefix));
    }
    out.is_truncated = text(root, "IsTruncated") == "true";
    // The last entry in listing order, whichever list it is in.
    std::string last_key = out.objects.empty() ? "" : out.objects.back().key;
    std::string last_prefix = out.common_prefixes.empty() ? "" : out.common_prefixes.back();
    out.next_start_after = std::max(last_key, last_prefix);
    return out;
}

Result<std::string> parse_upload_id(std::string_view xml) {
    pugi::xml_document doc;
    IMGPIPE_ASSIGN_OR_RETURN(auto root, load(doc, xml, "InitiateMultipartUploadResult"));
    std::string id = text(root, "UploadId");
    if (id.empty()) return invalid_response("no UploadId");
    return id;
}

Result<WriteResult> parse_write_result(std::string_view xml, long http_status) {
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size())) return invalid_response("malformed XML");
    pugi::xml_node root = doc.document_element();
    if (local(root) == "Error") {
        std::string code = text(root, "Code");
        return Status(status_code_for(code, 500), code,
                      "S3 service answered " + std::to_string(http_status) + " with error " + code +
                          ": " + text(root, "Message"));
    }
    WriteResult out;
    out.etag = unquote(text(root, "ETag"));
    if (local(root) != "CompleteMultipartUploadResult" && local(root) != "CopyObjectResult") {
        return invalid_response("<" + std::string(local(root)) + "> for a write");
    }
    out.last_modified = parse_iso8601(text(root, "LastModified"));
    return out;
}

namespace {
// As S3 spells them after "Checksum" in XML elements.
constexpr std::string_view kChecksumAlgorithms[] = {"CRC32", "CRC32C", "CRC64NVME", "SHA1",
                                                    "SHA256"};
}  // namespace

Result<ListPartsResult> parse_list_parts(std::string_view xml) {
    pugi::xml_document doc;
    IMGPIPE_ASSIGN_OR_RETURN(auto root, load(doc, xml, "ListPartsResult"));
    ListPartsResult out;
    for (pugi::xml_node p : children(root, "Part")) {
        PartInfo part;
        part.part_number = static_cast<int>(to_u64(text(p, "PartNumber")));
        part.size = to_u64(text(p, "Size"));
        part.etag = unquote(text(p, "ETag"));
        part.last_modified = parse_iso8601(text(p, "LastModified")).value_or(TimePoint{});
        for (std::string_view algorithm : kChecksumAlgorithms) {
            std::string value = text(p, "Checksum" + std::string(algorithm));
            if (!value.empty()) part.checksum = ObjectChecksum{std::string(algorithm), value, ""};
        }
        out.parts.push_back(std::move(part));
    }
    out.is_truncated = text(root, "IsTruncated") == "true";
    out.next_part_number_marker = static_cast<int>(to_u64(text(root, "NextPartNumberMarker")));
    if (std::string algorithm = text(root, "ChecksumAlgorithm"); !algorithm.empty()) {
        out.upload_checksum = ObjectChecksum{algorithm, "", text(root, "ChecksumType")};
    }
    return out;
}

Result<UploadsPage> parse_list_uploads(std::string_view xml, const std::string& bucket) {
    pugi::xml_document doc;
    IMGPIPE_ASSIGN_OR_RETURN(auto root, load(doc, xml, "ListMultipartUploadsResult"));
    bool url = text(root, "EncodingType") == "url";
    UploadsPage out;
    for (pugi::xml_node u : children(root, "Upload")) {
        MultipartUploadInfo info;
        info.bucket = bucket;
        IMGPIPE_ASSIGN_OR_RETURN(info.key, decode_if(url, text(u, "Key")));
        info.upload_id = text(u, "UploadId");
        info.initiated = parse_iso8601(text(u, "Initiated")).value_or(TimePoint{});
        out.uploads.push_back(std::move(info));
    }
    out.is_truncated = text(root, "IsTruncated") == "true";
    IMGPIPE_ASSIGN_OR_RETURN(out.next_key_marker, decode_if(url, text(root, "NextKeyMarker")));
    out.next_upload_id_marker = text(root, "NextUploadIdMarker");
    return out;
}

namespace {

std::string render(const pugi::xml_document& doc) {
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    doc.save(out, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
    return out.str();
}

pugi::xml_node append_root(pugi::xml_document& doc, const char* name) {
    pugi::xml_node root = doc.append_child(name);
    root.append_attribute("xmlns").set_value(std::string(kNamespace).c_str());
    return root;
}

void append_text(pugi::xml_node parent, const char* name, const std::string& value) {
    parent.append_child(name).append_child(pugi::node_pcdata).set_value(value.c_str());
}

}  // namespace

std::string render_complete_request(const std::vector<CompletedPart>& parts) {
    pugi::xml_document doc;
    pugi::xml_node root = append_root(doc, "CompleteMultipartUpload");
    for (const auto& part : parts) {
        pugi::xml_node p = root.append_child("Part");
        append_text(p, "PartNumber", std::to_string(part.part_number));
        std::string etag = unquote(part.etag);
        append_text(p, "ETag", "\"" + etag + "\"");
        if (part.checksum) {
            append_text(p, ("Checksum" + part.checksum->algorithm).c_str(), part.checksum->value);
        }
    }
    return render(doc);
}

std::string render_create_bucket(const std::string& region) {
    pugi::xml_document doc;
    pugi::xml_node root = append_root(doc, "CreateBucketConfiguration");
    append_text(root, "LocationConstraint", region);
    return render(doc);
}

Result<std::string> canonical_cors(std::string_view xml) {
    pugi::xml_document in;
    IMGPIPE_ASSIGN_OR_RETURN(auto root, load(in, xml, "CORSConfiguration"));
    pugi::xml_document out;
    pugi::xml_node out_root = append_root(out, "CORSConfiguration");
    for (pugi::xml_node rule : children(root, "CORSRule")) {
        pugi::xml_node r = out_root.append_child("CORSRule");
        for (const char* name : {"ID", "AllowedHeader", "AllowedMethod", "AllowedOrigin",
                                 "ExposeHeader", "MaxAgeSeconds"}) {
            for (pugi::xml_node v : children(rule, name)) append_text(r, name, v.child_value());
        }
    }
    return render(out);
}

Result<CannedAcl> parse_acl_policy(std::string_view xml) {
    pugi::xml_document doc;
    IMGPIPE_ASSIGN_OR_RETURN(auto root, load(doc, xml, "AccessControlPolicy"));
    bool read = false;
    bool write = false;
    for (pugi::xml_node grant : children(child(root, "AccessControlList"), "Grant")) {
        const std::string uri = text(child(grant, "Grantee"), "URI");
        if (!uri.ends_with("/groups/global/AllUsers")) continue;
        const std::string permission = text(grant, "Permission");
        read = read || permission == "READ" || permission == "FULL_CONTROL";
        write = write || permission == "WRITE" || permission == "FULL_CONTROL";
    }
    if (read && write) return CannedAcl::kPublicReadWrite;
    return read ? CannedAcl::kPublicRead : CannedAcl::kPrivate;
}

std::string_view canned_acl_header(CannedAcl acl) {
    switch (acl) {
        case CannedAcl::kPublicRead:
            return "public-read";
        case CannedAcl::kPublicReadWrite:
            return "public-read-write";
        case CannedAcl::kPrivate:
            break;
    }
    return "private";
}

}  // namespace imgpipe::store::s3
