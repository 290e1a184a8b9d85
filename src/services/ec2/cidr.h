// IPv4/IPv6 CIDR arithmetic for VPC and subnet ranges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fargo::services::ec2 {

// An IPv4 network: `base` has no bits set below `prefix`.
struct Ipv4Cidr {
  uint32_t base = 0;
  int prefix = 0;

  // Number of addresses in the block (2^(32-prefix)).
  uint64_t Size() const { return uint64_t{1} << (32 - prefix); }
  uint32_t Mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  // The last address of the block.
  uint32_t Last() const { return base | ~Mask(); }
  std::string ToString() const;
};

// Parses a dotted-quad address ("10.0.0.1").
std::optional<uint32_t> ParseIpv4(std::string_view text);
std::string FormatIpv4(uint32_t addr);

// Parses "a.b.c.d/n". With `strict`, host bits below the prefix must be zero
// (as EC2 requires for VPC and subnet blocks); otherwise they are cleared.
std::optional<Ipv4Cidr> ParseIpv4Cidr(std::string_view text, bool strict = true);

// true if every address of `inner` is in `outer`.
bool Contains(const Ipv4Cidr& outer, const Ipv4Cidr& inner);
// true if the blocks share at least one address.
bool Overlaps(const Ipv4Cidr& a, const Ipv4Cidr& b);

// true if `text` is a syntactically valid IPv6 CIDR ("2001:db8::/56").
bool IsIpv6Cidr(std::string_view text);

}  // namespace fargo::services::ec2
