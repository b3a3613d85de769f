#include "delivery/single_flight.h"

#include <exception>

namespace imgpipe::delivery {

Status SingleFlight::run(const std::string& key, const std::function<Status()>& call) {
    std::unique_lock lock(mu_);
    if (auto it = flights_.find(key); it != flights_.end()) {
        std::shared_ptr<Flight> flight = it->second;
        ++flight->waiting;
        landed_.wait(lock, [&] { return flight->done; });
        return flight->outcome;
    }
    auto flight = std::make_shared<Flight>();
    flights_.emplace(key, flight);
    lock.unlock();
    Status outcome;
    try {
        outcome = call();
    } catch (const std::exception& e) {
        // Waiters and later callers must not hang on a key whose call never landed.
        outcome = Status(StatusCode::kInternal, "InternalError", e.what());
    }
    lock.lock();
    flight->outcome = outcome;
    flight->done = true;
    flights_.erase(key);
    landed_.notify_all();
    return outcome;
}

int SingleFlight::waiting(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = flights_.find(key);
    return it == flights_.end() ? 0 : it->second->waiting;
}

}  // namespace imgpipe::delivery
