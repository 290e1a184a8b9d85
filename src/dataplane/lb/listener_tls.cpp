#include "dataplane/lb/listener_tls.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace fargo::dataplane::lb {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<ListenerTls>> ListenerTls::Make(
    const std::vector<services::elbv2::ListenerCertificate>& certs) {
  if (certs.empty()) return AwsError::Make("InvalidArgument", "a TLS listener needs a certificate");
  std::shared_ptr<ListenerTls> tls(new ListenerTls());
  for (const auto& c : certs) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    boost::system::error_code ec;
    std::string chain = c.cert_pem;
    if (!c.chain_pem.empty()) chain += (chain.back() == '\n' ? "" : "\n") + c.chain_pem;
    ctx->use_certificate_chain(boost::asio::buffer(chain), ec);
    if (!ec) ctx->use_private_key(boost::asio::buffer(c.key_pem), ssl::context::pem, ec);
    if (ec) return AwsError::Make("InvalidArgument", "certificate " + c.arn + ": " + ec.message());
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    tls->contexts_.push_back(std::move(ctx));
  }
  SSL_CTX* first = tls->contexts_.front()->native_handle();
  SSL_CTX_set_tlsext_servername_callback(first, reinterpret_cast<int (*)(SSL*, int*, void*)>(&ListenerTls::OnServerName));
  SSL_CTX_set_tlsext_servername_arg(first, tls.get());
  return tls;
}

size_t ListenerTls::Choose(const std::string& server_name) const {
  if (server_name.empty()) return 0;
  for (size_t i = 0; i < contexts_.size(); ++i) {
    X509* cert = SSL_CTX_get0_certificate(contexts_[i]->native_handle());
    if (cert && X509_check_host(cert, server_name.data(), server_name.size(), 0, nullptr) == 1) return i;
  }
  return 0;
}

int ListenerTls::OnServerName(void* ssl_ptr, int* alert, void* arg) {
  (void)alert;
  SSL* s = static_cast<SSL*>(ssl_ptr);
  auto* self = static_cast<ListenerTls*>(arg);
  const char* name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
  size_t i = self->Choose(name ? name : "");
  if (i != 0) SSL_set_SSL_CTX(s, self->contexts_[i]->native_handle());
  return SSL_TLSEXT_ERR_OK;
}

ssl::context& TargetTlsContext() {
  static ssl::context* ctx = [] {
    auto* c = new ssl::context(ssl::context::tls_client);
    c->set_verify_mode(ssl::verify_none);
    return c;
  }();
  return *ctx;
}

}  // namespace fargo::dataplane::lb
