#include "runtime/ipv4.h"

#include <charconv>

namespace fargo::runtime {

std::optional<uint32_t> ParseIpv4(std::string_view text) {
  uint32_t addr = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    unsigned octet = 0;
    auto [next, ec] = std::from_chars(p, end, octet);
    if (ec != std::errc() || next == p || next - p > 3 || octet > 255) return std::nullopt;
    p = next;
    addr = (addr << 8) | octet;
  }
  if (p != end) return std::nullopt;
  return addr;
}

std::string FormatIpv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::string Cidr::ToString() const { return FormatIpv4(base) + "/" + std::to_string(prefix); }

std::optional<Cidr> ParseCidr(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = ParseIpv4(text.substr(0, slash));
  if (!addr) return std::nullopt;
  std::string_view p = text.substr(slash + 1);
  int prefix = -1;
  auto [next, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
  if (ec != std::errc() || next != p.data() + p.size() || prefix < 0 || prefix > 32) {
    return std::nullopt;
  }
  Cidr c{*addr, prefix};
  if ((c.base & c.Mask()) != c.base) return std::nullopt;
  return c;
}

std::optional<uint32_t> AllocateSubnetAddress(const Cidr& subnet, const std::set<uint32_t>& used,
                                              uint64_t hint) {
  if (subnet.Size() <= 5) return std::nullopt;
  uint64_t usable = subnet.Size() - 5;
  for (uint64_t i = 0; i < usable; ++i) {
    uint32_t addr = subnet.base + 4 + static_cast<uint32_t>((hint + i) % usable);
    if (!used.count(addr)) return addr;
  }
  return std::nullopt;
}

}  // namespace fargo::runtime
