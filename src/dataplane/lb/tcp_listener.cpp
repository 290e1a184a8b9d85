#include "dataplane/lb/tcp_listener.h"

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>

#include "common/clock.h"

#include "dataplane/lb/listener_tls.h"
#include "dataplane/lb/target_picker.h"

namespace fargo::dataplane::lb {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;

namespace {
// How long a client (or a TLS target) has for its TLS handshake.
constexpr std::chrono::seconds kHandshakeTimeout(10);
}  // namespace

namespace {

using TlsStream = ssl::stream<tcp::socket>;

tcp::socket& Lowest(tcp::socket& s) { return s; }
tcp::socket& Lowest(TlsStream& s) { return s.next_layer(); }
// Ends the sending half of `s` so the other direction goes on: TCP only
// (a TLS stream is ended with its connection).
bool HalfClose(tcp::socket& s) {
  boost::system::error_code ignored;
  s.shutdown(tcp::socket::shutdown_send, ignored);
  return true;
}
bool HalfClose(TlsStream&) { return false; }

// One relayed connection, between the client's stream A (TCP, or TLS the
// listener terminates) and the target's B (TCP, or TLS to a TLS target).
template <class A, class B>
class Relay : public std::enable_shared_from_this<Relay<A, B>> {
 public:
  Relay(std::shared_ptr<A> client, std::shared_ptr<B> target, int idle_timeout_s, ListenerBackend& backend,
        std::shared_ptr<ListenerTls> tls)
      : client_(std::move(client)), target_(std::move(target)), idle_timer_(client_->get_executor()),
        idle_ms_(static_cast<int64_t>(idle_timeout_s) * 1000), backend_(backend), tls_(std::move(tls)) {
    backend_.CountConnection(1);
  }
  ~Relay() { backend_.CountConnection(-1); }

  void Start() {
    last_ = SteadyMillis();
    Pump(*client_, *target_, up_);
    Pump(*target_, *client_, down_);
    WatchIdle();
  }

 private:
  template <class From, class To>
  void Pump(From& from, To& to, std::array<char, 16384>& buf) {
    from.async_read_some(asio::buffer(buf), [self = this->shared_from_this(), &from, &to, &buf](
                                                boost::system::error_code ec, size_t n) {
      if (ec) {
        bool ended = ec == asio::error::eof || ec == ssl::error::stream_truncated;
        if (!ended || !HalfClose(to)) return self->CloseBoth();  // half close: the other way goes on
        if (++self->ended_ == 2) self->CloseBoth();
        return;
      }
      self->last_ = SteadyMillis();
      asio::async_write(to, asio::buffer(buf.data(), n), [self, &from, &to, &buf](boost::system::error_code ec, size_t) {
        if (ec) return self->CloseBoth();
        self->Pump(from, to, buf);
      });
    });
  }
  void WatchIdle() {
    idle_timer_.expires_after(std::chrono::milliseconds(std::min<int64_t>(idle_ms_, 1000)));
    idle_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
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
    Lowest(*client_).close(ignored);
    Lowest(*target_).close(ignored);
  }

  std::shared_ptr<A> client_;
  std::shared_ptr<B> target_;
  asio::steady_timer idle_timer_;
  int64_t idle_ms_;
  int64_t last_ = 0;
  int ended_ = 0;
  bool closed_ = false;
  ListenerBackend& backend_;
  std::shared_ptr<ListenerTls> tls_;  // its contexts outlive the streams
  std::array<char, 16384> up_{}, down_{};
};

// Closes `s` unless `done` is set first: a TLS handshake's bound.
std::shared_ptr<asio::steady_timer> HandshakeTimer(tcp::socket& s) {
  auto timer = std::make_shared<asio::steady_timer>(s.get_executor());
  timer->expires_after(kHandshakeTimeout);
  timer->async_wait([&s](boost::system::error_code ec) {
    boost::system::error_code ignored;
    if (!ec) s.close(ignored);
  });
  return timer;
}

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
    client.set_option(tcp::no_delay(true), ec);
    std::shared_ptr<ListenerTls> tls = config.tls;
    if (!tls) return ToTarget(std::make_shared<tcp::socket>(std::move(client)), hash, nullptr);
    // TLS listener: the client's handshake first, then the target.
    auto in = std::make_shared<TlsStream>(std::move(client), tls->context());
    auto timer = HandshakeTimer(in->next_layer());
    in->async_handshake(ssl::stream_base::server, [self = shared_from_this(), in, tls, timer, hash](
                                                      boost::system::error_code ec) {
      timer->cancel();
      boost::system::error_code ignored;
      if (ec || self->closed) { in->next_layer().close(ignored); return; }
      self->ToTarget(in, hash, tls);
    });
  }

  // Connects to the picked target from the load balancer's address and
  // relays (re-encrypting to TLS target groups).
  template <class Client>
  void ToTarget(std::shared_ptr<Client> in, uint64_t hash, std::shared_ptr<ListenerTls> tls) {
    boost::system::error_code ec;
    auto target = backend.Pick(config.target_group_arn, hash);
    if (!target) { Lowest(*in).close(ec); return; }  // nowhere to go: the client sees the connection closed (AWS resets it)
    auto out = std::make_shared<tcp::socket>(acceptor.get_executor());
    out->open(tcp::v4(), ec);
    // The target sees the load balancer's address as the source.
    if (!ec) out->bind(tcp::endpoint(asio::ip::make_address(config.address, ec), 0), ec);
    if (ec) { Lowest(*in).close(ec); return; }
    int idle = config.idle_timeout_s;
    bool reencrypt = config.tls_to_target;
    ListenerBackend& b = backend;
    out->async_connect(*target, [out, in, idle, &b, tls, reencrypt](boost::system::error_code ec) {
      boost::system::error_code ignored;
      if (ec) { Lowest(*in).close(ignored); return; }
      out->set_option(tcp::no_delay(true), ignored);
      if (!reencrypt) return std::make_shared<Relay<Client, tcp::socket>>(in, out, idle, b, tls)->Start();
      auto to = std::make_shared<TlsStream>(std::move(*out), TargetTlsContext());
      auto timer = HandshakeTimer(to->next_layer());
      to->async_handshake(ssl::stream_base::client, [in, to, idle, &b, tls, timer](boost::system::error_code ec) {
        timer->cancel();
        boost::system::error_code ignored;
        if (ec) {
          Lowest(*in).close(ignored);
          { to->next_layer().close(ignored); return; }
        }
        std::make_shared<Relay<Client, TlsStream>>(in, to, idle, b, tls)->Start();
      });
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
