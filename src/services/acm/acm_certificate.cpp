#include "services/acm/acm_certificate.h"

#include "common/json_access.h"
#include "common/strings.h"

namespace fargo::services::acm {

namespace json = boost::json;

namespace {

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

json::array Strings(const std::vector<std::string>& v) {
  json::array out;
  for (const auto& s : v) out.emplace_back(s);
  return out;
}

// A stable hex string of `n` digits from `seed` (FNV-1a, repeated).
std::string HashHex(const std::string& seed, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  uint64_t h = Fnv1a(seed);
  while (out.size() < n) {
    h = (h ^ out.size()) * 1099511628211ull;
    for (int i = 0; i < 16 && out.size() < n; ++i) out += kHex[(h >> (i * 4)) & 15];
  }
  return out;
}

}  // namespace

json::object ToStored(const AcmCertificate& c) {
  return json::object{{"kind", "acm-certificate"},
                      {"region", c.region},
                      {"arn", c.arn},
                      {"type", c.type},
                      {"status", c.status},
                      {"failureReason", c.failure_reason},
                      {"domainName", c.domain_name},
                      {"sans", Strings(c.sans)},
                      {"validationMethod", c.validation_method},
                      {"idempotencyToken", c.idempotency_token},
                      {"certPem", c.cert_pem},
                      {"keyPem", c.key_pem},
                      {"chainPem", c.chain_pem},
                      {"subject", c.subject},
                      {"issuer", c.issuer},
                      {"serial", c.serial},
                      {"keyAlgorithm", c.key_algorithm},
                      {"signatureAlgorithm", c.signature_algorithm},
                      {"createdMs", c.created_ms},
                      {"issuedMs", c.issued_ms},
                      {"importedMs", c.imported_ms},
                      {"notBeforeMs", c.not_before_ms},
                      {"notAfterMs", c.not_after_ms},
                      {"tags", StringMapObject(c.tags)}};
}

Result<AcmCertificate> FromStored(const json::object& d, const AcmCertificate*) {
  if (GetString(d, "kind") != "acm-certificate") return AwsError::Make("Internal", "not an ACM certificate", 500);
  AcmCertificate c;
  c.region = GetString(d, "region");
  c.arn = GetString(d, "arn");
  c.type = GetString(d, "type");
  c.status = GetString(d, "status");
  c.failure_reason = GetString(d, "failureReason");
  c.domain_name = GetString(d, "domainName");
  if (const json::array* s = GetArray(d, "sans"))
    for (const auto& v : *s)
      if (v.is_string()) c.sans.emplace_back(v.as_string());
  c.validation_method = GetString(d, "validationMethod");
  c.idempotency_token = GetString(d, "idempotencyToken");
  c.cert_pem = GetString(d, "certPem");
  c.key_pem = GetString(d, "keyPem");
  c.chain_pem = GetString(d, "chainPem");
  c.subject = GetString(d, "subject");
  c.issuer = GetString(d, "issuer");
  c.serial = GetString(d, "serial");
  c.key_algorithm = GetString(d, "keyAlgorithm");
  c.signature_algorithm = GetString(d, "signatureAlgorithm");
  c.created_ms = GetInt(d, "createdMs");
  c.issued_ms = GetInt(d, "issuedMs");
  c.imported_ms = GetInt(d, "importedMs");
  c.not_before_ms = GetInt(d, "notBeforeMs");
  c.not_after_ms = GetInt(d, "notAfterMs");
  c.tags = GetStringMap(d, "tags");
  return c;
}

json::object ValidationRecord(const std::string& arn, const std::string& domain) {
  std::string base = domain.rfind("*.", 0) == 0 ? domain.substr(2) : domain;
  return json::object{{"Name", "_" + HashHex(arn + "|" + base, 32) + "." + base + "."},
                      {"Type", "CNAME"},
                      {"Value", "_" + HashHex(base + "|" + arn, 32) + "." + HashHex(arn, 10) + ".acm-validations.aws."}};
}

json::object DetailView(const AcmCertificate& c, const std::vector<std::string>& in_use_by) {
  bool issued = c.type == "AMAZON_ISSUED";
  // What the certificate itself tells exists once it is made.
  bool made = !c.cert_pem.empty();
  std::string validation = c.status == "PENDING_VALIDATION" ? "PENDING_VALIDATION"
                           : c.status == "FAILED"           ? "FAILED"
                                                            : "SUCCESS";
  json::object d{{"CertificateArn", c.arn}, {"DomainName", c.domain_name}, {"SubjectAlternativeNames", Strings(c.sans)}};
  if (issued) {
    json::array options;
    for (const auto& name : c.sans) {
      json::object o{{"DomainName", name}, {"ValidationDomain", name}, {"ValidationStatus", validation},
                     {"ValidationMethod", c.validation_method}};
      if (c.validation_method == "DNS") {
        o["ResourceRecord"] = ValidationRecord(c.arn, name);
      } else {
        std::string base = name.rfind("*.", 0) == 0 ? name.substr(2) : name;
        json::array emails;
        for (const char* who : {"admin", "administrator", "hostmaster", "postmaster", "webmaster"})
          emails.emplace_back(std::string(who) + "@" + base);
        o["ValidationEmails"] = std::move(emails);
      }
      options.push_back(std::move(o));
    }
    d["DomainValidationOptions"] = std::move(options);
  }
  if (made) {
    d["Serial"] = c.serial;
    d["Subject"] = c.subject;
    d["Issuer"] = c.issuer;
  }
  d["CreatedAt"] = Seconds(c.created_ms);
  if (issued && made) d["IssuedAt"] = Seconds(c.issued_ms);
  if (!issued) d["ImportedAt"] = Seconds(c.imported_ms);
  d["Status"] = c.status;
  if (!c.failure_reason.empty()) d["FailureReason"] = c.failure_reason;
  if (made) {
    d["NotBefore"] = Seconds(c.not_before_ms);
    d["NotAfter"] = Seconds(c.not_after_ms);
  }
  d["KeyAlgorithm"] = c.key_algorithm;
  if (made) d["SignatureAlgorithm"] = c.signature_algorithm;
  d["InUseBy"] = Strings(in_use_by);
  d["Type"] = c.type;
  d["KeyUsages"] = json::array{json::object{{"Name", "DIGITAL_SIGNATURE"}}, json::object{{"Name", "KEY_ENCIPHERMENT"}}};
  d["ExtendedKeyUsages"] = json::array{
      json::object{{"Name", "TLS_WEB_SERVER_AUTHENTICATION"}, {"OID", "1.3.6.1.5.5.7.3.1"}}};
  d["RenewalEligibility"] = issued && !in_use_by.empty() ? "ELIGIBLE" : "INELIGIBLE";
  d["Options"] = json::object{{"CertificateTransparencyLoggingPreference", issued ? "ENABLED" : "DISABLED"}};
  return d;
}

json::object SummaryView(const AcmCertificate& c, bool in_use) {
  json::object s{{"CertificateArn", c.arn}, {"DomainName", c.domain_name}};
  s["SubjectAlternativeNameSummaries"] = Strings(c.sans);
  s["HasAdditionalSubjectAlternativeNames"] = false;
  s["Status"] = c.status;
  s["Type"] = c.type;
  s["KeyAlgorithm"] = c.key_algorithm;
  s["KeyUsages"] = json::array{"DIGITAL_SIGNATURE", "KEY_ENCIPHERMENT"};
  s["ExtendedKeyUsages"] = json::array{"TLS_WEB_SERVER_AUTHENTICATION"};
  s["InUse"] = in_use;
  s["RenewalEligibility"] = c.type == "AMAZON_ISSUED" && in_use ? "ELIGIBLE" : "INELIGIBLE";
  if (!c.cert_pem.empty()) {
    s["NotBefore"] = Seconds(c.not_before_ms);
    s["NotAfter"] = Seconds(c.not_after_ms);
  }
  s["CreatedAt"] = Seconds(c.created_ms);
  if (c.type != "AMAZON_ISSUED") s["ImportedAt"] = Seconds(c.imported_ms);
  else if (!c.cert_pem.empty()) s["IssuedAt"] = Seconds(c.issued_ms);
  return s;
}

}  // namespace fargo::services::acm
