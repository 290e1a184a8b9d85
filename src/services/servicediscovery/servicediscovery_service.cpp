#include "services/servicediscovery/servicediscovery_service.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "common/pager.h"

namespace fargo::services {

using servicediscovery::DnsRecord;
using servicediscovery::HealthCheckConfig;
using servicediscovery::HealthStatus;
using servicediscovery::Instance;
using servicediscovery::NamespaceType;
using servicediscovery::OperationStatus;
using servicediscovery::OperationType;
using servicediscovery::TagList;

namespace {

constexpr size_t kMaxTags = 50;

AwsError InvalidInput(std::string message) { return AwsError::Make("InvalidInput", std::move(message)); }
AwsError NamespaceNotFound(const std::string& id) {
  return AwsError::Make("NamespaceNotFound", "Namespace not found: " + id);
}
AwsError ServiceNotFound(const std::string& id) {
  return AwsError::Make("ServiceNotFound", "Service not found: " + id);
}
AwsError InstanceNotFound(const std::string& id) {
  return AwsError::Make("InstanceNotFound", "Instance not found: " + id);
}
AwsError WithDetail(AwsError e, std::string key, std::string value) {
  if (!value.empty()) e.details.emplace_back(std::move(key), std::move(value));
  return e;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A DNS name as Route 53 takes it: labels of letters, digits, '-' and '_',
// 1-63 characters each, at most 253 in all; a trailing dot is dropped.
bool IsDnsName(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    if (++label > 63) return false;
  }
  return label > 0;
}

Result<TagList> TagsOf(const json::object& in) {
  TagList out;
  if (const json::array* a = GetArray(in, "Tags"))
    for (const auto& t : *a) {
      const json::object& o = t.as_object();
      std::string k = GetString(o, "Key"), v = GetString(o, "Value");
      auto same = std::find_if(out.begin(), out.end(), [&](auto& p) { return p.first == k; });
      if (same != out.end())
        same->second = v;
      else
        out.emplace_back(std::move(k), std::move(v));
    }
  if (out.size() > kMaxTags)
    return WithDetail(AwsError::Make("TooManyTagsException", "The resource can have at most 50 tags."),
                      "ResourceName", "");
  return out;
}

// Whether `actual` passes a list filter: EQ (one value), IN, BEGINS_WITH.
Result<bool> FilterMatches(const json::object& f, const std::string& actual, std::string_view default_condition = "EQ") {
  std::string cond = GetString(f, "Condition", std::string(default_condition));
  std::vector<std::string> values;
  if (const json::array* a = GetArray(f, "Values"))
    for (const auto& v : *a) values.emplace_back(v.as_string());
  if (values.empty()) return InvalidInput("Filter values must not be empty.");
  if (cond == "EQ") {
    if (values.size() != 1) return InvalidInput("EQ filter takes exactly one value.");
    return actual == values[0];
  }
  if (cond == "IN") return std::find(values.begin(), values.end(), actual) != values.end();
  if (cond == "BEGINS_WITH") {
    if (values.size() != 1) return InvalidInput("BEGINS_WITH filter takes exactly one value.");
    return actual.rfind(values[0], 0) == 0;
  }
  return InvalidInput("Condition " + cond + " is not supported for filter " + GetString(f, "Name") + ".");
}

Result<PageSpan> PageOf(const json::object& in, size_t n, size_t def) {
  size_t start = 0;
  if (Has(in, "NextToken")) {
    auto at = ParsePageToken(GetString(in, "NextToken"));
    if (!at) return InvalidInput("Invalid NextToken.");
    start = *at;
  }
  return PageAt(n, start, static_cast<size_t>(GetInt(in, "MaxResults", static_cast<int64_t>(def))));
}

Result<std::vector<DnsRecord>> DnsRecordsOf(const json::object& dns) {
  std::vector<DnsRecord> out;
  if (const json::array* a = GetArray(dns, "DnsRecords"))
    for (const auto& r : *a) {
      DnsRecord rec{GetString(r.as_object(), "Type"), GetInt(r.as_object(), "TTL")};
      for (const auto& seen : out)
        if (seen.type == rec.type) return InvalidInput("DnsRecords cannot contain two records of type " + rec.type + ".");
      out.push_back(std::move(rec));
    }
  if (out.empty()) return InvalidInput("DnsRecords must contain at least one record.");
  bool cname = std::any_of(out.begin(), out.end(), [](auto& r) { return r.type == "CNAME"; });
  if (cname && out.size() > 1) return InvalidInput("A CNAME record cannot be combined with other record types.");
  return out;
}

HealthCheckConfig HealthCheckOf(const json::object& h) {
  HealthCheckConfig c;
  c.type = GetString(h, "Type");
  c.resource_path = GetString(h, "ResourcePath");
  if (c.resource_path.empty() && c.type != "TCP") c.resource_path = "/";
  c.failure_threshold = GetInt(h, "FailureThreshold", 1);
  return c;
}

}  // namespace

ServiceDiscoveryService::ServiceDiscoveryService(Env env)
    : env_(env),
      namespaces_(env.store, "servicediscovery.namespaces"),
      services_(env.store, "servicediscovery.services"),
      operations_(env.store, "servicediscovery.operations") {}

Status ServiceDiscoveryService::Start() {
  FARGO_TRY(namespaces_.Load());
  FARGO_TRY(services_.Load());
  FARGO_TRY(operations_.Load());
  if (changed_) changed_();
  return OkStatus();
}

Result<json::object> ServiceDiscoveryService::Invoke(CallContext& ctx, json::object& input) {
  auto out = Table().Dispatch(this, ctx, input);
  const std::string& op = ctx.op.name;
  bool reads = op.rfind("Get", 0) == 0 || op.rfind("List", 0) == 0 || op.rfind("Discover", 0) == 0;
  if (out.ok() && !reads && changed_) changed_();
  return out;
}

const HandlerTable<ServiceDiscoveryService>& ServiceDiscoveryService::Table() {
  using S = ServiceDiscoveryService;
  static const HandlerTable<S> table{
      {"CreateHttpNamespace", &S::CreateHttpNamespace},
      {"CreatePrivateDnsNamespace", &S::CreatePrivateDnsNamespace},
      {"CreatePublicDnsNamespace", &S::CreatePublicDnsNamespace},
      {"GetNamespace", &S::GetNamespace},
      {"ListNamespaces", &S::ListNamespaces},
      {"DeleteNamespace", &S::DeleteNamespace},
      {"UpdateHttpNamespace", &S::UpdateHttpNamespace},
      {"UpdatePrivateDnsNamespace", &S::UpdatePrivateDnsNamespace},
      {"UpdatePublicDnsNamespace", &S::UpdatePublicDnsNamespace},
      {"GetOperation", &S::GetOperation},
      {"ListOperations", &S::ListOperations},
      {"CreateService", &S::CreateService},
      {"GetService", &S::GetService},
      {"ListServices", &S::ListServices},
      {"UpdateService", &S::UpdateService},
      {"DeleteService", &S::DeleteService},
      {"GetServiceAttributes", &S::GetServiceAttributes},
      {"UpdateServiceAttributes", &S::UpdateServiceAttributes},
      {"DeleteServiceAttributes", &S::DeleteServiceAttributes},
      {"RegisterInstance", &S::RegisterInstance},
      {"DeregisterInstance", &S::DeregisterInstance},
      {"GetInstance", &S::GetInstance},
      {"ListInstances", &S::ListInstances},
      {"DiscoverInstances", &S::DiscoverInstances},
      {"DiscoverInstancesRevision", &S::DiscoverInstancesRevision},
      {"GetInstancesHealthStatus", &S::GetInstancesHealthStatus},
      {"UpdateInstanceCustomHealthStatus", &S::UpdateInstanceCustomHealthStatus},
      {"TagResource", &S::TagResource},
      {"UntagResource", &S::UntagResource},
      {"ListTagsForResource", &S::ListTagsForResource},
  };
  return table;
}

// ---- helpers --------------------------------------------------------------------

std::string ServiceDiscoveryService::NewId(std::string_view prefix) {
  return std::string(prefix) + Lower(env_.ids.Upper(16));
}

Result<const servicediscovery::Namespace*> ServiceDiscoveryService::FindNamespace(const CallContext& ctx,
                                                                                  const std::string& id) const {
  const Namespace* n = namespaces_.Find(Prefix(ctx) + id);
  if (!n) return NamespaceNotFound(id);
  return n;
}

Result<const servicediscovery::DiscoveryService*> ServiceDiscoveryService::FindService(const CallContext& ctx,
                                                                                       const std::string& id) const {
  const DiscoveryService* s = services_.Find(Prefix(ctx) + id);
  if (!s) return ServiceNotFound(id);
  return s;
}

int64_t ServiceDiscoveryService::ServiceCount(const CallContext& ctx, const std::string& namespace_id) const {
  int64_t n = 0;
  services_.ForEachPrefix(Prefix(ctx), [&](const std::string&, const DiscoveryService& s) {
    if (s.namespace_id == namespace_id) ++n;
  });
  return n;
}

const servicediscovery::Operation* ServiceDiscoveryService::OperationByRequest(
    const CallContext& ctx, const std::string& creator_request_id) const {
  const Operation* found = nullptr;
  if (creator_request_id.empty()) return nullptr;
  operations_.ForEachPrefix(Prefix(ctx), [&](const std::string&, const Operation& o) {
    if (o.creator_request_id == creator_request_id) found = &o;
  });
  return found;
}

Result<json::object> ServiceDiscoveryService::StartOperation(const CallContext& ctx, OperationType type,
                                                             std::map<std::string, std::string> targets,
                                                             std::string creator_request_id, std::string digest) {
  Operation op;
  op.id = env_.ids.Hex(32) + "-" + env_.ids.Hex(8);
  op.account = ctx.account;
  op.type = type;
  op.targets = std::move(targets);
  op.creator_request_id = std::move(creator_request_id);
  op.request_digest = std::move(digest);
  op.created_at = env_.clock.NowSeconds();
  std::string id = op.id;
  FARGO_TRY(operations_.Put(Prefix(ctx) + id, std::move(op)));
  return json::object{{"OperationId", id}};
}

// ---- namespaces -----------------------------------------------------------------

Result<json::object> ServiceDiscoveryService::CreateHttpNamespace(CallContext& ctx, json::object& in) {
  return CreateNamespace(ctx, in, NamespaceType::kHttp);
}
Result<json::object> ServiceDiscoveryService::CreatePrivateDnsNamespace(CallContext& ctx, json::object& in) {
  return CreateNamespace(ctx, in, NamespaceType::kDnsPrivate);
}
Result<json::object> ServiceDiscoveryService::CreatePublicDnsNamespace(CallContext& ctx, json::object& in) {
  return CreateNamespace(ctx, in, NamespaceType::kDnsPublic);
}

Result<json::object> ServiceDiscoveryService::CreateNamespace(CallContext& ctx, const json::object& in,
                                                              NamespaceType type) {
  std::string name = GetString(in, "Name");
  std::string vpc = GetString(in, "Vpc");
  std::string request_id = GetString(in, "CreatorRequestId");
  std::string digest = std::string(servicediscovery::Name(type)) + "|" + name + "|" + vpc;
  // A retry of an earlier request gets that request's operation.
  if (const Operation* earlier = OperationByRequest(ctx, request_id)) {
    if (earlier->type == OperationType::kCreateNamespace && earlier->request_digest == digest)
      return json::object{{"OperationId", earlier->id}};
    return WithDetail(AwsError::Make("DuplicateRequest", "The request " + request_id + " was already made."),
                      "DuplicateOperationId", earlier->id);
  }
  if (name.rfind("arn:", 0) == 0) return InvalidInput("Namespace name " + name + " must not be an ARN.");
  if (type != NamespaceType::kHttp) {
    if (!IsDnsName(name)) return InvalidInput("Namespace name " + name + " is not a valid DNS name.");
    if (!name.empty() && name.back() == '.') name.pop_back();
  }
  if (type == NamespaceType::kDnsPrivate && vpc_exists_ && !vpc_exists_(ctx.region, vpc))
    return InvalidInput("The VPC " + vpc + " does not exist in " + ctx.region + ".");
  const Namespace* clash = nullptr;
  namespaces_.ForEachPrefix(Prefix(ctx), [&](const std::string&, const Namespace& n) {
    if (Lower(n.name) == Lower(name)) clash = &n;
  });
  if (clash) {
    AwsError e = AwsError::Make("NamespaceAlreadyExists", "Namespace " + name + " already exists.");
    e = WithDetail(std::move(e), "CreatorRequestId", clash->creator_request_id);
    return WithDetail(std::move(e), "NamespaceId", clash->id);
  }
  FARGO_ASSIGN_OR_RETURN(TagList tags, TagsOf(in));
  Namespace n;
  n.id = NewId("ns-");
  n.arn = "arn:aws:servicediscovery:" + ctx.region + ":" + ctx.account + ":namespace/" + n.id;
  n.region = ctx.region;
  n.account = ctx.account;
  n.name = name;
  n.description = GetString(in, "Description");
  n.creator_request_id = request_id;
  n.type = type;
  n.vpc = vpc;
  if (type != NamespaceType::kHttp) n.hosted_zone_id = "Z" + env_.ids.Upper(20);
  if (const json::object* p = GetObject(in, "Properties"))
    if (const json::object* d = GetObject(*p, "DnsProperties"))
      if (const json::object* soa = GetObject(*d, "SOA")) n.soa_ttl = GetInt(*soa, "TTL");
  n.created_at = env_.clock.NowSeconds();
  n.tags = std::move(tags);
  std::string id = n.id;
  FARGO_TRY(namespaces_.Put(Prefix(ctx) + id, std::move(n)));
  return StartOperation(ctx, OperationType::kCreateNamespace, {{"NAMESPACE", id}}, request_id, digest);
}

Result<json::object> ServiceDiscoveryService::GetNamespace(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const Namespace* n, FindNamespace(ctx, GetString(in, "Id")));
  return json::object{{"Namespace", servicediscovery::EncodeNamespace(*n, ServiceCount(ctx, n->id), false)}};
}

