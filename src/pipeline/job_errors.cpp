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

std::string public_error_message(std::string_view code) {
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
    auto it = kMessages.find(code);
    if (it != kMessages.end()) return std::string(it->second);
    return "a temporary failure on the server; the job is retried";
}

}  // namespace imgpipe::pipeline
