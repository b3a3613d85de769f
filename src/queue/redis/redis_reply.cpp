#include "queue/redis/redis_reply.h"

#include <hiredis/hiredis.h>

#include <cstdlib>

namespace imgpipe::queue::redis {

RedisReply RedisReply::adopt(void* reply) {
    RedisReply r;
    if (reply == nullptr) return r;
    r.root_.reset(static_cast<redisReply*>(reply), [](redisReply* p) { freeReplyObject(p); });
    r.node_ = r.root_.get();
    return r;
}

bool RedisReply::is_nil() const { return node_ == nullptr || node_->type == REDIS_REPLY_NIL; }
bool RedisReply::is_error() const { return node_ && node_->type == REDIS_REPLY_ERROR; }
bool RedisReply::is_integer() const { return node_ && node_->type == REDIS_REPLY_INTEGER; }
bool RedisReply::is_array() const { return node_ && node_->type == REDIS_REPLY_ARRAY; }

bool RedisReply::is_string() const {
    return node_ && (node_->type == REDIS_REPLY_STRING || node_->type == REDIS_REPLY_STATUS ||
                     node_->type == REDIS_REPLY_ERROR);
}

std::string RedisReply::str() const {
    return is_string() ? std::string(node_->str, node_->len) : std::string();
}

int64_t RedisReply::integer() const { return is_integer() ? node_->integer : 0; }

size_t RedisReply::size() const { return is_array() ? node_->elements : 0; }

RedisReply RedisReply::operator[](size_t i) const {
    RedisReply r;
    r.root_ = root_;
    r.node_ = node_->element[i];
    return r;
}

Result<std::string> RedisReply::as_string(const char* what) const {
    if (!is_string() || is_error()) {
        return Status(StatusCode::kDataLoss, "UnexpectedRedisReply",
                      std::string(what) + ": expected a string");
    }
    return str();
}

Result<int64_t> RedisReply::as_integer(const char* what) const {
    if (is_integer()) return integer();
    if (is_string() && !is_error()) {
        // Scripts hand numbers back as strings where a Lua number would lose digits.
        const std::string s = str();
        char* end = nullptr;
        const long long v = std::strtoll(s.c_str(), &end, 10);
        if (!s.empty() && end == s.c_str() + s.size()) return static_cast<int64_t>(v);
    }
    return Status(StatusCode::kDataLoss, "UnexpectedRedisReply",
                  std::string(what) + ": expected an integer");
}

}  // namespace imgpipe::queue::redis
