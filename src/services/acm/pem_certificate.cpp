#include "services/acm/pem_certificate.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <memory>

namespace fargo::services::acm {
namespace {

AwsError Invalid(const std::string& message) { return AwsError::Make("ValidationException", message); }

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

BioPtr MemBio(const std::string& s) { return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size()))); }

X509Ptr ReadCert(const std::string& pem) {
  BioPtr b = MemBio(pem);
  return X509Ptr(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
}

int64_t Millis(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string NameEntry(X509_NAME* name, int nid) {
  int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

std::string KeyAlgorithm(EVP_PKEY* key) {
  if (!key) return "";
  int bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return "RSA_" + std::to_string(bits);
    case EVP_PKEY_EC: {
      char group[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) return "EC";
      std::string g(group, len);
      if (g == "prime256v1" || g == "P-256") return "EC_prime256v1";
      if (g == "secp384r1" || g == "P-384") return "EC_secp384r1";
      if (g == "secp521r1" || g == "P-521") return "EC_secp521r1";
      return "EC_" + g;
    }
    default: return "";
  }
}

std::string SignatureAlgorithm(const X509* cert) {
  int md = 0, pk = 0;
  if (X509_get_signature_info(const_cast<X509*>(cert), &md, &pk, nullptr, nullptr) != 1) return "";
  std::string hash = md ? OBJ_nid2sn(md) : "";  // "SHA256"
  for (char& c : hash) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  hash.erase(std::remove(hash.begin(), hash.end(), '-'), hash.end());
  if (pk == EVP_PKEY_RSA) return hash + "WITHRSA";
  if (pk == EVP_PKEY_EC) return hash + "WITHECDSA";
  return hash;
}

}  // namespace

Result<PemFacts> ReadPemCertificate(const std::string& cert_pem) {
  X509Ptr cert = ReadCert(cert_pem);
  if (!cert) return Invalid("Unable to parse certificate. Please ensure the certificate is in PEM format.");
  PemFacts f;
  X509_NAME* subject = X509_get_subject_name(cert.get());
  f.common_name = NameEntry(subject, NID_commonName);
  if (!f.common_name.empty()) f.subject = "CN=" + f.common_name;
  X509_NAME* issuer = X509_get_issuer_name(cert.get());
  f.issuer = NameEntry(issuer, NID_organizationName);
  if (f.issuer.empty()) f.issuer = NameEntry(issuer, NID_commonName);
  if (auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
      if (g->type != GEN_DNS) continue;
      const ASN1_IA5STRING* s = g->d.dNSName;
      f.names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                           static_cast<size_t>(ASN1_STRING_length(s)));
    }
    GENERAL_NAMES_free(sans);
  }
  // Serial as colon-separated hex bytes.
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
  if (bn) {
    std::vector<unsigned char> bytes(static_cast<size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, bytes.data());
    BN_free(bn);
    char hex[4];
    for (size_t i = 0; i < bytes.size(); ++i) {
      std::snprintf(hex, sizeof hex, "%02x", bytes[i]);
      if (i) f.serial += ':';
      f.serial += hex;
    }
  }
  f.key_algorithm = KeyAlgorithm(X509_get0_pubkey(cert.get()));
  f.signature_algorithm = SignatureAlgorithm(cert.get());
  f.not_before_ms = Millis(X509_get0_notBefore(cert.get()));
  f.not_after_ms = Millis(X509_get0_notAfter(cert.get()));
  return f;
}

Status CheckKeyMatches(const std::string& cert_pem, const std::string& key_pem) {
  X509Ptr cert = ReadCert(cert_pem);
  if (!cert) return Invalid("Unable to parse certificate. Please ensure the certificate is in PEM format.");
  BioPtr b = MemBio(key_pem);
  // No passphrase callback: an encrypted key is refused, as ACM does.
  PkeyPtr key(PEM_read_bio_PrivateKey(b.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (!key) return Invalid("Unable to parse key; the key may be encrypted or in an unsupported format.");
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    return Invalid("The private key is not supported or does not match the certificate.");
  return OkStatus();
}

Status CheckChain(const std::string& chain_pem) {
  BioPtr b = MemBio(chain_pem);
  int n = 0;
  while (X509Ptr c = X509Ptr(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr))) ++n;
  if (n == 0) return Invalid("Unable to parse the certificate chain. Please ensure it is in PEM format.");
  return OkStatus();
}

}  // namespace fargo::services::acm
