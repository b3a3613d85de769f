#include "s3/s3_test_fixture.h"

#include <cstdlib>

#include "core/byte_source.h"

namespace imgpipe::s3::testing {

pugi::xml_node Reply::xml() {
    doc_ = std::make_shared<pugi::xml_document>();
    pugi::xml_parse_result parsed = doc_->load_buffer(body.data(), body.size());
    EXPECT_TRUE(parsed) << "not XML: " << body;
    return doc_->document_element();
}

std::string Reply::error_code() {
    if (body.empty()) return "";
    pugi::xml_node root = xml();
    if (std::string_view(root.name()) != "Error") return "";
    return root.child_value("Code");
}

void S3ServiceTest::SetUp() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "s3_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = store::LocalObjectStore::open(dir_.string(), posix_file_system(), clock_);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(store).value();
    ASSERT_TRUE(keyring_.add({kAccessKey, kSecretKey}).is_ok());
    ASSERT_TRUE(keyring_.add({kReaderKey, kReaderSecret, {"pics"}, {Action::kRead}}).is_ok());
    verifier_ = std::make_unique<sigv4::Verifier>(keyring_);
    options_.public_read_buckets = {"public"};
    options_.public_write_buckets = {"dropbox"};
    rebuild_service();
}

void S3ServiceTest::TearDown() {
    service_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void S3ServiceTest::rebuild_service() {
    S3Context context;
    context.store = store_.get();
    context.credentials = &keyring_;
    context.verifier = verifier_.get();
    context.clock = &clock_;
    context.keyring = &keyring_;
    context.options = options_;
    service_ = std::make_unique<S3Service>(context);
}

Reply S3ServiceTest::send(Send s) {
    sigv4::HeaderList headers = s.headers;
    const bool has_host = std::any_of(headers.begin(), headers.end(),
                                      [](const auto& h) { return http::iequals(h.first, "Host"); });
    if (!has_host) headers.insert(headers.begin(), {"Host", s.host});
    const std::string path = s.target.substr(0, s.target.find('?'));
    const std::string query =
        s.target.find('?') == std::string::npos ? "" : s.target.substr(s.target.find('?') + 1);
    if (s.creds) {
        std::string hash = s.payload_hash ? *s.payload_hash : sigv4::sha256_hex(s.body);
        sigv4::sign_request(*s.creds, s.method, path, query, headers, hash, clock_.now());
    }

    http::Request request;
    request.method = s.method;
    request.target = s.target;
    request.path = path;
    request.query = query;
    for (auto& [name, value] : headers) request.headers.add(name, value);
    if (!s.chunked) request.content_length = s.body.size();
    StringByteSource body(s.body);
    request.body = &body;
    request.request_id = "req-test-1";

    http::Response response = service_->handle(request);
    Reply reply;
    reply.status = response.status;
    reply.headers = response.headers;
    reply.content_length = response.content_length;
    if (response.source) {
        auto all = read_all(*response.source, 64 << 20);
        EXPECT_TRUE(all.is_ok()) << all.status().to_string();
        if (all.is_ok()) reply.body = *all;
        // A source without a length is sent chunked (a streamed answer, see KeepAliveBody).
        if (response.content_length) {
            EXPECT_EQ(reply.body.size(), *response.content_length);
        }
    } else {
        reply.body = response.body;
    }
    return reply;
}

void S3ServiceTest::create_bucket(const std::string& bucket) {
    Reply r = send({.method = "PUT", .target = "/" + bucket});
    ASSERT_EQ(r.status, 200) << r.body;
}

void S3ServiceTest::put_object(const std::string& bucket, const std::string& key,
                               const std::string& body) {
    Reply r = put("/" + bucket + "/" + key, body);
    ASSERT_EQ(r.status, 200) << r.body;
}

}  // namespace imgpipe::s3::testing
