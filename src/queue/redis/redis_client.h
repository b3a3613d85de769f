#pragma once
// RedisClient: imgpipe's connection to one Redis server, over hiredis's blocking API — a pool
// of connections, each used by one caller at a time, so threads never wait on each other's
// round trips. When the server goes away (restart, failover, network) a call reconnects with
// exponential backoff for up to `reconnect_window` before it gives up with Unavailable
// (reason IoError); replies that say the server is not ready yet (LOADING after a restart,
// BUSY, MASTERDOWN, READONLY during a failover) are retried the same way. A command that was
// sent but whose reply was lost may thus run twice: everything imgpipe sends is either
// idempotent or tolerates that (a claim whose reply was lost leases a message nobody holds;
// the lease runs out and the message comes back).
//
// Lua scripts (RedisScript) run by EVALSHA, loaded by EVAL when the server does not know them
// (a restart empties its script cache).
//
// Thread-safe. Used by RedisStreamsEventQueue and RedisJobStore; hiredis stays in the .cpp.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "queue/redis/redis_endpoint.h"
#include "queue/redis/redis_reply.h"

struct redisContext;  // hiredis

namespace imgpipe::queue::redis {

struct RedisClientOptions {
    std::chrono::milliseconds connect_timeout{2000};
    // Longest wait for one reply; a server that stalls longer counts as gone.
    std::chrono::milliseconds command_timeout{10'000};
    // How long one call keeps reconnecting before it returns Unavailable. Real time: this is
    // about a real network and a real server, not the injected Clock of leases and delays.
    std::chrono::milliseconds reconnect_window{5000};
    std::chrono::milliseconds initial_backoff{20};
    std::chrono::milliseconds max_backoff{1000};
    // Connections kept open between calls; more are opened under load and closed after. As
    // many as an HTTP listener's handler threads (http.handler_threads), so a busy API node
    // does not reconnect per request.
    size_t max_idle_connections = 64;
};

// A Lua script and its SHA-1 (the name EVALSHA calls it by). Immutable.
struct RedisScript {
    explicit RedisScript(std::string source);
    std::string source;
    std::string sha1;
};

// One connection. Not thread-safe: the client lends it to one caller at a time.
class RedisConnection {
  public:
    // Connects, authenticates and selects the database. Unavailable (IoError) when the server
    // cannot be reached; Unauthenticated (RedisAuth) when it refuses the credentials.
    static Result<std::unique_ptr<RedisConnection>> open(const RedisEndpoint& endpoint,
                                                         const RedisClientOptions& options);
    ~RedisConnection();
    RedisConnection(const RedisConnection&) = delete;
    RedisConnection& operator=(const RedisConnection&) = delete;

    // Runs one command. An error reply becomes a Status: Unavailable (IoError) for "not ready
    // yet" replies, FailedPrecondition (NoScript) for NOSCRIPT, ResourceExhausted
    // (RedisOutOfMemory) for OOM, Internal (RedisError) otherwise. A lost connection is
    // Unavailable (IoError) and marks the connection broken.
    Result<RedisReply> command(const std::vector<std::string>& args);
    // Sends every command, then reads every reply, in order (one round trip). Error replies are
    // returned as replies (a MULTI's queued commands, an EXEC); a lost connection as above.
    Result<std::vector<RedisReply>> pipeline(const std::vector<std::vector<std::string>>& cmds);

    // For a subscription, whose replies arrive unasked: the socket to poll() on, a reply
    // already received (nullopt when no whole one has arrived), and reading what the socket
    // holds (call when poll() says it is readable; it does not block then).
    int fd() const;
    Result<std::optional<RedisReply>> buffered_reply();
    Status read_more();

    bool broken() const { return broken_; }

  private:
    explicit RedisConnection(redisContext* c) : c_(c) {}
    Status io_failure(const char* what);

    redisContext* c_;
    bool broken_ = false;
};

// The Status of an error reply (see RedisConnection::command).
Status redis_error_status(const std::string& error_text);

class RedisClient {
  public:
    // Opens one connection to check the endpoint (so a wrong address or password is reported
    // at start-up, not at the first job). Errors as RedisConnection::open.
    static Result<std::unique_ptr<RedisClient>> connect(RedisEndpoint endpoint,
                                                        RedisClientOptions options = {});

    Result<RedisReply> command(const std::vector<std::string>& args);
    // EVALSHA of `script` with `keys` and `args`, loading the script if the server lacks it.
    Result<RedisReply> eval(const RedisScript& script, const std::vector<std::string>& keys,
                            const std::vector<std::string>& args);
    // Runs `fn` on one connection held for the whole call (WATCH/MULTI/EXEC need that). When
    // `fn` fails with Unavailable, runs it again on a new connection, with backoff, within the
    // reconnect window; any other Status is returned as is.
    Status with_connection(const std::function<Status(RedisConnection&)>& fn);

    // Whether the last call found the server unreachable.
    bool is_down() const { return down_; }

    const RedisEndpoint& endpoint() const { return endpoint_; }
    const RedisClientOptions& options() const { return options_; }

  private:
    RedisClient(RedisEndpoint endpoint, RedisClientOptions options)
        : endpoint_(std::move(endpoint)), options_(options) {}

    Result<std::unique_ptr<RedisConnection>> checkout();
    void checkin(std::unique_ptr<RedisConnection> c);
    // Closes every idle connection (after one of them was found broken).
    void drop_idle();
    // Logs the first failure of an outage and the recovery after it, not every retry.
    void note_outage(const Status& st);
    void note_success();

    const RedisEndpoint endpoint_;
    const RedisClientOptions options_;
    std::mutex mu_;
    std::vector<std::unique_ptr<RedisConnection>> idle_;  // GUARDED_BY(mu_)
    std::atomic<bool> down_{false};
};

}  // namespace imgpipe::queue::redis
