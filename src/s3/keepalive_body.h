#pragma once
// KeepAliveBody: the response body of an S3 operation that goes on working after its 200 has
// been sent, as AWS answers a long CompleteMultipartUpload: the XML prolog at once, then a space
// each time a slice of the work ends unfinished, then the result document — or an <Error>
// document, since the status can no longer change (SDKs look for <Error> in such 200 bodies).
// Whitespace between the prolog and the root element is well-formed XML, so every client parses
// the body as usual, while the trickle keeps its read timeout from firing.
//
// The server pulls the body piece by piece (sent chunked, no Content-Length) and sends each piece
// as soon as it is read, so each read is one slice of work. When the client goes away the server
// stops reading and destroys the body, and with it the unfinished work. One thread at a time.

#include <functional>
#include <optional>
#include <string>

#include "core/byte_source.h"

namespace imgpipe::s3 {

class KeepAliveBody final : public ByteSource {
  public:
    // Does one slice of the work: nullopt while unfinished, else the final document, rendered
    // without the XML prolog.
    using Slice = std::function<std::optional<std::string>()>;

    explicit KeepAliveBody(Slice slice) : slice_(std::move(slice)) {}
    Result<size_t> read(std::span<char> buf) override;

  private:
    Slice slice_;
    bool prolog_sent_ = false;
    std::optional<std::string> result_;
    size_t result_sent_ = 0;
};

}  // namespace imgpipe::s3
