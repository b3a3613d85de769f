#include "sigv4/test_util.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "testdata.h"

namespace imgpipe::sigv4::testing {

std::string testdata_dir() { return testdata_root() + "/sigv4"; }

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    // Thrown only inside a test body, where gtest turns it into that test's failure; going on
    // with an empty file would pile unrelated failures on top.
    if (!in) throw std::runtime_error("cannot read " + path + testdata_hint());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

ParsedRequest parse_request_file(std::string_view text) {
    std::vector<std::string> lines;
    size_t body_at = std::string_view::npos;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line =
            text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() && !lines.empty()) {
            body_at = nl == std::string_view::npos ? text.size() : nl + 1;
            break;
        }
        lines.emplace_back(line);
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    ParsedRequest req;
    const std::string& first = lines.at(0);
    size_t sp = first.find(' ');
    size_t version = first.rfind(" HTTP/");
    req.method = first.substr(0, sp);
    std::string target = first.substr(sp + 1, version - sp - 1);
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    for (size_t i = 1; i < lines.size(); ++i) {
        const std::string& l = lines[i];
        if ((l[0] == ' ' || l[0] == '\t') && !req.headers.empty()) {
            req.headers.back().second += "\n" + l;
            continue;
        }
        size_t colon = l.find(':');
        req.headers.emplace_back(l.substr(0, colon), l.substr(colon + 1));
    }
    if (body_at != std::string_view::npos) req.body = std::string(text.substr(body_at));
    return req;
}

Result<size_t> SplitSource::read(std::span<char> buf) {
    if (pos_ >= data_.size()) return size_t{0};
    size_t end = data_.size();
    for (size_t cut : cuts_) {
        if (cut > pos_) {
            end = std::min(end, cut);
            break;
        }
    }
    size_t n = std::min({end - pos_, buf.size(), max_read_});
    data_.copy(buf.data(), n, pos_);
    pos_ += n;
    return n;
}

Drained drain(ByteSource& source, size_t chunk) {
    Drained out;
    std::vector<char> buf(chunk);
    for (size_t guard = 0; guard < 100'000'000; ++guard) {
        auto n = source.read(std::span<char>(buf.data(), buf.size()));
        if (!n) {
            out.status = n.status();
            // An error must be sticky: a consumer that retries never gets further.
            for (int i = 0; i < 3; ++i) {
                if (source.read(std::span<char>(buf.data(), buf.size()))) {
                    ++out.reads_after_error_ok;
                }
            }
            return out;
        }
        if (*n == 0) return out;
        out.data.append(buf.data(), *n);
    }
    out.status = internal_error("drain did not terminate");
    return out;
}

std::string ChunkSigner::sign_chunk(std::string_view data) {
    std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + amz_date + "\n" + scope + "\n" + previous +
                      "\n" + sha256_hex("") + "\n" + sha256_hex(data);
    previous = to_hex(hmac_sha256(signing_key, sts));
    return previous;
}

std::string ChunkSigner::sign_trailer(std::string_view canonical_trailers) {
    std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + amz_date + "\n" + scope + "\n" + previous +
                      "\n" + sha256_hex(canonical_trailers);
    return to_hex(hmac_sha256(signing_key, sts));
}

std::string encode_aws_chunked(std::string_view data, size_t chunk_size, ChunkSigner* signer,
                               const std::vector<std::pair<std::string, std::string>>& trailers,
                               bool with_trailer_section) {
    static constexpr char kHex[] = "0123456789abcdef";
    auto hex_size = [](size_t n) {
        std::string s;
        do {
            s.insert(s.begin(), kHex[n % 16]);
            n /= 16;
        } while (n);
        return s;
    };
    std::string out;
    size_t pos = 0;
    while (true) {
        std::string_view chunk = data.substr(pos, chunk_size);
        out += hex_size(chunk.size());
        if (signer) out += ";chunk-signature=" + signer->sign_chunk(chunk);
        out += "\r\n";
        if (chunk.empty()) break;
        out += chunk;
        out += "\r\n";
        pos += chunk.size();
    }
    std::string canonical;
    for (const auto& [name, value] : trailers) {
        out += name + ":" + value + "\r\n";
        canonical += name + ":" + value + "\n";
    }
    if (with_trailer_section && signer) {
        out += "x-amz-trailer-signature:" + signer->sign_trailer(canonical) + "\r\n";
    }
    out += "\r\n";
    return out;
}

}  // namespace imgpipe::sigv4::testing
