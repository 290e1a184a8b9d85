// What ACM reads from a PEM certificate (and checks of its key and chain),
// with OpenSSL: the facts DescribeCertificate shows of an imported
// certificate and of one fargo's CA issued.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace fargo::services::acm {

struct PemFacts {
  std::string common_name;         // the subject's CN ("" when none)
  std::vector<std::string> names;  // DNS subject alternative names, in order
  std::string subject;             // "CN=example.com"
  std::string issuer;              // the issuer's O, else its CN
  std::string serial;              // "0a:1b:..." as ACM shows it
  std::string key_algorithm;       // RSA_2048, EC_prime256v1, ...
  std::string signature_algorithm; // SHA256WITHRSA, SHA256WITHECDSA, ...
  int64_t not_before_ms = 0, not_after_ms = 0;
};

// Reads the first certificate of `cert_pem`.
// Errors: ValidationException (not a PEM certificate).
Result<PemFacts> ReadPemCertificate(const std::string& cert_pem);

// Whether `key_pem` is an unencrypted PEM private key of `cert_pem`.
// Errors: ValidationException (unreadable key, or not the certificate's).
Status CheckKeyMatches(const std::string& cert_pem, const std::string& key_pem);

// Whether `chain_pem` holds PEM certificates only (one or more).
// Errors: ValidationException.
Status CheckChain(const std::string& chain_pem);

}  // namespace fargo::services::acm
