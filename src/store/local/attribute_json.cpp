#include "store/local/attribute_json.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "core/hex.h"
#include "core/utf8.h"

namespace imgpipe::store {
namespace {

using json = nlohmann::json;

// Takes the members of the top-level object: a string value as it is, an object value's "hex"
// member decoded; anything else (numbers, arrays, deeper objects, other members) is skipped.
class FlatMapReader final : public nlohmann::json_sax<json> {
  public:
    std::map<std::string, std::string> out;

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }

    bool string(string_t& value) override {
        if (arrays_ > 0) return true;
        if (depth_ == 1) {
            out[key_] = std::move(value);
        } else if (depth_ == 2 && inner_key_ == "hex") {
            if (auto bytes = from_hex(value)) out[key_] = std::move(*bytes);
        }
        return true;
    }

    bool start_object(std::size_t) override {
        ++depth_;
        return true;
    }
    bool end_object() override {
        --depth_;
        return true;
    }
    bool key(string_t& name) override {
        if (depth_ == 1) {
            key_ = std::move(name);
        } else if (depth_ == 2) {
            inner_key_ = std::move(name);
        }
        return true;
    }
    bool start_array(std::size_t) override {
        ++arrays_;
        return true;
    }
    bool end_array() override {
        --arrays_;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

  private:
    int depth_ = 0;          // objects open: 1 inside the top-level one
    int arrays_ = 0;         // arrays open
    std::string key_;        // the top-level member being read
    std::string inner_key_;  // its member, when its value is an object
};

}  // namespace

std::string map_to_json(const std::map<std::string, std::string>& m) {
    json out = json::object();
    for (const auto& [name, value] : m) {
        if (is_valid_utf8(value)) {
            out[name] = value;
        } else {
            out[name] = {{"hex", to_hex(value)}};
        }
    }
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::map<std::string, std::string> map_from_json(const std::string& json_text) {
    if (json_text == "{}") return {};  // most objects: nothing to read
    if (json_text.empty() || json_text.front() != '{') return {};
    FlatMapReader reader;
    if (!json::sax_parse(json_text, &reader)) return {};
    return std::move(reader.out);
}

}  // namespace imgpipe::store
