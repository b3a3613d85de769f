#pragma once
// RedisEndpoint: where a Redis server is and how to log in, parsed from the `--queue` URL
// `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` (the scheme redis-cli and most clients take).
// Pure value type.

#include <string>
#include <string_view>

#include "core/result.h"

namespace imgpipe::queue::redis {

struct RedisEndpoint {
    std::string host;
    int port = 6379;
    int db = 0;
    std::string user;  // empty: the default user
    std::string password;
    // "redis://HOST:PORT/DB", without the password (for logs and banners).
    std::string to_string() const;
};

// InvalidArgument (reason "InvalidQueueUrl") naming what is wrong: another scheme, no host, a
// port outside 1..65535, a database number outside 0..65535.
Result<RedisEndpoint> parse_redis_url(std::string_view url);

}  // namespace imgpipe::queue::redis
