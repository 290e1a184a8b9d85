// TlsAuthority: fargo's certificate authority and the leaf certificates it
// issues for the names tasks call (TLS on the AWS names' address). The CA
// (EC P-256, ten years, CN "fargo local CA <instance>") is made on first use
// in a folder of the data directory (ca.key, mode 0600, and ca.pem) and
// read back on every later start; files cut short by a crash are made
// again. Leaves (EC P-256, SAN = the name asked for, one year) are made on
// demand and kept in memory. MakeServerContext gives a server TLS context
// whose SNI callback picks the leaf: no SNI, or a name the acceptor refuses,
// ends the handshake with an unrecognized_name alert. Thread-safe.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

namespace fargo::server::tls {

class TlsAuthority {
 public:
  // Whether a leaf may be issued for `name` (lower case, no trailing dot).
  using NameFilter = std::function<bool(const std::string& name)>;

  // Reads the CA from `folder`, or makes it there (and the folder) when it
  // is missing or unreadable. `instance` names the CA.
  // Errors: InternalError (cannot write the folder, OpenSSL failures).
  static Result<std::unique_ptr<TlsAuthority>> LoadOrCreate(const std::string& folder, const std::string& instance);
  ~TlsAuthority();
  TlsAuthority(const TlsAuthority&) = delete;
  TlsAuthority& operator=(const TlsAuthority&) = delete;

  // The CA certificate, PEM.
  const std::string& CaPem() const { return ca_pem_; }
  std::string CaCertPath() const { return folder_ + "/ca.pem"; }

  // A leaf for `name` signed by the CA (PEM certificate, PEM private key),
  // the same one for the same name while the process lives.
  struct Leaf {
    std::string cert_pem;
    std::string key_pem;
  };
  Result<Leaf> LeafFor(const std::string& name);

  // A new certificate signed by the CA, with a key of its own
  // (`key_algorithm`: RSA_2048, EC_prime256v1 or EC_secp384r1, ACM's names),
  // for `names` (the first is its CN; all are its DNS SANs; "*.x" allowed),
  // valid one year: what ACM issues. chain_pem is the CA's certificate.
  // Errors: InvalidArgument (a name that is not a DNS name), InternalError.
  struct Certificate {
    std::string cert_pem, key_pem, chain_pem;
  };
  Result<Certificate> IssueCertificate(const std::vector<std::string>& names, const std::string& key_algorithm);

  // A TLS 1.2+ server context whose SNI callback serves LeafFor(name) for
  // names `accept` takes. REQUIRES: the authority outlives the context.
  Result<std::shared_ptr<boost::asio::ssl::context>> MakeServerContext(NameFilter accept);

  // Writes `path` (atomically, mode 0644): the PEM certificates of
  // `host_roots` (when that file exists) followed by the CA.
  Status WriteBundle(const std::string& path, const std::string& host_roots) const;

 private:
  struct Issued;
  TlsAuthority() = default;
  // The leaf for `name` in its X509/EVP_PKEY form (issued on first use).
  Result<std::shared_ptr<Issued>> IssuedFor(const std::string& name);
  static int OnServerName(void* ssl, int* alert, void* arg);

  std::string folder_;
  std::string ca_pem_;
  X509* ca_cert_ = nullptr;
  EVP_PKEY* ca_key_ = nullptr;
  EVP_PKEY* leaf_key_ = nullptr;  // one key for every leaf of this process
  NameFilter accept_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Issued>> leaves_;  // GUARDED_BY(mu_)
};

}  // namespace fargo::server::tls
