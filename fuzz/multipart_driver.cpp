#include "multipart_driver.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/byte_source.h"
#include "http/multipart_parser.h"

namespace imgpipe::http::fuzzing {
namespace {

void check(bool invariant) {
    if (!invariant) std::abort();
}

bool expected_reason(const Status& s) {
    return s.is_ok() || s.reason() == "MalformedPOSTRequest" ||
           s.reason() == "MaxPostPreDataLengthExceededError" ||
           s.reason() == "RequestIsNotMultiPartContent";
}

constexpr uint64_t kBudget = 2048;

}  // namespace

MultipartOutcome run_multipart_input(const uint8_t* data, size_t size) {
    MultipartOutcome out;
    if (size == 0) return out;
    const uint8_t control = data[0];
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    size_t eol = rest.find('\n');
    std::string_view content_type = rest.substr(0, eol);
    std::string_view body = eol == std::string_view::npos ? "" : rest.substr(eol + 1);
    const size_t raw_read = 1 + (control & 15) * 7;
    const size_t consumer_read = 1 + ((control >> 4) & 15) * 11;

    auto boundary = multipart_boundary(content_type);
    if (!boundary) {
        check(expected_reason(boundary.status()));
        out.status = boundary.status();
        return out;
    }
    check(!boundary->empty() && boundary->size() <= 70);

    // The form, as POST Object reads it.
    StringByteSource source(std::string(body), raw_read);
    auto form = MultipartForm::open(source, *boundary, kBudget);
    if (!form) {
        check(expected_reason(form.status()));
        out.status = form.status();
        return out;
    }
    uint64_t field_bytes = 0;
    for (const FormField& f : (*form)->fields()) field_bytes += f.name.size() + f.value.size();
    check(field_bytes <= kBudget);
    out.fields = (*form)->fields().size();
    out.has_file = (*form)->has_file();
    if (out.has_file) {
        check((*form)->bytes_before_file() <= kBudget);
        std::string buf(consumer_read, '\0');
        for (;;) {
            auto n = (*form)->file().read(buf);
            if (!n) {
                check(expected_reason(n.status()));
                out.status = n.status();
                break;
            }
            if (*n == 0) break;
            check(*n <= buf.size());
            out.file_bytes += *n;
        }
        check(out.file_bytes + (*form)->bytes_before_file() <= body.size());
        if (out.status.is_ok()) (void)(*form)->discard_rest(1 << 20);
    }

    // The same body walked part by part with the raw reader.
    StringByteSource again(std::string(body), consumer_read);
    MultipartReader reader(again, *boundary);
    for (int parts = 0; parts < 1000; ++parts) {
        auto part = reader.next_part();
        if (!part) {
            check(expected_reason(part.status()));
            break;
        }
        if (!*part) break;
        check(reader.consumed() <= body.size());
    }
    return out;
}

}  // namespace imgpipe::http::fuzzing
