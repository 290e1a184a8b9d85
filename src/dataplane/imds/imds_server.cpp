#include "dataplane/imds/imds_server.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <future>

#include "runtime/netns.h"

namespace fargo::dataplane::imds {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kMaxHead = 16 * 1024;
constexpr size_t kMaxBody = 4 * 1024;

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    default: return "Internal Server Error";
  }
}

// One connection: reads a request, asks the resolver, writes the answer, closes.
struct Connection : std::enable_shared_from_this<Connection> {
  Connection(tcp::socket s, std::string vpc, const ImdsServer::Resolver& r)
      : socket(std::move(s)), timer(socket.get_executor()), vpc_id(std::move(vpc)), resolver(r) {}

  void Start() {
    timer.expires_after(std::chrono::seconds(10));
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->socket.close();
    });
    Read();
  }

  void Read() {
    auto self = shared_from_this();
    socket.async_read_some(asio::buffer(chunk), [self](boost::system::error_code ec, size_t n) {
      if (ec) return;
      self->data.append(self->chunk.data(), n);
      self->Parse();
    });
  }

  void Parse() {
    size_t end = data.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (data.size() > kMaxHead) return Send(ImdsResponse{400, "text/plain", "", {}, 0});
      return Read();
    }
    auto req = ParseRequestHead(std::string_view(data).substr(0, end));
    if (!req) return Send(ImdsResponse{400, "text/plain", "", {}, 0});
    size_t length = 0;
    if (auto it = req->headers.find("content-length"); it != req->headers.end()) {
      char* e = nullptr;
      length = std::strtoul(it->second.c_str(), &e, 10);
      if (!e || *e || length > kMaxBody) return Send(ImdsResponse{400, "text/plain", "", {}, 0});
    }
    if (data.size() < end + 4 + length) return Read();
    boost::system::error_code ec;
    auto peer = socket.remote_endpoint(ec);
    if (ec) return;
    std::string source = peer.address().to_string();
    auto self = shared_from_this();
    auto ex = socket.get_executor();
    resolver(vpc_id, source, std::move(*req), [self, ex](ImdsResponse r) {
      asio::post(ex, [self, r = std::move(r)]() mutable { self->Send(std::move(r)); });
    });
  }

  void Send(ImdsResponse r) {
    if (sent) return;
    sent = true;
    if (r.ip_ttl > 0) {
      int ttl = r.ip_ttl;
      ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    }
    out = "HTTP/1.1 " + std::to_string(r.status) + " " + Reason(r.status) + "\r\n";
    out += "Content-Type: " + r.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
    out += "Server: EC2ws\r\nConnection: close\r\n\r\n";
    out += r.body;
    auto self = shared_from_this();
    asio::async_write(socket, asio::buffer(out), [self](boost::system::error_code, size_t) {
      boost::system::error_code ignored;
      self->socket.shutdown(tcp::socket::shutdown_both, ignored);
      self->socket.close(ignored);
      self->timer.cancel();
    });
  }

  tcp::socket socket;
  asio::steady_timer timer;
  std::string vpc_id;
  const ImdsServer::Resolver& resolver;
  std::array<char, 4096> chunk{};
  std::string data, out;
  bool sent = false;
};

}  // namespace

struct ImdsServer::Listener {
  explicit Listener(asio::io_context& io) : acceptor(io) {}
  tcp::acceptor acceptor;
  std::string vpc_id;
};

ImdsServer::ImdsServer(Resolver resolver) : resolver_(std::move(resolver)) {}

ImdsServer::~ImdsServer() { Stop(); }

Status ImdsServer::Start() {
  if (thread_.joinable()) return OkStatus();
  work_.emplace(io_.get_executor());
  thread_ = std::thread([this] {
    for (;;) {
      try {
        io_.run();
        break;
      } catch (const std::exception&) {
      }
    }
  });
  return OkStatus();
}

void ImdsServer::Stop() {
  if (!thread_.joinable()) return;
  std::map<std::string, std::shared_ptr<Listener>> ls;
  {
    std::lock_guard<std::mutex> l(mu_);
    ls.swap(listeners_);
  }
  std::promise<void> closed;
  asio::post(io_, [&ls, &closed] {
    for (auto& [id, l] : ls) {
      boost::system::error_code ec;
      l->acceptor.close(ec);
    }
    closed.set_value();
  });
  closed.get_future().wait();
  work_.reset();
  io_.stop();
  thread_.join();
}

bool ImdsServer::Serving(const std::string& vpc_id) const {
  std::lock_guard<std::mutex> l(mu_);
  return listeners_.count(vpc_id) > 0;
}

Result<uint16_t> ImdsServer::Serve(const std::string& vpc_id, int netns_fd, const std::string& address,
                                   uint16_t port) {
  if (!thread_.joinable()) return AwsError::Make("InvalidState", "the metadata service is not started", 500);
  int fd = -1;
  uint16_t bound = 0;
  auto open = [&]() -> Status {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return AwsError::Make("InternalError", "socket: " + std::string(strerror(errno)), 500);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1)
      return AwsError::Make("InvalidParameter", "bad address " + address, 500);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 128) != 0)
      return AwsError::Make("BindFailed", "metadata service " + address + ":" + std::to_string(port) + ": " +
                                              strerror(errno), 500);
    socklen_t len = sizeof sa;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    bound = ntohs(sa.sin_port);
    return OkStatus();
  };
  Status st = netns_fd < 0 ? open() : runtime::RunInNetns(netns_fd, open);
  if (!st.ok()) {
    if (fd >= 0) ::close(fd);
    return st.error();
  }
  auto l = std::make_shared<Listener>(io_);
  l->vpc_id = vpc_id;
  std::shared_ptr<Listener> old;
  {
    std::lock_guard<std::mutex> g(mu_);
    old = listeners_[vpc_id];
    listeners_[vpc_id] = l;
  }
  std::promise<Status> assigned;
  asio::post(io_, [&, old] {
    boost::system::error_code ec;
    if (old) old->acceptor.close(ec);
    l->acceptor.assign(tcp::v4(), fd, ec);
    if (ec) {
      ::close(fd);
      assigned.set_value(AwsError::Make("InternalError", ec.message(), 500));
      return;
    }
    Accept(l);
    assigned.set_value(OkStatus());
  });
  FARGO_TRY(assigned.get_future().get());
  return bound;
}

void ImdsServer::Accept(std::shared_ptr<Listener> l) {
  l->acceptor.async_accept([this, l](boost::system::error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !l->acceptor.is_open()) return;
    if (!ec) std::make_shared<Connection>(std::move(s), l->vpc_id, resolver_)->Start();
    Accept(l);
  });
}

}  // namespace fargo::dataplane::imds
