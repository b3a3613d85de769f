#include "core/byte_source.h"

namespace imgpipe {

Result<std::string> read_all(ByteSource& source, size_t limit) {
    std::string out;
    char buf[16384];
    for (;;) {
        auto n = source.read(buf);
        if (!n) return n.status();
        if (*n == 0) return out;
        if (out.size() + *n > limit) {
            return Status(StatusCode::kResourceExhausted, "TooLarge",
                          "body larger than " + std::to_string(limit) + " bytes");
        }
        out.append(buf, *n);
    }
}

}  // namespace imgpipe
