#include "http/request.h"

namespace imgpipe::http {

Response Response::text(int status, std::string body, std::string content_type) {
    Response r;
    r.status = status;
    r.headers.set("Content-Type", std::move(content_type));
    r.body = std::move(body);
    return r;
}

}  // namespace imgpipe::http
