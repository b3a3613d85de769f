#include "queue/redis/redis_streams_event_queue.h"

#include <openssl/rand.h>

#include "core/hex.h"
#include "core/log.h"
#include "queue/redis/redis_queue_scripts.h"
#include "queue/redis/redis_time.h"

namespace imgpipe::queue::redis {
namespace {

Result<std::string> random_hex(size_t bytes) {
    std::string raw(bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
        return internal_error("RAND_bytes failed");
    }
    return to_hex(raw);
}

// RAND_bytes fails only without an entropy source; a fixed name then still works (consumers
// and origins merely stop being told apart).
std::string new_origin() {
    auto r = random_hex(8);
    return r.is_ok() ? *r : std::string("origin");
}

Status unexpected(const char* what) {
    return {StatusCode::kDataLoss, "UnexpectedRedisReply", std::string("redis queue: ") + what};
}

}  // namespace

RedisStreamsEventQueue::RedisStreamsEventQueue(Clock& clock, RedisQueueOptions options,
                                               std::unique_ptr<RedisClient> client)
    : clock_(clock),
      options_(std::move(options)),
      client_(std::move(client)),
      keys_prefix_("{" + options_.prefix + "}:q:"),
      keys_({keys_prefix_ + "stream", keys_prefix_ + "leases", keys_prefix_ + "retries",
             keys_prefix_ + "live", keys_prefix_ + "dead", keys_prefix_ + "seq"}),
      origin_(new_origin()) {}

RedisStreamsEventQueue::~RedisStreamsEventQueue() {
    subscriber_.reset();
    // Leave no consumer behind in the group when it holds nothing; not worth a wait for a
    // server that is away (a stray consumer costs a few bytes).
    if (!client_->is_down()) (void)client_->eval(scripts::kForgetConsumer, {keys_[0]}, {origin_});
}

Result<std::unique_ptr<RedisStreamsEventQueue>> RedisStreamsEventQueue::open(
    const RedisEndpoint& endpoint, Clock& clock, RedisQueueOptions options) {
    if (options.max_deliveries < 1) {
        return invalid_argument("InvalidQueueOptions", "max_deliveries must be at least 1");
    }
    if (options.prefix.empty()) return invalid_argument("InvalidQueueOptions", "empty prefix");
    IMGPIPE_ASSIGN_OR_RETURN(auto client, RedisClient::connect(endpoint, options.client));
    std::unique_ptr<RedisStreamsEventQueue> queue(
        new RedisStreamsEventQueue(clock, std::move(options), std::move(client)));
    auto created =
        queue->client_->command({"XGROUP", "CREATE", queue->keys_[0], "workers", "0", "MKSTREAM"});
    if (!created.is_ok() && created.status().message().find("BUSYGROUP") == std::string::npos) {
        return created.status().with_context("creating the consumer group");
    }
    queue->warn_unless_durable();
    queue->subscriber_ = std::make_unique<RedisSubscriber>(
        endpoint, queue->options_.client, queue->keys_prefix_ + "work", queue->origin_,
        [work = &queue->work_](std::optional<std::string_view>) { work->notify(); });
    return queue;
}

void RedisStreamsEventQueue::warn_unless_durable() {
    // Managed services often refuse CONFIG: then there is nothing to check.
    auto aof = client_->command({"CONFIG", "GET", "appendonly"});
    auto fsync = client_->command({"CONFIG", "GET", "appendfsync"});
    if (!aof.is_ok() || !fsync.is_ok() || aof->size() != 2 || fsync->size() != 2) return;
    if ((*aof)[1].str() != "yes" || (*fsync)[1].str() != "always") {
        log::warn(
            "redis does not fsync every write: a crash of redis may lose the latest events "
            "(set appendonly yes, appendfsync always)",
            {{"redis", client_->endpoint().to_string()},
             {"appendonly", (*aof)[1].str()},
             {"appendfsync", (*fsync)[1].str()}});
    }
}

Result<RedisReply> RedisStreamsEventQueue::run(const RedisScript& script,
                                               std::vector<std::string> args) {
    args.insert(args.begin(), {keys_prefix_ + "m:", keys_prefix_ + "work", origin_});
    return client_->eval(script, keys_, args);
}

Status RedisStreamsEventQueue::settle_status(const Result<RedisReply>& reply,
                                             const QueueMessage& message) {
    if (!reply.is_ok()) return reply.status();
    const std::string answer = reply->str();
    if (answer == "OK") return Status::ok();
    if (answer == kLeaseLost) {
        return {StatusCode::kFailedPrecondition, kLeaseLost,
                "message " + message.id + " has another lease"};
    }
    if (answer == kNoSuchMessage) return not_found(kNoSuchMessage, "no message " + message.id);
    return unexpected("a settle script answered neither OK nor an error");
}

Status RedisStreamsEventQueue::publish(const std::string& dedupe_id, const std::string& body) {
    if (dedupe_id.empty()) return invalid_argument("InvalidMessageId", "empty dedupe id");
    const TimePoint now = clock_.now();
    IMGPIPE_RETURN_IF_ERROR(
        run(scripts::kPublish, {dedupe_id, body, ns_text(now), us_floor_text(now)}).status());
    work_.notify();
    return Status::ok();
}

std::vector<std::string> RedisStreamsEventQueue::claim_args(std::chrono::milliseconds lease,
                                                            const std::string& token) const {
    const TimePoint now = clock_.now();
    const TimePoint until = after(now, lease);
    return {us_floor_text(now),
            ns_text(until),
            us_ceil_text(until),
            token,
            origin_,
            std::to_string(options_.max_deliveries)};
}

Result<std::optional<QueueMessage>> RedisStreamsEventQueue::claimed(const RedisReply& reply,
                                                                    const std::string& token) {
    if (reply.is_nil()) return std::optional<QueueMessage>();
    if (reply.size() != 4) return unexpected("claim answered no message");
    IMGPIPE_ASSIGN_OR_RETURN(int64_t deliveries, reply[2].as_integer("deliveries"));
    auto published = parse_ns_text(reply[3].str());
    if (!published) return unexpected("a message without its publish time");
    return std::optional<QueueMessage>(QueueMessage{
        reply[0].str(), reply[1].str(), static_cast<int>(deliveries), token, *published});
}

Result<std::optional<QueueMessage>> RedisStreamsEventQueue::claim(std::chrono::milliseconds lease) {
    IMGPIPE_ASSIGN_OR_RETURN(std::string token, random_hex(12));
    IMGPIPE_ASSIGN_OR_RETURN(RedisReply r, run(scripts::kClaim, claim_args(lease, token)));
    return claimed(r, token);
}

Status RedisStreamsEventQueue::ack(const QueueMessage& message) {
    return settle_status(run(scripts::kAck, {message.id, message.lease}), message);
}

EventQueue::AckAndClaim RedisStreamsEventQueue::ack_and_claim(const QueueMessage& done,
                                                              std::chrono::milliseconds lease) {
    auto token = random_hex(12);
    if (!token.is_ok()) return {token.status(), token.status()};
    std::vector<std::string> args = {done.id, done.lease};
    for (std::string& a : claim_args(lease, *token)) args.push_back(std::move(a));
    auto r = run(scripts::kAckAndClaim, std::move(args));
    if (!r.is_ok()) return {r.status(), r.status()};
    if (r->size() != 2) {
        Status wrong = unexpected("ack-and-claim answered in the wrong shape");
        return {wrong, wrong};
    }
    return {settle_status((*r)[0], done), claimed((*r)[1], *token)};
}

Status RedisStreamsEventQueue::release(const QueueMessage& message, std::chrono::milliseconds delay,
                                       const std::string& reason) {
    const TimePoint now = clock_.now();
    IMGPIPE_RETURN_IF_ERROR(settle_status(
        run(scripts::kRelease,
            {message.id, message.lease, ns_text(now), us_floor_text(now),
             us_ceil_text(after(now, delay)), reason, std::to_string(options_.max_deliveries)}),
        message));
    work_.notify();
    return Status::ok();
}

Status RedisStreamsEventQueue::bury(const QueueMessage& message, const std::string& reason) {
    const TimePoint now = clock_.now();
    return settle_status(
        run(scripts::kBury, {message.id, message.lease, ns_text(now), us_floor_text(now), reason,
                             std::to_string(options_.max_deliveries)}),
        message);
}

Status RedisStreamsEventQueue::extend(const QueueMessage& message,
                                      std::chrono::milliseconds lease) {
    const TimePoint until = after(clock_.now(), lease);
    return settle_status(
        run(scripts::kExtend, {message.id, message.lease, ns_text(until), us_ceil_text(until)}),
        message);
}

Result<std::vector<DeadLetter>> RedisStreamsEventQueue::dead_letters(int limit) {
    std::vector<DeadLetter> out;
    if (limit <= 0) return out;
    IMGPIPE_ASSIGN_OR_RETURN(
        RedisReply r, run(scripts::kDeadLetters,
                          {us_floor_text(clock_.now()), std::to_string(options_.max_deliveries),
                           std::to_string(limit)}));
    if (r.size() % 6 != 0) return unexpected("dead letters in pieces");
    for (size_t i = 0; i < r.size(); i += 6) {
        IMGPIPE_ASSIGN_OR_RETURN(int64_t deliveries, r[i + 2].as_integer("deliveries"));
        auto published = parse_ns_text(r[i + 4].str());
        auto died = parse_ns_text(r[i + 5].str());
        if (!published || !died) return unexpected("a dead letter without its times");
        out.push_back({r[i].str(), r[i + 1].str(), static_cast<int>(deliveries), r[i + 3].str(),
                       *published, *died});
    }
    return out;
}

Status RedisStreamsEventQueue::requeue(const std::string& id) {
    IMGPIPE_ASSIGN_OR_RETURN(RedisReply r,
                             run(scripts::kRequeue, {id, us_floor_text(clock_.now()),
                                                     std::to_string(options_.max_deliveries)}));
    if (r.str() != "OK") return not_found(kNoSuchMessage, "no dead letter " + id);
    work_.notify();
    return Status::ok();
}

Result<QueueStats> RedisStreamsEventQueue::stats() {
    IMGPIPE_ASSIGN_OR_RETURN(
        RedisReply r, run(scripts::kStats,
                          {us_floor_text(clock_.now()), std::to_string(options_.max_deliveries)}));
    if (r.size() != 3) return unexpected("stats of the wrong shape");
    return QueueStats{r[0].integer(), r[1].integer(), r[2].integer()};
}

Result<std::optional<TimePoint>> RedisStreamsEventQueue::oldest_published() {
    IMGPIPE_ASSIGN_OR_RETURN(
        RedisReply r, run(scripts::kOldestPublished,
                          {us_floor_text(clock_.now()), std::to_string(options_.max_deliveries)}));
    if (r.is_nil()) return std::optional<TimePoint>();
    auto t = parse_ns_text(r.str());
    if (!t) return unexpected("a message without its publish time");
    return std::optional<TimePoint>(*t);
}

Status RedisStreamsEventQueue::sync() { return Status::ok(); }

Result<std::optional<TimePoint>> RedisStreamsEventQueue::next_visible_at() {
    IMGPIPE_ASSIGN_OR_RETURN(RedisReply r,
                             run(scripts::kNextVisible, {us_floor_text(clock_.now())}));
    if (r.is_nil()) return std::optional<TimePoint>();
    auto t = parse_us_score(r.str());
    if (!t) return unexpected("a score that is not a number");
    return std::optional<TimePoint>(*t);
}

uint64_t RedisStreamsEventQueue::work_generation() const { return work_.generation(); }

uint64_t RedisStreamsEventQueue::wait_for_work(uint64_t seen, std::chrono::milliseconds timeout) {
    return work_.wait(seen, timeout);
}

}  // namespace imgpipe::queue::redis
