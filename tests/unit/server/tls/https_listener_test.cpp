// HttpListener over TLS with TlsAuthority's context: a client that trusts
// the CA gets the leaf for the name it asks (SNI) and the same HTTP as in
// the clear; no SNI, an unknown name, or bytes that are not TLS end the
// connection with an alert or a close, and the listener keeps serving.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "server/http_listener.h"
#include "server/raw_socket.h"
#include "server/tls/tls_authority.h"

namespace fargo::server::tls {
namespace {

using protocol::HttpRequest;
using protocol::HttpResponse;

class PathHandler : public HttpHandler {
 public:
  uint64_t MaxRequestBody(const HttpRequest&) const override { return 1024; }
  std::optional<HttpResponse> Reject(const HttpRequest&, HttpFailure, uint64_t, const std::string&) const override {
    HttpResponse r;
    r.status = 400;
    return r;
  }
  void Handle(HttpRequest req, Respond respond) override {
    HttpResponse r;
    r.body = "host=" + req.headers["host"] + " path=" + req.path;
    respond(std::move(r));
  }
};

// "ok <response>" or "failed <OpenSSL's reason>" for a GET over TLS with
// SNI `sni` ("" = none), verifying the peer against `ca_pem` for `sni`.
std::string Get(uint16_t port, const std::string& sni, const std::string& ca_pem) {
  int fd = test_util::ConnectLoopback(port);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  BIO* b = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
  X509* ca = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca);
  X509_free(ca);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (!sni.empty()) {
    SSL_set_tlsext_host_name(ssl, sni.c_str());
    SSL_set1_host(ssl, sni.c_str());
  }
  std::string out;
  ERR_clear_error();
  if (SSL_connect(ssl) != 1) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    out = std::string("failed ") + buf;
  } else {
    std::string req = "GET /bucket/key HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n";
    SSL_write(ssl, req.data(), static_cast<int>(req.size()));
    char buf[4096];
    int n;
    out = "ok ";
    while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return out;
}

class HttpsListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fargo-https-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    auto ca = TlsAuthority::LoadOrCreate(dir_, "test");
    ASSERT_TRUE(ca.ok());
    ca_ = std::move(*ca);
    auto ctx = ca_->MakeServerContext([](const std::string& name) { return name.ends_with(".amazonaws.com"); });
    ASSERT_TRUE(ctx.ok());
    HttpListenerOptions options;
    options.tls = *ctx;
    options.strand_per_connection = false;
    listener_ = std::make_unique<HttpListener>(io_, handler_, options);
    auto port = listener_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    listener_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::unique_ptr<TlsAuthority> ca_;
  PathHandler handler_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::unique_ptr<HttpListener> listener_;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(HttpsListenerTest, ServesHttpWithTheLeafForTheNameAsked) {
  std::string out = Get(port_, "my-bucket.s3.eu-west-1.amazonaws.com", ca_->CaPem());
  EXPECT_EQ(out.rfind("ok HTTP/1.1 200", 0), 0u) << out;
  EXPECT_NE(out.find("host=my-bucket.s3.eu-west-1.amazonaws.com path=/bucket/key"), std::string::npos) << out;
  EXPECT_EQ(Get(port_, "sts.amazonaws.com", ca_->CaPem()).rfind("ok HTTP/1.1 200", 0), 0u);
}

TEST_F(HttpsListenerTest, UnknownNameOrNoSniGetsAnAlertAndTheListenerServesOn) {
  std::string unknown = Get(port_, "example.com", ca_->CaPem());
  EXPECT_EQ(unknown.rfind("failed", 0), 0u) << unknown;
  EXPECT_NE(unknown.find("unrecognized name"), std::string::npos) << unknown;
  EXPECT_EQ(Get(port_, "", ca_->CaPem()).rfind("failed", 0), 0u);
  // Plain HTTP to the TLS port: closed without an answer.
  int fd = test_util::ConnectLoopback(port_);
  bool closed = false;
  std::string plain = test_util::SendAndReadAll(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", &closed);
  ::close(fd);
  EXPECT_EQ(plain.find("HTTP/1.1"), std::string::npos) << plain;
  EXPECT_TRUE(closed);
  // Garbage after a valid-looking record header.
  fd = test_util::ConnectLoopback(port_);
  test_util::SendAndReadAll(fd, std::string("\x16\x03\x01\x00\x05hello", 10), &closed);
  ::close(fd);
  EXPECT_EQ(Get(port_, "s3.amazonaws.com", ca_->CaPem()).rfind("ok HTTP/1.1 200", 0), 0u);
}

TEST_F(HttpsListenerTest, AnotherCaIsNotTrusted) {
  char tmpl[] = "/tmp/fargo-https-XXXXXX";
  std::string other_dir = ::mkdtemp(tmpl);
  auto other = TlsAuthority::LoadOrCreate(other_dir, "other");
  ASSERT_TRUE(other.ok());
  std::string out = Get(port_, "s3.amazonaws.com", (*other)->CaPem());
  EXPECT_EQ(out.rfind("failed", 0), 0u) << out;
  EXPECT_NE(out.find("certificate verify failed"), std::string::npos) << out;
  std::filesystem::remove_all(other_dir);
}

}  // namespace
}  // namespace fargo::server::tls