Result<json::object> ServiceDiscoveryService::ListNamespaces(CallContext& ctx, json::object& in) {
  const json::array* filters = GetArray(in, "Filters");
  std::vector<const Namespace*> hits;
  std::vector<std::pair<double, const Namespace*>> all;
  namespaces_.ForEachPrefix(Prefix(ctx), [&](const std::string&, const Namespace& n) { all.emplace_back(n.created_at, &n); });
  std::stable_sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (const auto& [_, n] : all) {
    bool keep = true;
    if (filters)
      for (const auto& fv : *filters) {
        const json::object& f = fv.as_object();
        std::string fname = GetString(f, "Name");
        std::string actual = fname == "TYPE"             ? std::string(servicediscovery::Name(n->type))
                             : fname == "RESOURCE_OWNER" ? n->account
                                                         : n->name;  // NAME, HTTP_NAME
        FARGO_ASSIGN_OR_RETURN(bool m, FilterMatches(f, actual));
        keep = keep && m;
      }
    if (keep) hits.push_back(n);
  }
  FARGO_ASSIGN_OR_RETURN(PageSpan page, PageOf(in, hits.size(), 100));
  json::array out;
  for (size_t i = page.begin; i < page.end; ++i)
    out.push_back(servicediscovery::EncodeNamespace(*hits[i], ServiceCount(ctx, hits[i]->id), true));
  json::object r{{"Namespaces", std::move(out)}};
  if (!page.next_token.empty()) r["NextToken"] = page.next_token;
  return r;
}

