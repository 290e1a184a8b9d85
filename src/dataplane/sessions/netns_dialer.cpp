#include "dataplane/sessions/netns_dialer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "dataplane/dns/dns_message.h"

namespace fargo::dataplane::sessions {
namespace {

// A socket of `family` and `type`, made inside the namespace.
Result<runtime::UniqueFd> SocketIn(int netns_fd, int family, int type) {
  int fd = -1, err = 0;
  Status st = runtime::RunInNetns(netns_fd, [&]() -> Status {
    fd = ::socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    err = errno;
    return OkStatus();
  });
  if (!st.ok()) return st.error();
  if (fd < 0) return AwsError::Make("InternalError", std::string("socket: ") + std::strerror(err), 500);
  return runtime::UniqueFd(fd);
}

AwsError ConnectError(int err, const std::string& where) {
  const char* code = "ConnectionFailed";
  if (err == ECONNREFUSED) code = "ConnectionRefused";
  else if (err == ETIMEDOUT) code = "ConnectionTimedOut";
  else if (err == EHOSTUNREACH || err == ENETUNREACH) code = "HostUnreachable";
  return AwsError::Make(code, "connect " + where + ": " + std::strerror(err));
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<uint32_t> NetnsDialer::Resolve(int netns_fd, const std::string& name) const {
  if (resolver_ == 0) return AwsError::Make("UnknownHost", name + ": no resolver to ask");
  dns::DnsMessage q;
  q.id = static_cast<uint16_t>(std::random_device{}());
  q.rd = true;
  q.questions.push_back({name, dns::kA, dns::kClassIN});
  auto wire = dns::EncodeDnsMessage(q);
  if (!wire.ok()) return AwsError::Make("UnknownHost", name + ": not a valid host name");
  FARGO_ASSIGN_OR_RETURN(runtime::UniqueFd fd, SocketIn(netns_fd, AF_INET, SOCK_DGRAM));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(resolver_);
  to.sin_port = htons(resolver_port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)
    return AwsError::Make("NameResolutionFailed", name + ": the resolver: " + std::strerror(errno));
  char buf[4096];
  for (int attempt = 0; attempt < 2; ++attempt) {
    (void)::send(fd.get(), wire->data(), wire->size(), MSG_NOSIGNAL);
    int64_t until = NowMs() + dns_timeout_ms;
    for (int64_t left; (left = until - NowMs()) > 0;) {
      pollfd p{fd.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
      if (n <= 0) continue;  // a refusal (ICMP) or nothing: wait on
      auto r = dns::ParseDnsMessage(std::string_view(buf, static_cast<size_t>(n)));
      if (!r.ok() || !r->qr || r->id != q.id) continue;  // not the answer to this query
      if (r->rcode == dns::kNXDomain) return AwsError::Make("UnknownHost", name + ": no such host");
      if (r->rcode != dns::kNoError)
        return AwsError::Make("NameResolutionFailed", name + ": the resolver answered rcode " + std::to_string(r->rcode));
      for (const dns::DnsRecord& a : r->answers)
        if (a.type == dns::kA && a.rdata.size() == 4) {
          const auto* b = reinterpret_cast<const uint8_t*>(a.rdata.data());
          return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
        }
      return AwsError::Make("UnknownHost", name + ": no IPv4 address");
    }
  }
  return AwsError::Make("NameResolutionFailed", name + ": no answer from the resolver");
}

Result<runtime::UniqueFd> NetnsDialer::Dial(const std::string& host, uint16_t port) {
  FARGO_ASSIGN_OR_RETURN(runtime::UniqueFd netns, open_netns_());
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string literal = host;
  if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']') literal = literal.substr(1, literal.size() - 2);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (host == "localhost" || host.empty()) {
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  } else if (::inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
  } else if (::inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    FARGO_ASSIGN_OR_RETURN(uint32_t ip, Resolve(netns.get(), host));
    v4->sin_addr.s_addr = htonl(ip);
  }
  if (len == 0) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  }
  std::string where = host + ":" + std::to_string(port);
  FARGO_ASSIGN_OR_RETURN(runtime::UniqueFd fd, SocketIn(netns.get(), addr.ss_family, SOCK_STREAM));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS) return ConnectError(errno, where);
    pollfd p{fd.get(), POLLOUT, 0};
    int r;
    while ((r = ::poll(&p, 1, connect_timeout_ms)) < 0 && errno == EINTR) {
    }
    if (r == 0) return ConnectError(ETIMEDOUT, where);
    int err = 0;
    socklen_t elen = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen) != 0) err = errno;
    if (err != 0) return ConnectError(err, where);
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) (void)::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

}  // namespace fargo::dataplane::sessions
