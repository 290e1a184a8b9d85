#include "services/s3/s3_address.h"

#include <cctype>

#include "common/strings.h"

namespace fargo::services::s3 {

std::optional<std::string> VirtualHostBucket(std::string_view host) {
  std::string h = ToLower(host);
  if (!h.empty() && h.front() == '[') return std::nullopt;  // IPv6 literal
  if (auto colon = h.rfind(':'); colon != std::string::npos) h.resize(colon);
  size_t best = std::string::npos;
  for (const char* marker : {".s3.", ".s3-", ".localhost"}) {
    size_t at = h.find(marker);
    if (at != std::string::npos && at < best) {
      // ".localhost" must end the host or start a further label.
      if (std::string_view(marker) == ".localhost") {
        size_t after = at + 10;
        if (after != h.size() && h[after] != '.') continue;
      }
      best = at;
    }
  }
  if (best == std::string::npos || best == 0) return std::nullopt;
  std::string bucket = h.substr(0, best);
  // "s3.localhost.localstack.cloud" names the endpoint, not a bucket.
  if (bucket == "s3" && h.compare(best, 10, ".localhost") == 0) return std::nullopt;
  return bucket;
}

S3Address ParseAddress(std::string_view host, std::string_view raw_path) {
  S3Address a;
  std::string_view path = raw_path;
  if (auto b = VirtualHostBucket(host)) {
    a.bucket = *b;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    a.key = UrlDecode(path, false);
    return a;
  }
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t slash = path.find('/');
  a.bucket = UrlDecode(path.substr(0, slash), false);
  if (slash != std::string_view::npos) a.key = UrlDecode(path.substr(slash + 1), false);
  return a;
}

bool IsValidBucketName(std::string_view n) {
  if (n.size() < 3 || n.size() > 63) return false;
  for (char c : n)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '.' || c == '-'))
      return false;
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(n.front()) || !alnum(n.back())) return false;
  if (n.find("..") != std::string_view::npos || n.find(".-") != std::string_view::npos ||
      n.find("-.") != std::string_view::npos)
    return false;
  if (StartsWith(n, "xn--") || StartsWith(n, "sthree-") || EndsWith(n, "-s3alias") ||
      EndsWith(n, "--ol-s3") || EndsWith(n, ".mrap") || EndsWith(n, "--x-s3"))
    return false;
  // Not formatted as an IPv4 address.
  auto parts = Split(n, '.');
  if (parts.size() == 4) {
    bool ip = true;
    for (const auto& p : parts) {
      if (p.empty() || p.size() > 3) ip = false;
      for (char c : p)
        if (!std::isdigit(static_cast<unsigned char>(c))) ip = false;
    }
    if (ip) return false;
  }
  return true;
}

}  // namespace fargo::services::s3
