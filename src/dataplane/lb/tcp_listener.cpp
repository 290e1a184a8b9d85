#include "dataplane/lb/tcp_listener.h"

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "common/clock.h"

#include "dataplane/lb/target_picker.h"

namespace fargo::dataplane::lb {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

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

// One relayed connection: each way waits until its source is readable,
// reads what is there into a buffer, writes it, and reads again until the
// source has nothing, then gives the buffer back and waits.
class Relay : public std::enable_shared_from_this<Relay> {
 public:
  Relay(tcp::socket client, tcp::socket target, int idle_timeout_s, ListenerBackend& backend)
      : client_(std::move(client)), target_(std::move(target)), idle_timer_(client_.get_executor()),
        idle_ms_(static_cast<int64_t>(idle_timeout_s) * 1000), backend_(backend) {
    backend_.CountConnection(1);
  }
  ~Relay() {
    GiveBack(std::move(up_.buf));
    GiveBack(std::move(down_.buf));
    backend_.CountConnection(-1);
  }

  void Start() {
    boost::system::error_code ec;
    client_.non_blocking(true, ec);
    if (!ec) target_.non_blocking(true, ec);
    if (ec) return CloseBoth();
    last_ = SteadyMillis();
    Wait(up_);
    Wait(down_);
    WatchIdle(idle_ms_);
  }

 private:
  struct Way {
    tcp::socket& from;
    tcp::socket& to;
    std::unique_ptr<Buffer> buf;  // only while bytes move
  };

  void Wait(Way& w) {
    w.from.async_wait(tcp::socket::wait_read, [self = shared_from_this(), &w](boost::system::error_code ec) {
      if (ec) return self->CloseBoth();
      self->Read(w);
    });
  }
  void Read(Way& w) {
    if (closed_) return;
    if (!w.buf) w.buf = TakeBuffer();
    boost::system::error_code ec;
    size_t n = w.from.read_some(asio::buffer(*w.buf), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      GiveBack(std::move(w.buf));
      return Wait(w);
    }
    if (ec) {
      GiveBack(std::move(w.buf));
      if (ec != asio::error::eof) return CloseBoth();
      boost::system::error_code ignored;
      w.to.shutdown(tcp::socket::shutdown_send, ignored);  // half close: the other way goes on
      if (++ended_ == 2) CloseBoth();
      return;
    }
    last_ = SteadyMillis();
    asio::async_write(w.to, asio::buffer(w.buf->data(), n), [self = shared_from_this(), &w](boost::system::error_code ec,
                                                                                             size_t) {
      if (ec) return self->CloseBoth();
      self->Read(w);
    });
  }
  // One timer per connection, due when the connection would have been idle
  // for the whole timeout.
  void WatchIdle(int64_t due_in_ms) {
    idle_timer_.expires_after(std::chrono::milliseconds(due_in_ms));
    idle_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
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
  Way up_{client_, target_, nullptr}, down_{target_, client_, nullptr};
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
