#include "runtime/vpc_fabric.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <unistd.h>

#include "common/strings.h"
#include "runtime/ipv4.h"
#include "runtime/netlink.h"
#include "runtime/netns.h"

extern char** environ;

namespace fargo::runtime {

namespace {

constexpr const char* kBridge = "vpc0";
constexpr const char* kUplinkInside = "up0";
// Uplinks are /30s of 169.254.128.0/17, 8192 of them.
constexpr uint32_t kUplinkBase = (169u << 24) | (254u << 16) | (128u << 8);
constexpr uint32_t kUplinkSlots = 8192;

std::string Hex(uint64_t v, int digits) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return std::string(buf + 16 - digits);
}

// Runs argv to completion; ok on exit status 0.
Status Run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return AwsError::Make("InternalError", "cannot run " + argv[0] + ": " + strerror(rc), 500);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return OkStatus();
  std::string cmd;
  for (auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  return AwsError::Make("InternalError", "'" + cmd + "' failed", 500);
}

}  // namespace

VpcFabric::VpcFabric(Options options)
    : options_(std::move(options)), prefix_("fargo-" + Hex(Fnv1a(options_.instance), 8) + "-") {}

std::string VpcFabric::NamespaceOf(const std::string& vpc_id) const { return prefix_ + vpc_id; }

std::string VpcFabric::VethName(const std::string& eni_id) { return "e" + Hex(Fnv1a(eni_id), 14); }

std::string VpcFabric::RouterMac(const std::string& vpc_id) {
  std::string h = Hex(Fnv1a(vpc_id), 10);  // locally administered, unicast: 02:..
  std::string mac = "02";
  for (size_t i = 0; i < h.size(); i += 2) mac += ":" + h.substr(i, 2);
  return mac;
}

std::string VpcFabric::UplinkName(const std::string& vpc_id) const {
  return "fu" + Hex(Fnv1a(NamespaceOf(vpc_id)), 13);
}

std::vector<std::string> VpcFabric::Vpcs() const {
  std::vector<std::string> out;
  for (auto& n : ListNamedNetns(prefix_)) out.push_back(n.substr(prefix_.size()));
  return out;
}

Status VpcFabric::EnsureVpc(const std::string& vpc_id) {
  std::lock_guard<std::mutex> l(mu_);
  std::string ns = NamespaceOf(vpc_id);
  if (!OpenNamedNetns(ns).ok()) {
    FARGO_TRY(CreateNamedNetns(ns));
    NoteFreshVpc(vpc_id);  // made now: no rules to read
  }
  FARGO_ASSIGN_OR_RETURN(UniqueFd fd, OpenNamedNetns(ns));
  FARGO_ASSIGN_OR_RETURN(Netlink inside, Netlink::Open(fd.get()));
  if (inside.LinkIndex(kBridge).ok()) {
    // Adopted: a bridge made before its address was fixed gets it now.
    FARGO_TRY(inside.SetMac(kBridge, RouterMac(vpc_id)));
  } else {
    FARGO_TRY(inside.CreateBridge(kBridge, options_.mtu, RouterMac(vpc_id)));
    FARGO_TRY(inside.SetUp(kBridge));
    // The VPC router: between subnets, and up to fargo's services.
    FARGO_TRY(SetNetnsSysctl(fd.get(), "net/ipv4/ip_forward", "1"));
  }
  FARGO_TRY(EnsureUplink(vpc_id, fd.get()));
  // Its iptables rules (the uplink's MASQUERADE, FARGO-SVC, the egress
  // chains), in one iptables-restore when any is missing.
  FARGO_ASSIGN_OR_RETURN(VpcState * state, StateOf(vpc_id));
  return EnsureRules(vpc_id, *state);
}

Status VpcFabric::EnsureUplink(const std::string& vpc_id, int vpc_ns_fd) {
  std::string host_name = UplinkName(vpc_id);
  FARGO_ASSIGN_OR_RETURN(Netlink host, Netlink::Open());
  if (host.LinkIndex(host_name).ok()) return OkStatus();  // adopted: configured when made
  // A /30 no host interface uses yet.
  uint32_t slot = static_cast<uint32_t>(Fnv1a(NamespaceOf(vpc_id)) % kUplinkSlots);
  uint32_t base = 0;
  for (uint32_t i = 0; i < kUplinkSlots; ++i) {
    uint32_t b = kUplinkBase + ((slot + i) % kUplinkSlots) * 4;
    if (!InterfaceHasAddress(FormatIpv4(b + 1)) &&
        !InterfaceHasAddress(FormatIpv4(b + 2))) {
      base = b;
      break;
    }
  }
  if (base == 0) return AwsError::Make("InternalError", "no free uplink address for " + vpc_id, 500);
  std::string host_ip = FormatIpv4(base + 1), inside_ip = FormatIpv4(base + 2);
  FARGO_ASSIGN_OR_RETURN(Netlink inside, Netlink::Open(vpc_ns_fd));
  (void)inside.DeleteLink(kUplinkInside);  // a half-made uplink of a crashed attempt
  FARGO_TRY(host.CreateVeth(host_name, kUplinkInside, vpc_ns_fd, "", 1500));
  FARGO_TRY(host.AddAddress(host_name, host_ip, 30));
  FARGO_TRY(host.SetUp(host_name));
  FARGO_TRY(inside.AddAddress(kUplinkInside, inside_ip, 30));
  FARGO_TRY(inside.SetUp(kUplinkInside));
  for (const auto& svc : options_.service_addresses) FARGO_TRY(inside.AddRoute(svc, 32, host_ip));
  // Its MASQUERADE comes with the VPC's other rules (EnsureRules).
  return OkStatus();
}