Result<json::object> ServiceDiscoveryService::DeleteNamespace(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const Namespace* n, FindNamespace(ctx, GetString(in, "Id")));
  if (ServiceCount(ctx, n->id) > 0)
    return AwsError::Make("ResourceInUse", "The namespace " + n->id + " has services and cannot be deleted.");
  std::string id = n->id;
  FARGO_TRY(namespaces_.Erase(Prefix(ctx) + id));
  return StartOperation(ctx, OperationType::kDeleteNamespace, {{"NAMESPACE", id}});
}

Result<json::object> ServiceDiscoveryService::UpdateNamespace(CallContext& ctx, const json::object& in,
                                                              NamespaceType type) {
  FARGO_ASSIGN_OR_RETURN(const Namespace* found, FindNamespace(ctx, GetString(in, "Id")));
  if (found->type != type)
    return InvalidInput("Namespace " + found->id + " is of type " + std::string(servicediscovery::Name(found->type)) +
                        ".");
  std::string request_id = GetString(in, "UpdaterRequestId");
  if (const Operation* earlier = OperationByRequest(ctx, request_id))
    return WithDetail(AwsError::Make("DuplicateRequest", "The request " + request_id + " was already made."),
                      "DuplicateOperationId", earlier->id);
  Namespace n = *found;
  const json::object* change = GetObject(in, "Namespace");
  if (change) {
    if (Has(*change, "Description")) n.description = GetString(*change, "Description");
    if (const json::object* p = GetObject(*change, "Properties"))
      if (const json::object* d = GetObject(*p, "DnsProperties"))
        if (const json::object* soa = GetObject(*d, "SOA")) n.soa_ttl = GetInt(*soa, "TTL");
  }
  std::string id = n.id;
  FARGO_TRY(namespaces_.Put(Prefix(ctx) + id, std::move(n)));
  return StartOperation(ctx, OperationType::kUpdateNamespace, {{"NAMESPACE", id}}, request_id);
}

