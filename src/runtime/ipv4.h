// IPv4 addresses and CIDR blocks, and the subnet address plan used to give a
// task exactly one address from its subnet.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace fargo::runtime {

std::optional<uint32_t> ParseIpv4(std::string_view text);
std::string FormatIpv4(uint32_t addr);

struct Cidr {
  uint32_t base = 0;  // network address (host bits zero)
  int prefix = 0;     // 0..32

  uint64_t Size() const { return uint64_t{1} << (32 - prefix); }
  uint32_t Mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  bool Contains(uint32_t addr) const { return (addr & Mask()) == base; }
  // True if every address of `inner` is in this block.
  bool Covers(const Cidr& inner) const { return inner.prefix >= prefix && Contains(inner.base); }
  std::string ToString() const;
};

// Parses "10.0.1.0/24"; host bits must be zero. nullopt when malformed.
std::optional<Cidr> ParseCidr(std::string_view text);

// The addresses a task may get in `subnet`, as AWS hands them out: the first
// four (network, router, DNS, reserved) and the last (broadcast) are never
// used. Picks the first free address at or after base + 4 + (hint % usable),
// wrapping around, skipping `used`. nullopt when the subnet is full.
std::optional<uint32_t> AllocateSubnetAddress(const Cidr& subnet, const std::set<uint32_t>& used,
                                              uint64_t hint = 0);

}  // namespace fargo::runtime
