#include "dataplane/dns/dns_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

#include "runtime/netns.h"

namespace fargo::dataplane::dns {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

// One VPC's listeners; lives on the event loop (handlers hold it).
struct DnsServer::Vpc : std::enable_shared_from_this<DnsServer::Vpc> {
  Vpc(DnsServer& s, DnsVpcView v) : server(s), view(std::move(v)) {}
  DnsServer& server;
  DnsVpcView view;
  std::vector<std::unique_ptr<udp::socket>> udp_sockets;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  size_t tcp_open = 0;
  bool closed = false;

  struct UdpRead {
    udp::endpoint from;
    std::string buf = std::string(65535, '\0');
  };

  void ReadUdp(udp::socket* s) {
    auto r = std::make_shared<UdpRead>();
    s->async_receive_from(asio::buffer(r->buf), r->from,
                          [self = shared_from_this(), s, r](const boost::system::error_code& ec, size_t n) {
      if (self->closed || ec == asio::error::operation_aborted) return;
      if (!ec) {
        self->Answer(std::string_view(r->buf.data(), n), true,
                     [self, s, from = r->from](std::string reply) {
                       if (self->closed || reply.empty()) return;
                       auto out = std::make_shared<std::string>(std::move(reply));
                       s->async_send_to(asio::buffer(*out), from, [out](const boost::system::error_code&, size_t) {});
                     });
      }
      self->ReadUdp(s);
    });
  }

  // Answers one query; `reply` gets the response ("" for none).
  void Answer(std::string_view query, bool over_udp, std::function<void(std::string)> reply) {
    DnsResolver::Answer a = server.resolver_.Resolve(view, query);
    size_t limit = over_udp ? DnsResolver::UdpLimit(a.query) : 65535;
    if (a.outcome == DnsResolver::Outcome::kDrop) return reply("");
    if (a.outcome == DnsResolver::Outcome::kAnswer) return reply(DnsResolver::TruncateForUdp(std::move(a.wire), limit));
    auto q = std::make_shared<DnsMessage>(std::move(a.query));
    server.forwarder_->Forward(std::string(query), [this, self = shared_from_this(), q, limit, reply](
                                                       std::optional<std::string> r) {
      if (!r) return reply(server.resolver_.ServFail(*q));
      reply(DnsResolver::TruncateForUdp(std::move(*r), limit));
    });
  }

  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(std::shared_ptr<Vpc> v, tcp::socket s)
        : vpc(std::move(v)), socket(std::move(s)), idle(socket.get_executor()) {}
    ~Conn() { --vpc->tcp_open; }
    std::shared_ptr<Vpc> vpc;
    tcp::socket socket;
    asio::steady_timer idle;
    uint8_t len[2];
    std::string msg;

    void Read() {
      idle.expires_after(vpc->server.options_.tcp_idle);
      idle.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) {
          boost::system::error_code ignore;
          self->socket.close(ignore);
        }
      });
      asio::async_read(socket, asio::buffer(len), [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
        if (ec || self->vpc->closed) return;
        size_t n = (size_t{self->len[0]} << 8) | self->len[1];
        self->msg.assign(n, '\0');
        asio::async_read(self->socket, asio::buffer(self->msg), [self](const boost::system::error_code& ec, size_t) {
          if (ec || self->vpc->closed) return;
          self->vpc->Answer(self->msg, false, [self](std::string reply) {
            if (reply.empty() || self->vpc->closed) return;  // dropped: keep reading? close.
            auto out = std::make_shared<std::string>();
            out->push_back(static_cast<char>(reply.size() >> 8));
            out->push_back(static_cast<char>(reply.size()));
            *out += reply;
            asio::async_write(self->socket, asio::buffer(*out), [self, out](const boost::system::error_code& ec, size_t) {
              if (!ec) self->Read();
            });
          });
        });
      });
    }
  };

  void Accept(tcp::acceptor* a) {
    a->async_accept([self = shared_from_this(), a](const boost::system::error_code& ec, tcp::socket s) {
      if (self->closed || ec == asio::error::operation_aborted) return;
      if (!ec && self->tcp_open < self->server.options_.max_tcp_connections) {
        ++self->tcp_open;
        std::make_shared<Conn>(self, std::move(s))->Read();
      }
      self->Accept(a);
    });
  }

  void Close() {
    closed = true;
    boost::system::error_code ec;
    for (auto& s : udp_sockets) s->close(ec);
    for (auto& a : acceptors) a->close(ec);
  }
};

