#include "pipeline/job_errors.h"

#include <map>

namespace imgpipe::pipeline {

bool is_retryable(const Status& status) {
    return status.is_transient() || status.reason() == "DiskFull" || status.reason() == "Busy" ||
           status.reason() == "IoError";
}

std::string error_code_for(const Status& status) {
    return status.reason().empty() ? "InternalError" : status.reason();
}

namespace {

const std::map<std::string_view, std::string_view>& public_messages() {
    static const std::map<std::string_view, std::string_view> kMessages = {
        {"UnsupportedFormat",
         "the file is not an image of a supported type (JPEG, PNG, WebP, GIF, TIFF, HEIC, AVIF)"},
        {"CorruptImage", "the image is damaged or its header does not match its data"},
        {"ImageTooLarge", "the image has more pixels or frames than this server accepts"},
        {"DeadlineExceeded", "the image took too long to process"},
        {kInvalidVariants, "the requested variants cannot be made"},
        {kSourceMissing, "the original was deleted before it could be processed"},
        {kSourceTooLarge, "the original is larger than this server processes"},
        {kRetriesExhausted, "processing failed repeatedly; an operator can retry the job"},
    };
    return kMessages;
}

}  // namespace

std::string public_error_code(std::string_view code) {
    return public_messages().count(code) ? std::string(code) : "InternalError";
}

std::string public_error_message(std::string_view code, bool will_retry) {
    auto it = public_messages().find(code);
    if (it != public_messages().end()) return std::string(it->second);
    return will_retry ? "a temporary failure on the server; the job is retried"
                      : "an internal error stopped processing; an operator can retry the job";
}

}  // namespace imgpipe::pipeline
