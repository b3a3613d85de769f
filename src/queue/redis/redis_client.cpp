#include "queue/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <thread>

#include "core/hex.h"
#include "core/log.h"

namespace imgpipe::queue::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds d) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(d.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
    return tv;
}

std::string sha1_hex(const std::string& data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha1(), nullptr);
    return to_hex(std::string_view(reinterpret_cast<const char*>(digest), len));
}

// hiredis's argv form: binary-safe, no format string.
struct Argv {
    explicit Argv(const std::vector<std::string>& args) {
        for (const auto& a : args) {
            ptrs.push_back(a.data());
            lens.push_back(a.size());
        }
    }
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
};

// Whether the error's code (its first word: "BUSY", not "BUSYGROUP") is `code`.
bool starts_with(const std::string& s, std::string_view code) {
    return s.compare(0, code.size(), code) == 0 &&
           (s.size() == code.size() || s[code.size()] == ' ');
}

}  // namespace

RedisScript::RedisScript(std::string src) : source(std::move(src)), sha1(sha1_hex(source)) {}

Status redis_error_status(const std::string& text) {
    // A server still loading its AOF, busy with a script, or in the middle of a failover
    // answers these until it is ready: the same as being away for a moment.
    for (std::string_view transient :
         {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN", "NOREPLICAS"}) {
        if (starts_with(text, transient)) return io_error("redis: " + text);
    }
    if (starts_with(text, "NOSCRIPT")) {
        return {StatusCode::kFailedPrecondition, "NoScript", "redis: " + text};
    }
    if (starts_with(text, "OOM")) {
        return {StatusCode::kResourceExhausted, "RedisOutOfMemory", "redis: " + text};
    }
    if (starts_with(text, "NOAUTH") || starts_with(text, "WRONGPASS")) {
        return {StatusCode::kUnauthenticated, "RedisAuth", "redis: " + text};
    }
    return {StatusCode::kInternal, "RedisError", "redis: " + text};
}

Result<std::unique_ptr<RedisConnection>> RedisConnection::open(const RedisEndpoint& endpoint,
                                                               const RedisClientOptions& options) {
    redisContext* c = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port,
                                              to_timeval(options.connect_timeout));
    if (c == nullptr) return io_error("redis: out of memory allocating a connection");
    std::unique_ptr<RedisConnection> conn(new RedisConnection(c));
    if (c->err != 0) {
        return io_error("redis: cannot connect to " + endpoint.to_string() + ": " + c->errstr);
    }
    redisSetTimeout(c, to_timeval(options.command_timeout));
    redisEnableKeepAlive(c);
    if (!endpoint.password.empty()) {
        std::vector<std::string> auth = {"AUTH"};
        if (!endpoint.user.empty()) auth.push_back(endpoint.user);
        auth.push_back(endpoint.password);
        auto r = conn->command(auth);
        if (!r.is_ok()) {
            if (r.status().code() == StatusCode::kUnavailable) return r.status();
            return Status(StatusCode::kUnauthenticated, "RedisAuth",
                          "redis: " + endpoint.to_string() + " refused the credentials");
        }
    }
    if (endpoint.db != 0) {
        auto r = conn->command({"SELECT", std::to_string(endpoint.db)});
        if (!r.is_ok()) return r.status().with_context("selecting the database");
    }
    return conn;
}

RedisConnection::~RedisConnection() { redisFree(c_); }

Status RedisConnection::io_failure(const char* what) {
    broken_ = true;
    return io_error(std::string("redis: ") + what + ": " +
                    (c_->err != 0 ? c_->errstr : "connection lost"));
}

Result<RedisReply> RedisConnection::command(const std::vector<std::string>& args) {
    if (broken_) return io_error("redis: connection broken");
    Argv argv(args);
    void* raw =
        redisCommandArgv(c_, static_cast<int>(args.size()), argv.ptrs.data(), argv.lens.data());
    if (raw == nullptr) return io_failure(args.empty() ? "command" : args[0].c_str());
    RedisReply reply = RedisReply::adopt(raw);
    if (reply.is_error()) return redis_error_status(reply.str());
    return reply;
}

