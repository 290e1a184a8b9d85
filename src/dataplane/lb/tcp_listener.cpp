#include "dataplane/lb/tcp_listener.h"

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <memory>
#include <type_traits>
#include <vector>

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

using TlsStream = ssl::stream<tcp::socket>;
using Buffer = std::array<char, 16384>;

// Relay buffers are taken while bytes move and given back when a side has
// nothing more to read, so that an idle connection holds none (AWS's NLB
// keeps idle flows for 350 s: thousands of them must stay cheap). One pool
// per thread: each VPC's listeners run on one.
thread_local std::vector<std::unique_ptr<Buffer>> free_buffers;
constexpr size_t kFreeBuffersKept = 64;

std::unique_ptr<Buffer> TakeBuffer() {
  if (free_buffers.empty()) return std::make_unique<Buffer>();
  std::unique_ptr<Buffer> b = std::move(free_buffers.back());
  free_buffers.pop_back();
  return b;
}

void GiveBack(std::unique_ptr<Buffer> buf) {
  if (buf && free_buffers.size() < kFreeBuffersKept) free_buffers.push_back(std::move(buf));
}

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
// A way whose source is plain TCP waits until it is readable, reads what is
// there into a pooled buffer, writes it, and reads again until the source
// has nothing, then gives the buffer back and waits. A TLS source keeps its
// buffer: OpenSSL may hold decrypted bytes the socket no longer shows.
template <class A, class B>
class Relay : public std::enable_shared_from_this<Relay<A, B>> {
 public:
  Relay(std::shared_ptr<A> client, std::shared_ptr<B> target, int idle_timeout_s, ListenerBackend& backend,
        std::shared_ptr<ListenerTls> tls)
      : client_(std::move(client)), target_(std::move(target)), idle_timer_(client_->get_executor()),
        idle_ms_(static_cast<int64_t>(idle_timeout_s) * 1000), backend_(backend), tls_(std::move(tls)) {
    backend_.CountConnection(1);
  }
  ~Relay() {
    GiveBack(std::move(up_.buf));
    GiveBack(std::move(down_.buf));
    backend_.CountConnection(-1);
  }

  void Start() {
    last_ = SteadyMillis();
    Wait(up_);
    Wait(down_);
    WatchIdle(idle_ms_);
  }

 private:
  template <class From, class To>
  struct Way {
    From& from;
    To& to;
    std::unique_ptr<Buffer> buf;  // a TCP source's only while bytes move
  };

  template <class From, class To>
  void Wait(Way<From, To>& w) {
    if constexpr (std::is_same_v<From, tcp::socket>) {
      boost::system::error_code ec;
      w.from.non_blocking(true, ec);
      if (ec) return CloseBoth();
      w.from.async_wait(tcp::socket::wait_read, [self = this->shared_from_this(), &w](boost::system::error_code ec) {
        if (ec) return self->CloseBoth();
        self->Read(w);
      });
    } else {
      if (!w.buf) w.buf = TakeBuffer();
      w.from.async_read_some(asio::buffer(*w.buf), [self = this->shared_from_this(), &w](boost::system::error_code ec,
                                                                                        size_t n) {
        self->Relayed(w, ec, n);
      });
    }
  }
  // A TCP source is readable: take what it has.
  template <class From, class To>
  void Read(Way<From, To>& w) {
    if (closed_) return;
    if (!w.buf) w.buf = TakeBuffer();
    boost::system::error_code ec;
    size_t n = w.from.read_some(asio::buffer(*w.buf), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      GiveBack(std::move(w.buf));
      return Wait(w);
    }
    Relayed(w, ec, n);
  }
  // `n` bytes were read into w.buf, or the read ended with `ec`.
  template <class From, class To>
  void Relayed(Way<From, To>& w, boost::system::error_code ec, size_t n) {
    if (closed_) return;
    if (ec) {
      if (std::is_same_v<From, tcp::socket>) GiveBack(std::move(w.buf));
      bool ended = ec == asio::error::eof || ec == ssl::error::stream_truncated;
      if (!ended || !HalfClose(w.to)) return CloseBoth();  // half close: the other way goes on
      if (++ended_ == 2) CloseBoth();
      return;
    }
    last_ = SteadyMillis();
    asio::async_write(w.to, asio::buffer(w.buf->data(), n),
                      [self = this->shared_from_this(), &w](boost::system::error_code ec, size_t) {
                        if (ec) return self->CloseBoth();
                        if constexpr (std::is_same_v<From, tcp::socket>) {
                          self->Read(w);
                        } else {
                          self->Wait(w);
                        }
                      });
  }
  // One timer per connection, due when the connection would have been idle
  // for the whole timeout.
  void WatchIdle(int64_t due_in_ms) {
    idle_timer_.expires_after(std::chrono::milliseconds(due_in_ms));
    idle_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      int64_t idle = SteadyMillis() - self->last_;
      if (idle >= self->idle_ms_) return self->CloseBoth();  // AWS resets idle flows
      self->WatchIdle(self->idle_ms_ - idle);
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
  Way<A, B> up_{*client_, *target_, nullptr};
  Way<B, A> down_{*target_, *client_, nullptr};
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
