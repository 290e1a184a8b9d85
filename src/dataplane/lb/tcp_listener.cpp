#include "dataplane/lb/tcp_listener.h"

#include <array>
#include <boost/asio.hpp>
#include <chrono>

#include "common/clock.h"

#include "dataplane/lb/target_picker.h"

namespace fargo::dataplane::lb {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// One relayed connection.
class Relay : public std::enable_shared_from_this<Relay> {
 public:
  Relay(tcp::socket client, tcp::socket target, int idle_timeout_s, ListenerBackend& backend)
      : client_(std::move(client)), target_(std::move(target)), idle_timer_(client_.get_executor()),
        idle_ms_(static_cast<int64_t>(idle_timeout_s) * 1000), backend_(backend) {
    backend_.CountConnection(1);
  }
  ~Relay() { backend_.CountConnection(-1); }

  void Start() {
    last_ = SteadyMillis();
    Pump(client_, target_, up_, 0);
    Pump(target_, client_, down_, 1);
    WatchIdle();
  }

 private:
  void Pump(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buf, int dir) {
    from.async_read_some(asio::buffer(buf), [self = shared_from_this(), &from, &to, &buf, dir](
                                                boost::system::error_code ec, size_t n) {
      boost::system::error_code ignored;
      if (ec) {
        if (ec != asio::error::eof) return self->CloseBoth();
        to.shutdown(tcp::socket::shutdown_send, ignored);  // half close: the other way goes on
        if (++self->ended_ == 2) self->CloseBoth();
        return;
      }
      self->last_ = SteadyMillis();
      asio::async_write(to, asio::buffer(buf.data(), n), [self, &from, &to, &buf, dir](boost::system::error_code ec, size_t) {
        if (ec) return self->CloseBoth();
        self->Pump(from, to, buf, dir);
      });
    });
  }
  void WatchIdle() {
    idle_timer_.expires_after(std::chrono::milliseconds(std::min<int64_t>(idle_ms_, 1000)));
    idle_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      if (SteadyMillis() - self->last_ >= self->idle_ms_) return self->CloseBoth();  // AWS resets idle flows
      self->WatchIdle();
    });
  }
  void CloseBoth() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    idle_timer_.cancel();
    client_.close(ignored);
    target_.close(ignored);
  }

  tcp::socket client_, target_;
  asio::steady_timer idle_timer_;
  int64_t idle_ms_;
  int64_t last_ = 0;
  int ended_ = 0;
  bool closed_ = false;
  ListenerBackend& backend_;
  std::array<char, 16384> up_{}, down_{};
};

}  // namespace

struct TcpListener::State : std::enable_shared_from_this<TcpListener::State> {
  State(asio::io_context& io, ListenerBackend& b, ListenerConfig c) : acceptor(io), backend(b), config(std::move(c)) {}
  tcp::acceptor acceptor;
  ListenerBackend& backend;
  ListenerConfig config;
  bool closed = false;

  void Accept() {
    acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket client) {
      if (self->closed) return;
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        return self->Accept();
      }
      self->Connect(std::move(client));
      self->Accept();
    });
  }

  void Connect(tcp::socket client) {
    boost::system::error_code ec;
    auto peer = client.remote_endpoint(ec);
    if (ec) return;
    uint64_t hash = FlowHash(peer.address().to_string(), peer.port(), config.address, config.port);
    auto target = backend.Pick(config.target_group_arn, hash);
    if (!target) return;  // nowhere to go: the client sees the connection closed (AWS resets it)
    auto out = std::make_shared<tcp::socket>(acceptor.get_executor());
    out->open(tcp::v4(), ec);
    // The target sees the load balancer's address as the source.
    if (!ec) out->bind(tcp::endpoint(asio::ip::make_address(config.address, ec), 0), ec);
    if (ec) return;
    auto in = std::make_shared<tcp::socket>(std::move(client));
    in->set_option(tcp::no_delay(true), ec);
    int idle = config.idle_timeout_s;
    ListenerBackend& b = backend;
    out->async_connect(*target, [out, in, idle, &b](boost::system::error_code ec) {
      if (ec) {
        boost::system::error_code ignored;
        in->close(ignored);
        return;
      }
      out->set_option(tcp::no_delay(true), ec);
      std::make_shared<Relay>(std::move(*in), std::move(*out), idle, b)->Start();
    });
  }
};

Result<std::unique_ptr<TcpListener>> TcpListener::Open(asio::io_context& io, ListenerBackend& backend,
                                                       const ListenerConfig& config) {
  auto state = std::make_shared<State>(io, backend, config);
  FARGO_TRY(ListenAt(state->acceptor, config));
  state->Accept();
  return std::unique_ptr<TcpListener>(new TcpListener(std::move(state)));
}

TcpListener::~TcpListener() { Close(); }

void TcpListener::Update(const ListenerConfig& config) { state_->config = config; }

void TcpListener::Close() {
  if (state_->closed) return;
  state_->closed = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
}

}  // namespace fargo::dataplane::lb
