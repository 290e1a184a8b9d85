#include "dataplane/lb/listener_tls.h"

#include <openssl/x509v3.h>

namespace fargo::dataplane::lb {

namespace ssl = boost::asio::ssl;

Status ListenerTls::ApplyPolicy(SSL_CTX* ctx, const services::elbv2::SslPolicy& policy) {
  auto fail = [&policy](const char* what) {
    return AwsError::Make("InternalError", std::string(what) + " for " + std::string(policy.name));
  };
  if (SSL_CTX_set_min_proto_version(ctx, policy.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, policy.max_version) != 1)
    return fail("OpenSSL refuses the TLS versions");
  std::string tls12 = services::elbv2::CipherListOf(policy, /*tls13=*/false);
  std::string tls13 = services::elbv2::CipherListOf(policy, /*tls13=*/true);
  // A TLS 1.3-only policy has no other cipher, a policy up to TLS 1.2 no
  // TLS 1.3 suite: the version range keeps those out.
  if (!tls12.empty() && SSL_CTX_set_cipher_list(ctx, tls12.c_str()) != 1) return fail("OpenSSL takes no cipher");
  if (!tls13.empty() && SSL_CTX_set_ciphersuites(ctx, tls13.c_str()) != 1) return fail("OpenSSL takes no TLS 1.3 suite");
  // After the cipher list, which may carry its own level.
  if (policy.min_version < services::elbv2::kTls1_2) SSL_CTX_set_security_level(ctx, 0);
  return OkStatus();
}

Result<std::shared_ptr<ListenerTls>> ListenerTls::Make(
    const std::vector<services::elbv2::ListenerCertificate>& certs, const std::string& ssl_policy) {
  if (certs.empty()) return AwsError::Make("InvalidArgument", "a TLS listener needs a certificate");
  const services::elbv2::SslPolicy* policy = services::elbv2::FindSslPolicy(ssl_policy);
  if (!policy) policy = services::elbv2::FindSslPolicy(services::elbv2::kDefaultSslPolicy);
  std::shared_ptr<ListenerTls> tls(new ListenerTls());
  for (const auto& c : certs) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    boost::system::error_code ec;
    std::string chain = c.cert_pem;
    if (!c.chain_pem.empty()) chain += (chain.back() == '\n' ? "" : "\n") + c.chain_pem;
    ctx->use_certificate_chain(boost::asio::buffer(chain), ec);
    if (!ec) ctx->use_private_key(boost::asio::buffer(c.key_pem), ssl::context::pem, ec);
    if (ec) return AwsError::Make("InvalidArgument", "certificate " + c.arn + ": " + ec.message());
    FARGO_TRY(ApplyPolicy(ctx->native_handle(), *policy));
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
