// Cloud Map (servicediscovery): HTTP, private DNS and public DNS namespaces,
// services, instances, DiscoverInstances, and the asynchronous operations
// namespace and instance changes answer with.
//
// A change takes effect when it is asked for and is stored at once; its
// Operation reports SUBMITTED, PENDING, then SUCCESS as it ages (see
// StatusAt), which is what clients wait on. State is kept per region and
// account (collection keys "<region>/<account>/<id>").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/service.h"
#include "services/servicediscovery/cloudmap_types.h"
#include "store/typed_collection.h"

namespace fargo::services {

class ServiceDiscoveryService final : public Service {
 public:
  explicit ServiceDiscoveryService(Env env);
  std::string name() const override { return "servicediscovery"; }
  Status Start() override;
  Result<json::object> Invoke(CallContext& ctx, json::object& input) override;

  // Whether `vpc_id` is a VPC of `region` (EC2's, wired by the composition
  // root). Unset: every VPC id is taken as it is.
  using VpcResolver = std::function<bool(const std::string& region, const std::string& vpc_id)>;
  void SetVpcResolver(VpcResolver r) { vpc_exists_ = std::move(r); }

  // What a private DNS namespace answers for `<service>.<namespace>` in a
  // VPC: the service's records and the instances a resolver hands out
  // (healthy and unknown ones; all of them when every one is unhealthy).
  struct DnsAnswer {
    std::string namespace_id, service_id;
    std::string routing_policy;
    std::vector<servicediscovery::DnsRecord> records;
    std::vector<servicediscovery::Instance> instances;
  };
  // The answer for `fqdn` (case-insensitive, trailing dot optional) asked
  // from inside `vpc_id` of `region`, or nullopt when no private DNS
  // namespace of that VPC has a service of that name with DNS records.
  std::optional<DnsAnswer> ResolvePrivateDns(const std::string& region, const std::string& vpc_id,
                                             std::string_view fqdn) const;

  // Every name the private DNS namespaces put in their VPC's resolver, as
  // Route 53's private hosted zones would hold them (lower case):
  //   <service>.<namespace>              the A/AAAA of the instances given
  //                                      by ResolvePrivateDns
  //                                      (AWS_INSTANCE_IPV4/IPV6) and, with
  //                                      SRV records, "1 1 <AWS_INSTANCE_PORT>
  //                                      <instance>.<service>.<namespace>";
  //   <instance>.<service>.<namespace>   with SRV records, that instance's
  //                                      addresses;
  //   <service>.<namespace>              with a CNAME record, the
  //                                      instances' AWS_INSTANCE_CNAME (one
  //                                      answered, WEIGHTED routing).
  // TTLs from the service's DnsConfig; `one_answer` for WEIGHTED routing.
  struct PrivateDnsName {
    std::string name;
    std::vector<std::string> ipv4, ipv6;
    std::vector<std::pair<int64_t, std::string>> srv;  // port, target
    std::vector<std::string> cnames;                   // lower case, no trailing dot
    int64_t ttl_a = 0, ttl_aaaa = 0, ttl_srv = 0, ttl_cname = 0;
    bool one_answer = false;
  };
  struct PrivateDnsZone {
    std::string region, vpc_id, zone;
    std::vector<PrivateDnsName> names;
  };
  std::vector<PrivateDnsZone> PrivateDnsZones() const;

  // Called (on the state thread) after each call that may have changed
  // what PrivateDnsZones returns, and after Start.
  void SetChangeHook(std::function<void()> hook) { changed_ = std::move(hook); }

 private:
  using Namespace = servicediscovery::Namespace;
  using DiscoveryService = servicediscovery::DiscoveryService;
  using Operation = servicediscovery::Operation;

