#include "runtime/vpc_rules.h"

#include <algorithm>

#include "common/strings.h"
#include "runtime/namespace_filter.h"

namespace fargo::runtime {

namespace {

bool Has(const std::vector<std::string>& words, std::string_view a, std::string_view b) {
  for (size_t i = 0; i + 1 < words.size(); ++i)
    if (words[i] == a && words[i + 1] == b) return true;
  return false;
}

}  // namespace

VpcRules::State VpcRules::Parse(std::string_view iptables_save) {
  State s;
  std::string table;
  for (const auto& raw : Split(iptables_save, '\n')) {
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '*') {
      table = line.substr(1);
      continue;
    }
    if (line[0] == ':') {
      // ":FARGO-EGRESS - [0:0]"
      if (table == "filter" && line.compare(1, std::string(kEgressChain).size() + 1, std::string(kEgressChain) + " ") == 0)
        s.egress_chain = true;
      continue;
    }
    auto words = Split(line, ' ');
    if (words.size() < 2 || words[0] != "-A") continue;
    const std::string& chain = words[1];
    if (table == "nat") {
      if (chain == "PREROUTING" && Has(words, "-j", kServiceChain)) s.service_jump = true;
      if (chain == "POSTROUTING" && Has(words, "-o", kUplinkInside) && Has(words, "-j", "MASQUERADE"))
        s.masquerade = true;
    } else if (table == "filter") {
      if (chain == "FORWARD" && Has(words, "-o", kUplinkInside) && Has(words, "-j", kUplinkChain))
        s.forward_jump = true;
      if (chain == "INPUT" && Has(words, "-j", kBalancerInChain)) s.balancer_in_jump = true;
      if (chain == "OUTPUT" && Has(words, "-j", kBalancerOutChain)) s.balancer_out_jump = true;
      if (chain == kEgressChain)
        for (size_t i = 0; i + 1 < words.size(); ++i)
          if (words[i] == "-s") {
            std::string a = words[i + 1];
            if (auto slash = a.find('/'); slash != std::string::npos) a.resize(slash);
            s.egress.insert(a);
          }
    }
  }
  return s;
}

std::vector<std::string> VpcRules::ServiceRules(const std::string& instance_address,
                                                const std::vector<Redirect>& redirects) {
  std::vector<std::string> out;
  for (const auto& r : redirects) {
    std::string rule = "-A " + std::string(kServiceChain) + " -d " + r.from_ip + "/32 -p tcp";
    if (r.from_port) rule += " --dport " + std::to_string(r.from_port);
    rule += " -j DNAT --to-destination " + instance_address + (r.to_port ? ":" + std::to_string(r.to_port) : "");
    out.push_back(std::move(rule));
  }
  return out;
}

std::string VpcRules::Plan(const State& have, const std::vector<std::string>& service_addresses,
                           const std::optional<std::vector<std::string>>& service_rules, State* next) {
  State n = have;
  // Per table: chain declarations (":X - [0:0]" makes the chain, or empties
  // one that exists) before the rules.
  std::string nat_chains, nat_rules, filter_chains, filter_rules;
  const std::string svc(kServiceChain), uplink(kUplinkChain), egress(kEgressChain);
  if (service_rules && have.service_rules != service_rules) {
    nat_chains += ":" + svc + " - [0:0]\n";
    for (const auto& r : *service_rules) nat_rules += r + "\n";
    n.service_rules = service_rules;
  }
  if (service_rules && !have.service_jump) {
    nat_rules += "-A PREROUTING -j " + svc + "\n";
    n.service_jump = true;
  }
  // Replies from the host come back to the uplink's address: the host needs
  // no route to the VPC's (possibly overlapping) addresses.
  if (!have.masquerade) {
    nat_rules += "-A POSTROUTING -o " + std::string(kUplinkInside) + " -j MASQUERADE\n";
    n.masquerade = true;
  }
  if (!have.egress_chain) {
    filter_chains += ":" + egress + " - [0:0]\n";
    n.egress_chain = true;
  }
  if (!have.uplink_chain) {
    filter_chains += ":" + uplink + " - [0:0]\n";
    filter_rules += "-A " + uplink + " -m conntrack --ctstate RELATED,ESTABLISHED --ctdir REPLY -j ACCEPT\n";
    for (const auto& a : service_addresses) filter_rules += "-A " + uplink + " -d " + a + "/32 -j ACCEPT\n";
    filter_rules += "-A " + uplink + " -m conntrack --ctstate DNAT -j ACCEPT\n";
    filter_rules += "-A " + uplink + " -j " + egress + "\n";
    filter_rules += "-A " + uplink + " -j DROP\n";
    n.uplink_chain = true;
  }
  if (!have.forward_jump) {
    filter_rules += "-A FORWARD -o " + std::string(kUplinkInside) + " -j " + uplink + "\n";
    n.forward_jump = true;
  }
  std::string text;
  if (!nat_chains.empty() || !nat_rules.empty()) text += "*nat\n" + nat_chains + nat_rules + "COMMIT\n";
  if (!filter_chains.empty() || !filter_rules.empty()) text += "*filter\n" + filter_chains + filter_rules + "COMMIT\n";
  if (next) *next = std::move(n);
  return text;
}

}  // namespace fargo::runtime
