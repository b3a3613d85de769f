// libFuzzer target: arbitrary bytes as an aws-chunked body through open_payload in the
// unsigned-trailer and signed modes (see aws_chunked_driver.h for the input layout).

#include <cstddef>
#include <cstdint>

#include "aws_chunked_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    imgpipe::sigv4::fuzzing::run_aws_chunked_input(data, size);
    return 0;
}
