#include "services/acm/acm_service.h"

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <map>
#include <set>

#include "common/strings.h"
#include "services/acm/pem_certificate.h"
#include "store/collection.h"

namespace fargo::services {

using acm::AcmCertificate;

namespace {

constexpr size_t kMaxTags = 50;
constexpr int64_t kIdempotencyMillis = 3600 * 1000;

AwsError NotFound(const std::string& arn) {
  return AwsError::Make("ResourceNotFoundException", "Could not find certificate " + arn + ".");
}

// arn:<partition>:acm:<region>:<12 digits>:certificate/<id>
bool IsCertificateArn(const std::string& arn) {
  std::vector<std::string> parts = Split(arn, ':');
  return parts.size() == 6 && parts[0] == "arn" && StartsWith(parts[1], "aws") && parts[2] == "acm" &&
         !parts[3].empty() && parts[4].size() == 12 && std::all_of(parts[4].begin(), parts[4].end(), ::isdigit) &&
         StartsWith(parts[5], "certificate/") && parts[5].size() > 12;
}

std::string RegionOfArn(const std::string& arn) {
  std::vector<std::string> parts = Split(arn, ':');
  return parts.size() > 3 ? parts[3] : "";
}

// The pattern ACM's model gives domain names: optional "*." then labels of
// letters, digits and '-' (not at either end), at least two of them.
bool IsDomainName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  std::string rest = name.rfind("*.", 0) == 0 ? name.substr(2) : name;
  size_t labels = 0, start = 0;
  for (size_t i = 0; i <= rest.size(); ++i) {
    if (i < rest.size() && rest[i] != '.') {
      char c = rest[i];
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
      continue;
    }
    size_t len = i - start;
    if (len == 0 || len > 63 || rest[start] == '-' || rest[i - 1] == '-') return false;
    ++labels;
    start = i + 1;
  }
  return labels >= 2;
}

AwsError PatternError(const std::string& value, const std::string& member) {
  return AwsError::Make("ValidationException",
                        "1 validation error detected: Value '" + value + "' at '" + member +
                            "' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                            "(\\*\\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])");
}

// Tags as ACM checks them: keys 1..128 characters, not "aws:"-prefixed,
// values up to 256.
Status CheckTags(const json::array& tags) {
  for (const auto& t : tags) {
    if (!t.is_object()) continue;
    std::string key = GetString(t.as_object(), "Key");
    if (key.empty() || key.size() > 128)
      return AwsError::Make("InvalidTagException", "Tag key must be between 1 and 128 characters long");
    if (key.rfind("aws:", 0) == 0)
      return AwsError::Make("InvalidTagException", "Tags beginning with aws: are reserved: " + key);
    if (GetString(t.as_object(), "Value").size() > 256)
      return AwsError::Make("InvalidTagException", "Tag value must be at most 256 characters long");
  }
  return OkStatus();
}

Status MergeTags(const json::array* tags, std::map<std::string, std::string>& into) {
  if (!tags) return OkStatus();
  FARGO_TRY(CheckTags(*tags));
  std::map<std::string, std::string> merged = into;
  for (const auto& t : *tags)
    if (t.is_object()) merged[GetString(t.as_object(), "Key")] = GetString(t.as_object(), "Value");
  if (merged.size() > kMaxTags)
    return AwsError::Make("TooManyTagsException", "the certificate would have more than 50 tags");
  into = std::move(merged);
  return OkStatus();
}

// Fills what the PEM certificate tells into `c`.
void TakeFacts(const acm::PemFacts& f, AcmCertificate& c) {
  c.subject = f.subject;
  c.issuer = f.issuer;
  c.serial = f.serial;
  c.key_algorithm = f.key_algorithm;
  c.signature_algorithm = f.signature_algorithm;
  c.not_before_ms = f.not_before_ms;
  c.not_after_ms = f.not_after_ms;
}

}  // namespace

AcmService::AcmService(Env env) : env_(env), certs_(env.store, "acm.certificates") {}

Status AcmService::Start() {
  FARGO_TRY(certs_.Load());
  // Requests the previous run did not finish.
  std::vector<AcmCertificate> pending;
  certs_.ForEachPrefix("", [&](const std::string&, const AcmCertificate& c) {
    if (c.type == "AMAZON_ISSUED" && c.status == "PENDING_VALIDATION") pending.push_back(c);
  });
  for (const auto& c : pending) {
    if (issuer_) Issue(c);
  }
  return OkStatus();
}

