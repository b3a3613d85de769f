#include "s3/keepalive_body.h"

#include <algorithm>

#include "s3/xml.h"

namespace imgpipe::s3 {

Result<size_t> KeepAliveBody::read(std::span<char> buf) {
    auto emit = [&](std::string_view text) {
        const size_t n = std::min(buf.size(), text.size());
        std::copy_n(text.data(), n, buf.data());
        return n;
    };
    if (!prolog_sent_) {
        // Servers read in pieces of kilobytes: the prolog always fits.
        const size_t n = emit(kXmlProlog);
        if (n < kXmlProlog.size()) return internal_error("response buffer smaller than the prolog");
        prolog_sent_ = true;
        return n;
    }
    if (!result_) {
        result_ = slice_();
        if (!result_) return emit(" ");
    }
    if (result_sent_ == result_->size()) return size_t{0};
    const size_t n = emit(std::string_view(*result_).substr(result_sent_));
    result_sent_ += n;
    return n;
}

}  // namespace imgpipe::s3
