// DnsResolver: what the resolver of a VPC answers by itself, as the Amazon
// provided DNS (the VPC's base address + 2, and 169.254.169.253) does:
//
//   * the public names of the AWS services fargo serves, global and regional
//     (<prefix>.amazonaws.com, <prefix>.<region>.amazonaws.com for every
//     endpoint prefix given; S3's virtual-hosted <bucket>.s3[.<region>],
//     s3.dualstack.<region>, s3-<region>, s3-external-1), with fargo's
//     address in that VPC;
//   * EC2's private names ip-10-0-1-5.<region>.compute.internal (and
//     ip-10-0-1-5.ec2.internal in us-east-1) of the VPC's addresses, and the
//     PTR of those addresses; other names in those zones are NXDOMAIN;
//   * names a NameSource knows (load balancers, Cloud Map namespaces): A,
//     AAAA and SRV records (a random one, or a random 8, as the entry's
//     routing says), NXDOMAIN for other names of the source's zones, and no
//     records (NODATA) for a known name without records of the type asked;
//     a CNAME for any type asked, followed by its target's records when the
//     target is a name this resolver answers itself (AWS names, EC2 private
//     names, other source names; up to 8 hops), else alone.
//
// Everything else is to be forwarded (DnsForwarder); malformed queries get
// FORMERR, other opcodes NOTIMP, a response is never answered. Pure and
// thread-safe (the NameSource must be too).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/dns/dns_message.h"
#include "dataplane/dns/dns_name_table.h"

namespace fargo::dataplane::dns {

// One VPC as its resolver sees it.
struct DnsVpcView {
  std::string vpc_id;
  std::string region;       // "us-east-1"
  uint32_t cidr_base = 0;   // host order
  int cidr_prefix = 32;
  uint32_t fargo_address = 0;  // where the AWS names lead (host order)

  bool Contains(uint32_t ip) const;
  // The VPC's resolver address (base + 2).
  uint32_t ResolverAddress() const { return cidr_base + 2; }
  // "ec2.internal" in us-east-1, "<region>.compute.internal" elsewhere.
  std::string PrivateZone() const;
  // From "10.0.0.0/16" and "169.254.170.2"; nullopt when either is bad.
  static std::optional<DnsVpcView> Make(std::string vpc_id, std::string region, const std::string& cidr,
                                        const std::string& fargo_address);
};

class DnsResolver {
 public:
  struct Options {
    // Endpoint prefixes of the services served ("s3", "sts", "logs",
    // "elasticloadbalancing", ...), from their models' metadata.
    std::vector<std::string> service_prefixes;
    uint32_t ttl = 60;
    uint16_t udp_size = 1232;  // announced in the OPT of answers to EDNS queries
  };
  // What the source knows of `name` (lower case, no trailing dot) seen from
  // VPC `vpc_id`: its records, NXDOMAIN (inside a zone of the source's), or
  // nothing (kUnknown: forwarded). Called on the resolver's thread: must
  // not block; thread-safe (DnsNameSnapshot::Source is).
  using NameSource = std::function<DnsNameLookup(const std::string& vpc_id, const std::string& name)>;

  enum class Outcome { kAnswer, kForward, kDrop };
  struct Answer {
    Outcome outcome = Outcome::kDrop;
    std::string wire;   // kAnswer: the response
    DnsMessage query;   // the parsed query (its EDNS size; SERVFAIL when forwarding fails)
  };

  DnsResolver(Options options, NameSource source);

  Answer Resolve(const DnsVpcView& vpc, std::string_view query) const;

  // Whether `name` (lower case) is one of the AWS names fargo answers.
  bool IsServiceName(std::string_view name) const;

  // SERVFAIL to `query` (a forwarded query nobody answered).
  std::string ServFail(const DnsMessage& query) const;
  // `response` cut to its header and question with TC set when it is longer
  // than `limit` (UDP); unchanged otherwise.
  static std::string TruncateForUdp(std::string response, size_t limit);
  // The UDP payload size a query allows: 512, or its OPT's (512..65535).
  static size_t UdpLimit(const DnsMessage& query);

 private:
  std::string Encode(DnsMessage m, const DnsMessage& query) const;
  DnsRecord SoaFor(const std::string& zone) const;
  void AnswerFromSource(const DnsVpcView& vpc, const DnsNameLookup& found, const std::string& owner, uint16_t type,
                        DnsMessage& r) const;
  void Chase(const DnsVpcView& vpc, const std::string& name, uint16_t type, DnsMessage& r, int depth) const;

  Options options_;
  NameSource source_;
};

}  // namespace fargo::dataplane::dns