void AcmService::Issue(const AcmCertificate& c) {
  std::vector<std::string> lower;
  for (const auto& n : c.sans) lower.push_back(ToLower(n));
  issuer_(lower, c.key_algorithm,
          [this, region = c.region, arn = c.arn](Result<Issued> issued) { FinishIssue(region, arn, std::move(issued)); });
}

void AcmService::FinishIssue(const std::string& region, const std::string& arn, Result<Issued> issued) {
  std::string key = store::Collection::Key(region, arn);
  const AcmCertificate* found = certs_.Find(key);
  if (!found || found->status != "PENDING_VALIDATION") return;  // deleted meanwhile
  AcmCertificate c = *found;
  Result<acm::PemFacts> facts = issued.ok() ? acm::ReadPemCertificate(issued->cert_pem)
                                            : Result<acm::PemFacts>(issued.error());
  if (!facts.ok()) {
    std::fprintf(stderr, "fargo: acm: %s: not issued: %s\n", arn.c_str(), facts.error().message.c_str());
    c.status = "FAILED";
    c.failure_reason = "OTHER";
  } else {
    c.status = "ISSUED";
    c.cert_pem = issued->cert_pem;
    c.key_pem = issued->key_pem;
    c.chain_pem = issued->chain_pem;
    TakeFacts(*facts, c);
    c.issuer = "Amazon";  // as ACM names the issuer of what it issues
    c.issued_ms = env_.clock.NowMillis();
  }
  if (Status st = certs_.Put(key, std::move(c)); !st.ok())
    std::fprintf(stderr, "fargo: acm: %s: %s\n", arn.c_str(), st.error().message.c_str());
}

Result<json::object> AcmService::Invoke(CallContext& ctx, json::object& input) {
  return Table().Dispatch(this, ctx, input);
}

const HandlerTable<AcmService>& AcmService::Table() {
  static const HandlerTable<AcmService> table{
      {"RequestCertificate", &AcmService::RequestCertificate},
      {"ImportCertificate", &AcmService::ImportCertificate},
      {"DescribeCertificate", &AcmService::DescribeCertificate},
      {"ListCertificates", &AcmService::ListCertificates},
      {"GetCertificate", &AcmService::GetCertificate},
      {"DeleteCertificate", &AcmService::DeleteCertificate},
      {"AddTagsToCertificate", &AcmService::AddTagsToCertificate},
      {"ListTagsForCertificate", &AcmService::ListTagsForCertificate},
      {"RemoveTagsFromCertificate", &AcmService::RemoveTagsFromCertificate},
  };
  return table;
}

const AcmCertificate* AcmService::CertificateOf(const std::string& arn) const {
  return certs_.Find(store::Collection::Key(RegionOfArn(arn), arn));
}

std::vector<std::string> AcmService::UsersOf(const std::string& arn) const {
  return users_ ? users_(arn) : std::vector<std::string>{};
}

Result<const AcmCertificate*> AcmService::Named(const CallContext& ctx, const json::object& in) const {
  std::string arn = GetString(in, "CertificateArn");
  if (!IsCertificateArn(arn)) return AwsError::Make("InvalidArnException", "String '" + arn + "' is not a valid ARN.");
  const AcmCertificate* c = certs_.Find(store::Collection::Key(ctx.region, arn));
  if (!c) return NotFound(arn);
  return c;
}

