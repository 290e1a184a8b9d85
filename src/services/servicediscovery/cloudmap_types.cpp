#include "services/servicediscovery/cloudmap_types.h"

#include "common/json_access.h"

namespace fargo::services::servicediscovery {

namespace {

template <typename E, size_t N>
std::optional<E> Parse(std::string_view s, const std::string_view (&names)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

constexpr std::string_view kNamespaceTypes[] = {"HTTP", "DNS_PRIVATE", "DNS_PUBLIC"};
constexpr std::string_view kHealth[] = {"HEALTHY", "UNHEALTHY", "UNKNOWN"};
constexpr std::string_view kOpTypes[] = {"CREATE_NAMESPACE", "DELETE_NAMESPACE",  "UPDATE_NAMESPACE",
                                         "UPDATE_SERVICE",   "REGISTER_INSTANCE", "DEREGISTER_INSTANCE"};
constexpr std::string_view kOpStatus[] = {"SUBMITTED", "PENDING", "SUCCESS", "FAIL"};

json::object StringMap(const std::map<std::string, std::string>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}
std::map<std::string, std::string> StringMapOf(const json::object& doc, std::string_view key) {
  std::map<std::string, std::string> out;
  if (const json::object* o = GetObject(doc, key))
    for (const auto& [k, v] : *o)
      if (v.is_string()) out[std::string(k)] = std::string(v.as_string());
  return out;
}
json::array StoredTags(const TagList& tags) {
  json::array a;
  for (const auto& [k, v] : tags) a.push_back(json::array{json::string(k), json::string(v)});
  return a;
}
TagList TagsOf(const json::object& doc) {
  TagList out;
  if (const json::array* a = GetArray(doc, "tags"))
    for (const auto& t : *a)
      if (t.is_array() && t.as_array().size() == 2)
        out.emplace_back(std::string(t.as_array()[0].as_string()), std::string(t.as_array()[1].as_string()));
  return out;
}
double GetDouble(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_number() ? v->to_number<double>() : 0.0;
}

}  // namespace

std::string_view Name(NamespaceType t) { return kNamespaceTypes[static_cast<int>(t)]; }
std::string_view Name(HealthStatus h) { return kHealth[static_cast<int>(h)]; }
std::string_view Name(OperationType t) { return kOpTypes[static_cast<int>(t)]; }
std::string_view Name(OperationStatus s) { return kOpStatus[static_cast<int>(s)]; }

OperationStatus StatusAt(const Operation& op, double now) {
  double age = now - op.created_at;
  if (age < kSubmittedSeconds) return OperationStatus::kSubmitted;
  if (age < kPendingUntilSeconds) return OperationStatus::kPending;
  return OperationStatus::kSuccess;
}

double UpdatedAt(const Operation& op, double now) {
  switch (StatusAt(op, now)) {
    case OperationStatus::kSubmitted:
      return op.created_at;
    case OperationStatus::kPending:
      return op.created_at + kSubmittedSeconds;
    default:
      return op.created_at + kPendingUntilSeconds;
  }
}

// ---- store ----------------------------------------------------------------------

json::object ToStored(const Namespace& n) {
  json::object o{{"id", n.id},
                 {"arn", n.arn},
                 {"region", n.region},
                 {"account", n.account},
                 {"name", n.name},
                 {"description", n.description},
                 {"creatorRequestId", n.creator_request_id},
                 {"type", Name(n.type)},
                 {"vpc", n.vpc},
                 {"hostedZoneId", n.hosted_zone_id},
                 {"createdAt", n.created_at},
                 {"tags", StoredTags(n.tags)}};
  if (n.soa_ttl) o["soaTtl"] = *n.soa_ttl;
  return o;
}

Result<Namespace> FromStored(const json::object& d, const Namespace*) {
  Namespace n;
  auto type = Parse<NamespaceType>(GetString(d, "type"), kNamespaceTypes);
  if (!type || !Has(d, "id")) return AwsError::Make("Internal", "not a namespace", 500);
  n.type = *type;
  n.id = GetString(d, "id");
  n.arn = GetString(d, "arn");
  n.region = GetString(d, "region");
  n.account = GetString(d, "account");
  n.name = GetString(d, "name");
  n.description = GetString(d, "description");
  n.creator_request_id = GetString(d, "creatorRequestId");
  n.vpc = GetString(d, "vpc");
  n.hosted_zone_id = GetString(d, "hostedZoneId");
  if (Has(d, "soaTtl")) n.soa_ttl = GetInt(d, "soaTtl");
  n.created_at = GetDouble(d, "createdAt");
  n.tags = TagsOf(d);
  return n;
}

json::object ToStored(const DiscoveryService& s) {
  json::array records;
  for (const auto& r : s.dns_records) records.push_back(json::object{{"type", r.type}, {"ttl", r.ttl}});
  json::object instances;
  for (const auto& [id, i] : s.instances)
    instances[id] = json::object{{"creatorRequestId", i.creator_request_id},
                                 {"attributes", StringMap(i.attributes)},
                                 {"health", Name(i.health)}};
  json::object o{{"id", s.id},
                 {"arn", s.arn},
                 {"region", s.region},
                 {"account", s.account},
                 {"name", s.name},
                 {"namespaceId", s.namespace_id},
                 {"description", s.description},
                 {"creatorRequestId", s.creator_request_id},
                 {"type", s.type},
                 {"routingPolicy", s.routing_policy},
                 {"dnsRecords", std::move(records)},
                 {"createdAt", s.created_at},
                 {"tags", StoredTags(s.tags)},
                 {"attributes", StringMap(s.attributes)},
                 {"instances", std::move(instances)},
                 {"revision", s.revision}};
  if (s.health_check)
    o["healthCheck"] = json::object{{"type", s.health_check->type},
                                    {"resourcePath", s.health_check->resource_path},
                                    {"failureThreshold", s.health_check->failure_threshold}};
  if (s.custom_health_threshold) o["customHealthThreshold"] = *s.custom_health_threshold;
  return o;
}

Result<DiscoveryService> FromStored(const json::object& d, const DiscoveryService*) {
  if (!Has(d, "id") || !Has(d, "namespaceId")) return AwsError::Make("Internal", "not a service", 500);
  DiscoveryService s;
  s.id = GetString(d, "id");
  s.arn = GetString(d, "arn");
  s.region = GetString(d, "region");
  s.account = GetString(d, "account");
  s.name = GetString(d, "name");
  s.namespace_id = GetString(d, "namespaceId");
  s.description = GetString(d, "description");
  s.creator_request_id = GetString(d, "creatorRequestId");
  s.type = GetString(d, "type");
  s.routing_policy = GetString(d, "routingPolicy");
  if (const json::array* a = GetArray(d, "dnsRecords"))
    for (const auto& r : *a)
      if (r.is_object()) s.dns_records.push_back({GetString(r.as_object(), "type"), GetInt(r.as_object(), "ttl")});
  if (const json::object* h = GetObject(d, "healthCheck"))
    s.health_check = HealthCheckConfig{GetString(*h, "type"), GetString(*h, "resourcePath"),
                                       GetInt(*h, "failureThreshold", 1)};
  if (Has(d, "customHealthThreshold")) s.custom_health_threshold = GetInt(d, "customHealthThreshold");
  s.created_at = GetDouble(d, "createdAt");
  s.tags = TagsOf(d);
  s.attributes = StringMapOf(d, "attributes");
  if (const json::object* is = GetObject(d, "instances"))
    for (const auto& [id, v] : *is) {
      if (!v.is_object()) continue;
      Instance i;
      i.id = std::string(id);
      i.creator_request_id = GetString(v.as_object(), "creatorRequestId");
      i.attributes = StringMapOf(v.as_object(), "attributes");
      i.health = Parse<HealthStatus>(GetString(v.as_object(), "health"), kHealth).value_or(HealthStatus::kUnknown);
      s.instances.emplace(i.id, std::move(i));
    }
  s.revision = GetInt(d, "revision");
  return s;
}

json::object ToStored(const Operation& o) {
  return json::object{{"id", o.id},
                      {"account", o.account},
                      {"type", Name(o.type)},
                      {"targets", StringMap(o.targets)},
                      {"creatorRequestId", o.creator_request_id},
                      {"requestDigest", o.request_digest},
                      {"createdAt", o.created_at}};
}

Result<Operation> FromStored(const json::object& d, const Operation*) {
  auto type = Parse<OperationType>(GetString(d, "type"), kOpTypes);
  if (!type) return AwsError::Make("Internal", "not an operation", 500);
  Operation o;
  o.id = GetString(d, "id");
  o.account = GetString(d, "account");
  o.type = *type;
  o.targets = StringMapOf(d, "targets");
  o.creator_request_id = GetString(d, "creatorRequestId");
  o.request_digest = GetString(d, "requestDigest");
  o.created_at = GetDouble(d, "createdAt");
  return o;
}

// ---- wire -----------------------------------------------------------------------

json::object EncodeNamespace(const Namespace& n, int64_t service_count, bool summary) {
  json::object o{{"Id", n.id}, {"Arn", n.arn}, {"ResourceOwner", n.account}, {"Name", n.name},
                 {"Type", Name(n.type)}};
  if (!n.description.empty()) o["Description"] = n.description;
  o["ServiceCount"] = service_count;
  json::object props;
  if (n.type == NamespaceType::kHttp) {
    props["DnsProperties"] = json::object{};
    props["HttpProperties"] = json::object{{"HttpName", n.name}};
  } else {
    json::object dns{{"HostedZoneId", n.hosted_zone_id}};
    if (n.soa_ttl) dns["SOA"] = json::object{{"TTL", *n.soa_ttl}};
    props["DnsProperties"] = std::move(dns);
    props["HttpProperties"] = json::object{{"HttpName", n.name}};
  }
  o["Properties"] = std::move(props);
  o["CreateDate"] = n.created_at;
  if (!summary && !n.creator_request_id.empty()) o["CreatorRequestId"] = n.creator_request_id;
  return o;
}

json::object EncodeService(const DiscoveryService& s, bool summary) {
  json::object o{{"Id", s.id}, {"Arn", s.arn}, {"ResourceOwner", s.account}, {"Name", s.name}};
  if (!summary) o["NamespaceId"] = s.namespace_id;
  if (summary) o["Type"] = s.type;
  if (!s.description.empty()) o["Description"] = s.description;
  o["InstanceCount"] = static_cast<int64_t>(s.instances.size());
  if (s.has_dns()) {
    json::array records;
    for (const auto& r : s.dns_records) records.push_back(json::object{{"Type", r.type}, {"TTL", r.ttl}});
    o["DnsConfig"] = json::object{
        {"NamespaceId", s.namespace_id}, {"RoutingPolicy", s.routing_policy}, {"DnsRecords", std::move(records)}};
  }
  if (!summary) o["Type"] = s.type;
  if (s.health_check) {
    json::object h{{"Type", s.health_check->type}};
    if (!s.health_check->resource_path.empty()) h["ResourcePath"] = s.health_check->resource_path;
    h["FailureThreshold"] = s.health_check->failure_threshold;
    o["HealthCheckConfig"] = std::move(h);
  }
  if (s.custom_health_threshold) o["HealthCheckCustomConfig"] = json::object{{"FailureThreshold", *s.custom_health_threshold}};
  o["CreateDate"] = s.created_at;
  if (!summary && !s.creator_request_id.empty()) o["CreatorRequestId"] = s.creator_request_id;
  o["CreatedByAccount"] = s.account;
  return o;
}

json::array EncodeTags(const TagList& tags) {
  json::array a;
  for (const auto& [k, v] : tags) a.push_back(json::object{{"Key", k}, {"Value", v}});
  return a;
}

json::object EncodeOperation(const Operation& o, double now) {
  return json::object{{"Id", o.id},
                      {"OwnerAccount", o.account},
                      {"Type", Name(o.type)},
                      {"Status", Name(StatusAt(o, now))},
                      {"CreateDate", o.created_at},
                      {"UpdateDate", UpdatedAt(o, now)},
                      {"Targets", StringMap(o.targets)}};
}

}  // namespace fargo::services::servicediscovery
