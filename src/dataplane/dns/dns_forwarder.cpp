#include "dataplane/dns/dns_forwarder.h"

#include <fstream>
#include <random>
#include <sstream>

namespace fargo::dataplane::dns {

namespace asio = boost::asio;
using asio::ip::udp;

struct DnsForwarder::Query {
  explicit Query(asio::io_context& io) : socket(io), timer(io), attempt(io) {}
  udp::socket socket;
  asio::steady_timer timer;    // the whole query
  asio::steady_timer attempt;  // the current upstream's share
  std::string wire;       // with our id
  uint16_t client_id = 0;
  size_t next = 0;        // next upstream to ask
  udp::endpoint asked, from;
  std::string buf = std::string(65535, '\0');
  Done done;
  bool finished = false;

  void Finish(std::optional<std::string> r) {
    if (finished) return;
    finished = true;
    boost::system::error_code ec;
    timer.cancel();
    attempt.cancel();
    socket.close(ec);
    if (r && r->size() >= 2) {
      (*r)[0] = static_cast<char>(client_id >> 8);
      (*r)[1] = static_cast<char>(client_id);
    }
    Done d = std::move(done);
    d(std::move(r));
  }
};

DnsForwarder::DnsForwarder(asio::io_context& io, Options options)
    : io_(io), options_(std::move(options)), next_id_(static_cast<uint16_t>(std::random_device{}())) {}

std::vector<udp::endpoint> DnsForwarder::ReadResolvConf(const std::string& path) {
  std::vector<udp::endpoint> out;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string key, value;
    if (!(in >> key >> value) || key != "nameserver") continue;
    size_t pct = value.find('%');  // fe80::1%eth0: scoped, not supported
    if (pct != std::string::npos) continue;
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(value, ec);
    if (!ec) out.emplace_back(addr, 53);
  }
  return out;
}

void DnsForwarder::Forward(std::string query, Done done) {
  auto q = std::make_shared<Query>(io_);
  q->client_id = query.size() >= 2 ? static_cast<uint16_t>((static_cast<uint8_t>(query[0]) << 8) |
                                                           static_cast<uint8_t>(query[1]))
                                   : 0;
  uint16_t id = next_id_ = static_cast<uint16_t>(next_id_ * 25173u + 13849u);
  if (query.size() >= 2) {
    query[0] = static_cast<char>(id >> 8);
    query[1] = static_cast<char>(id);
  }
  q->wire = std::move(query);
  q->done = std::move(done);
  if (options_.upstreams.empty()) return q->Finish(std::nullopt);
  // The whole timeout, shared by the upstreams.
  q->timer.expires_after(options_.timeout);
  q->timer.async_wait([q](const boost::system::error_code& ec) {
    if (!ec) q->Finish(std::nullopt);
  });
  Try(q);
}

void DnsForwarder::Try(std::shared_ptr<Query> q) {
  if (q->finished) return;
  if (q->next >= options_.upstreams.size()) return q->Finish(std::nullopt);
  q->asked = options_.upstreams[q->next++];
  size_t gen = q->next;
  boost::system::error_code ec;
  q->attempt.cancel();
  if (q->socket.is_open()) q->socket.close(ec);
  q->socket.open(q->asked.protocol(), ec);
  if (!ec) q->socket.send_to(asio::buffer(q->wire), q->asked, 0, ec);
  if (ec) return Try(q);  // unreachable at once (no route): the next one
  // This upstream's share of the time left; the last one waits for all of it.
  size_t left = options_.upstreams.size() - q->next + 1;
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(q->timer.expiry() -
                                                                         asio::steady_timer::clock_type::now());
  q->attempt.expires_after(std::max<std::chrono::milliseconds>(std::chrono::milliseconds(300),
                                                               remaining / static_cast<int>(left)));
  q->attempt.async_wait([this, q, gen](const boost::system::error_code& e) {
    if (e || q->finished || gen != q->next) return;
    Try(q);
  });
  Receive(q, gen);
}

void DnsForwarder::Receive(std::shared_ptr<Query> q, size_t gen) {
  q->socket.async_receive_from(asio::buffer(q->buf), q->from,
                               [this, q, gen](const boost::system::error_code& ec, size_t n) {
    if (q->finished || gen != q->next) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      return Try(q);  // e.g. ICMP port unreachable: the next one
    }
    bool ours = q->from == q->asked && n >= 12 && q->buf[0] == q->wire[0] && q->buf[1] == q->wire[1] &&
                (static_cast<uint8_t>(q->buf[2]) & 0x80);
    if (!ours) return Receive(q, gen);
    q->Finish(q->buf.substr(0, n));
  });
}

}  // namespace fargo::dataplane::dns
