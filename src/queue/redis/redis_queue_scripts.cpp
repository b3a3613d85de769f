#include "queue/redis/redis_queue_scripts.h"

#include <string>

namespace imgpipe::queue::redis::scripts {
namespace {

// Shared by every script: the names, and the helpers that keep the structures in step.
//
// A message hash holds: body, seq (publish order), pub (published, ns), pub_us, n (deliveries),
// st (ready | leased | retry | dead), e (its stream entry while ready, leased or retry), lease
// (the claim's token), until (the lease's end, ns), reason, died (ns), de (its dead-stream
// entry). A leased or retry message's entry is in the group's pending entries list (PEL); a
// ready one's is not delivered yet.
constexpr const char* kPrelude = R"lua(
local stream, leases, retries, live, dead, seqkey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local mprefix, workchan, origin = ARGV[1], ARGV[2], ARGV[3]
local group = 'workers'

-- Settles a message's stream entry and makes it a dead letter.
local function kill(id, reason, died_ns)
    local m = mprefix .. id
    local e = redis.call('HGET', m, 'e')
    if e and e ~= '' then
        redis.call('XACK', stream, group, e)
        redis.call('XDEL', stream, e)
    end
    redis.call('ZREM', leases, id)
    redis.call('ZREM', retries, id)
    redis.call('ZREM', live, id)
    local de = redis.call('XADD', dead, '*', 'id', id, 'reason', reason)
    redis.call('HSET', m, 'st', 'dead', 'reason', reason, 'died', died_ns, 'de', de,
               'lease', '', 'until', '', 'e', '')
end

-- Leases that ran out at max deliveries become dead letters, dying when the lease ran out.
-- Runs before any other death, so the dead stream stays in order of death.
local function bury_expired(now_us, max, except)
    local ids = redis.call('ZRANGEBYSCORE', leases, '-inf', now_us)
    for _, id in ipairs(ids) do
        if id ~= except then
            local m = mprefix .. id
            local n, until_ns = unpack(redis.call('HMGET', m, 'n', 'until'))
            if tonumber(n) >= tonumber(max) then kill(id, 'LeaseExpired', until_ns) end
        end
    end
end

-- nil when `token` is the message's current lease, else why not.
local function lease_error(id, token)
    local st, lease = unpack(redis.call('HMGET', mprefix .. id, 'st', 'lease'))
    if not st then return 'NoSuchMessage' end
    if st ~= 'leased' or lease ~= token then return 'LeaseLost' end
    return nil
end

-- The group's cursor: the last entry delivered for the first time. Creates the group (and the
-- stream) when missing, e.g. on a server that lost its data.
local function group_cursor()
    local groups = redis.pcall('XINFO', 'GROUPS', stream)
    if type(groups) == 'table' and not groups.err then
        for _, g in ipairs(groups) do
            local name, last
            for i = 1, #g, 2 do
                if g[i] == 'name' then name = g[i + 1] end
                if g[i] == 'last-delivered-id' then last = g[i + 1] end
            end
            if name == group then return last end
        end
    end
    redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
    return '0-0'
end

-- Leases that ran out: {expired below max, expired at max}.
local function expired_counts(now_us, max)
    local below, at = 0, 0
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', now_us)) do
        if tonumber(redis.call('HGET', mprefix .. id, 'n')) >= tonumber(max) then
            at = at + 1
        else
            below = below + 1
        end
    end
    return below, at
end

-- The oldest visible message: the first entry not delivered yet (visible since it was added),
-- a lease that ran out, or a retry that is due — whichever became visible first, then in
-- publish order. A first delivery is XREADGROUP's; a redelivery XCLAIMs the entry, which
-- stays in the PEL. Lease ends come from the caller's clock, not Redis's idle times, so a lease
-- means the same with a fake clock, and extend() needs no XCLAIM of its own.
-- Returns false, or {id, body, deliveries, published_ns}.
local function claim_next(now_us, until_ns, until_us, token, consumer, max)
    bury_expired(now_us, max, nil)
    local best, best_v, best_seq, best_new
    local function consider(id, v, is_new)
        local seq = tonumber(redis.call('HGET', mprefix .. id, 'seq'))
        v = tonumber(v)
        if best == nil or v < best_v or (v == best_v and seq < best_seq) then
            best, best_v, best_seq, best_new = id, v, seq, is_new
        end
    end
    local l = redis.call('ZRANGEBYSCORE', leases, '-inf', now_us, 'WITHSCORES', 'LIMIT', 0, 1)
    if #l > 0 then consider(l[1], l[2], false) end
    local r = redis.call('ZRANGEBYSCORE', retries, '-inf', now_us, 'WITHSCORES', 'LIMIT', 0, 1)
    if #r > 0 then consider(r[1], r[2], false) end
    local nxt = redis.call('XRANGE', stream, '(' .. group_cursor(), '+', 'COUNT', 1)
    if #nxt > 0 then
        local f, id, v = nxt[1][2], nil, nil
        for i = 1, #f, 2 do
            if f[i] == 'id' then id = f[i + 1] end
            if f[i] == 'v' then v = f[i + 1] end
        end
        consider(id, v, true)
    end
    if best == nil then return false end
    local m = mprefix .. best
    if best_new then
        redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', stream, '>')
    else
        redis.call('XCLAIM', stream, group, consumer, 0, redis.call('HGET', m, 'e'))
        redis.call('ZREM', retries, best)
    end
    redis.call('ZADD', leases, until_us, best)
    local n = redis.call('HINCRBY', m, 'n', 1)
    redis.call('HSET', m, 'st', 'leased', 'lease', token, 'until', until_ns)
    local body, pub = unpack(redis.call('HMGET', m, 'body', 'pub'))
    return {best, body, n, pub}
end

-- Settles a claimed message for good. nil, or why not (as lease_error).
local function ack_message(id, token)
    local err = lease_error(id, token)
    if err then return err end
    local m = mprefix .. id
    local e = redis.call('HGET', m, 'e')
    redis.call('XACK', stream, group, e)
    redis.call('XDEL', stream, e)
    redis.call('ZREM', leases, id)
    redis.call('ZREM', live, id)
    redis.call('DEL', m)
    return nil
end
)lua";

