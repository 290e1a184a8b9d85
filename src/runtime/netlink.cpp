#include "runtime/netlink.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if_arp.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace fargo::runtime {

namespace {

// A request under construction: header, fixed part and (nested) attributes
// in one aligned buffer.
class Message {
 public:
  Message(uint16_t type, uint16_t flags, const void* fixed, size_t fixed_len) {
    auto* nh = Header();
    nh->nlmsg_len = NLMSG_LENGTH(fixed_len);
    nh->nlmsg_type = type;
    nh->nlmsg_flags = static_cast<uint16_t>(flags | NLM_F_REQUEST | NLM_F_ACK);
    std::memcpy(NLMSG_DATA(nh), fixed, fixed_len);
  }
  nlmsghdr* Header() { return reinterpret_cast<nlmsghdr*>(buf_); }
  void Attr(uint16_t type, const void* data, size_t len) {
    auto* nh = Header();
    size_t at = NLMSG_ALIGN(nh->nlmsg_len);
    if (at + RTA_SPACE(len) > sizeof buf_) std::abort();  // requests are small and fixed: a defect
    auto* rta = reinterpret_cast<rtattr*>(buf_ + at);
    rta->rta_type = type;
    rta->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
    if (len) std::memcpy(RTA_DATA(rta), data, len);
    nh->nlmsg_len = static_cast<uint32_t>(at + RTA_SPACE(len));
  }
  void Str(uint16_t type, std::string_view s) {
    std::string z(s);
    Attr(type, z.c_str(), z.size() + 1);
  }
  template <typename T>
  void Value(uint16_t type, T v) {
    Attr(type, &v, sizeof v);
  }
  // Opens a nested attribute; returns its offset for End().
  size_t Begin(uint16_t type) {
    size_t at = NLMSG_ALIGN(Header()->nlmsg_len);
    Attr(type, nullptr, 0);
    return at;
  }
  void End(size_t at) {
    auto* rta = reinterpret_cast<rtattr*>(buf_ + at);
    rta->rta_len = static_cast<uint16_t>(Header()->nlmsg_len - at);
  }
  // Appends raw bytes (a nested fixed struct such as the veth peer's ifinfomsg).
  void Raw(const void* data, size_t len) {
    auto* nh = Header();
    size_t at = NLMSG_ALIGN(nh->nlmsg_len);
    std::memcpy(buf_ + at, data, len);
    nh->nlmsg_len = static_cast<uint32_t>(at + NLMSG_ALIGN(len));
  }

 private:
  alignas(nlmsghdr) char buf_[1024] = {};
};

bool ParseIp(std::string_view ip, in_addr* out) { return inet_pton(AF_INET, std::string(ip).c_str(), out) == 1; }

bool ParseMac(std::string_view mac, unsigned char out[6]) {
  unsigned v[6];
  if (std::sscanf(std::string(mac).c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
    return false;
  for (int i = 0; i < 6; ++i) {
    if (v[i] > 255) return false;
    out[i] = static_cast<unsigned char>(v[i]);
  }
  return true;
}

}  // namespace

Result<Netlink> Netlink::Open(int netns_fd) {
  int fd = -1, err = 0;
  auto open_socket = [&] {
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) err = errno;
  };
  if (netns_fd < 0) {
    open_socket();
  } else {
    std::thread([&] {
      if (setns(netns_fd, CLONE_NEWNET) != 0) {
        err = errno;
        return;
      }
      open_socket();
    }).join();
  }
  if (fd < 0) return AwsError::Make("InternalError", std::string("netlink socket: ") + strerror(err), 500);
  return Netlink(fd);
}

Netlink::~Netlink() {
  if (fd_ >= 0) close(fd_);
}

int Netlink::Transact(void* msg, std::string* reply) {
  auto* req = static_cast<nlmsghdr*>(msg);
  req->nlmsg_seq = ++seq_;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd_, req, req->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) return errno;
  alignas(nlmsghdr) char buf[16384];
  for (;;) {
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EPROTO;
    int left = static_cast<int>(n);
    for (auto* nh = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(nh, static_cast<unsigned>(left));
         nh = NLMSG_NEXT(nh, left)) {
      if (nh->nlmsg_seq != seq_) continue;
      if (nh->nlmsg_type == NLMSG_ERROR) return -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(nh))->error;
      if (reply && reply->empty())
        reply->assign(static_cast<const char*>(NLMSG_DATA(nh)), nh->nlmsg_len - NLMSG_LENGTH(0));
    }
  }
}

