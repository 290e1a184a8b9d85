// AcmCertificate: one ACM certificate, as stored in acm.certificates keyed
// Key(region, CertificateArn). Issued ones (Type AMAZON_ISSUED) are made
// by fargo's CA after RequestCertificate (PENDING_VALIDATION without
// material until then); imported ones (IMPORTED) carry what the client
// sent. Both keep their PEM certificate, private key and chain, which the
// load balancers' TLS listeners serve.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace fargo::services::acm {

struct AcmCertificate {
  std::string region, arn;
  std::string type;    // AMAZON_ISSUED | IMPORTED
  std::string status;  // PENDING_VALIDATION (issued ones, until made) | ISSUED | FAILED | EXPIRED
  std::string failure_reason;  // FAILED: OTHER
  std::string domain_name;
  std::vector<std::string> sans;      // the domain name first, as ACM lists them
  std::string validation_method;      // DNS | EMAIL (issued ones)
  std::string idempotency_token;
  std::string cert_pem, key_pem, chain_pem;
  std::string subject, issuer, serial, signature_algorithm;  // from the PEM: none while pending
  std::string key_algorithm;  // RSA_2048, EC_prime256v1, ...: the PEM's, or the one requested
  int64_t created_ms = 0;   // request (issued) or first import
  int64_t issued_ms = 0;    // issued ones
  int64_t imported_ms = 0;  // imported ones: the latest import
  int64_t not_before_ms = 0, not_after_ms = 0;
  std::map<std::string, std::string> tags;
};

boost::json::object ToStored(const AcmCertificate& c);
Result<AcmCertificate> FromStored(const boost::json::object& d, const AcmCertificate*);

// The DNS record that validates `domain` (a wildcard validates its base
// name), as ACM shows it: a CNAME from "_<hash>.<domain>." to
// "_<hash>.<token>.acm-validations.aws.", stable for a certificate.
boost::json::object ValidationRecord(const std::string& arn, const std::string& domain);

// CertificateDetail (DescribeCertificate); `in_use_by` are the ARNs of the
// load balancers using it.
boost::json::object DetailView(const AcmCertificate& c, const std::vector<std::string>& in_use_by);
// CertificateSummary (ListCertificates).
boost::json::object SummaryView(const AcmCertificate& c, bool in_use);

}  // namespace fargo::services::acm