Result<std::vector<RedisReply>> RedisConnection::pipeline(
    const std::vector<std::vector<std::string>>& cmds) {
    if (broken_) return io_error("redis: connection broken");
    for (const auto& args : cmds) {
        Argv argv(args);
        if (redisAppendCommandArgv(c_, static_cast<int>(args.size()), argv.ptrs.data(),
                                   argv.lens.data()) != REDIS_OK) {
            return io_failure("pipeline");
        }
    }
    std::vector<RedisReply> replies;
    replies.reserve(cmds.size());
    for (size_t i = 0; i < cmds.size(); ++i) {
        void* raw = nullptr;
        if (redisGetReply(c_, &raw) != REDIS_OK || raw == nullptr) return io_failure("pipeline");
        replies.push_back(RedisReply::adopt(raw));
    }
    return replies;
}

int RedisConnection::fd() const { return c_->fd; }

Result<std::optional<RedisReply>> RedisConnection::buffered_reply() {
    void* raw = nullptr;
    if (redisGetReplyFromReader(c_, &raw) != REDIS_OK) return io_failure("reading a message");
    if (raw == nullptr) return std::optional<RedisReply>();
    return std::optional<RedisReply>(RedisReply::adopt(raw));
}

Status RedisConnection::read_more() {
    if (redisBufferRead(c_) != REDIS_OK) return io_failure("reading a message");
    return Status::ok();
}

Result<std::unique_ptr<RedisClient>> RedisClient::connect(RedisEndpoint endpoint,
                                                          RedisClientOptions options) {
    std::unique_ptr<RedisClient> client(new RedisClient(std::move(endpoint), options));
    IMGPIPE_ASSIGN_OR_RETURN(auto conn, RedisConnection::open(client->endpoint_, options));
    IMGPIPE_RETURN_IF_ERROR(conn->command({"PING"}).status());
    client->checkin(std::move(conn));
    return client;
}

Result<std::unique_ptr<RedisConnection>> RedisClient::checkout() {
    {
        std::lock_guard lock(mu_);
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
    }
    return RedisConnection::open(endpoint_, options_);
}

void RedisClient::checkin(std::unique_ptr<RedisConnection> c) {
    if (c->broken()) return;
    std::lock_guard lock(mu_);
    if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(c));
}

void RedisClient::drop_idle() {
    std::lock_guard lock(mu_);
    idle_.clear();
}

void RedisClient::note_outage(const Status& st) {
    if (!down_.exchange(true)) {
        log::warn("redis unavailable; reconnecting",
                  {{"redis", endpoint_.to_string()}, {"error", st.to_string()}});
    }
}

void RedisClient::note_success() {
    if (down_.exchange(false))
        log::info("redis reachable again", {{"redis", endpoint_.to_string()}});
}

Status RedisClient::with_connection(const std::function<Status(RedisConnection&)>& fn) {
    const auto deadline = std::chrono::steady_clock::now() + options_.reconnect_window;
    auto backoff = options_.initial_backoff;
    for (;;) {
        Status st;
        auto conn = checkout();
        if (conn.is_ok()) {
            st = fn(**conn);
            // The server went away: the idle connections opened before are as dead as this one
            // (a restart closed them all), and trying them one by one could spend the whole
            // reconnect window on them while the server is back. The next try opens a new one.
            if ((*conn)->broken()) drop_idle();
            checkin(std::move(*conn));
        } else {
            st = conn.status();
        }
        if (st.code() != StatusCode::kUnavailable) {
            // A Status from `fn` itself (NoSuchMessage, ...) still means the server answered.
            note_success();
            return st;
        }
        note_outage(st);
        if (std::chrono::steady_clock::now() + backoff > deadline) return st;
        std::this_thread::sleep_for(backoff);
        backoff = std::min(options_.max_backoff, backoff * 2);
    }
}

Result<RedisReply> RedisClient::command(const std::vector<std::string>& args) {
    RedisReply out;
    IMGPIPE_RETURN_IF_ERROR(with_connection([&](RedisConnection& c) {
        IMGPIPE_ASSIGN_OR_RETURN(out, c.command(args));
        return Status::ok();
    }));
    return out;
}

Result<RedisReply> RedisClient::eval(const RedisScript& script,
                                     const std::vector<std::string>& keys,
                                     const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"EVALSHA", script.sha1, std::to_string(keys.size())};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    RedisReply out;
    IMGPIPE_RETURN_IF_ERROR(with_connection([&](RedisConnection& c) {
        auto r = c.command(argv);
        if (!r.is_ok() && r.status().reason() == "NoScript") {
            std::vector<std::string> load = argv;
            load[0] = "EVAL";
            load[1] = script.source;
            r = c.command(load);
        }
        IMGPIPE_ASSIGN_OR_RETURN(out, std::move(r));
        return Status::ok();
    }));
    return out;
}

}  // namespace imgpipe::queue::redis