Status Netlink::Check(int err, const std::string& what, bool ok_if_exists) {
  if (err == 0 || (ok_if_exists && err == EEXIST)) return OkStatus();
  if (err == ENODEV) return AwsError::Make(kLinkNotFound, what + ": no such link", 404);
  if (err == EPERM || err == EACCES)
    return AwsError::Make("AccessDenied", what + " needs CAP_NET_ADMIN (run fargo as root): " + strerror(err), 500);
  return AwsError::Make("InternalError", what + ": " + strerror(err), 500);
}

Result<std::string> Netlink::GetLink(std::string_view name) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  Message m(RTM_GETLINK, 0, &ifi, sizeof ifi);
  m.Str(IFLA_IFNAME, name);
  // A GET answers with the link, then the ACK.
  std::string reply;
  int err = Transact(m.Header(), &reply);
  if (err != 0) return Check(err, "looking up link " + std::string(name)).error();
  if (reply.size() < sizeof(ifinfomsg)) return AwsError::Make(kLinkNotFound, std::string(name) + ": no answer", 404);
  return reply;
}

Result<int> Netlink::LinkIndex(std::string_view name) {
  FARGO_ASSIGN_OR_RETURN(std::string link, GetLink(name));
  return reinterpret_cast<const ifinfomsg*>(link.data())->ifi_index;
}

Status Netlink::CreateBridge(std::string_view name, int mtu, std::string_view mac) {
  unsigned char addr[6];
  if (!ParseMac(mac, addr)) return AwsError::Make("InvalidParameter", "bad MAC address " + std::string(mac), 500);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  m.Str(IFLA_IFNAME, name);
  m.Value<uint32_t>(IFLA_MTU, static_cast<uint32_t>(mtu));
  m.Attr(IFLA_ADDRESS, addr, 6);
  size_t info = m.Begin(IFLA_LINKINFO);
  m.Str(IFLA_INFO_KIND, "bridge");
  m.End(info);
  return Check(Transact(m.Header()), "creating bridge " + std::string(name));
}

Status Netlink::CreateVeth(std::string_view name, std::string_view peer, int peer_netns_fd, std::string_view peer_mac,
                           int mtu) {
  unsigned char mac[6];
  if (!peer_mac.empty() && !ParseMac(peer_mac, mac))
    return AwsError::Make("InvalidParameter", "bad MAC address " + std::string(peer_mac), 500);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  m.Str(IFLA_IFNAME, name);
  m.Value<uint32_t>(IFLA_MTU, static_cast<uint32_t>(mtu));
  size_t info = m.Begin(IFLA_LINKINFO);
  m.Str(IFLA_INFO_KIND, "veth");
  size_t data = m.Begin(IFLA_INFO_DATA);
  size_t peer_info = m.Begin(VETH_INFO_PEER);
  ifinfomsg peer_ifi{};
  peer_ifi.ifi_family = AF_UNSPEC;
  m.Raw(&peer_ifi, sizeof peer_ifi);
  m.Str(IFLA_IFNAME, peer);
  m.Value<uint32_t>(IFLA_MTU, static_cast<uint32_t>(mtu));
  if (peer_netns_fd >= 0) m.Value<int32_t>(IFLA_NET_NS_FD, peer_netns_fd);
  if (!peer_mac.empty()) m.Attr(IFLA_ADDRESS, mac, 6);
  m.End(peer_info);
  m.End(data);
  m.End(info);
  return Check(Transact(m.Header()), "creating veth " + std::string(name), false);
}

Status Netlink::SetMaster(std::string_view name, std::string_view master) {
  FARGO_ASSIGN_OR_RETURN(int index, LinkIndex(name));
  FARGO_ASSIGN_OR_RETURN(int master_index, LinkIndex(master));
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  Message m(RTM_NEWLINK, 0, &ifi, sizeof ifi);
  m.Value<uint32_t>(IFLA_MASTER, static_cast<uint32_t>(master_index));
  return Check(Transact(m.Header()), "attaching " + std::string(name) + " to " + std::string(master));
}

