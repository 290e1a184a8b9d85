#include "cli/dns_name_publisher.h"

#include <algorithm>

namespace fargo::cli {

namespace {
uint32_t Ttl(int64_t ttl) { return static_cast<uint32_t>(std::clamp<int64_t>(ttl, 0, 2147483647)); }
}  // namespace

void DnsNamePublisher::Changed() {
  if (pending_) return;
  pending_ = true;
  post_([self = shared_from_this()] {
    self->pending_ = false;
    self->Rebuild();
  });
}

void DnsNamePublisher::Rebuild() {
  snapshot_.Publish(Build(cloudmap_.PrivateDnsZones(), elbv2_.LoadBalancerDnsNames()));
}

std::shared_ptr<const dataplane::dns::DnsNameTable> DnsNamePublisher::Build(
    const std::vector<services::ServiceDiscoveryService::PrivateDnsZone>& zones,
    const std::vector<services::Elbv2Service::LoadBalancerDns>& load_balancers) {
  auto table = std::make_shared<dataplane::dns::DnsNameTable>();
  for (const auto& z : zones) {
    table->AddZone(z.vpc_id, z.zone);
    for (const auto& n : z.names) {
      dataplane::dns::DnsNameEntry e;
      e.addresses = n.ipv4;
      e.addresses.insert(e.addresses.end(), n.ipv6.begin(), n.ipv6.end());
      for (const auto& [port, target] : n.srv)
        e.srv.push_back({1, 1, static_cast<uint16_t>(std::clamp<int64_t>(port, 0, 65535)), target});
      e.ttl_a = Ttl(n.ttl_a);
      e.ttl_aaaa = Ttl(n.ttl_aaaa);
      e.ttl_srv = Ttl(n.ttl_srv);
      e.cnames = n.cnames;
      e.ttl_cname = Ttl(n.ttl_cname);
      // Route 53: weighted answers one record, multivalue up to eight.
      e.max_answers = n.one_answer ? 1 : 8;
      table->AddName(z.vpc_id, n.name, std::move(e));
    }
  }
  for (const auto& lb : load_balancers) {
    dataplane::dns::DnsNameEntry e;
    e.addresses = lb.addresses;  // none yet: a known name without records
    e.ttl_a = e.ttl_aaaa = 60;
    table->AddName(lb.vpc_id, lb.dns_name, std::move(e));
  }
  return table;
}

}  // namespace fargo::cli
