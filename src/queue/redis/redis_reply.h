#pragma once
// RedisReply: one reply from the server (or one element of an array reply), sharing ownership
// of hiredis's reply tree so elements can outlive the call that read them. Keeps hiredis out of
// every header but the client's. A value type; copies share the tree, which is never modified,
// so copies may be read from several threads.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"

struct redisReply;  // hiredis

namespace imgpipe::queue::redis {

class RedisReply {
  public:
    RedisReply() = default;  // a nil reply
    // Takes ownership of a reply hiredis returned (freeReplyObject when the last copy goes).
    static RedisReply adopt(void* reply);

    bool is_nil() const;
    bool is_error() const;
    bool is_integer() const;
    bool is_array() const;
    // Bulk and status strings; also the text of an error.
    bool is_string() const;
    std::string str() const;
    int64_t integer() const;
    // Elements of an array reply (0 for anything else).
    size_t size() const;
    // REQUIRES: i < size().
    RedisReply operator[](size_t i) const;

    // The reply as a string, for a reply that must be one (DataLoss otherwise: the server or a
    // script answered something this client does not expect).
    Result<std::string> as_string(const char* what) const;
    Result<int64_t> as_integer(const char* what) const;

  private:
    std::shared_ptr<redisReply> root_;
    const redisReply* node_ = nullptr;
};

}  // namespace imgpipe::queue::redis
