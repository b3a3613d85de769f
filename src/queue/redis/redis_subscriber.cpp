#include "queue/redis/redis_subscriber.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "core/log.h"
#include "core/thread_name.h"

namespace imgpipe::queue::redis {

RedisSubscriber::RedisSubscriber(RedisEndpoint endpoint, RedisClientOptions options,
                                 std::string channel, std::string self, Listener listener)
    : endpoint_(std::move(endpoint)),
      options_(options),
      channel_(std::move(channel)),
      self_(std::move(self)),
      listener_(std::move(listener)),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    thread_ = std::thread([this] {
        name_this_thread("redis-events");
        run();
    });
    subscribed_.wait(0, options_.connect_timeout + options_.command_timeout);
}

RedisSubscriber::~RedisSubscriber() {
    stop_ = true;
    const uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
    thread_.join();
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

bool RedisSubscriber::pause(std::chrono::milliseconds d) {
    pollfd p{wake_fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(d.count()));
    return !stop_;
}

void RedisSubscriber::run() {
    auto backoff = options_.initial_backoff;
    bool reconnected = false;
    while (!stop_) {
        if (listen(reconnected)) backoff = options_.initial_backoff;
        if (stop_) return;
        reconnected = true;
        if (!pause(backoff)) return;
        backoff = std::min(options_.max_backoff, backoff * 2);
    }
}

bool RedisSubscriber::listen(bool reconnected) {
    auto opened = RedisConnection::open(endpoint_, options_);
    if (!opened.is_ok()) {
        subscribed_.notify();  // do not hold up the constructor: the thread keeps trying
        return false;
    }
    RedisConnection& conn = **opened;
    // The confirmation is the SUBSCRIBE's one reply; messages follow unasked.
    if (!conn.pipeline({{"SUBSCRIBE", channel_}}).is_ok()) {
        subscribed_.notify();
        return false;
    }
    subscribed_.notify();
    if (reconnected) {
        log::info("redis subscription restored", {{"channel", channel_}});
        listener_(std::nullopt);
    }
    // The blocking API cannot wait for a message and for the stop request at once, so poll()
    // watches the socket and the eventfd, and hiredis only reads what is already there.
    for (;;) {
        for (;;) {
            auto reply = conn.buffered_reply();
            if (!reply.is_ok()) return true;
            if (!reply->has_value()) break;
            const RedisReply& r = **reply;
            if (r.size() != 3 || r[0].str() != "message") continue;
            const std::string text = r[2].str();
            const size_t space = text.find(' ');
            if (text.compare(0, space, self_) == 0) continue;
            listener_(space == std::string::npos ? std::string_view()
                                                 : std::string_view(text).substr(space + 1));
        }
        pollfd fds[2] = {{conn.fd(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) return true;
        if (stop_) return false;
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !conn.read_more().is_ok()) {
            return true;
        }
    }
}

}  // namespace imgpipe::queue::redis