Result<json::object> ServiceDiscoveryService::UpdateHttpNamespace(CallContext& ctx, json::object& in) {
  return UpdateNamespace(ctx, in, NamespaceType::kHttp);
}
Result<json::object> ServiceDiscoveryService::UpdatePrivateDnsNamespace(CallContext& ctx, json::object& in) {
  return UpdateNamespace(ctx, in, NamespaceType::kDnsPrivate);
}
Result<json::object> ServiceDiscoveryService::UpdatePublicDnsNamespace(CallContext& ctx, json::object& in) {
  return UpdateNamespace(ctx, in, NamespaceType::kDnsPublic);
}

// ---- operations -----------------------------------------------------------------

Result<json::object> ServiceDiscoveryService::GetOperation(CallContext& ctx, json::object& in) {
  std::string id = GetString(in, "OperationId");
  const Operation* op = operations_.Find(Prefix(ctx) + id);
  if (!op) return AwsError::Make("OperationNotFound", "Operation not found: " + id);
  return json::object{{"Operation", servicediscovery::EncodeOperation(*op, env_.clock.NowSeconds())}};
}

Result<json::object> ServiceDiscoveryService::ListOperations(CallContext& ctx, json::object& in) {
  double now = env_.clock.NowSeconds();
  const json::array* filters = GetArray(in, "Filters");
  std::vector<const Operation*> hits;
  std::vector<const Operation*> all;
  operations_.ForEachPrefix(Prefix(ctx), [&](const std::string&, const Operation& o) { all.push_back(&o); });
  std::stable_sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->created_at < b->created_at; });
  for (const Operation* o : all) {
    bool keep = true;
    if (filters)
      for (const auto& fv : *filters) {
        const json::object& f = fv.as_object();
        std::string fname = GetString(f, "Name");
        if (fname == "UPDATE_DATE") {
          const json::array* v = GetArray(f, "Values");
          if (!v || v->size() != 2) return InvalidInput("UPDATE_DATE takes two values with BETWEEN.");
          auto num = [](const json::value& x) {
            return x.is_string() ? std::atof(std::string(x.as_string()).c_str()) : x.to_number<double>();
          };
          double t = servicediscovery::UpdatedAt(*o, now);
          keep = keep && t >= num((*v)[0]) && t <= num((*v)[1]);
          continue;
        }
        auto target = [&](const char* k) {
          auto it = o->targets.find(k);
          return it == o->targets.end() ? std::string() : it->second;
        };
        std::string actual = fname == "NAMESPACE_ID" ? target("NAMESPACE")
                             : fname == "SERVICE_ID" ? target("SERVICE")
                             : fname == "STATUS"     ? std::string(servicediscovery::Name(StatusAt(*o, now)))
                                                     : std::string(servicediscovery::Name(o->type));
        FARGO_ASSIGN_OR_RETURN(bool m, FilterMatches(f, actual));
        keep = keep && m;
      }
    if (keep) hits.push_back(o);
  }
  FARGO_ASSIGN_OR_RETURN(PageSpan page, PageOf(in, hits.size(), 100));
  json::array out;
  for (size_t i = page.begin; i < page.end; ++i)
    out.push_back(json::object{{"Id", hits[i]->id}, {"Status", servicediscovery::Name(StatusAt(*hits[i], now))}});
  json::object r{{"Operations", std::move(out)}};
  if (!page.next_token.empty()) r["NextToken"] = page.next_token;
  return r;
}

// ---- services -------------------------------------------------------------------

Result<json::object> ServiceDiscoveryService::CreateService(CallContext& ctx, json::object& in) {
  std::string name = GetString(in, "Name");
  const json::object* dns = GetObject(in, "DnsConfig");
  std::string ns_id = GetString(in, "NamespaceId");
  if (ns_id.empty() && dns) ns_id = GetString(*dns, "NamespaceId");
  if (ns_id.empty()) return InvalidInput("NamespaceId is required.");
  FARGO_ASSIGN_OR_RETURN(const Namespace* ns, FindNamespace(ctx, ns_id));
  std::string request_id = GetString(in, "CreatorRequestId");
  const DiscoveryService* same = nullptr;
  services_.ForEachPrefix(Prefix(ctx), [&](const std::string&, const DiscoveryService& s) {
    if (s.namespace_id == ns->id && Lower(s.name) == Lower(name)) same = &s;
  });
  if (same) {
    if (!request_id.empty() && same->creator_request_id == request_id)
      return json::object{{"Service", servicediscovery::EncodeService(*same, false)}};
    AwsError e = AwsError::Make("ServiceAlreadyExists", "Service " + name + " already exists in " + ns->id + ".");
    e = WithDetail(std::move(e), "CreatorRequestId", same->creator_request_id);
    e = WithDetail(std::move(e), "ServiceId", same->id);
    return WithDetail(std::move(e), "ServiceArn", same->arn);
  }
  if (ns->type != NamespaceType::kHttp && !IsDnsName(name))
    return InvalidInput("Service name " + name + " is not a valid DNS label.");
  DiscoveryService s;
  std::string type = GetString(in, "Type");
  if (dns) {
    if (ns->type == NamespaceType::kHttp)
      return InvalidInput("DnsConfig is not supported for services in HTTP namespace " + ns->id + ".");
    if (type == "HTTP") return InvalidInput("A service of type HTTP cannot have a DnsConfig.");
    FARGO_ASSIGN_OR_RETURN(s.dns_records, DnsRecordsOf(*dns));
    s.routing_policy = GetString(*dns, "RoutingPolicy", "MULTIVALUE");
    bool cname = s.dns_records[0].type == "CNAME";
    if (cname && s.routing_policy != "WEIGHTED")
      return InvalidInput("A CNAME record requires the WEIGHTED routing policy.");
  }
  const json::object* hc = GetObject(in, "HealthCheckConfig");
  const json::object* custom = GetObject(in, "HealthCheckCustomConfig");
  if (hc && custom) return InvalidInput("HealthCheckConfig and HealthCheckCustomConfig cannot both be specified.");
  if (hc) {
    if (ns->type != NamespaceType::kDnsPublic)
      return InvalidInput("HealthCheckConfig is supported only for services in public DNS namespaces.");
    s.health_check = HealthCheckOf(*hc);
  }
  // AWS no longer honours FailureThreshold here: it is always 1.
  if (custom) s.custom_health_threshold = 1;
  FARGO_ASSIGN_OR_RETURN(s.tags, TagsOf(in));
  s.id = NewId("srv-");
  s.arn = "arn:aws:servicediscovery:" + ctx.region + ":" + ctx.account + ":service/" + s.id;
  s.region = ctx.region;
  s.account = ctx.account;
  s.name = name;
  s.namespace_id = ns->id;
  s.description = GetString(in, "Description");
  s.creator_request_id = request_id;
  s.type = s.has_dns() ? "DNS_HTTP" : "HTTP";
  s.created_at = env_.clock.NowSeconds();
  json::object out{{"Service", servicediscovery::EncodeService(s, false)}};
  std::string key = Prefix(ctx) + s.id;
  FARGO_TRY(services_.Put(key, std::move(s)));
  return out;
}