Result<json::object> AcmService::RequestCertificate(CallContext& ctx, json::object& in) {
  std::string domain = GetString(in, "DomainName");
  if (!IsDomainName(domain)) return PatternError(domain, "domainName");
  std::vector<std::string> names{domain};
  if (const json::array* sans = GetArray(in, "SubjectAlternativeNames"))
    for (const auto& s : *sans) {
      std::string name = s.is_string() ? std::string(s.as_string()) : "";
      if (!IsDomainName(name)) return PatternError(name, "subjectAlternativeNames");
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  if (names.size() > 100)
    return AwsError::Make("LimitExceededException", "A certificate can have at most 100 domain names");
  std::string method = GetString(in, "ValidationMethod", "EMAIL");
  if (method != "DNS" && method != "EMAIL" && method != "HTTP")
    return AwsError::Make("ValidationException", "Invalid ValidationMethod " + method);
  if (method == "HTTP")
    return AwsError::Make("InvalidParameterException", "HTTP validation is only for CloudFront certificates");
  std::string key_algorithm = GetString(in, "KeyAlgorithm", "RSA_2048");
  if (key_algorithm != "RSA_2048" && key_algorithm != "EC_prime256v1" && key_algorithm != "EC_secp384r1")
    return AwsError::Make("ValidationException", "Key algorithm " + key_algorithm + " is not supported");
  if (Has(in, "CertificateAuthorityArn"))
    return AwsError::Make("InvalidParameterException", "fargo issues no private certificates");
  std::map<std::string, std::string> tags;
  FARGO_TRY(MergeTags(GetArray(in, "Tags"), tags));

  // The same token for the same names within an hour: the same certificate.
  std::string token = GetString(in, "IdempotencyToken");
  int64_t now = env_.clock.NowMillis();
  if (!token.empty()) {
    const AcmCertificate* same = nullptr;
    certs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const AcmCertificate& c) {
      if (c.idempotency_token == token && c.sans == names && now - c.created_ms < kIdempotencyMillis) same = &c;
    });
    if (same) return json::object{{"CertificateArn", same->arn}};
  }

  if (!issuer_) return AwsError::Make("InternalFailure", "fargo has no certificate authority", 500);

  // Stored pending, then issued off the state thread (Issue).
  AcmCertificate c;
  c.region = ctx.region;
  c.arn = "arn:aws:acm:" + ctx.region + ":" + ctx.account + ":certificate/" + env_.ids.Uuid();
  c.type = "AMAZON_ISSUED";
  c.status = "PENDING_VALIDATION";
  c.domain_name = domain;
  c.sans = names;
  c.validation_method = method;
  c.idempotency_token = token;
  c.key_algorithm = key_algorithm;
  c.created_ms = now;
  c.tags = std::move(tags);
  std::string arn = c.arn;
  FARGO_TRY(certs_.Put(store::Collection::Key(ctx.region, arn), c));
  Issue(c);
  return json::object{{"CertificateArn", arn}};
}

Result<json::object> AcmService::ImportCertificate(CallContext& ctx, json::object& in) {
  std::string cert_pem = GetString(in, "Certificate");
  std::string key_pem = GetString(in, "PrivateKey");
  std::string chain_pem = GetString(in, "CertificateChain");
  FARGO_ASSIGN_OR_RETURN(acm::PemFacts facts, acm::ReadPemCertificate(cert_pem));
  FARGO_TRY(acm::CheckKeyMatches(cert_pem, key_pem));
  if (!chain_pem.empty()) FARGO_TRY(acm::CheckChain(chain_pem));
  int64_t now = env_.clock.NowMillis();

  AcmCertificate c;
  if (Has(in, "CertificateArn")) {
    // Re-import: the same ARN, tags and creation time, new material.
    if (Has(in, "Tags"))
      return AwsError::Make("InvalidParameterException", "Tags cannot be specified when reimporting a certificate");
    FARGO_ASSIGN_OR_RETURN(const AcmCertificate* old, Named(ctx, in));
    if (old->type != "IMPORTED")
      return AwsError::Make("ValidationException", "Only imported certificates can be reimported");
    c = *old;
  } else {
    c.region = ctx.region;
    c.arn = "arn:aws:acm:" + ctx.region + ":" + ctx.account + ":certificate/" + env_.ids.Uuid();
    c.type = "IMPORTED";
    c.created_ms = now;
    FARGO_TRY(MergeTags(GetArray(in, "Tags"), c.tags));
  }
  c.status = now > facts.not_after_ms ? "EXPIRED" : "ISSUED";
  c.domain_name = !facts.common_name.empty() ? facts.common_name : (facts.names.empty() ? "" : facts.names.front());
  c.sans = facts.names.empty() ? std::vector<std::string>{c.domain_name} : facts.names;
  c.cert_pem = cert_pem;
  c.key_pem = key_pem;
  c.chain_pem = chain_pem;
  TakeFacts(facts, c);
  c.imported_ms = now;
  std::string arn = c.arn;
  FARGO_TRY(certs_.Put(store::Collection::Key(ctx.region, arn), std::move(c)));
  if (Has(in, "CertificateArn") && reimported_) reimported_();
  return json::object{{"CertificateArn", arn}};
}

Result<json::object> AcmService::DescribeCertificate(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const AcmCertificate* c, Named(ctx, in));
  return json::object{{"Certificate", acm::DetailView(*c, UsersOf(c->arn))}};
}

