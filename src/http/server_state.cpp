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

ServerState::Admission ServerState::admit_connection(const std::string& address) {
    std::lock_guard lock(connections_mu_);
    if (options.max_connections > 0 && connections_ >= options.max_connections) {
        return Admission::kOverTotal;
    }
    size_t& mine = per_address_[address];
    if (options.max_connections_per_address > 0 && mine >= options.max_connections_per_address) {
        return Admission::kOverAddress;
    }
    ++mine;
    ++connections_;
    return Admission::kAdmitted;
}

void ServerState::release_connection(const std::string& address) {
    std::lock_guard lock(connections_mu_);
    --connections_;
    auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

}  // namespace imgpipe::http