namespace {

struct OpenedFds {
  std::vector<int> udp, tcp;
  uint16_t port = 0;
  void CloseAll() {
    for (int fd : udp) ::close(fd);
    for (int fd : tcp) ::close(fd);
    udp.clear();
    tcp.clear();
  }
};

Status BindAll(const std::vector<std::string>& addresses, uint16_t port, OpenedFds* out) {
  for (const auto& a : addresses) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    if (inet_pton(AF_INET, a.c_str(), &sa.sin_addr) != 1)
      return AwsError::Make("InvalidParameter", "bad resolver address " + a, 500);
    for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
      sa.sin_port = htons(port != 0 ? port : out->port);
      int fd = ::socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (fd < 0) return AwsError::Make("InternalError", std::string("socket: ") + strerror(errno), 500);
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
          (type == SOCK_STREAM && ::listen(fd, 64) != 0)) {
        std::string why = strerror(errno);
        ::close(fd);
        return AwsError::Make("BindFailed", "the resolver cannot listen on " + a + ":" +
                                                std::to_string(ntohs(sa.sin_port)) + ": " + why, 500);
      }
      if (out->port == 0) {
        sockaddr_in bound{};
        socklen_t len = sizeof bound;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
        out->port = ntohs(bound.sin_port);
      }
      (type == SOCK_DGRAM ? out->udp : out->tcp).push_back(fd);
    }
  }
  if (out->port == 0) out->port = port;
  return OkStatus();
}

}  // namespace

DnsServer::DnsServer(Options options, DnsResolver::NameSource source)
    : options_(std::move(options)), resolver_(options_.resolver, std::move(source)) {}

DnsServer::~DnsServer() { Stop(); }

Status DnsServer::Start() {
  if (thread_.joinable()) return OkStatus();
  forwarder_ = std::make_unique<DnsForwarder>(io_, options_.forwarder);
  work_.emplace(io_.get_executor());
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "fargo-dns");
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "fargo: dns: %s\n", e.what());
      }
    }
  });
  return OkStatus();
}

void DnsServer::Stop() {
  if (!thread_.joinable()) return;
  std::map<std::string, std::shared_ptr<Vpc>> vpcs;
  {
    std::lock_guard<std::mutex> l(mu_);
    vpcs.swap(vpcs_);
  }
  std::promise<void> closed;
  asio::post(io_, [&vpcs, &closed] {
    for (auto& [id, v] : vpcs) v->Close();
    closed.set_value();
  });
  closed.get_future().wait();
  work_.reset();
  io_.stop();
  thread_.join();
}

Result<uint16_t> DnsServer::Serve(const DnsVpcView& view, int netns_fd, const std::vector<std::string>& addresses) {
  if (!thread_.joinable()) return AwsError::Make("InvalidState", "the DNS server is not started", 500);
  Unserve(view.vpc_id);  // the old listeners go first: the new ones take their addresses
  OpenedFds fds;
  auto open = [&]() -> Status {
    Status st = BindAll(addresses, options_.port, &fds);
    if (!st.ok()) fds.CloseAll();
    return st;
  };
  Status st = netns_fd < 0 ? open() : runtime::RunInNetns(netns_fd, open);
  if (!st.ok()) {
    fds.CloseAll();
    return st.error();
  }
  auto vpc = std::make_shared<Vpc>(*this, view);
  std::promise<Status> adopted;
  asio::post(io_, [&] {
    boost::system::error_code ec;
    for (int fd : fds.udp) {
      auto s = std::make_unique<udp::socket>(io_);
      s->assign(udp::v4(), fd, ec);
      if (ec) ::close(fd);
      else vpc->udp_sockets.push_back(std::move(s));
    }
    for (int fd : fds.tcp) {
      auto a = std::make_unique<tcp::acceptor>(io_);
      a->assign(tcp::v4(), fd, ec);
      if (ec) ::close(fd);
      else vpc->acceptors.push_back(std::move(a));
    }
    for (auto& s : vpc->udp_sockets) vpc->ReadUdp(s.get());
    for (auto& a : vpc->acceptors) vpc->Accept(a.get());
    adopted.set_value(OkStatus());
  });
  FARGO_TRY(adopted.get_future().get());
  std::lock_guard<std::mutex> l(mu_);
  vpcs_[view.vpc_id] = vpc;
  return fds.port;
}

void DnsServer::Unserve(const std::string& vpc_id) {
  std::shared_ptr<Vpc> vpc;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = vpcs_.find(vpc_id);
    if (it == vpcs_.end()) return;
    vpc = it->second;
    vpcs_.erase(it);
  }
  std::promise<void> closed;
  asio::post(io_, [&] {
    vpc->Close();
    closed.set_value();
  });
  closed.get_future().wait();
}

bool DnsServer::Serving(const std::string& vpc_id) const {
  std::lock_guard<std::mutex> l(mu_);
  return vpcs_.count(vpc_id) > 0;
}

}  // namespace fargo::dataplane::dns
