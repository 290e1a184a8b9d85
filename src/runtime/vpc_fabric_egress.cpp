// VpcFabric's egress: which ENI addresses of a VPC may leave it through the
// uplink (vpc_fabric.h, "Egress").
//
// In the VPC's namespace (filter table):
//   FORWARD       -o up0 -j FARGO-UPLINK
//   FARGO-UPLINK  replies (conntrack REPLY direction)  ACCEPT
//                 -d <each fargo service address>      ACCEPT
//                 conntrack DNAT                         ACCEPT (FARGO-SVC's redirects
//                                                        to this fargo instance)
//                 -j FARGO-EGRESS
//                 DROP                                  (as a VPC without a route: silence)
//   FARGO-EGRESS  -s <address>/32 ACCEPT, one per ENI with egress
// made with the VPC (EnsureVpc, one iptables-restore with its other rules:
// vpc_rules.h), and a default route via the uplink's host end, made when an
// ENI first gets egress. The uplink's MASQUERADE hides the VPC's addresses;
// on the host, what comes from an uplink and leaves by another interface is
// forwarded and MASQUERADEd to the host's address.
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/strings.h"
#include "runtime/ipv4.h"
#include "runtime/namespace_filter.h"
#include "runtime/netlink.h"
#include "runtime/netns.h"
#include "runtime/vpc_fabric.h"

extern char** environ;

