#include "s3/xml.h"

#include <ctime>
#include <sstream>

namespace imgpipe::s3 {

pugi::xml_node append_result_root(pugi::xml_document& doc, std::string_view name) {
    pugi::xml_node root = doc.append_child(std::string(name).c_str());
    root.append_attribute("xmlns").set_value(std::string(kS3Namespace).c_str());
    return root;
}

pugi::xml_node append_text(pugi::xml_node parent, std::string_view name, std::string_view text) {
    pugi::xml_node node = parent.append_child(std::string(name).c_str());
    node.append_child(pugi::node_pcdata).set_value(std::string(text).c_str());
    return node;
}

std::string render_xml(const pugi::xml_document& doc) {
    std::ostringstream out;
    out << kXmlProlog;
    doc.save(out, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
    return out.str();
}

std::string_view local_name(const pugi::xml_node& node) {
    std::string_view name = node.name();
    auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(const pugi::xml_node& node, std::string_view name) {
    for (pugi::xml_node c : node.children()) {
        if (c.type() == pugi::node_element && local_name(c) == name) return c;
    }
    return {};
}

Result<pugi::xml_node> parse_body(pugi::xml_document& doc, std::string_view body,
                                  std::string_view root) {
    // parse_ws_pcdata_single: an element whose whole text is whitespace keeps it — pugixml's
    // default drops it, which turned the key " " of a DeleteObjects body into "".
    pugi::xml_parse_result parsed = doc.load_buffer(
        body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
    if (!parsed) {
        return Status(StatusCode::kInvalidArgument, "MalformedXML",
                      std::string("xml parse error: ") + parsed.description());
    }
    pugi::xml_node element = doc.document_element();
    if (!element || local_name(element) != root) {
        return Status(StatusCode::kInvalidArgument, "MalformedXML",
                      "expected root element " + std::string(root));
    }
    return element;
}

namespace {
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
}  // namespace

std::string http_date(std::chrono::system_clock::time_point t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view s) {
    const std::string text(s);
    // IMF-fixdate, RFC 850, asctime: the three forms RFC 7231 §7.1.1.1 requires recipients to
    // accept.
    for (const char* format :
         {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
        std::tm tm{};
        const char* end = strptime(text.c_str(), format, &tm);
        if (end != nullptr && *end == '\0') {
            std::time_t secs = timegm(&tm);
            if (secs == static_cast<std::time_t>(-1)) return std::nullopt;
            return std::chrono::system_clock::from_time_t(secs);
        }
    }
    return std::nullopt;
}

}  // namespace imgpipe::s3
