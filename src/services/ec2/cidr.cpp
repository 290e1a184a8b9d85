#include "services/ec2/cidr.h"

#include <arpa/inet.h>

#include <charconv>

namespace fargo::services::ec2 {

std::string Ipv4Cidr::ToString() const { return FormatIpv4(base) + "/" + std::to_string(prefix); }

std::optional<uint32_t> ParseIpv4(std::string_view text) {
  uint32_t addr = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    if (j == i || j - i > 3) return std::nullopt;
    if (j - i > 1 && text[i] == '0') return std::nullopt;  // no octal-looking octets
    unsigned octet = 0;
    std::from_chars(text.data() + i, text.data() + j, octet);
    if (octet > 255) return std::nullopt;
    addr = (addr << 8) | octet;
    ++parts;
    if (parts < 4) {
      if (j >= text.size() || text[j] != '.') return std::nullopt;
      i = j + 1;
    } else if (j != text.size()) {
      return std::nullopt;
    }
  }
  return addr;
}

std::string FormatIpv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::optional<Ipv4Cidr> ParseIpv4Cidr(std::string_view text, bool strict) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = ParseIpv4(text.substr(0, slash));
  if (!addr) return std::nullopt;
  std::string_view bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 2) return std::nullopt;
  int prefix = 0;
  auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
  if (ec != std::errc() || p != bits.data() + bits.size() || prefix < 0 || prefix > 32)
    return std::nullopt;
  Ipv4Cidr c{*addr, prefix};
  if ((c.base & ~c.Mask()) != 0) {
    if (strict) return std::nullopt;
    c.base &= c.Mask();
  }
  return c;
}

bool Contains(const Ipv4Cidr& outer, const Ipv4Cidr& inner) {
  return inner.prefix >= outer.prefix && (inner.base & outer.Mask()) == outer.base;
}

bool Overlaps(const Ipv4Cidr& a, const Ipv4Cidr& b) { return Contains(a, b) || Contains(b, a); }

bool IsIpv6Cidr(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  std::string addr(text.substr(0, slash));
  std::string_view bits = text.substr(slash + 1);
  int prefix = -1;
  auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
  if (bits.empty() || ec != std::errc() || p != bits.data() + bits.size() || prefix < 0 || prefix > 128)
    return false;
  unsigned char buf[16];
  return inet_pton(AF_INET6, addr.c_str(), buf) == 1;
}

}  // namespace fargo::services::ec2
