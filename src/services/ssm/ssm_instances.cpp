// SSM managed instances and Session Manager's documents.
//
// An EC2 instance is a managed instance while it runs with an instance
// profile whose role has the SSM core policy (the agent on AWS registers
// with those credentials); DescribeInstanceInformation lists it Online. The
// documents are Session Manager's own (SSM-SessionManagerRunShell and the
// AWS-Start* session documents), as GetDocument/DescribeDocument give them.
#include <cstdio>
#include <cstdlib>
#include <set>

#include "common/strings.h"
#include "services/ssm/session_documents.h"
#include "services/ssm/ssm_page.h"
#include "services/ssm/ssm_service.h"

namespace fargo::services {

using ssm::SessionDocument;
using ssm::FindDocument;

namespace {

constexpr const char* kAgentVersion = "3.3.987.0";
constexpr double kDocumentsCreated = 1541203200.0;  // 2018-11-03

// A stable 64-hex-digit digest of the content (the Hash's shape).
std::string ContentHash(const std::string& content) {
  std::string out;
  char buf[17];
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(Fnv1a(content, kFnv1aOffset ^ seed)));
    out += buf;
  }
  return out;
}

AwsError DocumentNotFound() { return AwsError::Make("InvalidDocument", "Document with name provided does not exist."); }

Status CheckVersion(const json::object& in) {
  std::string v = GetString(in, "DocumentVersion");
  if (!v.empty() && v != "1" && v != "$LATEST" && v != "$DEFAULT")
    return AwsError::Make("InvalidDocumentVersion", "Document version " + v + " is invalid.");
  return OkStatus();
}

}  // namespace

bool SsmService::IsManaged(const InstanceFacts& f) {
  if (f.state != "running") return false;
  for (const auto& p : f.policy_arns)
    if (p == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" ||
        p == "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM" ||
        p == "arn:aws:iam::aws:policy/AmazonSSMFullAccess")
      return true;
  return false;
}

Result<json::object> SsmService::DescribeInstanceInformation(CallContext& ctx, json::object& in) {
  // Filters: InstanceInformationFilterList (key/valueSet) or Filters (Key/Values).
  std::map<std::string, std::vector<std::string>> filters;
  if (const json::array* list = GetArray(in, "InstanceInformationFilterList"))
    for (const auto& f : *list)
      if (f.is_object())
        if (const json::array* vals = GetArray(f.as_object(), "valueSet"))
          for (const auto& v : *vals)
            if (v.is_string()) filters[GetString(f.as_object(), "key")].emplace_back(v.as_string());
  if (const json::array* list = GetArray(in, "Filters"))
    for (const auto& f : *list)
      if (f.is_object())
        if (const json::array* vals = GetArray(f.as_object(), "Values"))
          for (const auto& v : *vals)
            if (v.is_string()) filters[GetString(f.as_object(), "Key")].emplace_back(v.as_string());
  static const std::set<std::string> kKeys{"InstanceIds", "AgentVersion", "PingStatus", "PlatformTypes",
                                           "ResourceType", "AssociationStatus", "IamRole", "tag-key"};
  for (const auto& [k, v] : filters)
    if (!kKeys.count(k) && !StartsWith(k, "tag:"))
      return AwsError::Make("InvalidInstanceInformationFilterValue", "The filter key " + k + " is not valid.");
  auto matches = [&filters](const std::string& key, const std::string& value) {
    auto it = filters.find(key);
    if (it == filters.end()) return true;
    for (const auto& v : it->second)
      if (v == value) return true;
    return false;
  };
  std::vector<InstanceFacts> facts = instances_ ? instances_(ctx.region) : std::vector<InstanceFacts>{};
  json::array out;
  for (const auto& f : facts) {
    if (!IsManaged(f)) continue;
    if (!matches("InstanceIds", f.instance_id) || !matches("PingStatus", "Online") ||
        !matches("PlatformTypes", "Linux") || !matches("ResourceType", "EC2Instance") ||
        !matches("AgentVersion", kAgentVersion) || !matches("IamRole", f.role_name))
      continue;
    out.push_back(json::object{{"InstanceId", f.instance_id},
                               {"PingStatus", "Online"},
                               {"LastPingDateTime", env_.clock.NowSeconds()},
                               {"AgentVersion", kAgentVersion},
                               {"IsLatestVersion", true},
                               {"PlatformType", "Linux"},
                               {"PlatformName", f.platform_name},
                               {"PlatformVersion", f.platform_version},
                               {"ResourceType", "EC2Instance"},
                               {"IPAddress", f.ip},
                               {"ComputerName", f.computer_name},
                               {"IamRole", f.role_name},
                               {"RegistrationDate", f.launched},
                               {"AssociationStatus", "Success"},
                               {"SourceId", f.instance_id},
                               {"SourceType", "AWS::EC2::Instance"}});
  }
  int64_t max = GetInt(in, "MaxResults", 50);
  if (max < 5 || max > 50)
    return AwsError::Make("ValidationException", "1 validation error detected: Value '" + std::to_string(max) +
                                                     "' at 'maxResults' failed to satisfy constraint: Member must have value between 5 and 50");
  FARGO_ASSIGN_OR_RETURN(PageSpan span, ssm::PageOf(in, out.size(), 50));
  json::array page(out.begin() + static_cast<std::ptrdiff_t>(span.begin), out.begin() + static_cast<std::ptrdiff_t>(span.end));
  json::object result{{"InstanceInformationList", std::move(page)}};
  if (!span.next_token.empty()) result["NextToken"] = span.next_token;
  return result;
}