  // Namespaces
  Result<json::object> CreateHttpNamespace(CallContext& ctx, json::object& in);
  Result<json::object> CreatePrivateDnsNamespace(CallContext& ctx, json::object& in);
  Result<json::object> CreatePublicDnsNamespace(CallContext& ctx, json::object& in);
  Result<json::object> GetNamespace(CallContext& ctx, json::object& in);
  Result<json::object> ListNamespaces(CallContext& ctx, json::object& in);
  Result<json::object> DeleteNamespace(CallContext& ctx, json::object& in);
  Result<json::object> UpdateHttpNamespace(CallContext& ctx, json::object& in);
  Result<json::object> UpdatePrivateDnsNamespace(CallContext& ctx, json::object& in);
  Result<json::object> UpdatePublicDnsNamespace(CallContext& ctx, json::object& in);
  // Operations
  Result<json::object> GetOperation(CallContext& ctx, json::object& in);
  Result<json::object> ListOperations(CallContext& ctx, json::object& in);
  // Services
  Result<json::object> CreateService(CallContext& ctx, json::object& in);
  Result<json::object> GetService(CallContext& ctx, json::object& in);
  Result<json::object> ListServices(CallContext& ctx, json::object& in);
  Result<json::object> UpdateService(CallContext& ctx, json::object& in);
  Result<json::object> DeleteService(CallContext& ctx, json::object& in);
  Result<json::object> GetServiceAttributes(CallContext& ctx, json::object& in);
  Result<json::object> UpdateServiceAttributes(CallContext& ctx, json::object& in);
  Result<json::object> DeleteServiceAttributes(CallContext& ctx, json::object& in);
  // Instances
  Result<json::object> RegisterInstance(CallContext& ctx, json::object& in);
  Result<json::object> DeregisterInstance(CallContext& ctx, json::object& in);
  Result<json::object> GetInstance(CallContext& ctx, json::object& in);
  Result<json::object> ListInstances(CallContext& ctx, json::object& in);
  Result<json::object> DiscoverInstances(CallContext& ctx, json::object& in);
  Result<json::object> DiscoverInstancesRevision(CallContext& ctx, json::object& in);
  Result<json::object> GetInstancesHealthStatus(CallContext& ctx, json::object& in);
  Result<json::object> UpdateInstanceCustomHealthStatus(CallContext& ctx, json::object& in);
  // Tags
  Result<json::object> TagResource(CallContext& ctx, json::object& in);
  Result<json::object> UntagResource(CallContext& ctx, json::object& in);
  Result<json::object> ListTagsForResource(CallContext& ctx, json::object& in);

  static const HandlerTable<ServiceDiscoveryService>& Table();

  static std::string Prefix(const CallContext& ctx) { return ctx.region + "/" + ctx.account + "/"; }
  // Shared by the three Create*Namespace calls.
  Result<json::object> CreateNamespace(CallContext& ctx, const json::object& in, servicediscovery::NamespaceType type);
  Result<json::object> UpdateNamespace(CallContext& ctx, const json::object& in, servicediscovery::NamespaceType type);
  Result<const Namespace*> FindNamespace(const CallContext& ctx, const std::string& id) const;
  Result<const DiscoveryService*> FindService(const CallContext& ctx, const std::string& id) const;
  int64_t ServiceCount(const CallContext& ctx, const std::string& namespace_id) const;
  // A new operation over `targets`, stored; answers {"OperationId": id}.
  Result<json::object> StartOperation(const CallContext& ctx, servicediscovery::OperationType type,
                                      std::map<std::string, std::string> targets, std::string creator_request_id = "",
                                      std::string digest = "");
  // The earlier operation started with `creator_request_id` (non-empty), if any.
  const Operation* OperationByRequest(const CallContext& ctx, const std::string& creator_request_id) const;
  std::string NewId(std::string_view prefix);

  Env env_;
  store::TypedCollection<Namespace> namespaces_;
  store::TypedCollection<DiscoveryService> services_;
  store::TypedCollection<Operation> operations_;
  VpcResolver vpc_exists_;
  std::function<void()> changed_;
};

}  // namespace fargo::services