Result<json::object> ServiceDiscoveryService::GetService(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* s, FindService(ctx, GetString(in, "Id")));
  return json::object{{"Service", servicediscovery::EncodeService(*s, false)}};
}

Result<json::object> ServiceDiscoveryService::ListServices(CallContext& ctx, json::object& in) {
  const json::array* filters = GetArray(in, "Filters");
  std::vector<const DiscoveryService*> all, hits;
  services_.ForEachPrefix(Prefix(ctx), [&](const std::string&, const DiscoveryService& s) { all.push_back(&s); });
  std::stable_sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->created_at < b->created_at; });
  for (const DiscoveryService* s : all) {
    bool keep = true;
    if (filters)
      for (const auto& fv : *filters) {
        const json::object& f = fv.as_object();
        std::string actual = GetString(f, "Name") == "RESOURCE_OWNER" ? s->account : s->namespace_id;
        FARGO_ASSIGN_OR_RETURN(bool m, FilterMatches(f, actual));
        keep = keep && m;
      }
    if (keep) hits.push_back(s);
  }
  FARGO_ASSIGN_OR_RETURN(PageSpan page, PageOf(in, hits.size(), 100));
  json::array out;
  for (size_t i = page.begin; i < page.end; ++i) out.push_back(servicediscovery::EncodeService(*hits[i], true));
  json::object r{{"Services", std::move(out)}};
  if (!page.next_token.empty()) r["NextToken"] = page.next_token;
  return r;
}

Result<json::object> ServiceDiscoveryService::UpdateService(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* found, FindService(ctx, GetString(in, "Id")));
  DiscoveryService s = *found;
  const json::object& change = *GetObject(in, "Service");
  if (Has(change, "Description")) s.description = GetString(change, "Description");
  if (const json::object* dns = GetObject(change, "DnsConfig")) {
    if (!s.has_dns()) return InvalidInput("Service " + s.id + " has no DnsConfig to update.");
    FARGO_ASSIGN_OR_RETURN(s.dns_records, DnsRecordsOf(*dns));
  }
  if (const json::object* hc = GetObject(change, "HealthCheckConfig")) {
    if (!s.health_check) return InvalidInput("Service " + s.id + " has no HealthCheckConfig to update.");
    s.health_check = HealthCheckOf(*hc);
  }
  std::string id = s.id;
  FARGO_TRY(services_.Put(Prefix(ctx) + id, std::move(s)));
  return StartOperation(ctx, OperationType::kUpdateService, {{"SERVICE", id}});
}

Result<json::object> ServiceDiscoveryService::DeleteService(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* s, FindService(ctx, GetString(in, "Id")));
  if (!s->instances.empty())
    return AwsError::Make("ResourceInUse", "Service " + s->id + " has registered instances and cannot be deleted.");
  FARGO_TRY(services_.Erase(Prefix(ctx) + s->id));
  return json::object{};
}

Result<json::object> ServiceDiscoveryService::GetServiceAttributes(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* s, FindService(ctx, GetString(in, "ServiceId")));
  json::object attrs;
  for (const auto& [k, v] : s->attributes) attrs[k] = v;
  return json::object{{"ServiceAttributes", json::object{{"ServiceArn", s->arn},
                                                         {"ResourceOwner", s->account},
                                                         {"Attributes", std::move(attrs)}}}};
}

Result<json::object> ServiceDiscoveryService::UpdateServiceAttributes(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* found, FindService(ctx, GetString(in, "ServiceId")));
  DiscoveryService s = *found;
  if (const json::object* a = GetObject(in, "Attributes"))
    for (const auto& [k, v] : *a) s.attributes[std::string(k)] = std::string(v.as_string());
  if (s.attributes.size() > 30)
    return AwsError::Make("ServiceAttributesLimitExceededException", "A service can have at most 30 attributes.");
  FARGO_TRY(services_.Put(Prefix(ctx) + s.id, s));
  return json::object{};
}

Result<json::object> ServiceDiscoveryService::DeleteServiceAttributes(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* found, FindService(ctx, GetString(in, "ServiceId")));
  DiscoveryService s = *found;
  if (const json::array* a = GetArray(in, "Attributes"))
    for (const auto& k : *a) s.attributes.erase(std::string(k.as_string()));
  FARGO_TRY(services_.Put(Prefix(ctx) + s.id, s));
  return json::object{};
}

// ---- instances ------------------------------------------------------------------

