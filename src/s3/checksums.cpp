#include "s3/checksums.h"

#include <map>

#include "sigv4/checksum_combine.h"
#include "sigv4/text.h"

namespace imgpipe::s3 {
namespace {

Status invalid_request(std::string message) {
    return Status(StatusCode::kInvalidArgument, "InvalidRequest", std::move(message));
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string name_of(sigv4::ChecksumAlgorithm algorithm) {
    return std::string(sigv4::checksum_name(algorithm));
}

}  // namespace

std::optional<sigv4::ChecksumAlgorithm> carried_algorithm(const http::Headers& headers) {
    for (const auto& [name, value] : headers.entries()) {
        if (auto algorithm = sigv4::checksum_from_header(name)) return algorithm;
    }
    if (auto trailer = headers.get("x-amz-trailer")) {
        std::string_view list = *trailer;
        while (!list.empty()) {
            const size_t comma = list.find(',');
            if (auto a = sigv4::checksum_from_header(sigv4::trim(list.substr(0, comma)))) return a;
            list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        }
    }
    return std::nullopt;
}

Status check_algorithm_header(const http::Headers& headers) {
    for (std::string_view header : {"x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm"}) {
        auto value = headers.get(header);
        if (!value) continue;
        auto named = sigv4::checksum_from_name(sigv4::trim(*value));
        if (!named) {
            return invalid_request("Value for " + std::string(header) + " header is invalid.");
        }
        auto carried = carried_algorithm(headers);
        if (!carried) {
            return invalid_request(std::string(header) +
                                   " specified, but no corresponding x-amz-checksum-* or "
                                   "x-amz-trailer headers were found.");
        }
        if (*carried != *named) {
            return invalid_request("Value for " + std::string(header) + " header is invalid.");
        }
    }
    return Status::ok();
}

store::ChecksumAtEnd checksum_at_end(const sigv4::PayloadSource& payload) {
    return [&payload]() -> std::optional<store::ObjectChecksum> {
        auto checksum = payload.checksum();
        if (!checksum) return std::nullopt;
        return store::ObjectChecksum{checksum->algorithm, checksum->base64,
                                     std::string(kFullObject)};
    };
}

void add_checksum_headers(http::Response& response, const store::ObjectChecksum& checksum) {
    response.headers.set("x-amz-checksum-" + lower(checksum.algorithm), checksum.value);
    response.headers.set("x-amz-checksum-type", checksum.type);
}

std::string checksum_element(std::string_view algorithm) {
    return "Checksum" + std::string(algorithm);
}

Result<std::optional<store::ObjectChecksum>> upload_checksum(const http::Headers& headers) {
    auto algorithm_header = headers.get("x-amz-checksum-algorithm");
    auto type_header = headers.get("x-amz-checksum-type");
    if (!algorithm_header) {
        if (type_header) {
            return invalid_request(
                "The x-amz-checksum-type header can only be used with the "
                "x-amz-checksum-algorithm header.");
        }
        return std::optional<store::ObjectChecksum>();
    }
    auto algorithm = sigv4::checksum_from_name(sigv4::trim(*algorithm_header));
    if (!algorithm) {
        return invalid_request(
            "Checksum algorithm provided is unsupported. Please try again with any of the valid "
            "types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
    }
    std::string type =
        type_header ? std::string(sigv4::trim(*type_header))
                    : std::string(*algorithm == sigv4::ChecksumAlgorithm::kCrc64Nvme ? kFullObject
                                                                                     : kComposite);
    for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (type != kFullObject && type != kComposite) {
        return invalid_request("Value for x-amz-checksum-type header is invalid.");
    }
    const bool full = type == kFullObject;
    // FULL_OBJECT needs a CRC (the parts combine); CRC64NVME has only FULL_OBJECT.
    if ((full && !sigv4::is_crc(*algorithm)) ||
        (!full && *algorithm == sigv4::ChecksumAlgorithm::kCrc64Nvme)) {
        return invalid_request("The " + type + " checksum type cannot be used with the " +
                               lower(name_of(*algorithm)) + " checksum algorithm.");
    }
    return std::optional(store::ObjectChecksum{name_of(*algorithm), "", type});
}

Result<std::optional<sigv4::ChecksumAlgorithm>> part_algorithm(
    const http::Headers& headers, const std::optional<store::ObjectChecksum>& upload) {
    auto carried = carried_algorithm(headers);
    if (!upload) return carried;
    auto expected = sigv4::checksum_from_name(upload->algorithm);
    if (carried && expected && *carried != *expected) {
        return invalid_request(
            "Checksum Type mismatch occurred, expected checksum Type: " + lower(upload->algorithm) +
            ", actual checksum Type: " + lower(name_of(*carried)));
    }
    return expected;
}

Result<std::optional<store::ObjectChecksum>> multipart_checksum(
    const http::Headers& headers, const std::optional<store::ObjectChecksum>& upload,
    const std::vector<store::CompletedPart>& listed, const std::vector<store::PartInfo>& stored) {
    std::map<int, const store::PartInfo*> by_number;
    for (const store::PartInfo& part : stored) by_number[part.part_number] = &part;
    for (const store::CompletedPart& part : listed) {
        if (!part.checksum) continue;
        auto it = by_number.find(part.part_number);
        if (it == by_number.end()) continue;  // the store answers InvalidPart for it
        const auto& kept = it->second->checksum;
        if (!kept || kept->algorithm != part.checksum->algorithm ||
            kept->value != part.checksum->value) {
            return Status(StatusCode::kInvalidArgument, "InvalidPart",
                          "part " + std::to_string(part.part_number) +
                              ": the listed checksum is not the part's");
        }
    }
    if (!upload) return std::optional<store::ObjectChecksum>();
    if (auto type = headers.get("x-amz-checksum-type");
        type && sigv4::trim(*type) != upload->type) {
        return invalid_request("The upload was created using the " + upload->type +
                               " checksum mode. The complete request must use the same "
                               "checksum mode.");
    }
    auto algorithm = sigv4::checksum_from_name(upload->algorithm);
    if (!algorithm) return internal_error("stored upload checksum algorithm is unknown");

    std::vector<sigv4::PartChecksum> parts;
    std::vector<std::string> values;
    for (const store::CompletedPart& part : listed) {
        if (!part.checksum && upload->type == kComposite) {
            return invalid_request("The upload was created using a " + lower(upload->algorithm) +
                                   " checksum. The complete request must include the checksum "
                                   "for each part. It was missing for part " +
                                   std::to_string(part.part_number) + " in the request.");
        }
        auto it = by_number.find(part.part_number);
        if (it == by_number.end()) continue;
        const auto& kept = it->second->checksum;
        if (!kept || kept->algorithm != upload->algorithm) {
            return Status(StatusCode::kInvalidArgument, "InvalidPart",
                          "part " + std::to_string(part.part_number) + " has no " +
                              upload->algorithm + " checksum");
        }
        parts.push_back({kept->value, it->second->size});
        values.push_back(kept->value);
    }
    if (parts.empty()) return std::optional<store::ObjectChecksum>();
    auto value = upload->type == kFullObject ? sigv4::combine_full_object(*algorithm, parts)
                                             : sigv4::combine_composite(*algorithm, values);
    if (!value) return internal_error("stored part checksum is malformed");
    if (auto given = headers.get(sigv4::checksum_header(*algorithm))) {
        // The client's own checksum of the whole object (for COMPOSITE, with or without "-N").
        std::string expected = *value;
        std::string claimed(sigv4::trim(*given));
        if (upload->type == kComposite && claimed.find('-') == std::string::npos) {
            expected = expected.substr(0, expected.find('-'));
        }
        if (claimed != expected) {
            return Status(StatusCode::kInvalidArgument, "BadDigest",
                          "The " + name_of(*algorithm) +
                              " you specified did not match the calculated checksum.");
        }
    }
    return std::optional(store::ObjectChecksum{upload->algorithm, *value, upload->type});
}

ErrorExtras checksum_failure_extras(const Status& status) {
    ErrorExtras extras;
    if (status.reason() == "InvalidRequest") extras.message = status.message();
    return extras;
}

}  // namespace imgpipe::s3
