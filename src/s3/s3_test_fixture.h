#pragma once
// Test-only: an S3Service over a LocalObjectStore in a temp dir, with a keyring and a fake
// clock, and helpers to send signed (or anonymous) requests straight to `handle` — no socket.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/file_system.h"
#include "s3/access_keyring.h"
#include "s3/s3_service.h"
#include "sigv4/sigv4.h"
#include "store/local/local_object_store.h"

namespace imgpipe::s3::testing {

inline constexpr const char* kAccessKey = "AKIDTESTMAIN";
inline constexpr const char* kSecretKey = "main-secret-key";
inline constexpr const char* kReaderKey = "AKIDREADER";
inline constexpr const char* kReaderSecret = "reader-secret-key";

// What a test sends.
struct Send {
    std::string method = "GET";
    std::string target = "/";  // "/bucket/key?query", already percent-encoded
    std::string body;
    sigv4::HeaderList headers;  // extra headers (Host is added unless given)
    // Credentials to sign with; nullopt sends the request anonymously.
    std::optional<sigv4::SigningCredentials> creds = main_creds();
    // x-amz-content-sha256: the body's hex SHA-256 unless set ("UNSIGNED-PAYLOAD", ...).
    std::optional<std::string> payload_hash;
    bool chunked = false;  // no Content-Length (a chunked HTTP body)
    std::string host = "localhost:9000";

    static sigv4::SigningCredentials main_creds() {
        return {kAccessKey, kSecretKey, "us-east-1", "s3"};
    }
};

// What came back, with the streamed body read.
struct Reply {
    int status = 0;
    http::Headers headers;
    std::string body;
    std::optional<uint64_t> content_length;

    std::string header(std::string_view name) const { return headers.get_or(name, ""); }
    // The body parsed as XML (fails the test when it is not).
    pugi::xml_node xml();
    // <Error><Code> of an error body ("" when none).
    std::string error_code();

  private:
    std::shared_ptr<pugi::xml_document> doc_;
};

class S3ServiceTest : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;

    // Rebuilds the service after a test changed `options_`.
    void rebuild_service();

    Reply send(Send request);
    Reply get(const std::string& target) { return send({.target = target}); }
    Reply put(const std::string& target, std::string body, sigv4::HeaderList headers = {}) {
        return send({.method = "PUT",
                     .target = target,
                     .body = std::move(body),
                     .headers = std::move(headers)});
    }
    void create_bucket(const std::string& bucket);
    void put_object(const std::string& bucket, const std::string& key, const std::string& body);

    std::filesystem::path dir_;
    FakeClock clock_;
    AccessKeyring keyring_;
    std::unique_ptr<sigv4::Verifier> verifier_;
    std::unique_ptr<store::LocalObjectStore> store_;
    S3Options options_;
    std::unique_ptr<S3Service> service_;
};

}  // namespace imgpipe::s3::testing
