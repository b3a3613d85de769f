#include "http/server_state.h"

#include <vector>

namespace imgpipe::http {

uint64_t ServerState::add_session(std::function<void(bool force)> notify) {
    std::lock_guard lock(mu_);
    uint64_t id = next_id_++;
    sessions_.emplace(id, std::move(notify));
    return id;
}

void ServerState::remove_session(uint64_t id) {
    {
        std::lock_guard lock(mu_);
        sessions_.erase(id);
    }
    cv_.notify_all();
}

void ServerState::notify_sessions(bool force) {
    std::vector<std::function<void(bool)>> notifies;
    {
        std::lock_guard lock(mu_);
        for (const auto& [id, notify] : sessions_) notifies.push_back(notify);
    }
    // Outside the lock: a notify posts to an I/O thread, which may be removing its session.
    for (auto& notify : notifies) notify(force);
}

bool ServerState::wait_no_sessions(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, deadline, [this] { return sessions_.empty(); });
}

}  // namespace imgpipe::http
