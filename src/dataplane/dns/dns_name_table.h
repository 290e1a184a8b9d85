// DnsNameTable: the names a VPC's resolver answers from other parts of
// fargo (Cloud Map private DNS namespaces, load balancers), as plain data:
// per VPC, zones it is authoritative for and names with their records.
// Built whole on the state thread and never changed once published
// (DnsNameSnapshot), so the resolver reads it from its own thread without
// locks.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fargo::dataplane::dns {

struct DnsSrvTarget {
  uint16_t priority = 1, weight = 1, port = 0;
  std::string target;  // lower case, no trailing dot
};

// The records of one name.
struct DnsNameEntry {
  std::vector<std::string> addresses;  // "10.0.1.7", "fd00::1": A and AAAA
  std::vector<DnsSrvTarget> srv;
  // A CNAME (one of these, at random): the name has no other records.
  std::vector<std::string> cnames;  // lower case, no trailing dot
  uint32_t ttl_a = 60, ttl_aaaa = 60, ttl_srv = 60, ttl_cname = 60;
  // How many records of a type one answer carries: 1 for Route 53's
  // weighted routing (one picked at random), 8 for multivalue answers (a
  // random 8 when there are more); 0: all of them.
  size_t max_answers = 0;
};

// What the table says of a name seen from a VPC.
struct DnsNameLookup {
  enum class Kind { kUnknown, kNxDomain, kFound };
  Kind kind = Kind::kUnknown;
  DnsNameEntry entry;  // kFound
  std::string zone;    // the authoritative zone holding the name ("" : none)
};

class DnsNameTable {
 public:
  // Makes the table authoritative for `zone` (lower case) in `vpc_id`: a
  // name at or under it that has no entry is NXDOMAIN (the zone's apex:
  // no records).
  void AddZone(const std::string& vpc_id, const std::string& zone);
  // `name` (lower case, no trailing dot) answers `entry` in `vpc_id`;
  // adding a name twice merges the records.
  void AddName(const std::string& vpc_id, const std::string& name, DnsNameEntry entry);

  // `name` lower case, no trailing dot.
  DnsNameLookup Find(const std::string& vpc_id, const std::string& name) const;
  bool empty() const { return names_.empty() && zones_.empty(); }

 private:
  std::map<std::string, std::map<std::string, DnsNameEntry>> names_;  // vpc -> name -> records
  std::map<std::string, std::set<std::string>> zones_;                // vpc -> zones
};

}  // namespace fargo::dataplane::dns