Result<json::object> SsmService::GetDocument(CallContext& ctx, json::object& in) {
  (void)ctx;
  const SessionDocument* d = FindDocument(GetString(in, "Name"));
  if (!d) return DocumentNotFound();
  FARGO_TRY(CheckVersion(in));
  std::string format = GetString(in, "DocumentFormat", "JSON");
  if (format != "JSON" && format != "YAML")
    return AwsError::Make("ValidationException", "Value '" + format + "' at 'documentFormat' failed to satisfy constraint");
  return json::object{{"Name", d->name},
                      {"CreatedDate", kDocumentsCreated},
                      {"DocumentVersion", "1"},
                      {"Status", "Active"},
                      {"Content", json::serialize(d->content)},
                      {"DocumentType", "Session"},
                      {"DocumentFormat", "JSON"}};
}

Result<json::object> SsmService::DescribeDocument(CallContext& ctx, json::object& in) {
  (void)ctx;
  const SessionDocument* d = FindDocument(GetString(in, "Name"));
  if (!d) return DocumentNotFound();
  FARGO_TRY(CheckVersion(in));
  json::array params;
  if (const json::object* ps = GetObject(d->content, "parameters"))
    for (const auto& [name, p] : *ps) {
      json::object o{{"Name", std::string(name)},
                     {"Type", GetString(p.as_object(), "type")},
                     {"Description", GetString(p.as_object(), "description")}};
      if (Has(p.as_object(), "default")) o["DefaultValue"] = GetString(p.as_object(), "default");
      params.push_back(std::move(o));
    }
  std::string content = json::serialize(d->content);
  return json::object{
      {"Document", json::object{{"Name", d->name},
                                {"Owner", "Amazon"},
                                {"CreatedDate", kDocumentsCreated},
                                {"Status", "Active"},
                                {"DocumentVersion", "1"},
                                {"Description", d->description},
                                {"Parameters", std::move(params)},
                                {"PlatformTypes", json::array{"Windows", "Linux", "MacOS"}},
                                {"DocumentType", "Session"},
                                {"SchemaVersion", "1.0"},
                                {"LatestVersion", "1"},
                                {"DefaultVersion", "1"},
                                {"DocumentFormat", "JSON"},
                                {"HashType", "Sha256"},
                                {"Hash", ContentHash(content)}}}};
}

}  // namespace fargo::services
