#include "server/tls/tls_authority.h"

#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace fargo::server::tls {
namespace {

constexpr long kCaDays = 3650;
constexpr long kLeafDays = 365;

AwsError Failed(const std::string& what) { return AwsError::Make("InternalError", "TLS: " + what, 500); }

EVP_PKEY* NewEcKey() { return EVP_EC_gen("P-256"); }

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Writes `data` to `path` durably: a temporary file, fsync, rename.
Status WriteDurably(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Failed("cannot write " + tmp);
  ::fchmod(fd, mode);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      return Failed("cannot write " + tmp);
    }
    off += static_cast<size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return Failed("cannot write " + path);
  return OkStatus();
}

std::string CertPem(X509* cert) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(b);
  return out;
}

std::string KeyPem(EVP_PKEY* key) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(b);
  return out;
}

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `cn`, signed by `issuer_key` (self-signed
// when issuer is null), valid from an hour ago for `days`. A leaf's
// subject alternative names are `sans` ("DNS:a,DNS:b"), or `cn` when empty.
X509* MakeCert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, long days,
               const std::string& sans = "") {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), days * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("fargo"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  X509* ext_issuer = issuer ? issuer : cert;
  bool ok;
  if (!issuer) {
    ok = AddExt(cert, ext_issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
         AddExt(cert, ext_issuer, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         AddExt(cert, ext_issuer, NID_subject_key_identifier, "hash");
  } else {
    ok = AddExt(cert, ext_issuer, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExt(cert, ext_issuer, NID_key_usage, "critical,digitalSignature") &&
         AddExt(cert, ext_issuer, NID_ext_key_usage, "serverAuth") &&
         AddExt(cert, ext_issuer, NID_subject_key_identifier, "hash") &&
         AddExt(cert, ext_issuer, NID_authority_key_identifier, "keyid:always") &&
         AddExt(cert, ext_issuer, NID_subject_alt_name, (sans.empty() ? "DNS:" + cn : sans).c_str());
  }
  if (!ok || X509_sign(cert, issuer_key, EVP_sha256()) <= 0) {
    X509_free(cert);
    return nullptr;
  }
  return cert;
}

// A DNS name a certificate can carry: letters, digits, '-', '.', and '*'
// as a whole first label.
bool IsCertName(const std::string& name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '*' && i == 0 && name.size() > 2 && name[1] == '.') continue;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return name.find("..") == std::string::npos;
}

}  // namespace

struct TlsAuthority::Issued {
  ~Issued() {
    if (cert) X509_free(cert);
  }
  X509* cert = nullptr;
};

TlsAuthority::~TlsAuthority() {
  if (ca_cert_) X509_free(ca_cert_);
  if (ca_key_) EVP_PKEY_free(ca_key_);
  if (leaf_key_) EVP_PKEY_free(leaf_key_);
}

Result<std::unique_ptr<TlsAuthority>> TlsAuthority::LoadOrCreate(const std::string& folder,
                                                                 const std::string& instance) {
  std::unique_ptr<TlsAuthority> a(new TlsAuthority());
  a->folder_ = folder;
  // Parents as the data directory's (0755); the CA's own folder private.
  for (size_t i = 1; i < folder.size(); ++i)
    if (folder[i] == '/') ::mkdir(folder.substr(0, i).c_str(), 0755);
  ::mkdir(folder.c_str(), 0700);
  std::string key_path = folder + "/ca.key", cert_path = folder + "/ca.pem";
  std::string key_pem = ReadFile(key_path), cert_pem = ReadFile(cert_path);
  if (!key_pem.empty() && !cert_pem.empty()) {
    BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
    a->ca_key_ = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    a->ca_cert_ = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    BIO_free(cb);
    // Both whole and belonging together; else (a crash between the two
    // writes) the CA is made again.
    if (!a->ca_key_ || !a->ca_cert_ || X509_check_private_key(a->ca_cert_, a->ca_key_) != 1) {
      if (a->ca_key_) EVP_PKEY_free(a->ca_key_);
      if (a->ca_cert_) X509_free(a->ca_cert_);
      a->ca_key_ = nullptr;
      a->ca_cert_ = nullptr;
    }
  }
  if (!a->ca_cert_) {
    a->ca_key_ = NewEcKey();
    if (!a->ca_key_) return Failed("cannot make the CA key");
    a->ca_cert_ = MakeCert(a->ca_key_, "fargo local CA " + instance, nullptr, a->ca_key_, kCaDays);
    if (!a->ca_cert_) return Failed("cannot make the CA certificate");
    FARGO_TRY(WriteDurably(key_path, KeyPem(a->ca_key_), 0600));
    FARGO_TRY(WriteDurably(cert_path, CertPem(a->ca_cert_), 0644));
  }
  ::chmod(key_path.c_str(), 0600);
  a->ca_pem_ = CertPem(a->ca_cert_);
  a->leaf_key_ = NewEcKey();
  if (!a->leaf_key_) return Failed("cannot make a key");
  return a;
}

Result<std::shared_ptr<TlsAuthority::Issued>> TlsAuthority::IssuedFor(const std::string& name) {
  if (!IsCertName(name)) return AwsError::Make("InvalidArgument", "not a DNS name: " + name);
  std::lock_guard<std::mutex> l(mu_);
  auto it = leaves_.find(name);
  if (it != leaves_.end()) return it->second;
  auto issued = std::make_shared<Issued>();
  issued->cert = MakeCert(leaf_key_, name, ca_cert_, ca_key_, kLeafDays);
  if (!issued->cert) return Failed("cannot issue a certificate for " + name);
  leaves_[name] = issued;
  return issued;
}

Result<TlsAuthority::Leaf> TlsAuthority::LeafFor(const std::string& name) {
  FARGO_ASSIGN_OR_RETURN(auto issued, IssuedFor(name));
  return Leaf{CertPem(issued->cert), KeyPem(leaf_key_)};
}

Result<TlsAuthority::Certificate> TlsAuthority::IssueCertificate(const std::vector<std::string>& names,
                                                                 const std::string& key_algorithm) {
  if (names.empty()) return AwsError::Make("InvalidArgument", "a certificate needs a name");
  EVP_PKEY* (*make_key)() = nullptr;
  if (key_algorithm == "EC_prime256v1") make_key = [] { return EVP_EC_gen("P-256"); };
  if (key_algorithm == "EC_secp384r1") make_key = [] { return EVP_EC_gen("P-384"); };
  if (key_algorithm == "RSA_2048") make_key = [] { return EVP_RSA_gen(2048); };
  if (!make_key) return AwsError::Make("InvalidArgument", "unsupported key algorithm " + key_algorithm);
  std::string sans;
  for (const auto& n : names) {
    if (!IsCertName(n)) return AwsError::Make("InvalidArgument", "not a DNS name: " + n);
    sans += (sans.empty() ? "DNS:" : ",DNS:") + n;
  }
  EVP_PKEY* key = make_key();
  if (!key) return Failed("cannot make a key");
  X509* cert;
  {
    std::lock_guard<std::mutex> l(mu_);
    cert = MakeCert(key, names.front(), ca_cert_, ca_key_, kLeafDays, sans);
  }
  if (!cert) {
    EVP_PKEY_free(key);
    return Failed("cannot issue a certificate for " + names.front());
  }
  Certificate out{CertPem(cert), KeyPem(key), ca_pem_};
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

int TlsAuthority::OnServerName(void* ssl_ptr, int* alert, void* arg) {
  SSL* ssl = static_cast<SSL*>(ssl_ptr);
  auto* self = static_cast<TlsAuthority*>(arg);
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  *alert = SSL_AD_UNRECOGNIZED_NAME;
  if (!sni) return SSL_TLSEXT_ERR_ALERT_FATAL;
  std::string name(sni);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (self->accept_ && !self->accept_(name)) return SSL_TLSEXT_ERR_ALERT_FATAL;
  auto issued = self->IssuedFor(name);
  if (!issued.ok()) return SSL_TLSEXT_ERR_ALERT_FATAL;
  if (SSL_use_certificate(ssl, (*issued)->cert) != 1 || SSL_use_PrivateKey(ssl, self->leaf_key_) != 1) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

Result<std::shared_ptr<boost::asio::ssl::context>> TlsAuthority::MakeServerContext(NameFilter accept) {
  accept_ = std::move(accept);
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_tlsext_servername_callback(
      native, reinterpret_cast<int (*)(SSL*, int*, void*)>(&TlsAuthority::OnServerName));
  SSL_CTX_set_tlsext_servername_arg(native, this);
  return ctx;
}

Status TlsAuthority::WriteBundle(const std::string& path, const std::string& host_roots) const {
  std::string data = host_roots.empty() ? std::string() : ReadFile(host_roots);
  if (!data.empty() && data.back() != '\n') data += '\n';
  data += "# fargo local CA\n" + ca_pem_;
  return WriteDurably(path, data, 0644);
}

}  // namespace fargo::server::tls
