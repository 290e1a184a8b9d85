// ServiceCatalog: how clients address every service botocore knows (its
// protocols, X-Amz-Target prefix, SigV4 signing name, endpoint prefix, JSON
// and API versions, XML namespace), generated into service_catalog.inc by
// tools/gen_service_catalog.py. The router uses it to recognise a request to
// a service fargo does not serve and answer in that service's protocol.
// Immutable: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fargo::protocol {

struct KnownService {
  std::string name;         // botocore's: "servicediscovery"
  std::string protocols;    // space-separated, preferred first: "json", "smithy-rpc-v2-cbor json query"
  std::string target_prefix;
  std::string signing_name;
  std::string endpoint_prefix;
  std::string json_version;
  std::string api_version;
  std::string xml_namespace;
  std::string service_id;   // "ServiceDiscovery"

  bool Speaks(std::string_view protocol) const;
};

class ServiceCatalog {
 public:
  static const ServiceCatalog& Instance();
  const std::vector<KnownService>& all() const { return services_; }
  const KnownService* ByName(std::string_view name) const;
  const KnownService* ByTargetPrefix(std::string_view prefix) const;
  // The services signed for `signing_name` (several share one: "rds").
  std::vector<const KnownService*> BySigningName(std::string_view signing_name) const;
  // Query services whose API version is `version`.
  std::vector<const KnownService*> ByApiVersion(std::string_view version) const;

 private:
  ServiceCatalog();
  std::vector<KnownService> services_;
};

}  // namespace fargo::protocol
