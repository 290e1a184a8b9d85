// DnsNamePublisher: keeps the VPC resolvers' name table (Cloud Map private
// DNS namespaces, load balancer DNS names) in step with the services. The
// services call Changed() on the state thread after each change; the
// rebuild is posted to the state thread once for any number of changes in a
// row, builds a new immutable DnsNameTable from the services' plain data and
// publishes it to the DnsNameSnapshot the resolvers read from their own
// thread. The DNS loop never waits on the state thread.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "dataplane/dns/dns_name_snapshot.h"
#include "services/elbv2/elbv2_service.h"
#include "services/servicediscovery/servicediscovery_service.h"

namespace fargo::cli {

class DnsNamePublisher : public std::enable_shared_from_this<DnsNamePublisher> {
 public:
  using Post = std::function<void(std::function<void()>)>;  // onto the state thread
  DnsNamePublisher(const services::ServiceDiscoveryService& cloudmap, const services::Elbv2Service& elbv2,
                   dataplane::dns::DnsNameSnapshot& snapshot, Post post)
      : cloudmap_(cloudmap), elbv2_(elbv2), snapshot_(snapshot), post_(std::move(post)) {}

  // REQUIRES: on the state thread; owned by a shared_ptr (the posted
  // rebuild keeps it alive).
  void Changed();
  // Builds and publishes now. REQUIRES: on the state thread.
  void Rebuild();

  // The table those services' names make (pure).
  static std::shared_ptr<const dataplane::dns::DnsNameTable> Build(
      const std::vector<services::ServiceDiscoveryService::PrivateDnsZone>& zones,
      const std::vector<services::Elbv2Service::LoadBalancerDns>& load_balancers);

 private:
  const services::ServiceDiscoveryService& cloudmap_;
  const services::Elbv2Service& elbv2_;
  dataplane::dns::DnsNameSnapshot& snapshot_;
  Post post_;
  bool pending_ = false;  // state thread only
};

}  // namespace fargo::cli