namespace fargo::runtime {

namespace {

constexpr const char* kUplinkInside = VpcRules::kUplinkInside;
constexpr const char* kEgressChain = VpcRules::kEgressChain;
// The host ends of every fargo instance's uplinks ("fu<hash>") and the
// addresses uplinks are made of.
constexpr const char* kUplinkHostPattern = "fu+";
constexpr const char* kUplinkRange = "169.254.128.0/17";
constexpr const char* kHostRuleComment = "fargo VPC egress";

AwsError Internal(std::string message) { return AwsError::Make("InternalError", std::move(message), 500); }

// Runs argv in the caller thread's network namespace (a spawned process
// inherits the namespaces of the thread that spawns it), feeding it `input`
// and keeping its standard output in `out` (when not null). Ok on exit 0.
Status Command(const std::vector<std::string>& argv, const std::string& input = "", std::string* out = nullptr) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return Internal("pipe: " + std::string(strerror(errno)));
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return Internal("pipe: " + std::string(strerror(errno)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in_pipe[0]);
  close(out_pipe[1]);
  if (rc == 0 && !input.empty()) {
    size_t off = 0;
    while (off < input.size()) {
      ssize_t n = write(in_pipe[1], input.data() + off, input.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  close(in_pipe[1]);
  std::string got;
  char buf[4096];
  for (;;) {
    ssize_t n = read(out_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  close(out_pipe[0]);
  if (rc != 0) return Internal("cannot run " + argv[0] + ": " + strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (out) *out = std::move(got);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return OkStatus();
  std::string cmd;
  for (auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  return Internal("'" + cmd + "' failed");
}

std::vector<std::string> Iptables(std::vector<std::string> args) {
  args.insert(args.begin(), {"iptables", "-w"});
  return args;
}

// Runs `fn` inside the named namespace; kNetnsNotFound when there is none.
Status InNamespace(const std::string& ns, const std::function<Status()>& fn) {
  FARGO_ASSIGN_OR_RETURN(UniqueFd fd, OpenNamedNetns(ns));
  return RunInNetns(fd.get(), fn);
}

// Which namespace a name stands for now: its inode number, which a later
// namespace may reuse, with the time that inode was made. 0: none.
std::pair<uint64_t, int64_t> IdentityOf(const std::string& ns) {
  struct stat st {};
  if (stat((std::string(kNetnsDir) + "/" + ns).c_str(), &st) != 0) return {0, 0};
  return {st.st_ino, int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec};
}

// The IPv4 address of interface `name` in the caller thread's namespace.
Result<uint32_t> InterfaceAddress(const char* name) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return Internal("getifaddrs: " + std::string(strerror(errno)));
  std::optional<uint32_t> found;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next)
    if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && std::strcmp(i->ifa_name, name) == 0)
      found = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr);
  freeifaddrs(list);
  if (!found) return Internal(std::string(name) + " has no address");
  return *found;
}

}  // namespace

Result<VpcFabric::VpcState*> VpcFabric::StateOf(const std::string& vpc_id) {
  std::string ns = NamespaceOf(vpc_id);
  auto identity = IdentityOf(ns);
  if (identity.first == 0) {
    vpcs_.erase(vpc_id);
    return AwsError::Make(kNetnsNotFound, "no namespace for " + vpc_id, 404);
  }
  auto it = vpcs_.find(vpc_id);
  if (it != vpcs_.end() && it->second.netns == identity) return &it->second;
  // First use by this process, or the VPC was made again: read what the
  // namespace holds (a fargo killed earlier may have left rules).
  VpcState state;
  state.netns = identity;
  std::string listing;
  FARGO_TRY(InNamespace(ns, [&] { return Command({"iptables-save"}, "", &listing); }));
  state.rules = VpcRules::Parse(listing);
  // The path (route, chains) is checked again once per process anyway.
  return &(vpcs_[vpc_id] = std::move(state));
}

void VpcFabric::NoteFreshVpc(const std::string& vpc_id) {
  VpcState state;
  state.netns = IdentityOf(NamespaceOf(vpc_id));
  vpcs_[vpc_id] = std::move(state);
}

Status VpcFabric::EnsureRules(const std::string& vpc_id, VpcState& state,
                              const std::optional<std::vector<std::string>>& service_rules) {
  VpcRules::State next;
  std::string text = VpcRules::Plan(state.rules, options_.service_addresses,
                                    service_rules ? service_rules : default_service_rules_, &next);
  if (text.empty()) return OkStatus();
  FARGO_TRY(InNamespace(NamespaceOf(vpc_id), [&] { return Command({"iptables-restore", "-w", "--noflush"}, text); }));
  state.rules = std::move(next);
  return OkStatus();
}

Status VpcFabric::EnsureHostForwarding() {
  if (host_forwarding_) return OkStatus();
  // The host forwards what its uplinks bring (as a container engine's
  // bridges need too); /proc/sys/net answers for the host's namespace here.
  int fd = open("/proc/sys/net/ipv4/ip_forward", O_RDWR | O_CLOEXEC);
  if (fd < 0) return Internal("opening /proc/sys/net/ipv4/ip_forward: " + std::string(strerror(errno)));
  char cur = '0';
  (void)!read(fd, &cur, 1);
  if (cur != '1' && pwrite(fd, "1", 1, 0) != 1) {
    int e = errno;
    close(fd);
    return Internal("enabling IPv4 forwarding: " + std::string(strerror(e)));
  }
  close(fd);
  auto ensure = [](const std::string& table, const std::string& chain, bool first, std::vector<std::string> rule) {
    rule.insert(rule.end(), {"-m", "comment", "--comment", kHostRuleComment});
    std::vector<std::string> check = Iptables({"-t", table, "-C", chain});
    check.insert(check.end(), rule.begin(), rule.end());
    if (Command(check).ok()) return OkStatus();
    std::vector<std::string> add = Iptables({"-t", table});
    if (first) add.insert(add.end(), {"-I", chain, "1"});
    else add.insert(add.end(), {"-A", chain});
    add.insert(add.end(), rule.begin(), rule.end());
    return Command(add);
  };
  // Before any engine's rules (Docker's FORWARD policy is DROP).
  FARGO_TRY(ensure("filter", "FORWARD", true,
                   {"-o", kUplinkHostPattern, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"}));
  FARGO_TRY(ensure("filter", "FORWARD", true, {"-i", kUplinkHostPattern, "!", "-o", kUplinkHostPattern, "-j", "ACCEPT"}));
  FARGO_TRY(ensure("nat", "POSTROUTING", false,
                   {"-s", kUplinkRange, "!", "-o", kUplinkHostPattern, "-j", "MASQUERADE"}));
  host_forwarding_ = true;
  return OkStatus();
}

Status VpcFabric::EnsureEgressPath(const std::string& vpc_id, VpcState& state) {
  if (state.path) return OkStatus();
  FARGO_TRY(EnsureHostForwarding());
  // The chains come with the VPC (EnsureVpc); this makes sure of them.
  FARGO_TRY(EnsureRules(vpc_id, state));
  FARGO_ASSIGN_OR_RETURN(UniqueFd fd, OpenNamedNetns(NamespaceOf(vpc_id)));
  uint32_t uplink_inside = 0;
  FARGO_TRY(RunInNetns(fd.get(), [&]() -> Status {
    FARGO_ASSIGN_OR_RETURN(uplink_inside, InterfaceAddress(kUplinkInside));
    return OkStatus();
  }));
  // Only now that the chains filter it: everything else leaves by the uplink.
  FARGO_ASSIGN_OR_RETURN(Netlink inside, Netlink::Open(fd.get()));
  FARGO_TRY(inside.AddRoute("0.0.0.0", 0, FormatIpv4(uplink_inside - 1)));
  state.path = true;
  return OkStatus();
}

Status VpcFabric::SetEgress(const std::string& vpc_id, const std::string& ip, bool egress) {
  if (!ParseIpv4(ip)) return AwsError::Make("InvalidParameter", ip + " is not an IPv4 address", 500);
  std::lock_guard<std::mutex> l(mu_);
  auto state = StateOf(vpc_id);
  if (!state.ok()) {
    if (!egress && state.error().code == kNetnsNotFound) return OkStatus();  // nothing left to take away
    return state.error();
  }
  VpcState& s = **state;
  std::set<std::string>& addresses = s.rules.egress;
  if (egress) {
    FARGO_TRY(EnsureEgressPath(vpc_id, s));
    if (addresses.count(ip)) return OkStatus();
    FARGO_TRY(InNamespace(NamespaceOf(vpc_id), [&] {
      return Command(Iptables({"-A", kEgressChain, "-s", ip + "/32", "-j", "ACCEPT"}));
    }));
    addresses.insert(ip);
  } else {
    if (!addresses.count(ip)) return OkStatus();
    FARGO_TRY(InNamespace(NamespaceOf(vpc_id), [&] {
      // Every copy (a rule added twice by a crashed attempt goes too).
      while (Command(Iptables({"-D", kEgressChain, "-s", ip + "/32", "-j", "ACCEPT"})).ok()) {
      }
      return OkStatus();
    }));
    addresses.erase(ip);
  }
  return OkStatus();
}

Status VpcFabric::SetLoadBalancerFilter(const std::string& vpc_id, const std::vector<BalancerFilter>& lbs) {
  std::lock_guard<std::mutex> l(mu_);
  auto state = StateOf(vpc_id);
  if (!state.ok()) {
    if (lbs.empty() && state.error().code == kNetnsNotFound) return OkStatus();  // nothing left to lift
    return state.error();
  }
  VpcRules::State& rules = (*state)->rules;
  if (lbs.empty() && !rules.balancer_in_jump && !rules.balancer_out_jump) return OkStatus();  // never filtered
  std::string text = RenderBalancerFilter(lbs, !rules.balancer_in_jump, !rules.balancer_out_jump);
  FARGO_TRY(InNamespace(NamespaceOf(vpc_id), [&] { return Command({"iptables-restore", "-w", "--noflush"}, text); }));
  rules.balancer_in_jump = rules.balancer_out_jump = true;
  return OkStatus();
}

Result<std::vector<std::string>> VpcFabric::EgressAddresses(const std::string& vpc_id) {
  std::lock_guard<std::mutex> l(mu_);
  vpcs_.erase(vpc_id);  // read afresh
  auto state = StateOf(vpc_id);
  if (!state.ok()) {
    if (state.error().code == kNetnsNotFound) return std::vector<std::string>{};
    return state.error();
  }
  const auto& addresses = (*state)->rules.egress;
  return std::vector<std::string>(addresses.begin(), addresses.end());
}

}  // namespace fargo::runtime
