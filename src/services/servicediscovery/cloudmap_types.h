// Cloud Map's state as fargo keeps it: namespaces, services with their
// instances, and the asynchronous operations that changed them. Each type is
// turned into a document in exactly two places: ToStored/FromStored (the
// store) and the Encode* functions (the wire shapes of the
// servicediscovery model).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fargo::services::servicediscovery {

namespace json = boost::json;

using TagList = std::vector<std::pair<std::string, std::string>>;  // in the order given

enum class NamespaceType { kHttp, kDnsPrivate, kDnsPublic };
std::string_view Name(NamespaceType t);

struct Namespace {
  std::string id;  // ns-<16>
  std::string arn, region, account, name, description, creator_request_id;
  NamespaceType type = NamespaceType::kHttp;
  std::string vpc;             // DNS_PRIVATE only
  std::string hosted_zone_id;  // DNS_PRIVATE and DNS_PUBLIC
  std::optional<int64_t> soa_ttl;
  double created_at = 0;
  TagList tags;
};

struct DnsRecord {
  std::string type;  // A, AAAA, SRV, CNAME
  int64_t ttl = 0;
};

struct HealthCheckConfig {
  std::string type;  // HTTP, HTTPS, TCP
  std::string resource_path;
  int64_t failure_threshold = 1;
};

enum class HealthStatus { kHealthy, kUnhealthy, kUnknown };
std::string_view Name(HealthStatus h);

struct Instance {
  std::string id, creator_request_id;
  std::map<std::string, std::string> attributes;
  HealthStatus health = HealthStatus::kUnknown;
};

struct DiscoveryService {
  std::string id;  // srv-<16>
  std::string arn, region, account, name, namespace_id, description, creator_request_id;
  std::string type;  // HTTP, DNS_HTTP, DNS
  std::string routing_policy;        // with DNS records: MULTIVALUE or WEIGHTED
  std::vector<DnsRecord> dns_records;  // empty: no DnsConfig
  std::optional<HealthCheckConfig> health_check;
  std::optional<int64_t> custom_health_threshold;  // HealthCheckCustomConfig
  double created_at = 0;
  TagList tags;
  std::map<std::string, std::string> attributes;  // service attributes
  std::map<std::string, Instance> instances;      // by instance id
  int64_t revision = 0;                           // DiscoverInstancesRevision

  bool has_dns() const { return !dns_records.empty(); }
};

enum class OperationType {
  kCreateNamespace,
  kDeleteNamespace,
  kUpdateNamespace,
  kUpdateService,
  kRegisterInstance,
  kDeregisterInstance
};
std::string_view Name(OperationType t);

enum class OperationStatus { kSubmitted, kPending, kSuccess, kFail };
std::string_view Name(OperationStatus s);

struct Operation {
  std::string id, account;
  OperationType type = OperationType::kCreateNamespace;
  std::map<std::string, std::string> targets;  // NAMESPACE / SERVICE / INSTANCE -> id
  std::string creator_request_id;  // what made it (DuplicateRequest, idempotent retries)
  std::string request_digest;      // what else the request asked, for the same check
  double created_at = 0;
};

// How long an operation stays SUBMITTED, then PENDING, before SUCCESS
// (seconds of its age). AWS takes a moment too; the provider polls.
constexpr double kSubmittedSeconds = 0.1;
constexpr double kPendingUntilSeconds = 0.3;
OperationStatus StatusAt(const Operation& op, double now);
// When the status an operation has at `now` began.
double UpdatedAt(const Operation& op, double now);

json::object ToStored(const Namespace& n);
Result<Namespace> FromStored(const json::object& doc, const Namespace*);
json::object ToStored(const DiscoveryService& s);
Result<DiscoveryService> FromStored(const json::object& doc, const DiscoveryService*);
json::object ToStored(const Operation& o);
Result<Operation> FromStored(const json::object& doc, const Operation*);

// The Namespace shape (GetNamespace) or NamespaceSummary (ListNamespaces).
json::object EncodeNamespace(const Namespace& n, int64_t service_count, bool summary);
// The Service shape (CreateService, GetService) or ServiceSummary (ListServices).
json::object EncodeService(const DiscoveryService& s, bool summary);
json::array EncodeTags(const TagList& tags);
json::object EncodeOperation(const Operation& o, double now);

}  // namespace fargo::services::servicediscovery