Result<json::object> ServiceDiscoveryService::RegisterInstance(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* found, FindService(ctx, GetString(in, "ServiceId")));
  DiscoveryService s = *found;
  Instance inst;
  inst.id = GetString(in, "InstanceId");
  inst.creator_request_id = GetString(in, "CreatorRequestId");
  if (const json::object* a = GetObject(in, "Attributes"))
    for (const auto& [k, v] : *a) inst.attributes[std::string(k)] = std::string(v.as_string());
  if (inst.attributes.size() > 30) return InvalidInput("An instance can have at most 30 attributes.");
  auto has = [&](const char* k) { return inst.attributes.count(k) > 0; };
  for (const DnsRecord& r : s.dns_records) {
    if (has("AWS_ALIAS_DNS_NAME")) break;
    if (r.type == "A" && !has("AWS_INSTANCE_IPV4"))
      return InvalidInput("AWS_INSTANCE_IPV4 is required: service " + s.id + " has an A record.");
    if (r.type == "AAAA" && !has("AWS_INSTANCE_IPV6"))
      return InvalidInput("AWS_INSTANCE_IPV6 is required: service " + s.id + " has an AAAA record.");
    if (r.type == "SRV" && (!has("AWS_INSTANCE_PORT") || (!has("AWS_INSTANCE_IPV4") && !has("AWS_INSTANCE_IPV6"))))
      return InvalidInput("AWS_INSTANCE_PORT and an address are required: service " + s.id + " has an SRV record.");
    if (r.type == "CNAME" && !has("AWS_INSTANCE_CNAME"))
      return InvalidInput("AWS_INSTANCE_CNAME is required: service " + s.id + " has a CNAME record.");
  }
  std::string request_id = inst.creator_request_id;
  if (const Operation* earlier = OperationByRequest(ctx, request_id)) {
    auto t = earlier->targets.find("INSTANCE");
    if (earlier->type == OperationType::kRegisterInstance && t != earlier->targets.end() && t->second == inst.id)
      return json::object{{"OperationId", earlier->id}};
    return WithDetail(AwsError::Make("DuplicateRequest", "The request " + request_id + " was already made."),
                      "DuplicateOperationId", earlier->id);
  }
  inst.health = s.custom_health_threshold || s.health_check ? HealthStatus::kHealthy : HealthStatus::kUnknown;
  if (auto old = s.instances.find(inst.id); old != s.instances.end() && s.custom_health_threshold)
    inst.health = old->second.health;
  std::string id = inst.id, sid = s.id;
  s.instances[id] = std::move(inst);
  ++s.revision;
  FARGO_TRY(services_.Put(Prefix(ctx) + sid, std::move(s)));
  return StartOperation(ctx, OperationType::kRegisterInstance, {{"SERVICE", sid}, {"INSTANCE", id}}, request_id);
}

Result<json::object> ServiceDiscoveryService::DeregisterInstance(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* found, FindService(ctx, GetString(in, "ServiceId")));
  std::string id = GetString(in, "InstanceId");
  if (!found->instances.count(id)) return InstanceNotFound(id);
  DiscoveryService s = *found;
  s.instances.erase(id);
  ++s.revision;
  std::string sid = s.id;
  FARGO_TRY(services_.Put(Prefix(ctx) + sid, std::move(s)));
  return StartOperation(ctx, OperationType::kDeregisterInstance, {{"SERVICE", sid}, {"INSTANCE", id}});
}

namespace {
json::object Attributes(const Instance& i) {
  json::object a;
  for (const auto& [k, v] : i.attributes) a[k] = v;
  return a;
}
}  // namespace

Result<json::object> ServiceDiscoveryService::GetInstance(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* s, FindService(ctx, GetString(in, "ServiceId")));
  std::string id = GetString(in, "InstanceId");
  auto it = s->instances.find(id);
  if (it == s->instances.end()) return InstanceNotFound(id);
  json::object inst{{"Id", id}};
  if (!it->second.creator_request_id.empty()) inst["CreatorRequestId"] = it->second.creator_request_id;
  inst["Attributes"] = Attributes(it->second);
  inst["CreatedByAccount"] = s->account;
  return json::object{{"ResourceOwner", s->account}, {"Instance", std::move(inst)}};
}

Result<json::object> ServiceDiscoveryService::ListInstances(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* s, FindService(ctx, GetString(in, "ServiceId")));
  std::vector<const Instance*> all;
  for (const auto& [_, i] : s->instances) all.push_back(&i);
  FARGO_ASSIGN_OR_RETURN(PageSpan page, PageOf(in, all.size(), 100));
  json::array out;
  for (size_t i = page.begin; i < page.end; ++i)
    out.push_back(json::object{{"Id", all[i]->id}, {"Attributes", Attributes(*all[i])}, {"CreatedByAccount", s->account}});
  json::object r{{"ResourceOwner", s->account}, {"Instances", std::move(out)}};
  if (!page.next_token.empty()) r["NextToken"] = page.next_token;
  return r;
}

Result<json::object> ServiceDiscoveryService::DiscoverInstances(CallContext& ctx, json::object& in) {
  std::string ns_name = GetString(in, "NamespaceName"), svc_name = GetString(in, "ServiceName");
  const Namespace* ns = nullptr;
  namespaces_.ForEachPrefix(Prefix(ctx), [&](const std::string&, const Namespace& n) {
    if (Lower(n.name) == Lower(ns_name)) ns = &n;
  });
  if (!ns) return NamespaceNotFound(ns_name);
  const DiscoveryService* s = nullptr;
  services_.ForEachPrefix(Prefix(ctx), [&](const std::string&, const DiscoveryService& x) {
    if (x.namespace_id == ns->id && Lower(x.name) == Lower(svc_name)) s = &x;
  });
  if (!s) return ServiceNotFound(svc_name);
  auto matches_all = [](const Instance& i, const json::object* params) {
    if (!params) return true;
    for (const auto& [k, v] : *params) {
      auto it = i.attributes.find(std::string(k));
      if (it == i.attributes.end() || it->second != v.as_string()) return false;
    }
    return true;
  };
  std::vector<const Instance*> picked;
  const json::object* query = GetObject(in, "QueryParameters");
  for (const auto& [_, i] : s->instances)
    if (matches_all(i, query)) picked.push_back(&i);
  // Optional parameters narrow the result only when some instance has them.
  if (const json::object* optional = GetObject(in, "OptionalParameters")) {
    std::vector<const Instance*> narrowed;
    for (const Instance* i : picked)
      if (matches_all(*i, optional)) narrowed.push_back(i);
    if (!narrowed.empty()) picked = std::move(narrowed);
  }
  std::string want = GetString(in, "HealthStatus", "HEALTHY");
  auto healthy = [](const Instance* i) { return i->health != HealthStatus::kUnhealthy; };
  std::vector<const Instance*> by_health;
  for (const Instance* i : picked) {
    bool h = healthy(i);
    if (want == "ALL" || (want == "UNHEALTHY" && !h) || ((want == "HEALTHY" || want == "HEALTHY_OR_ELSE_ALL") && h))
      by_health.push_back(i);
  }
  if (want == "HEALTHY_OR_ELSE_ALL" && by_health.empty()) by_health = picked;
  size_t max = static_cast<size_t>(GetInt(in, "MaxResults", 100));
  json::array out;
  for (const Instance* i : by_health) {
    if (out.size() >= max) break;
    out.push_back(json::object{{"InstanceId", i->id},
                               {"NamespaceName", ns->name},
                               {"ServiceName", s->name},
                               {"HealthStatus", servicediscovery::Name(i->health)},
                               {"Attributes", Attributes(*i)}});
  }
  return json::object{{"Instances", std::move(out)}, {"InstancesRevision", s->revision}};
}

