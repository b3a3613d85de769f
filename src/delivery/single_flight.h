#pragma once
// SingleFlight: runs one call per key at a time; callers that arrive while a call for their key
// is running wait for it and share its outcome instead of running their own. That is how 50
// concurrent requests for one new on-demand size render it once. A key is forgotten when its
// call returns, so the call itself must first check whether its work is already done (a caller
// may arrive just after). Thread-safe.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"

namespace imgpipe::delivery {

class SingleFlight {
  public:
    // Runs `call` unless a call for `key` is running, in which case it waits for that one.
    // Returns the Status of whichever call ran.
    Status run(const std::string& key, const std::function<Status()>& call);

    // Callers waiting for the running call of `key` (0 when none runs). For tests.
    int waiting(const std::string& key);

  private:
    struct Flight {
        int waiting = 0;    // GUARDED_BY(mu_)
        bool done = false;  // GUARDED_BY(mu_)
        Status outcome;     // GUARDED_BY(mu_), set when done
    };

    std::mutex mu_;
    std::condition_variable landed_;
    std::map<std::string, std::shared_ptr<Flight>> flights_;  // GUARDED_BY(mu_)
};

}  // namespace imgpipe::delivery
