#include "runtime/namespace_filter.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "runtime/ipv4.h"
#include "runtime/netns.h"

extern char** environ;

namespace fargo::runtime {

namespace {

constexpr const char* kEni = "eth0";  // the task side of its ENI (VpcFabric)
constexpr const char* kIn = "FARGO-SG-IN";
constexpr const char* kOut = "FARGO-SG-OUT";

AwsError Internal(std::string message) { return AwsError::Make("InternalError", std::move(message), 500); }

// "-p tcp -m tcp --dport 80:90", "" for all protocols; nullopt when
// iptables cannot match the protocol for IPv4.
std::optional<std::string> MatchOf(const SecurityRule& r) {
  const std::string& p = r.protocol;
  if (p == "-1" || p == "all") return std::string();
  if (p == "tcp" || p == "udp") {
    if (r.from_port < 0) return "-p " + p;
    std::string range = std::to_string(r.from_port);
    if (r.to_port != r.from_port && r.to_port >= 0) range += ":" + std::to_string(r.to_port);
    return "-p " + p + " -m " + p + " --dport " + range;
  }
  if (p == "icmp") {
    if (r.from_port < 0) return std::string("-p icmp");
    std::string type = std::to_string(r.from_port);
    if (r.to_port >= 0) type += "/" + std::to_string(r.to_port);
    return "-p icmp -m icmp --icmp-type " + type;
  }
  if (p.empty() || p.size() > 3 || p == "icmpv6" || p == "58") return std::nullopt;
  for (char c : p)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  if (std::stoi(p) > 255) return std::nullopt;
  return "-p " + p;
}

// One ACCEPT per rule and peer; `own` ("-d 10.0.1.9/32 ") narrows each.
void Rules(std::string& out, const char* chain, const char* peer_flag, const std::vector<SecurityRule>& rules,
           const std::string& own = "") {
  for (const auto& r : rules) {
    auto match = MatchOf(r);
    if (!match) continue;
    for (const auto& c : r.cidrs) {
      out += "-A ";
      out += chain;
      if (!own.empty()) out += " " + own;
      if (c != "0.0.0.0/0") out += std::string(" ") + peer_flag + " " + c;
      if (!match->empty()) out += " " + *match;
      out += " -j ACCEPT\n";
    }
  }
}

std::string Offset(const std::string& cidr, uint32_t n) {
  auto c = ParseCidr(cidr);
  return c ? FormatIpv4(c->base + n) : std::string();
}

}  // namespace

std::string RenderNamespaceFilter(const SecurityFilter& filter, const FilterPlace& place) {
  std::string out = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
  if (filter.Open()) return out + "COMMIT\n";
  out += std::string(":") + kIn + " - [0:0]\n:" + kOut + " - [0:0]\n";
  out += std::string("-A INPUT -i ") + kEni + " -j " + kIn + "\n";
  out += std::string("-A OUTPUT -o ") + kEni + " -j " + kOut + "\n";
  std::string router = Offset(place.subnet_cidr, 1), resolver = Offset(place.vpc_cidr, 2);
  // In: replies, fargo's side, the VPC router; then the rules.
  if (SecurityFilter::AllowsAll(filter.ingress)) {
    out += std::string("-A ") + kIn + " -j ACCEPT\n";
  } else {
    out += std::string("-A ") + kIn + " -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n";
    out += std::string("-A ") + kIn + " -s 169.254.0.0/16 -j ACCEPT\n";
    if (!router.empty()) out += std::string("-A ") + kIn + " -s " + router + "/32 -j ACCEPT\n";
    Rules(out, kIn, "-s", filter.ingress);
    out += std::string("-A ") + kIn + " -j DROP\n";
  }
  // Out: replies, fargo's services; then the rules.
  if (SecurityFilter::AllowsAll(filter.egress)) {
    out += std::string("-A ") + kOut + " -j ACCEPT\n";
  } else {
    out += std::string("-A ") + kOut + " -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n";
    for (const char* d : {"169.254.170.2/32", "169.254.170.3/32", "169.254.172.0/22"})
      out += std::string("-A ") + kOut + " -d " + d + " -j ACCEPT\n";
    for (const std::string& dns : {resolver, std::string("169.254.169.253")})
      if (!dns.empty())
        for (const char* p : {"udp", "tcp"})
          out += std::string("-A ") + kOut + " -d " + dns + "/32 -p " + p + " -m " + p + " --dport 53 -j ACCEPT\n";
    if (!router.empty()) out += std::string("-A ") + kOut + " -d " + router + "/32 -j ACCEPT\n";
    Rules(out, kOut, "-d", filter.egress);
    out += std::string("-A ") + kOut + " -j DROP\n";
  }
  return out + "COMMIT\n";
}

std::string RenderBalancerFilter(const std::vector<BalancerFilter>& lbs, bool add_input_jump, bool add_output_jump) {
  const std::string in = kBalancerInChain, out_chain = kBalancerOutChain;
  std::string out = "*filter\n:" + in + " - [0:0]\n:" + out_chain + " - [0:0]\n";
  if (add_input_jump) out += "-I INPUT 1 -j " + in + "\n";
  if (add_output_jump) out += "-I OUTPUT 1 -j " + out_chain + "\n";
  bool any = false;
  for (const auto& lb : lbs) any |= !lb.addresses.empty();
  if (any) {
    out += "-A " + in + " -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n";
    out += "-A " + out_chain + " -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n";
  }
  for (const auto& lb : lbs)
    for (const auto& a : lb.addresses) {
      std::string to = "-d " + a + "/32", from = "-s " + a + "/32";
      out += "-A " + in + " " + to + " -s 169.254.0.0/16 -j ACCEPT\n";
      Rules(out, kBalancerInChain, "-s", lb.filter.ingress, to);
      out += "-A " + in + " " + to + " -j DROP\n";
      Rules(out, kBalancerOutChain, "-d", lb.filter.egress, from);
      out += "-A " + out_chain + " " + from + " -j DROP\n";
    }
  return out + "COMMIT\n";
}

Status ApplyNamespaceFilter(int netns_fd, const std::string& rules) {
  return RunInNetns(netns_fd, [&]() -> Status {
    // A process spawned from this thread lives in its namespace.
    int in[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0) return Internal("pipe: " + std::string(strerror(errno)));
    if (pipe2(err, O_CLOEXEC) != 0) {
      close(in[0]);
      close(in[1]);
      return Internal("pipe: " + std::string(strerror(errno)));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    const char* argv[] = {"iptables-restore", "-w", nullptr};
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(err[1]);
    if (rc == 0) {
      size_t off = 0;
      while (off < rules.size()) {
        ssize_t n = write(in[1], rules.data() + off, rules.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
    }
    close(in[1]);
    std::string message;
    char buf[1024];
    for (;;) {
      ssize_t n = read(err[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      message.append(buf, static_cast<size_t>(n));
    }
    close(err[0]);
    if (rc != 0) return Internal("cannot run iptables-restore: " + std::string(strerror(rc)));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return OkStatus();
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Internal("iptables-restore failed: " + message);
  });
}

}  // namespace fargo::runtime
