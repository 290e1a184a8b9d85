// ListenerTls: the TLS side of a load balancer's TLS (NLB) or HTTPS (ALB)
// listener: a server context per certificate of the listener (ACM's PEMs,
// the default first, then those added for SNI). The handshake starts on
// the default's context; the client's server name (SNI) moves it to the
// first certificate whose names cover it (wildcards as X.509 matches
// them), and to the default when none does or no name is sent, as ELB
// does. Every context applies the listener's SslPolicy (ELBv2's table,
// services/elbv2/elbv2_ssl_policies.h): its TLS versions, its ciphers in its
// order (the server's order wins, as ELB's), its TLS 1.3 suites. Policies
// that allow TLS 1.0 or 1.1 get OpenSSL security level 0: at level 1 and up
// OpenSSL 3 refuses those versions (their SHA-1 handshake signatures)
// whatever the protocol range says. Immutable once made; connections keep
// it alive while they use it.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "services/elbv2/elbv2_plan.h"
#include "services/elbv2/elbv2_ssl_policies.h"

namespace fargo::dataplane::lb {

class ListenerTls {
 public:
  // `ssl_policy`: an ELBSecurityPolicy-* name; "" or a name the table lacks
  // (ELBv2 refuses those; older state may hold one) is the default,
  // ELBSecurityPolicy-2016-08.
  // Errors: InvalidArgument (no certificate, or a PEM OpenSSL refuses),
  // InternalError (OpenSSL takes none of the policy's ciphers).
  static Result<std::shared_ptr<ListenerTls>> Make(const std::vector<services::elbv2::ListenerCertificate>& certs,
                                                   const std::string& ssl_policy);
  ListenerTls(const ListenerTls&) = delete;
  ListenerTls& operator=(const ListenerTls&) = delete;

  // The context a server-side stream starts its handshake on.
  boost::asio::ssl::context& context() { return *contexts_.front(); }
  // Which certificate answers `server_name` (index into the certificates
  // given; 0, the default, when none covers it).
  size_t Choose(const std::string& server_name) const;

 private:
  ListenerTls() = default;
  // Applies `policy` to `ctx`. Errors: InternalError.
  static Status ApplyPolicy(SSL_CTX* ctx, const services::elbv2::SslPolicy& policy);
  static int OnServerName(void* ssl, int* alert, void* arg);
  std::vector<std::unique_ptr<boost::asio::ssl::context>> contexts_;
};

// The client context a load balancer re-encrypts to TLS targets with: no
// verification of the target's certificate, as ELB does.
boost::asio::ssl::context& TargetTlsContext();

}  // namespace fargo::dataplane::lb
