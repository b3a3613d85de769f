#pragma once
// Readiness: whether this process should get traffic now (`GET /readyz`), as opposed to whether
// it is alive (`/healthz`). Ready means: the data dir takes a write (a probe file is created,
// written, synced and removed through the FileSystem port, so a read-only remount, a full disk
// or a failing device shows), the queue answers (EventQueue::stats), and no drain has begun
// (SIGTERM). Each check runs at every call; a probe costs one small fsync.
//
// Thread-safe.

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "core/file_system.h"
#include "queue/event_queue.h"

namespace imgpipe::app {

struct ReadinessCheck {
    std::string name;  // "store", "queue", "drain"
    bool ok = false;
    std::string detail;  // for the operator: "ok", "read-only file system", "draining"
};

struct ReadinessReport {
    bool ready = false;
    std::vector<ReadinessCheck> checks;
    // {"status":"ready"|"unavailable","checks":{"store":"ok",...}}
    std::string to_json() const;
};

class Readiness {
  public:
    // `fs` and `queue` outlive this object; `queue` may be null (not opened yet).
    Readiness(std::string data_dir, FileSystem& fs, queue::EventQueue* queue);

    // From now on not ready: the process is shutting down.
    void set_draining() { draining_ = true; }
    bool draining() const { return draining_; }

    ReadinessReport check();

  private:
    ReadinessCheck check_store();

    const std::string probe_path_;
    FileSystem& fs_;
    queue::EventQueue* const queue_;
    std::atomic<bool> draining_{false};
    std::mutex probe_mu_;  // one probe file at a time
};

}  // namespace imgpipe::app
