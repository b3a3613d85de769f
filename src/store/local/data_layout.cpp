#include "store/local/data_layout.h"

#include <openssl/rand.h>

#include <random>

namespace imgpipe::store {
namespace {

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

std::string DataLayout::object_dir(const std::string& id) const {
    return objects_dir() + "/" + id.substr(0, 2);
}

std::string DataLayout::object_path(const std::string& id) const {
    return object_dir(id) + "/" + id;
}

std::string DataLayout::fanout_name(int i) { return {kHex[(i >> 4) & 0xF], kHex[i & 0xF]}; }

int DataLayout::fanout_index(const std::string& id) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    return nibble(id[0]) * 16 + nibble(id[1]);
}

Status DataLayout::create_dirs(FileSystem& fs) const {
    for (const std::string& dir : {objects_dir(), parts_dir(), tmp_dir()}) {
        IMGPIPE_RETURN_IF_ERROR(fs.create_dirs(dir));
    }
    // New directory entries are durable only once their parents are synced.
    IMGPIPE_RETURN_IF_ERROR(fs.sync_dir(objects_dir()));
    return fs.sync_dir(root_);
}

std::string DataLayout::new_id() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
        // OpenSSL's RNG failing is near impossible; a thread-local mt19937_64 seeded from
        // random_device still gives unique names, which is all an id needs.
        thread_local std::mt19937_64 rng(std::random_device{}());
        for (auto& b : bytes) b = static_cast<unsigned char>(rng());
    }
    std::string id(32, '0');
    for (int i = 0; i < 16; ++i) {
        id[2 * i] = kHex[bytes[i] >> 4];
        id[2 * i + 1] = kHex[bytes[i] & 0xF];
    }
    return id;
}

bool DataLayout::is_id(const std::string& name) {
    if (name.size() != 32) return false;
    for (char c : name) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

}  // namespace imgpipe::store
