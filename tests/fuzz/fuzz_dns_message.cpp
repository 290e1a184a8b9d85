// A DNS message as any task in a VPC may send it to the VPC's resolver: the
// parser, the encoder on what it parsed, and the resolver's whole answer.
#include <cstdint>
#include <string>

#include "dataplane/dns/dns_message.h"
#include "dataplane/dns/dns_resolver.h"

using namespace fargo::dataplane::dns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view wire(reinterpret_cast<const char*>(data), size);
  auto m = ParseDnsMessage(wire);
  if (m.ok()) {
    auto again = EncodeDnsMessage(*m);
    if (again.ok()) {
      auto back = ParseDnsMessage(*again);
      if (!back.ok()) __builtin_trap();  // what we write we must read
    }
  }
  static const DnsResolver resolver({{"s3", "sts", "logs"}, 60, 1232},
                                    [](const std::string&, const std::string& name) -> std::vector<std::string> {
                                      if (name.size() % 7 == 0) return {"10.0.0.9", "fd00::1", "bad"};
                                      return {};
                                    });
  static const DnsVpcView vpc = *DnsVpcView::Make("vpc-1", "us-east-1", "10.0.0.0/16", "169.254.170.2");
  auto a = resolver.Resolve(vpc, wire);
  if (a.outcome == DnsResolver::Outcome::kAnswer) (void)DnsResolver::TruncateForUdp(a.wire, 512);
  if (a.outcome == DnsResolver::Outcome::kForward) (void)resolver.ServFail(a.query);
  return 0;
}
