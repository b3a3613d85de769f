#pragma once
// DataLayout: where the local store keeps things under its data dir, and how data files are
// named. File names come only from random ids (32 hex digits), never from bucket names or keys,
// so no key ("../../etc/passwd", "a//b") can reach outside the data dir or collide:
//
//   <data>/index.db            SQLite index (SqliteIndex)
//   <data>/objects/<xx>/<id>   object bytes; <xx> = first two hex digits of id (up to 256
//                              subdirs, created on first use)
//   <data>/parts/<id>          multipart parts not yet completed
//   <data>/tmp/<id>            bodies being written; anything here at open is garbage
//
// Value type; thread-safe (const methods only; id generation uses OpenSSL's thread-safe RNG).

#include <string>

#include "core/file_system.h"

namespace imgpipe::store {

class DataLayout {
  public:
    explicit DataLayout(std::string root) : root_(std::move(root)) {}

    const std::string& root() const { return root_; }
    std::string index_path() const { return root_ + "/index.db"; }
    std::string objects_dir() const { return root_ + "/objects"; }
    std::string object_dir(const std::string& id) const;
    std::string object_path(const std::string& id) const;
    std::string parts_dir() const { return root_ + "/parts"; }
    std::string part_path(const std::string& id) const { return parts_dir() + "/" + id; }
    std::string tmp_dir() const { return root_ + "/tmp"; }
    std::string temp_path(const std::string& id) const { return tmp_dir() + "/" + id; }

    // Creates objects/, parts/ and tmp/ and makes them durable (fan-out dirs come later).
    Status create_dirs(FileSystem& fs) const;

    // A fresh random id: 32 lower-case hex digits.
    static std::string new_id();
    // Whether `name` has the shape new_id() produces.
    static bool is_id(const std::string& name);
    // The 256 fan-out directory names "00".."ff", and which one an id belongs to.
    static std::string fanout_name(int i);
    // REQUIRES: is_id(id)
    static int fanout_index(const std::string& id);

  private:
    std::string root_;
};

}  // namespace imgpipe::store