Status VpcFabric::AttachEni(const EniAttachment& eni) {
  auto start = std::chrono::steady_clock::now();
  Status st = AttachEniLocked(eni);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::lock_guard<std::mutex> l(stats_mu_);
  if (st.ok()) {
    ++attach_stats_.count;
    attach_stats_.total_ms += ms;
    attach_stats_.last_ms = ms;
    attach_stats_.max_ms = std::max(attach_stats_.max_ms, ms);
  }
  return st;
}

VpcFabric::AttachStats VpcFabric::attach_stats() const {
  std::lock_guard<std::mutex> l(stats_mu_);
  return attach_stats_;
}

Status VpcFabric::AttachEniLocked(const EniAttachment& eni) {
  auto subnet = ParseCidr(eni.subnet_cidr);
  auto ip = ParseIpv4(eni.ip);
  if (!subnet || !ip || !subnet->Contains(*ip))
    return AwsError::Make("InvalidParameter", eni.ip + " is not an address of " + eni.subnet_cidr, 500);
  std::string gateway = FormatIpv4(subnet->base + 1);
  std::lock_guard<std::mutex> l(mu_);
  FARGO_ASSIGN_OR_RETURN(UniqueFd vpc_fd, OpenNamedNetns(NamespaceOf(eni.vpc_id)));
  FARGO_ASSIGN_OR_RETURN(UniqueFd task_fd, OpenProcessNetns(eni.sandbox_pid));
  FARGO_ASSIGN_OR_RETURN(Netlink inside, Netlink::Open(vpc_fd.get()));
  FARGO_ASSIGN_OR_RETURN(Netlink task, Netlink::Open(task_fd.get()));
  // The subnet's gateway on the VPC router, once per subnet.
  FARGO_TRY(inside.AddAddress(kBridge, gateway, subnet->prefix));
  std::string veth = VethName(eni.eni_id);
  (void)inside.DeleteLink(veth);  // a leftover of a sandbox that was replaced
  FARGO_TRY(inside.CreateVeth(veth, "eth0", task_fd.get(), eni.mac, options_.mtu));
  FARGO_TRY(inside.SetMaster(veth, kBridge));
  FARGO_TRY(inside.SetUp(veth));
  FARGO_TRY(task.AddAddress("eth0", eni.ip, subnet->prefix));
  FARGO_TRY(task.SetUp("eth0"));
  FARGO_TRY(task.SetUp("lo"));
  FARGO_TRY(task.AddRoute("0.0.0.0", 0, gateway));
  return OkStatus();
}

Status VpcFabric::DetachEni(const std::string& vpc_id, const std::string& eni_id) {
  std::lock_guard<std::mutex> l(mu_);
  auto vpc_fd = OpenNamedNetns(NamespaceOf(vpc_id));
  if (!vpc_fd.ok()) return vpc_fd.error().code == kNetnsNotFound ? OkStatus() : Status(vpc_fd.error());
  FARGO_ASSIGN_OR_RETURN(Netlink inside, Netlink::Open(vpc_fd->get()));
  return inside.DeleteLink(VethName(eni_id));
}

Status VpcFabric::Probe() {
  const std::string probe = "vpc-fargo-probe";
  Status st = EnsureVpc(probe);
  Status gone = RemoveVpc(probe);
  return st.ok() ? gone : st;
}

Status VpcFabric::RemoveVpc(const std::string& vpc_id) {
  std::lock_guard<std::mutex> l(mu_);
  FARGO_ASSIGN_OR_RETURN(Netlink host, Netlink::Open());
  FARGO_TRY(host.DeleteLink(UplinkName(vpc_id)));
  vpcs_.erase(vpc_id);
  return RemoveNamedNetns(NamespaceOf(vpc_id));
}

// ---------------------------------------------------------------- host routes
// The opt-in of `fargo route add`: the host routes one VPC's blocks via its
// uplink. Only VPCs that overlap nothing the host routes may be routed.

