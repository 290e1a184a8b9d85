#include "dataplane/lb/udp_listener.h"

#include <array>
#include <boost/asio.hpp>
#include <chrono>

#include "common/clock.h"
#include <map>
#include <string>

#include "dataplane/lb/target_picker.h"

namespace fargo::dataplane::lb {

namespace asio = boost::asio;
using asio::ip::udp;

struct UdpListener::State : std::enable_shared_from_this<UdpListener::State> {
  // One client's flow: its socket towards the target.
  struct Flow {
    explicit Flow(asio::io_context& io) : socket(io) {}
    udp::socket socket;
    int64_t last = 0;
    std::array<char, 65536> buf{};
  };

  State(asio::io_context& io, ListenerBackend& b, ListenerConfig c)
      : io(io), socket(io), sweep(io), backend(b), config(std::move(c)) {}
  asio::io_context& io;
  udp::socket socket;
  asio::steady_timer sweep;
  ListenerBackend& backend;
  ListenerConfig config;
  std::map<udp::endpoint, std::shared_ptr<Flow>> flows;
  std::array<char, 65536> buf{};
  udp::endpoint from;
  bool closed = false;

  void Receive() {
    socket.async_receive_from(asio::buffer(buf), from, [self = shared_from_this()](boost::system::error_code ec,
                                                                                   size_t n) {
      if (self->closed || ec == asio::error::operation_aborted) return;
      if (!ec) self->Forward(n);
      self->Receive();
    });
  }

  void Forward(size_t n) {
    auto it = flows.find(from);
    if (it == flows.end()) {
      auto flow = Open(from);
      if (!flow) return;  // nowhere to go: dropped, as AWS drops it
      it = flows.emplace(from, flow).first;
    }
    auto flow = it->second;
    flow->last = SteadyMillis();
    auto data = std::make_shared<std::string>(buf.data(), n);
    flow->socket.async_send(asio::buffer(*data), [data](boost::system::error_code, size_t) {});
  }

  std::shared_ptr<Flow> Open(const udp::endpoint& client) {
    uint64_t hash = FlowHash(client.address().to_string(), client.port(), config.address, config.port);
    auto target = backend.Pick(config.target_group_arn, hash);
    if (!target) return nullptr;
    auto flow = std::make_shared<Flow>(io);
    boost::system::error_code ec;
    flow->socket.open(udp::v4(), ec);
    // The target sees the load balancer's address as the source.
    if (!ec) flow->socket.bind(udp::endpoint(asio::ip::make_address(config.address, ec), 0), ec);
    if (!ec) flow->socket.connect(udp::endpoint(target->address(), target->port()), ec);
    if (ec) return nullptr;
    backend.CountConnection(1);
    Answer(flow, client);
    if (flows.empty()) Sweep();
    return flow;
  }

  // The target's datagrams, back to the client from the listener's port.
  void Answer(const std::shared_ptr<Flow>& flow, udp::endpoint client) {
    flow->socket.async_receive(asio::buffer(flow->buf), [self = shared_from_this(), flow, client](
                                                            boost::system::error_code ec, size_t n) {
      if (self->closed || !flow->socket.is_open() || ec == asio::error::operation_aborted) return;
      if (!ec) {
        flow->last = SteadyMillis();
        auto data = std::make_shared<std::string>(flow->buf.data(), n);
        self->socket.async_send_to(asio::buffer(*data), client, [data](boost::system::error_code, size_t) {});
      }
      self->Answer(flow, client);  // an ICMP error (target gone) leaves the flow to its idle end
    });
  }

  void Sweep() {
    sweep.expires_after(std::chrono::seconds(1));
    sweep.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed) return;
      int64_t now = SteadyMillis();
      for (auto it = self->flows.begin(); it != self->flows.end();) {
        if (now - it->second->last < int64_t{kIdleTimeoutSeconds} * 1000) {
          ++it;
          continue;
        }
        self->End(*it->second);
        it = self->flows.erase(it);
      }
      if (!self->flows.empty()) self->Sweep();
    });
  }

  void End(Flow& flow) {
    boost::system::error_code ignored;
    flow.socket.close(ignored);
    backend.CountConnection(-1);
  }
};

Result<std::unique_ptr<UdpListener>> UdpListener::Open(asio::io_context& io, ListenerBackend& backend,
                                                       const ListenerConfig& config) {
  auto state = std::make_shared<State>(io, backend, config);
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(config.address, ec);
  if (!ec) state->socket.open(udp::v4(), ec);
  if (!ec) state->socket.bind(udp::endpoint(ip, config.port), ec);
  if (ec) return ListenFailure(config, "/udp", ec);
  state->Receive();
  return std::unique_ptr<UdpListener>(new UdpListener(std::move(state)));
}

UdpListener::~UdpListener() { Close(); }

void UdpListener::Update(const ListenerConfig& config) { state_->config = config; }

void UdpListener::Close() {
  if (state_->closed) return;
  state_->closed = true;
  boost::system::error_code ignored;
  state_->socket.close(ignored);
  state_->sweep.cancel();
  for (auto& [client, flow] : state_->flows) state_->End(*flow);
  state_->flows.clear();
}

}  // namespace fargo::dataplane::lb