Status Netlink::SetMac(std::string_view name, std::string_view mac) {
  unsigned char addr[6];
  if (!ParseMac(mac, addr)) return AwsError::Make("InvalidParameter", "bad MAC address " + std::string(mac), 500);
  FARGO_ASSIGN_OR_RETURN(std::string reply, GetLink(name));
  // Already so: no change (a change makes the kernel flush the link's neighbours).
  for (size_t off = NLMSG_ALIGN(sizeof(ifinfomsg)); off + sizeof(rtattr) <= reply.size();) {
    const auto* a = reinterpret_cast<const rtattr*>(reply.data() + off);
    if (a->rta_len < sizeof(rtattr) || off + a->rta_len > reply.size()) break;
    if (a->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(a) == 6 && std::memcmp(RTA_DATA(a), addr, 6) == 0)
      return OkStatus();
    off += RTA_ALIGN(a->rta_len);
  }
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = reinterpret_cast<const ifinfomsg*>(reply.data())->ifi_index;
  Message m(RTM_NEWLINK, 0, &ifi, sizeof ifi);
  m.Attr(IFLA_ADDRESS, addr, 6);
  return Check(Transact(m.Header()), "setting the address of " + std::string(name));
}

Status Netlink::SetUp(std::string_view name) {
  FARGO_ASSIGN_OR_RETURN(int index, LinkIndex(name));
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  ifi.ifi_flags = IFF_UP;
  ifi.ifi_change = IFF_UP;
  Message m(RTM_NEWLINK, 0, &ifi, sizeof ifi);
  return Check(Transact(m.Header()), "bringing " + std::string(name) + " up");
}

Status Netlink::AddAddress(std::string_view name, std::string_view ip, int prefix) {
  in_addr addr{};
  if (!ParseIp(ip, &addr)) return AwsError::Make("InvalidParameter", "not an IPv4 address: " + std::string(ip), 500);
  FARGO_ASSIGN_OR_RETURN(int index, LinkIndex(name));
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  ifa.ifa_prefixlen = static_cast<unsigned char>(prefix);
  ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  ifa.ifa_index = static_cast<unsigned>(index);
  Message m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
  m.Attr(IFA_LOCAL, &addr, sizeof addr);
  m.Attr(IFA_ADDRESS, &addr, sizeof addr);
  if (prefix < 31) {
    in_addr brd = addr;
    uint32_t mask = prefix == 0 ? 0 : htonl(~((1u << (32 - prefix)) - 1));
    brd.s_addr = addr.s_addr | ~mask;
    m.Attr(IFA_BROADCAST, &brd, sizeof brd);
  }
  return Check(Transact(m.Header()), "adding " + std::string(ip) + "/" + std::to_string(prefix) + " to " +
                                         std::string(name));
}

Status Netlink::AddRoute(std::string_view dst, int prefix, std::string_view gateway, std::string_view dev) {
  in_addr to{}, via{};
  if (!ParseIp(dst, &to)) return AwsError::Make("InvalidParameter", "not an IPv4 address: " + std::string(dst), 500);
  if (!gateway.empty() && !ParseIp(gateway, &via))
    return AwsError::Make("InvalidParameter", "not an IPv4 address: " + std::string(gateway), 500);
  rtmsg rt{};
  rt.rtm_family = AF_INET;
  rt.rtm_dst_len = static_cast<unsigned char>(prefix);
  rt.rtm_table = RT_TABLE_MAIN;
  rt.rtm_protocol = RTPROT_STATIC;
  rt.rtm_scope = gateway.empty() ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  rt.rtm_type = RTN_UNICAST;
  Message m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
  if (prefix > 0) m.Attr(RTA_DST, &to, sizeof to);
  if (!gateway.empty()) m.Attr(RTA_GATEWAY, &via, sizeof via);
  if (!dev.empty()) {
    FARGO_ASSIGN_OR_RETURN(int index, LinkIndex(dev));
    m.Value<uint32_t>(RTA_OIF, static_cast<uint32_t>(index));
  }
  return Check(Transact(m.Header()), "adding the route " + std::string(dst) + "/" + std::to_string(prefix) +
                                         (gateway.empty() ? "" : " via " + std::string(gateway)));
}

Status Netlink::DeleteLink(std::string_view name) {
  auto index = LinkIndex(name);
  if (!index.ok()) return index.error().code == kLinkNotFound ? OkStatus() : Status(index.error());
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = *index;
  Message m(RTM_DELLINK, 0, &ifi, sizeof ifi);
  int err = Transact(m.Header());
  if (err == ENODEV) return OkStatus();
  return Check(err, "removing link " + std::string(name));
}

bool InterfaceHasAddress(const std::string& ip) {
  in_addr want{};
  if (inet_pton(AF_INET, ip.c_str(), &want) != 1) return false;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* a = list; a && !found; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    found = reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr == want.s_addr;
  }
  freeifaddrs(list);
  return found;
}

}  // namespace fargo::runtime
