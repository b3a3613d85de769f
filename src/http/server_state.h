#pragma once
// ServerState: what every session of one Server shares — options, router, observer, the
// handler pool, the file-sending buffers — plus the registry of live sessions that stop() uses to
// close idle connections and to wait for in-flight ones, and the count of open connections per
// client address that the connection caps are checked against. Internal to the server.
// Thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "http/file_range_sender.h"
#include "http/handler_pool.h"
#include "http/server.h"

namespace imgpipe::http {

class ServerState {
  public:
    ServerState(ServerOptions options, std::shared_ptr<const Router> router,
                RequestObserver observer)
        : options(std::move(options)),
          router(std::move(router)),
          observer(std::move(observer)),
          pool(this->options.name + "-handler", this->options.handler_threads,
               this->options.handler_queue) {}

    const ServerOptions options;
    const std::shared_ptr<const Router> router;
    const RequestObserver observer;
    // Chunk buffers for sending files; declared before the pool, whose tasks use them, so that
    // they outlive it. Four idle ones are kept (8 MiB).
    SendBuffers send_buffers{4};
    HandlerPool pool;
    // Set once by stop(); sessions then finish their current request and close.
    std::atomic<bool> stopping{false};

    // `notify(force)` must be callable from any thread: it asks the session (on its own I/O
    // thread) to close if idle, or at once when `force`. Returns the registration id.
    uint64_t add_session(std::function<void(bool force)> notify);
    void remove_session(uint64_t id);
    void notify_sessions(bool force);
    // True when no session is left before `deadline`.
    bool wait_no_sessions(std::chrono::steady_clock::time_point deadline);

    // Counts a new connection from `address` against options.max_connections and
    // max_connections_per_address; a connection that is not admitted is not counted.
    enum class Admission { kAdmitted, kOverTotal, kOverAddress };
    Admission admit_connection(const std::string& address);
    // Ends the count of an admitted connection.
    void release_connection(const std::string& address);
    // Refusals being written right now (each lives a second at most); bounded separately so that
    // a flood of refused connections cannot cost more than a few descriptors.
    std::atomic<int> refusing{0};

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::unordered_map<uint64_t, std::function<void(bool)>> sessions_;  // GUARDED_BY(mu_)
    uint64_t next_id_ = 0;                                              // GUARDED_BY(mu_)
    std::mutex connections_mu_;
    size_t connections_ = 0;                               // GUARDED_BY(connections_mu_)
    std::unordered_map<std::string, size_t> per_address_;  // GUARDED_BY(connections_mu_)
};

}  // namespace imgpipe::http
