#include "app/credentials.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace imgpipe::app {
namespace {

std::string random_string(size_t length, std::string_view alphabet) {
    std::string out;
    unsigned char byte = 0;
    while (out.size() < length) {
        if (RAND_bytes(&byte, 1) != 1) return {};
        // Rejection sampling keeps the distribution uniform.
        if (byte >= 256 - (256 % alphabet.size())) continue;
        out += alphabet[byte % alphabet.size()];
    }
    return out;
}

Result<RootCredentials> read_file(const std::string& path) {
    std::ifstream in(path);
    RootCredentials c;
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string k = line.substr(0, eq), v = line.substr(eq + 1);
        if (k == "access_key") c.access_key = v;
        if (k == "secret_key") c.secret_key = v;
    }
    if (c.access_key.empty() || c.secret_key.empty()) {
        return invalid_argument("InvalidConfig",
                                path + ": needs access_key= and secret_key= lines");
    }
    return c;
}

Status write_file(const std::string& path, const RootCredentials& c) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return io_error("cannot create " + tmp);
    // O_TRUNC keeps the mode of a leftover temp file; the secret must be the owner's alone.
    if (::fchmod(fd, 0600) != 0) {
        ::close(fd);
        return io_error("cannot restrict " + tmp + " to its owner");
    }
    std::string text = "access_key=" + c.access_key + "\nsecret_key=" + c.secret_key + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return io_error("cannot write " + path);
    }
    return Status::ok();
}

}  // namespace

std::string credentials_path(const std::string& data_dir) { return data_dir + "/credentials"; }

Result<RootCredentials> read_credentials(const std::string& data_dir) {
    const std::string path = credentials_path(data_dir);
    if (!std::filesystem::exists(path)) {
        return not_found("NoCredentials", "no credentials in " + data_dir + " (" + path +
                                              " is missing; `imgpipe serve` creates it)");
    }
    return read_file(path);
}

Result<RootCredentials> load_or_create_credentials(const std::string& data_dir,
                                                   const std::string& access_key,
                                                   const std::string& secret_key) {
    if (!access_key.empty()) return RootCredentials{access_key, secret_key, false, true};
    std::string path = credentials_path(data_dir);
    if (std::filesystem::exists(path)) return read_file(path);
    RootCredentials c;
    c.access_key = "IMGP" + random_string(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    c.secret_key =
        random_string(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    if (c.access_key.size() != 20 || c.secret_key.size() != 40) {
        return internal_error("no randomness for credentials");
    }
    c.generated = true;
    IMGPIPE_RETURN_IF_ERROR(write_file(path, c));
    return c;
}

}  // namespace imgpipe::app