Result<json::object> ServiceDiscoveryService::DiscoverInstancesRevision(CallContext& ctx, json::object& in) {
  json::object copy = in;
  copy["MaxResults"] = 0;
  FARGO_ASSIGN_OR_RETURN(json::object r, DiscoverInstances(ctx, copy));
  return json::object{{"InstancesRevision", r["InstancesRevision"]}};
}

Result<json::object> ServiceDiscoveryService::GetInstancesHealthStatus(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* s, FindService(ctx, GetString(in, "ServiceId")));
  std::vector<const Instance*> all;
  if (const json::array* ids = GetArray(in, "Instances")) {
    for (const auto& v : *ids) {
      auto it = s->instances.find(std::string(v.as_string()));
      if (it == s->instances.end()) return InstanceNotFound(std::string(v.as_string()));
      all.push_back(&it->second);
    }
  } else {
    for (const auto& [_, i] : s->instances) all.push_back(&i);
  }
  FARGO_ASSIGN_OR_RETURN(PageSpan page, PageOf(in, all.size(), 100));
  json::object status;
  for (size_t i = page.begin; i < page.end; ++i) status[all[i]->id] = servicediscovery::Name(all[i]->health);
  json::object r{{"Status", std::move(status)}};
  if (!page.next_token.empty()) r["NextToken"] = page.next_token;
  return r;
}

Result<json::object> ServiceDiscoveryService::UpdateInstanceCustomHealthStatus(CallContext& ctx, json::object& in) {
  FARGO_ASSIGN_OR_RETURN(const DiscoveryService* found, FindService(ctx, GetString(in, "ServiceId")));
  std::string id = GetString(in, "InstanceId");
  if (!found->instances.count(id)) return InstanceNotFound(id);
  if (!found->custom_health_threshold)
    return AwsError::Make("CustomHealthNotFound", "Service " + found->id + " has no custom health check.");
  DiscoveryService s = *found;
  HealthStatus h = GetString(in, "Status") == "HEALTHY" ? HealthStatus::kHealthy : HealthStatus::kUnhealthy;
  if (s.instances[id].health != h) {
    s.instances[id].health = h;
    ++s.revision;
    FARGO_TRY(services_.Put(Prefix(ctx) + s.id, s));
  }
  return json::object{};
}

// ---- tags -----------------------------------------------------------------------

namespace {
// The id an ARN of this region and account names ("ns-..."/"srv-..."), or "".
std::string IdOfArn(const CallContext& ctx, const std::string& arn) {
  std::string head = "arn:aws:servicediscovery:" + ctx.region + ":" + ctx.account + ":";
  if (arn.rfind(head, 0) != 0) return "";
  std::string rest = arn.substr(head.size());
  for (const char* kind : {"namespace/", "service/"})
    if (rest.rfind(kind, 0) == 0) return rest.substr(std::string(kind).size());
  return "";
}
AwsError ResourceNotFound(const std::string& arn) {
  return AwsError::Make("ResourceNotFoundException", "Resource not found: " + arn);
}
void MergeTags(TagList& into, const TagList& add) {
  for (const auto& [k, v] : add) {
    auto it = std::find_if(into.begin(), into.end(), [&](auto& p) { return p.first == k; });
    if (it != into.end())
      it->second = v;
    else
      into.emplace_back(k, v);
  }
}
}  // namespace

Result<json::object> ServiceDiscoveryService::TagResource(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "ResourceARN");
  std::string id = IdOfArn(ctx, arn);
  FARGO_ASSIGN_OR_RETURN(TagList add, TagsOf(in));
  auto too_many = [&] {
    return WithDetail(AwsError::Make("TooManyTagsException", "The resource can have at most 50 tags."),
                      "ResourceName", arn);
  };
  if (const Namespace* n = namespaces_.Find(Prefix(ctx) + id)) {
    Namespace copy = *n;
    MergeTags(copy.tags, add);
    if (copy.tags.size() > kMaxTags) return too_many();
    FARGO_TRY(namespaces_.Put(Prefix(ctx) + id, std::move(copy)));
    return json::object{};
  }
  if (const DiscoveryService* s = services_.Find(Prefix(ctx) + id)) {
    DiscoveryService copy = *s;
    MergeTags(copy.tags, add);
    if (copy.tags.size() > kMaxTags) return too_many();
    FARGO_TRY(services_.Put(Prefix(ctx) + id, std::move(copy)));
    return json::object{};
  }
  return ResourceNotFound(arn);
}

