#pragma once
// RedisSubscriber: turns a Redis pub/sub channel into wake-ups, so a process wakes when another
// process sharing the queue or the job store changes something (a publish, a job update that a
// status stream waits for) instead of when its poll timeout passes.
//
// A message is "<origin>" or "<origin> <subject>": the publisher's id, then what changed (a job
// id), if the channel says. A thread of its own holds one SUBSCRIBE connection and hands each
// message whose origin differs from `self` (the subscriber's own changes were already signalled
// in-process) to the listener. When the connection is lost it reconnects with backoff and then
// tells the listener once that anything may have changed, since messages sent while it was away
// are gone (a wake-up is only a hint; waiters re-read the state). Thread-safe; the destructor
// stops the thread promptly.

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/change_signal.h"
#include "core/result.h"
#include "queue/redis/redis_client.h"

namespace imgpipe::queue::redis {

class RedisSubscriber {
  public:
    // Called on the subscriber's thread with a message's subject ("" when it names none), or
    // with nullopt after a reconnection: whatever was published meanwhile is lost.
    using Listener = std::function<void(std::optional<std::string_view> subject)>;

    // Starts listening on `channel` and returns once subscribed, so that nothing published
    // after the constructor returns is missed (or, if the server cannot be reached now, after
    // the connect and command timeouts; the thread keeps trying). `listener`, and whatever it
    // refers to, outlives the subscriber; it runs on the subscriber's thread, should not block,
    // and gets a view valid only during the call.
    RedisSubscriber(RedisEndpoint endpoint, RedisClientOptions options, std::string channel,
                    std::string self, Listener listener);
    ~RedisSubscriber();
    RedisSubscriber(const RedisSubscriber&) = delete;
    RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  private:
    void run();
    // Listens on one connection until it breaks or stop is asked; false when stopping.
    bool listen(bool reconnected);
    // Sleeps `d` unless stop is asked first; false when stopping.
    bool pause(std::chrono::milliseconds d);

    const RedisEndpoint endpoint_;
    const RedisClientOptions options_;
    const std::string channel_;
    const std::string self_;
    const Listener listener_;
    int wake_fd_ = -1;  // an eventfd the destructor writes to end the thread's poll
    std::atomic<bool> stop_{false};
    ChangeSignal subscribed_;  // generation 1 once the first SUBSCRIBE is confirmed
    std::thread thread_;
};

}  // namespace imgpipe::queue::redis
