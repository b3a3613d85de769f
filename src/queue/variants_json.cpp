#include "queue/variants_json.h"

#include <nlohmann/json.hpp>

namespace imgpipe::queue {

std::string variants_to_json(const std::vector<VariantResult>& variants) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : variants) {
        out.push_back({{"name", v.name},
                       {"bucket", v.bucket},
                       {"key", v.key},
                       {"width", v.width},
                       {"height", v.height},
                       {"bytes", v.bytes},
                       {"format", v.format},
                       {"content_type", v.content_type},
                       {"etag", v.etag}});
        if (v.frames != 1) out.back()["frames"] = v.frames;
        if (!v.note.empty()) out.back()["note"] = v.note;
    }
    // Keys are not guaranteed UTF-8; replacing a bad byte beats throwing mid-commit.
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<VariantResult>> variants_from_json(const std::string& json) {
    // nlohmann throws on bad text, a missing member or a wrong type: the row is then unreadable.
    try {
        auto parsed = nlohmann::json::parse(json);
        if (!parsed.is_array()) {
            return Status(StatusCode::kDataLoss, "CorruptJobRow", "variants are not an array");
        }
        std::vector<VariantResult> out;
        for (const auto& v : parsed) {
            out.push_back({v.at("name").get<std::string>(), v.at("bucket").get<std::string>(),
                           v.at("key").get<std::string>(), v.at("width").get<int>(),
                           v.at("height").get<int>(), v.at("bytes").get<uint64_t>(),
                           v.at("format").get<std::string>(),
                           v.at("content_type").get<std::string>(), v.value("etag", std::string()),
                           v.value("frames", 1), v.value("note", std::string())});
        }
        return out;
    } catch (const nlohmann::json::exception& e) {
        return Status(StatusCode::kDataLoss, "CorruptJobRow",
                      std::string("variants column: ") + e.what());
    }
}

}  // namespace imgpipe::queue
