// LocalObjectStore::list_objects: ListObjects semantics done as one walk of an index cursor
// instead of loading a bucket. The cursor steps one row per entry returned (plus one, to know
// whether the listing is truncated); when a key rolls up into a common prefix, the cursor seeks
// past every key under that prefix, so a "directory" with a million keys costs one row, not a
// million. Listed objects carry key, size, ETag and last-modified time only (what ListObjects
// shows), so no row's attributes are decoded.

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

    // One cursor, stepped once per entry returned (plus one to learn whether more follow);
    // a common prefix costs one seek past every key under it, however many there are.
    IMGPIPE_ASSIGN_OR_RETURN(auto cursor, index_->scan_objects(request.bucket, upper));
    IMGPIPE_RETURN_IF_ERROR(cursor->seek(lower));
    int emitted = 0;
    while (lower < upper) {
        IMGPIPE_ASSIGN_OR_RETURN(bool row, cursor->next());
        if (!row) break;
        if (emitted == max_keys) {
            out.is_truncated = true;
            break;
        }
        ++emitted;
        std::string key = cursor->key();
        std::string common = common_prefix_of(key, prefix, delimiter);
        if (common.empty()) {
            out.objects.push_back(cursor->info());
            out.next_start_after = std::move(key);
            continue;
        }
        lower = prefix_upper_bound(common);
        out.next_start_after = common;
        out.common_prefixes.push_back(std::move(common));
        IMGPIPE_RETURN_IF_ERROR(cursor->seek(lower));
    }
    return out;
}

}  // namespace imgpipe::store
