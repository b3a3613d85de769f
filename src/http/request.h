#pragma once
// Request and Response: what a handler sees and returns. Handlers are plain functions
// (`Response handle(Request&)`) that need no socket: tests build a Request with a
// StringByteSource body and call them directly. Neither type includes Beast.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/byte_source.h"
#include "http/headers.h"

namespace imgpipe::http {

struct Request {
    std::string method;  // "GET", "PUT", ... as received (upper case)
    std::string target;  // raw request-target, still percent-encoded: "/b/a%20b?uploads"
    std::string path;    // `target` before '?', still percent-encoded
    std::string query;   // `target` after '?', raw ("" when absent)
    Headers headers;
    // Body length when the client declared one (Content-Length); nullopt for chunked bodies.
    std::optional<uint64_t> content_length;
    // The body, decoded from HTTP chunking. Never null while a handler runs. Reading it first
    // makes the server answer `Expect: 100-continue`, so a handler that rejects a request
    // before reading never invites the upload.
    ByteSource* body = nullptr;
    std::string remote_address;  // "127.0.0.1"
    std::string request_id;      // unique per request, for logs and x-amz-request-id
    std::map<std::string, std::string> path_params;  // from "{name}" segments of the route
    std::chrono::steady_clock::time_point received_at{};
};

struct Response {
    int status = 200;
    Headers headers;
    // The body: `source` when set (streamed, `content_length` bytes), else `body`.
    std::string body;
    std::unique_ptr<ByteSource> source;
    // Required with `source`. Without a body (HEAD), sets the Content-Length header to it.
    std::optional<uint64_t> content_length;
    // Close the connection after this response (the server also closes when a request body was
    // left unread).
    bool close = false;

    static Response text(int status, std::string body, std::string content_type);
    static Response json(int status, std::string body) {
        return text(status, std::move(body), "application/json");
    }
    // The server's own JSON error shape: {"error":{"code":code,"message":message}}. `message`
    // is shown to the client: never put internal detail in it.
    static Response json_error(int status, std::string_view code, std::string_view message);
};

}  // namespace imgpipe::http
