#include "core/fault_injecting_file_system.h"

namespace imgpipe {

// A writable file whose append and sync consult the owning file system's faults first.
class FaultInjectingFileSystem::File final : public WritableFile {
  public:
    File(FaultInjectingFileSystem& fs, std::unique_ptr<WritableFile> base, std::string path)
        : fs_(fs), base_(std::move(base)), path_(std::move(path)) {}

    Status append(std::string_view data) override {
        IMGPIPE_RETURN_IF_ERROR(fs_.check(Op::kAppend, path_));
        bool full = false;
        size_t allowed = fs_.take_budget(data.size(), &full);
        IMGPIPE_RETURN_IF_ERROR(base_->append(data.substr(0, allowed)));
        if (full) {
            return {StatusCode::kResourceExhausted, "DiskFull",
                    "injected: disk full while appending to " + path_};
        }
        return Status::ok();
    }
    Status sync() override {
        IMGPIPE_RETURN_IF_ERROR(fs_.check(Op::kSync, path_));
        return base_->sync();
    }
    Status close() override { return base_->close(); }

  private:
    FaultInjectingFileSystem& fs_;
    std::unique_ptr<WritableFile> base_;
    std::string path_;
};

void FaultInjectingFileSystem::fail_next(Op op, std::string path_filter) {
    std::lock_guard lock(mu_);
    faults_[static_cast<int>(op)] = Fault{std::move(path_filter), true};
}

void FaultInjectingFileSystem::fail_all(Op op, std::string path_filter) {
    std::lock_guard lock(mu_);
    faults_[static_cast<int>(op)] = Fault{std::move(path_filter), false};
}

void FaultInjectingFileSystem::set_disk_budget(uint64_t bytes) {
    std::lock_guard lock(mu_);
    budget_ = bytes;
}

void FaultInjectingFileSystem::clear() {
    std::lock_guard lock(mu_);
    for (auto& fault : faults_) fault.reset();
    budget_.reset();
    available_.reset();
}

int FaultInjectingFileSystem::injected_failures() const {
    std::lock_guard lock(mu_);
    return injected_;
}

Status FaultInjectingFileSystem::check(Op op, const std::string& path) {
    static constexpr const char* kNames[] = {"append", "sync", "rename", "create", "sync_dir"};
    std::lock_guard lock(mu_);
    auto& fault = faults_[static_cast<int>(op)];
    if (!fault || path.find(fault->path_filter) == std::string::npos) return Status::ok();
    if (fault->once) fault.reset();
    ++injected_;
    return io_error(std::string("injected: ") + kNames[static_cast<int>(op)] + " failed on " +
                    path);
}

size_t FaultInjectingFileSystem::take_budget(size_t wanted, bool* full) {
    std::lock_guard lock(mu_);
    if (!budget_) return wanted;
    if (wanted <= *budget_) {
        *budget_ -= wanted;
        return wanted;
    }
    size_t allowed = static_cast<size_t>(*budget_);
    *budget_ = 0;
    *full = true;
    ++injected_;
    return allowed;
}

Result<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::create_file(
    const std::string& path) {
    IMGPIPE_RETURN_IF_ERROR(check(Op::kCreate, path));
    IMGPIPE_ASSIGN_OR_RETURN(auto file, base_.create_file(path));
    return std::unique_ptr<WritableFile>(std::make_unique<File>(*this, std::move(file), path));
}

Result<std::unique_ptr<ReadableFile>> FaultInjectingFileSystem::open_file(const std::string& path) {
    return base_.open_file(path);
}

Status FaultInjectingFileSystem::rename(const std::string& from, const std::string& to) {
    IMGPIPE_RETURN_IF_ERROR(check(Op::kRename, to));
    return base_.rename(from, to);
}

Status FaultInjectingFileSystem::remove(const std::string& path) { return base_.remove(path); }

Status FaultInjectingFileSystem::sync_dir(const std::string& path) {
    IMGPIPE_RETURN_IF_ERROR(check(Op::kSyncDir, path));
    return base_.sync_dir(path);
}

Status FaultInjectingFileSystem::create_dirs(const std::string& path) {
    return base_.create_dirs(path);
}

Result<std::vector<std::string>> FaultInjectingFileSystem::list_dir(const std::string& path) {
    return base_.list_dir(path);
}

bool FaultInjectingFileSystem::exists(const std::string& path) { return base_.exists(path); }

void FaultInjectingFileSystem::set_available_bytes(uint64_t bytes) {
    std::lock_guard lock(mu_);
    available_ = bytes;
}

Result<uint64_t> FaultInjectingFileSystem::available_bytes(const std::string& path) {
    {
        std::lock_guard lock(mu_);
        if (available_) return *available_;
    }
    return base_.available_bytes(path);
}

}  // namespace imgpipe
