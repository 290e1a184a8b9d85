#include "dataplane/forward/port_forwarder.h"

#include <pthread.h>
#include <sched.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <cerrno>
#include <cstring>
#include <future>
#include <unistd.h>
#include <thread>

#include "common/clock.h"
#include "runtime/netns.h"

namespace fargo::dataplane {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// One relayed connection: bytes both ways until both sides are done.
class Pipe : public std::enable_shared_from_this<Pipe> {
 public:
  Pipe(tcp::socket client, tcp::socket remote) : client_(std::move(client)), remote_(std::move(remote)) {}
  void Start() {
    Pump(client_, remote_, up_);
    Pump(remote_, client_, down_);
  }

 private:
  void Pump(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buf) {
    from.async_read_some(asio::buffer(buf), [self = shared_from_this(), &from, &to, &buf](
                                                boost::system::error_code ec, size_t n) {
      boost::system::error_code ignored;
      if (ec) {
        // The other direction goes on until it ends too (half close).
        to.shutdown(tcp::socket::shutdown_send, ignored);
        if (ec != asio::error::eof) self->CloseBoth();
        return;
      }
      asio::async_write(to, asio::buffer(buf.data(), n), [self, &from, &to, &buf](boost::system::error_code ec, size_t) {
        if (ec) return self->CloseBoth();
        self->Pump(from, to, buf);
      });
    });
  }
  void CloseBoth() {
    boost::system::error_code ignored;
    client_.close(ignored);
    remote_.close(ignored);
  }

  tcp::socket client_, remote_;
  std::array<char, 16384> up_{}, down_{};
};

}  // namespace

struct PortForwarder::Entry {
  Forward forward;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer lease_timer{io};
  tcp::endpoint remote;
  std::atomic<int64_t> expires_ms{0};
  std::atomic<bool> done{false};
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket client) {
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        return Accept();
      }
      // Opened on this thread, so inside the VPC's namespace.
      auto out = std::make_shared<tcp::socket>(io);
      boost::system::error_code oc;
      out->open(tcp::v4(), oc);
      if (oc) return Accept();
      auto in = std::make_shared<tcp::socket>(std::move(client));
      out->async_connect(remote, [out, in](boost::system::error_code ec) {
        if (ec) {
          boost::system::error_code ignored;
          in->close(ignored);  // the client sees the connection refused as a close
          return;
        }
        std::make_shared<Pipe>(std::move(*in), std::move(*out))->Start();
      });
      Accept();
    });
  }

  void WatchLease() {
    lease_timer.expires_after(std::chrono::milliseconds(500));
    lease_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      if (SteadyMillis() >= expires_ms.load()) return Stop();
      WatchLease();
    });
  }

  // On the forward's thread.
  void Stop() {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    lease_timer.cancel();
    io.stop();
  }

  ~Entry() {
    asio::post(io, [this] { Stop(); });
    if (thread.joinable()) thread.join();
  }
};

PortForwarder::PortForwarder(std::chrono::milliseconds lease) : lease_(lease) {}

PortForwarder::~PortForwarder() {
  std::lock_guard<std::mutex> l(mu_);
  entries_.clear();
}

void PortForwarder::SweepLocked() {
  for (auto it = entries_.begin(); it != entries_.end();)
    it = it->second->done.load() ? entries_.erase(it) : std::next(it);
}

Result<PortForwarder::Forward> PortForwarder::Open(const Target& target, const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto remote_ip = asio::ip::make_address_v4(target.address, ec);
  if (ec || target.port == 0)
    return AwsError::Make("InvalidParameter", target.address + ":" + std::to_string(target.port) +
                                                  " is not an IPv4 address and port", 400);
  auto local_ip = asio::ip::make_address(host, ec);
  if (ec) return AwsError::Make("InvalidParameter", host + " is not an address to listen on", 400);
  auto ns = runtime::OpenNamedNetns(target.netns);
  if (!ns.ok()) {
    if (ns.error().code == runtime::kNetnsNotFound)
      return AwsError::Make("NotFound", "network namespace " + target.netns + " does not exist", 404);
    return ns.error();
  }
  auto e = std::make_unique<Entry>();
  e->remote = tcp::endpoint(remote_ip, target.port);
  // Opened here, on the host: the listener answers on the host's loopback.
  tcp::endpoint local(local_ip, port);
  e->acceptor.open(local.protocol(), ec);
  if (!ec) e->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) e->acceptor.bind(local, ec);
  if (!ec) e->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string what = host + ":" + std::to_string(port) + ": " + ec.message();
    if (ec == asio::error::address_in_use) return AwsError::Make("AddressInUse", "cannot listen on " + what, 409);
    return AwsError::Make("InternalError", "cannot listen on " + what, 500);
  }
  e->forward.listen_host = host;
  e->forward.listen_port = e->acceptor.local_endpoint().port();
  e->forward.target = target;
  e->expires_ms = SteadyMillis() + lease_.count();
  e->Accept();
  e->WatchLease();
  // The namespace is entered before the loop runs: every connect is inside.
  auto entered = std::make_shared<std::promise<Status>>();
  auto ready = entered->get_future();
  Entry* raw = e.get();
  int fd = ns->release();
  raw->thread = std::thread([raw, fd, entered] {
    pthread_setname_np(pthread_self(), "fargo-forward");
    int rc = setns(fd, CLONE_NEWNET);
    int err = errno;
    ::close(fd);
    if (rc != 0) {
      raw->done = true;
      entered->set_value(AwsError::Make("InternalError",
                                        std::string("cannot enter the VPC's namespace: ") + strerror(err), 500));
      return;
    }
    entered->set_value(OkStatus());
    for (;;) {
      try {
        raw->io.run();
        break;
      } catch (const std::exception&) {
        // One connection's failure is not the forward's.
      }
    }
    raw->done = true;
  });
  FARGO_TRY(ready.get());
  std::lock_guard<std::mutex> l(mu_);
  SweepLocked();
  e->forward.id = "pf-" + std::to_string(next_id_++);
  Forward out = e->forward;
  entries_.emplace(out.id, std::move(e));
  return out;
}

Status PortForwarder::Renew(const std::string& id) {
  std::lock_guard<std::mutex> l(mu_);
  SweepLocked();
  auto it = entries_.find(id);
  if (it == entries_.end()) return AwsError::Make("NotFound", "no port forward " + id, 404);
  it->second->expires_ms = SteadyMillis() + lease_.count();
  return OkStatus();
}

Status PortForwarder::Close(const std::string& id) {
  std::unique_ptr<Entry> gone;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return OkStatus();
    gone = std::move(it->second);
    entries_.erase(it);
  }
  return OkStatus();  // `gone` joins its thread outside the lock
}

std::vector<PortForwarder::Forward> PortForwarder::List() {
  std::lock_guard<std::mutex> l(mu_);
  SweepLocked();
  std::vector<Forward> out;
  for (auto& [id, e] : entries_) out.push_back(e->forward);
  return out;
}

}  // namespace fargo::dataplane