std::string with_prelude(const char* body) { return std::string(kPrelude) + body; }

}  // namespace

const RedisScript kPublish(with_prelude(R"lua(
local id, body, now_ns, now_us = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local m = mprefix .. id
if redis.call('EXISTS', m) == 1 then return 0 end
local seq = redis.call('INCR', seqkey)
local e = redis.call('XADD', stream, '*', 'id', id, 'v', now_us)
redis.call('HSET', m, 'body', body, 'seq', seq, 'pub', now_ns, 'pub_us', now_us, 'n', 0,
           'st', 'ready', 'e', e, 'lease', '', 'until', '', 'reason', '', 'died', '', 'de', '')
redis.call('ZADD', live, now_us, id)
redis.call('PUBLISH', workchan, origin)
return 1
)lua"));

const RedisScript kClaim(with_prelude(R"lua(
return claim_next(ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
)lua"));

const RedisScript kAck(with_prelude(R"lua(
return ack_message(ARGV[4], ARGV[5]) or 'OK'
)lua"));

// What a worker does between two jobs, in one round trip and one durable write.
const RedisScript kAckAndClaim(with_prelude(R"lua(
local acked = ack_message(ARGV[4], ARGV[5]) or 'OK'
return {acked, claim_next(ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11])}
)lua"));

// A retry keeps its entry in the PEL and waits in `retries` until due.
const RedisScript kRelease(with_prelude(R"lua(
local id, token, now_ns, now_us, due_us, reason, max =
    ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local err = lease_error(id, token)
if err then return err end
bury_expired(now_us, max, id)
local m = mprefix .. id
if tonumber(redis.call('HGET', m, 'n')) >= tonumber(max) then
    kill(id, reason, now_ns)
    return 'OK'
end
redis.call('ZREM', leases, id)
redis.call('ZADD', retries, due_us, id)
redis.call('HSET', m, 'st', 'retry', 'lease', '', 'until', '', 'reason', reason)
redis.call('PUBLISH', workchan, origin)
return 'OK'
)lua"));

const RedisScript kBury(with_prelude(R"lua(
local id, token, now_ns, now_us, reason, max = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local err = lease_error(id, token)
if err then return err end
bury_expired(now_us, max, id)
kill(id, reason, now_ns)
return 'OK'
)lua"));

const RedisScript kExtend(with_prelude(R"lua(
local id, token, until_ns, until_us = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local err = lease_error(id, token)
if err then return err end
redis.call('ZADD', leases, until_us, id)
redis.call('HSET', mprefix .. id, 'until', until_ns)
return 'OK'
)lua"));

const RedisScript kDeadLetters(with_prelude(R"lua(
local now_us, max, limit = ARGV[4], ARGV[5], ARGV[6]
bury_expired(now_us, max, nil)
local out = {}
for _, entry in ipairs(redis.call('XRANGE', dead, '-', '+', 'COUNT', limit)) do
    local f, id = entry[2], nil
    for i = 1, #f, 2 do
        if f[i] == 'id' then id = f[i + 1] end
    end
    local body, n, reason, pub, died =
        unpack(redis.call('HMGET', mprefix .. id, 'body', 'n', 'reason', 'pub', 'died'))
    if body then
        for _, v in ipairs({id, body, n, reason, pub, died}) do out[#out + 1] = v end
    end
end
return out
)lua"));

// Back at the end of the stream as a new entry, with no deliveries.
const RedisScript kRequeue(with_prelude(R"lua(
local id, now_us, max = ARGV[4], ARGV[5], ARGV[6]
bury_expired(now_us, max, nil)
local m = mprefix .. id
local st, de, pub_us = unpack(redis.call('HMGET', m, 'st', 'de', 'pub_us'))
if st ~= 'dead' then return 'NoSuchMessage' end
redis.call('XDEL', dead, de)
local e = redis.call('XADD', stream, '*', 'id', id, 'v', now_us)
redis.call('HSET', m, 'st', 'ready', 'n', 0, 'e', e, 'reason', '', 'died', '', 'de', '')
redis.call('ZADD', live, pub_us, id)
redis.call('PUBLISH', workchan, origin)
return 'OK'
)lua"));

// Every leased or retry message has one entry in the stream, so the entries not delivered yet
// are the stream's length less those.
const RedisScript kStats(with_prelude(R"lua(
local now_us, max = ARGV[4], ARGV[5]
local below, at = expired_counts(now_us, max)
local all_leases = redis.call('ZCARD', leases)
local ready = redis.call('XLEN', stream) - all_leases + below
local leased = all_leases - below - at
return {ready, leased, redis.call('XLEN', dead) + at}
)lua"));

const RedisScript kOldestPublished(with_prelude(R"lua(
local now_us, max = ARGV[4], ARGV[5]
local i = 0
while true do
    local first = redis.call('ZRANGE', live, i, i)
    if #first == 0 then return false end
    local id = first[1]
    local n, pub = unpack(redis.call('HMGET', mprefix .. id, 'n', 'pub'))
    local lease_end = redis.call('ZSCORE', leases, id)
    -- A lease that ran out on the last delivery is dead in all but name.
    local dying = lease_end and tonumber(lease_end) <= tonumber(now_us) and
                  tonumber(n) >= tonumber(max)
    if not dying then return pub end
    i = i + 1
end
)lua"));

const RedisScript kNextVisible(with_prelude(R"lua(
local now_us = ARGV[4]
local best = false
for _, key in ipairs({leases, retries}) do
    local r = redis.call('ZRANGEBYSCORE', key, '(' .. now_us, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    if #r > 0 and (not best or tonumber(r[2]) < tonumber(best)) then best = r[2] end
end
return best
)lua"));

const RedisScript kForgetConsumer(R"lua(
local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], 'workers')
if not ok then return 0 end
for _, c in ipairs(consumers) do
    local name, pending
    for i = 1, #c, 2 do
        if c[i] == 'name' then name = c[i + 1] end
        if c[i] == 'pending' then pending = c[i + 1] end
    end
    if name == ARGV[1] and pending == 0 then
        return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], 'workers', ARGV[1])
    end
end
return 0
)lua");

}  // namespace imgpipe::queue::redis::scripts
