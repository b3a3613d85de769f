// LocalObjectStore::list_objects: ListObjects semantics done as a few key-range queries on the
// index instead of loading a bucket. Each query asks for only as many rows as can still be
// returned (plus one, to know whether the listing is truncated); when a key rolls up into a
// common prefix, the next query seeks past every key under that prefix, so a "directory" with a
// million keys costs one row, not a million.

#include "store/local/local_object_store.h"

namespace imgpipe::store {
namespace {

constexpr int kMaxListKeys = 1000;

// The common prefix `key` rolls up into, or "" when it does not contain the delimiter after
// the prefix.
std::string common_prefix_of(const std::string& key, const std::string& prefix,
                             const std::string& delimiter) {
    if (delimiter.empty() || key.size() < prefix.size()) return {};
    size_t pos = key.find(delimiter, prefix.size());
    if (pos == std::string::npos) return {};
    return key.substr(0, pos + delimiter.size());
}

}  // namespace

Result<ListResult> LocalObjectStore::list_objects(const ListRequest& request) {
    IMGPIPE_RETURN_IF_ERROR(index_->get_bucket(request.bucket).status());
    if (request.max_keys < 0) {
        return invalid_argument("InvalidArgument", "max-keys must not be negative");
    }
    const int max_keys = std::min(request.max_keys, kMaxListKeys);
    ListResult out;
    if (max_keys == 0) return out;

    const std::string& prefix = request.prefix;
    const std::string& delimiter = request.delimiter;
    const std::string upper = prefix_upper_bound(prefix);
    std::string lower = prefix;
    if (!request.start_after.empty()) {
        // Continuing after a common prefix must skip every key under it, not just that string.
        const std::string& after = request.start_after;
        std::string bound =
            common_prefix_of(after, prefix, delimiter) == after && after.rfind(prefix, 0) == 0
                ? prefix_upper_bound(after)
                : after + '\0';  // the smallest string greater than `after`
        lower = std::max(lower, bound);
    }

    int emitted = 0;
    bool done = false;
    while (!done && lower < upper) {
        const int batch = max_keys - emitted + 1;
        IMGPIPE_ASSIGN_OR_RETURN(auto rows,
                                 index_->scan_objects(request.bucket, lower, upper, batch));
        if (rows.empty()) break;
        bool reseek = false;
        for (auto& row : rows) {
            std::string common = common_prefix_of(row.info.key, prefix, delimiter);
            if (emitted == max_keys) {
                out.is_truncated = true;
                done = true;
                break;
            }
            ++emitted;
            if (!common.empty()) {
                lower = prefix_upper_bound(common);
                out.next_start_after = common;
                out.common_prefixes.push_back(std::move(common));
                reseek = true;
                break;
            }
            lower = row.info.key + '\0';
            out.next_start_after = row.info.key;
            out.objects.push_back(std::move(row.info));
        }
        if (!reseek && static_cast<int>(rows.size()) < batch) break;  // range exhausted
    }
    return out;
}

}  // namespace imgpipe::store
