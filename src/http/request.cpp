#include "http/request.h"

#include <nlohmann/json.hpp>

namespace imgpipe::http {

Response Response::text(int status, std::string body, std::string content_type) {
    Response r;
    r.status = status;
    r.headers.set("Content-Type", std::move(content_type));
    r.body = std::move(body);
    return r;
}

Response Response::json_error(int status, std::string_view code, std::string_view message) {
    nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
    return json(status, body.dump());
}

}  // namespace imgpipe::http
