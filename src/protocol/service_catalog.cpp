#include "protocol/service_catalog.h"

namespace fargo::protocol {

bool KnownService::Speaks(std::string_view protocol) const {
  size_t start = 0;
  while (start <= protocols.size()) {
    size_t end = protocols.find(' ', start);
    if (end == std::string::npos) end = protocols.size();
    if (std::string_view(protocols).substr(start, end - start) == protocol) return true;
    start = end + 1;
  }
  return false;
}

ServiceCatalog::ServiceCatalog()
    : services_{
#include "protocol/service_catalog.inc"
      } {
}

const ServiceCatalog& ServiceCatalog::Instance() {
  static const ServiceCatalog kCatalog;
  return kCatalog;
}

const KnownService* ServiceCatalog::ByName(std::string_view name) const {
  for (const auto& s : services_)
    if (s.name == name) return &s;
  return nullptr;
}

const KnownService* ServiceCatalog::ByTargetPrefix(std::string_view prefix) const {
  for (const auto& s : services_)
    if (!s.target_prefix.empty() && s.target_prefix == prefix) return &s;
  return nullptr;
}

std::vector<const KnownService*> ServiceCatalog::BySigningName(std::string_view signing_name) const {
  std::vector<const KnownService*> out;
  for (const auto& s : services_)
    if (s.signing_name == signing_name) out.push_back(&s);
  return out;
}

std::vector<const KnownService*> ServiceCatalog::ByApiVersion(std::string_view version) const {
  std::vector<const KnownService*> out;
  for (const auto& s : services_)
    if (s.api_version == version && (s.Speaks("query") || s.Speaks("ec2"))) out.push_back(&s);
  return out;
}

}  // namespace fargo::protocol