Result<json::object> AcmService::ListCertificates(CallContext& ctx, json::object& in) {
  std::set<std::string> statuses, key_types{"RSA_1024", "RSA_2048"};  // ACM's default key types
  if (const json::array* s = GetArray(in, "CertificateStatuses"))
    for (const auto& v : *s) statuses.insert(std::string(v.as_string()));
  if (const json::object* inc = GetObject(in, "Includes"))
    if (const json::array* kt = GetArray(*inc, "keyTypes")) {
      key_types.clear();
      for (const auto& v : *kt) key_types.insert(std::string(v.as_string()));
    }
  std::vector<const AcmCertificate*> matching;
  certs_.ForEachPrefix(ctx.region + "/", [&](const std::string&, const AcmCertificate& c) {
    if (!statuses.empty() && !statuses.count(c.status)) return;
    if (!key_types.count(c.key_algorithm)) return;
    matching.push_back(&c);
  });
  std::stable_sort(matching.begin(), matching.end(),
                   [](const AcmCertificate* a, const AcmCertificate* b) { return a->created_ms < b->created_ms; });
  if (GetString(in, "SortOrder") == "DESCENDING") std::reverse(matching.begin(), matching.end());
  size_t start = 0;
  if (std::string token = GetString(in, "NextToken"); !token.empty()) {
    if (!std::all_of(token.begin(), token.end(), ::isdigit) || token.size() > 9)
      return AwsError::Make("InvalidArgsException", "The NextToken is not valid");
    start = std::min(static_cast<size_t>(std::stoul(token)), matching.size());
  }
  size_t max = static_cast<size_t>(GetInt(in, "MaxItems", 1000));
  json::array list;
  size_t i = start;
  for (; i < matching.size() && list.size() < max; ++i)
    list.push_back(acm::SummaryView(*matching[i], !UsersOf(matching[i]->arn).empty()));
  json::object out{{"CertificateSummaryList", std::move(list)}};
  if (i < matching.size()) out["NextToken"] = std::to_string(i);
  return out;
}

Result<json::object> AcmService::GetCertificate(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const AcmCertificate* c, Named(ctx, in));
  if (c->cert_pem.empty())
    return AwsError::Make("RequestInProgressException", "Certificate " + c->arn + " is not yet issued.");
  json::object out{{"Certificate", c->cert_pem}};
  if (!c->chain_pem.empty()) out["CertificateChain"] = c->chain_pem;
  return out;
}

Result<json::object> AcmService::DeleteCertificate(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const AcmCertificate* c, Named(ctx, in));
  std::vector<std::string> users = UsersOf(c->arn);
  if (!users.empty())
    return AwsError::Make("ResourceInUseException", "Certificate " + c->arn + " in use by " + users.front());
  FARGO_TRY(certs_.Erase(store::Collection::Key(ctx.region, c->arn)));
  return json::object{};
}

Result<json::object> AcmService::AddTagsToCertificate(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const AcmCertificate* c, Named(ctx, in));
  AcmCertificate copy = *c;
  FARGO_TRY(MergeTags(GetArray(in, "Tags"), copy.tags));
  std::string key = store::Collection::Key(ctx.region, copy.arn);  // before copy is moved
  FARGO_TRY(certs_.Put(key, std::move(copy)));
  return json::object{};
}

Result<json::object> AcmService::ListTagsForCertificate(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const AcmCertificate* c, Named(ctx, in));
  json::array tags;
  for (const auto& [k, v] : c->tags) tags.push_back(json::object{{"Key", k}, {"Value", v}});
  return json::object{{"Tags", std::move(tags)}};
}

Result<json::object> AcmService::RemoveTagsFromCertificate(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const AcmCertificate* c, Named(ctx, in));
  AcmCertificate copy = *c;
  if (const json::array* tags = GetArray(in, "Tags")) {
    FARGO_TRY(CheckTags(*tags));
    // A tag with a value is removed only when the value matches.
    for (const auto& t : *tags) {
      const json::object& o = t.as_object();
      auto it = copy.tags.find(GetString(o, "Key"));
      if (it == copy.tags.end()) continue;
      if (!Has(o, "Value") || it->second == GetString(o, "Value")) copy.tags.erase(it);
    }
  }
  std::string key = store::Collection::Key(ctx.region, copy.arn);  // before copy is moved
  FARGO_TRY(certs_.Put(key, std::move(copy)));
  return json::object{};
}

}  // namespace fargo::services
