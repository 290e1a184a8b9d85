#include "dataplane/dns/dns_name_table.h"

namespace fargo::dataplane::dns {

void DnsNameTable::AddZone(const std::string& vpc_id, const std::string& zone) { zones_[vpc_id].insert(zone); }

void DnsNameTable::AddName(const std::string& vpc_id, const std::string& name, DnsNameEntry entry) {
  auto [it, fresh] = names_[vpc_id].try_emplace(name, std::move(entry));
  if (fresh) return;
  DnsNameEntry& e = it->second;
  e.addresses.insert(e.addresses.end(), entry.addresses.begin(), entry.addresses.end());
  e.srv.insert(e.srv.end(), entry.srv.begin(), entry.srv.end());
  e.cnames.insert(e.cnames.end(), entry.cnames.begin(), entry.cnames.end());
}

DnsNameLookup DnsNameTable::Find(const std::string& vpc_id, const std::string& name) const {
  DnsNameLookup out;
  // The longest zone holding the name.
  if (auto z = zones_.find(vpc_id); z != zones_.end()) {
    for (const std::string& zone : z->second) {
      bool inside = name == zone ||
                    (name.size() > zone.size() && name.compare(name.size() - zone.size(), zone.size(), zone) == 0 &&
                     name[name.size() - zone.size() - 1] == '.');
      if (inside && zone.size() > out.zone.size()) out.zone = zone;
    }
  }
  if (auto v = names_.find(vpc_id); v != names_.end()) {
    if (auto n = v->second.find(name); n != v->second.end()) {
      out.kind = DnsNameLookup::Kind::kFound;
      out.entry = n->second;
      return out;
    }
  }
  if (!out.zone.empty()) out.kind = name == out.zone ? DnsNameLookup::Kind::kFound : DnsNameLookup::Kind::kNxDomain;
  return out;
}

}  // namespace fargo::dataplane::dns