namespace {

// Runs argv and returns its standard output (ok on exit status 0).
Result<std::string> Capture(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return AwsError::Make("InternalError", "pipe: " + std::string(strerror(errno)), 500);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  if (rc != 0) {
    close(pipefd[0]);
    return AwsError::Make("InternalError", "cannot run " + argv[0] + ": " + strerror(rc), 500);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(pipefd[0], buf, sizeof buf);
    if (n > 0) out.append(buf, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  close(pipefd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return out;
  return AwsError::Make("InternalError", "'" + argv[0] + "' failed", 500);
}

struct HostRoute {
  std::string dst;  // "10.0.0.0/16" ("default" skipped)
  std::string dev;
  std::string protocol;
};

Result<std::vector<HostRoute>> HostRoutes(const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{"ip", "-4", "-j", "route", "show"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  FARGO_ASSIGN_OR_RETURN(std::string out, Capture(argv));
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(out.empty() ? "[]" : out, ec);
  std::vector<HostRoute> routes;
  if (ec || !v.is_array()) return routes;
  for (const auto& r : v.as_array()) {
    if (!r.is_object()) continue;
    const auto& o = r.as_object();
    auto str = [&o](const char* k) {
      auto* f = o.if_contains(k);
      return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    HostRoute h{str("dst"), str("dev"), str("protocol")};
    if (h.dst.empty() || h.dst == "default") continue;
    if (h.dst.find('/') == std::string::npos) h.dst += "/32";
    routes.push_back(std::move(h));
  }
  return routes;
}

bool Overlap(const Cidr& a, const Cidr& b) { return a.Covers(b) || b.Covers(a); }

}  // namespace

std::vector<std::string> VpcFabric::RoutedCidrs(const std::string& vpc_id) const {
  std::vector<std::string> out;
  auto routes = HostRoutes({"dev", UplinkName(vpc_id)});
  if (!routes.ok()) return out;
  for (const auto& r : *routes)
    if (r.protocol != "kernel") out.push_back(r.dst);
  return out;
}

Status VpcFabric::RouteVpc(const std::string& vpc_id, const std::vector<std::string>& cidrs) {
  std::vector<Cidr> blocks;
  for (const auto& c : cidrs) {
    auto b = ParseCidr(c);
    if (!b) return AwsError::Make("InvalidParameter", c + " is not an IPv4 CIDR block", 400);
    blocks.push_back(*b);
  }
  FARGO_TRY(EnsureVpc(vpc_id));
  std::lock_guard<std::mutex> l(mu_);
  std::string uplink = UplinkName(vpc_id);
  // Which of fargo's uplinks stands for which VPC, to name a conflict.
  std::map<std::string, std::string> uplinks;
  for (auto& n : ListNamedNetns(prefix_)) uplinks[UplinkName(n.substr(prefix_.size()))] = n.substr(prefix_.size());
  FARGO_ASSIGN_OR_RETURN(std::vector<HostRoute> routes, HostRoutes());
  std::vector<std::string> missing;
  for (size_t i = 0; i < blocks.size(); ++i) {
    bool have = false;
    for (const auto& r : routes) {
      auto dst = ParseCidr(r.dst);
      if (!dst || !Overlap(*dst, blocks[i])) continue;
      if (r.dev == uplink && r.protocol != "kernel") {
        have |= dst->base == blocks[i].base && dst->prefix == blocks[i].prefix;
        continue;
      }
      auto other = uplinks.find(r.dev);
      if (other != uplinks.end())
        return AwsError::Make("RouteConflict", cidrs[i] + " of " + vpc_id + " overlaps " + r.dst +
                                                   ", routed to " + other->second + " already", 409);
      return AwsError::Make("RouteConflict", cidrs[i] + " of " + vpc_id + " overlaps the host's route to " + r.dst +
                                                 " (dev " + r.dev + "): the host cannot route it; use fargo port-forward",
                            409);
    }
    if (!have) missing.push_back(cidrs[i]);
  }
  // The uplink's far end (in the VPC) is the host's next hop.
  FARGO_ASSIGN_OR_RETURN(std::string addr_json, Capture({"ip", "-4", "-j", "addr", "show", "dev", uplink}));
  boost::system::error_code ec;
  boost::json::value addrs = boost::json::parse(addr_json, ec);
  std::string local;
  if (!ec && addrs.is_array())
    for (const auto& a : addrs.as_array())
      if (auto* info = a.as_object().if_contains("addr_info"); info && info->is_array())
        for (const auto& i : info->as_array())
          if (auto* l = i.as_object().if_contains("local"); l && l->is_string()) local = std::string(l->as_string());
  auto host_ip = ParseIpv4(local);
  if (!host_ip) return AwsError::Make("InternalError", "the uplink of " + vpc_id + " has no address", 500);
  std::string via = FormatIpv4(*host_ip + 1);
  // The VPC router lets in what the host sends, and its answers out.
  std::string ns = NamespaceOf(vpc_id);
  for (const auto& rule : std::vector<std::vector<std::string>>{
           {"FORWARD", "-i", kUplinkInside, "-j", "ACCEPT"},
           {"FORWARD", "-o", kUplinkInside, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"}}) {
    std::vector<std::string> check{"ip", "netns", "exec", ns, "iptables", "-C"};
    check.insert(check.end(), rule.begin(), rule.end());
    if (Run(check).ok()) continue;
    std::vector<std::string> add{"ip", "netns", "exec", ns, "iptables", "-I"};
    add.insert(add.end(), rule.begin(), rule.end());
    FARGO_TRY(Run(add));
  }
  for (const auto& c : missing) FARGO_TRY(Run({"ip", "route", "replace", c, "via", via, "dev", uplink}));
  return OkStatus();
}

Status VpcFabric::UnrouteVpc(const std::string& vpc_id) {
  std::lock_guard<std::mutex> l(mu_);
  std::string uplink = UplinkName(vpc_id);
  for (const auto& c : RoutedCidrs(vpc_id)) FARGO_TRY(Run({"ip", "route", "del", c, "dev", uplink}));
  return OkStatus();
}

// ---------------------------------------------------------------- fargo's services in a VPC

Result<UniqueFd> VpcFabric::OpenVpcNetns(const std::string& vpc_id) const { return OpenNamedNetns(NamespaceOf(vpc_id)); }

Status VpcFabric::EnsureVpcServices(const std::string& vpc_id, const VpcServices& services) {
  std::lock_guard<std::mutex> l(mu_);
  std::string ns = NamespaceOf(vpc_id);
  FARGO_ASSIGN_OR_RETURN(UniqueFd fd, OpenNamedNetns(ns));
  FARGO_ASSIGN_OR_RETURN(Netlink inside, Netlink::Open(fd.get()));
  for (const auto& ip : services.local_addresses) FARGO_TRY(inside.AddAddress("lo", ip, 32));
  if (services.instance_address.empty()) return OkStatus();
  // The host's end of the uplink is the address before the VPC's end.
  uint32_t up = 0;
  FARGO_TRY(RunInNetns(fd.get(), [&up]() -> Status {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return AwsError::Make("InternalError", "getifaddrs failed", 500);
    for (ifaddrs* a = list; a; a = a->ifa_next)
      if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET && std::strcmp(a->ifa_name, kUplinkInside) == 0)
        up = ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr);
    freeifaddrs(list);
    return OkStatus();
  }));
  if (up == 0) return AwsError::Make("InternalError", "the uplink of " + vpc_id + " has no address", 500);
  FARGO_TRY(inside.AddRoute(services.instance_address, 32, FormatIpv4(up - 1)));
  // FARGO-SVC: written with the VPC when these are the default redirects.
  FARGO_ASSIGN_OR_RETURN(VpcState * state, StateOf(vpc_id));
  return EnsureRules(vpc_id, *state, VpcRules::ServiceRules(services.instance_address, services.redirects));
}

void VpcFabric::SetDefaultRedirects(std::string instance_address, std::vector<Redirect> redirects) {
  std::lock_guard<std::mutex> l(mu_);
  if (instance_address.empty()) default_service_rules_.reset();
  else default_service_rules_ = VpcRules::ServiceRules(instance_address, redirects);
}

// ---------------------------------------------------------------- load balancers' addresses

Status VpcFabric::SetLoadBalancerAddresses(const std::string& vpc_id, const std::vector<std::string>& ips) {
  if (!ips.empty()) FARGO_TRY(EnsureVpc(vpc_id));
  std::lock_guard<std::mutex> l(mu_);
  std::string ns = NamespaceOf(vpc_id);
  auto fd = OpenNamedNetns(ns);
  if (!fd.ok()) return ips.empty() ? OkStatus() : fd.error();
  FARGO_ASSIGN_OR_RETURN(Netlink inside, Netlink::Open(fd->get()));
  std::set<std::string>& had = lb_addresses_[vpc_id];
  std::set<std::string> want(ips.begin(), ips.end());
  for (const auto& ip : want) FARGO_TRY(inside.AddAddress("lo", ip, 32));
  for (const auto& ip : had)
    if (!want.count(ip)) (void)Run({"ip", "-n", ns, "addr", "del", ip + "/32", "dev", "lo"});
  had = std::move(want);
  return OkStatus();
}

bool VpcFabric::HasLoadBalancerAddresses(const std::string& vpc_id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = lb_addresses_.find(vpc_id);
  return it != lb_addresses_.end() && !it->second.empty();
}

}  // namespace fargo::runtime