Result<json::object> ServiceDiscoveryService::UntagResource(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "ResourceARN");
  std::string id = IdOfArn(ctx, arn);
  std::vector<std::string> keys;
  if (const json::array* a = GetArray(in, "TagKeys"))
    for (const auto& k : *a) keys.emplace_back(k.as_string());
  auto drop = [&](TagList& tags) {
    std::erase_if(tags, [&](auto& p) { return std::find(keys.begin(), keys.end(), p.first) != keys.end(); });
  };
  if (const Namespace* n = namespaces_.Find(Prefix(ctx) + id)) {
    Namespace copy = *n;
    drop(copy.tags);
    FARGO_TRY(namespaces_.Put(Prefix(ctx) + id, std::move(copy)));
    return json::object{};
  }
  if (const DiscoveryService* s = services_.Find(Prefix(ctx) + id)) {
    DiscoveryService copy = *s;
    drop(copy.tags);
    FARGO_TRY(services_.Put(Prefix(ctx) + id, std::move(copy)));
    return json::object{};
  }
  return ResourceNotFound(arn);
}

Result<json::object> ServiceDiscoveryService::ListTagsForResource(CallContext& ctx, json::object& in) {
  std::string arn = GetString(in, "ResourceARN");
  std::string id = IdOfArn(ctx, arn);
  if (const Namespace* n = namespaces_.Find(Prefix(ctx) + id))
    return json::object{{"Tags", servicediscovery::EncodeTags(n->tags)}};
  if (const DiscoveryService* s = services_.Find(Prefix(ctx) + id))
    return json::object{{"Tags", servicediscovery::EncodeTags(s->tags)}};
  return ResourceNotFound(arn);
}

// ---- the VPC resolver's view ----------------------------------------------------

std::optional<ServiceDiscoveryService::DnsAnswer> ServiceDiscoveryService::ResolvePrivateDns(
    const std::string& region, const std::string& vpc_id, std::string_view fqdn) const {
  std::string name = Lower(fqdn);
  if (!name.empty() && name.back() == '.') name.pop_back();
  size_t dot = name.find('.');
  if (dot == std::string::npos) return std::nullopt;
  std::string service = name.substr(0, dot), ns_name = name.substr(dot + 1);
  const Namespace* ns = nullptr;
  namespaces_.ForEachPrefix(region + "/", [&](const std::string&, const Namespace& n) {
    if (n.type == NamespaceType::kDnsPrivate && n.vpc == vpc_id && Lower(n.name) == ns_name) ns = &n;
  });
  if (!ns) return std::nullopt;
  const DiscoveryService* svc = nullptr;
  services_.ForEachPrefix(region + "/" + ns->account + "/", [&](const std::string&, const DiscoveryService& s) {
    if (s.namespace_id == ns->id && s.has_dns() && Lower(s.name) == service) svc = &s;
  });
  if (!svc) return std::nullopt;
  DnsAnswer a{ns->id, svc->id, svc->routing_policy, svc->dns_records, {}};
  for (const auto& [_, i] : svc->instances)
    if (i.health != HealthStatus::kUnhealthy) a.instances.push_back(i);
  if (a.instances.empty())
    for (const auto& [_, i] : svc->instances) a.instances.push_back(i);
  return a;
}

std::vector<ServiceDiscoveryService::PrivateDnsZone> ServiceDiscoveryService::PrivateDnsZones() const {
  std::vector<PrivateDnsZone> out;
  namespaces_.ForEachPrefix("", [&](const std::string&, const Namespace& n) {
    if (n.type != NamespaceType::kDnsPrivate || n.vpc.empty()) return;
    PrivateDnsZone z{n.region, n.vpc, Lower(n.name), {}};
    if (!z.zone.empty() && z.zone.back() == '.') z.zone.pop_back();
    services_.ForEachPrefix(n.region + "/" + n.account + "/", [&](const std::string&, const DiscoveryService& s) {
      if (s.namespace_id != n.id || !s.has_dns()) return;
      auto a = ResolvePrivateDns(n.region, n.vpc, s.name + "." + z.zone);
      if (!a) return;
      PrivateDnsName name;
      name.name = Lower(s.name) + "." + z.zone;
      name.one_answer = a->routing_policy == "WEIGHTED";
      bool has_a = false, has_aaaa = false, has_srv = false, has_cname = false;
      for (const auto& r : a->records) {
        if (r.type == "CNAME") has_cname = true, name.ttl_cname = r.ttl;
        if (r.type == "A") has_a = true, name.ttl_a = r.ttl;
        if (r.type == "AAAA") has_aaaa = true, name.ttl_aaaa = r.ttl;
        if (r.type == "SRV") has_srv = true, name.ttl_srv = r.ttl;
      }
      std::vector<PrivateDnsName> hosts;
      for (const auto& i : a->instances) {
        auto attr = [&i](const char* k) {
          auto it = i.attributes.find(k);
          return it == i.attributes.end() ? std::string() : it->second;
        };
        std::string v4 = attr("AWS_INSTANCE_IPV4"), v6 = attr("AWS_INSTANCE_IPV6"), port = attr("AWS_INSTANCE_PORT");
        if (has_a && !v4.empty()) name.ipv4.push_back(v4);
        if (has_aaaa && !v6.empty()) name.ipv6.push_back(v6);
        if (std::string c = Lower(attr("AWS_INSTANCE_CNAME")); has_cname && !c.empty()) {
          while (!c.empty() && c.back() == '.') c.pop_back();
          if (!c.empty()) name.cnames.push_back(c);
        }
        if (has_srv && !port.empty() && (!v4.empty() || !v6.empty())) {
          int64_t p = std::atoll(port.c_str());
          std::string host = Lower(i.id) + "." + name.name;
          name.srv.emplace_back(p, host);
          PrivateDnsName h;
          h.name = host;
          h.ttl_a = h.ttl_aaaa = h.ttl_srv = name.ttl_srv;
          if (!v4.empty()) h.ipv4.push_back(v4);
          if (!v6.empty()) h.ipv6.push_back(v6);
          hosts.push_back(std::move(h));
        }
      }
      z.names.push_back(std::move(name));
      for (auto& h : hosts) z.names.push_back(std::move(h));
    });
    out.push_back(std::move(z));
  });
  return out;
}

}  // namespace fargo::services
