// DnsForwarder: sends the queries the VPC resolver does not answer itself to
// the host's resolvers (the nameservers of /etc/resolv.conf), over UDP, one
// after the other, each with its share of a bounded time. The upstream's
// response (NXDOMAIN included) is relayed as is; when none answers in time
// the caller answers SERVFAIL. Never hangs: every query ends within the
// timeout.
//
// Each query goes out on a socket of its own (a fresh source port) and only
// a response from the server asked, with the query's id, is taken. Runs on
// the io_context given; sockets are opened on its thread (the host's
// network namespace).
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fargo::dataplane::dns {

class DnsForwarder {
 public:
  struct Options {
    std::vector<boost::asio::ip::udp::endpoint> upstreams;
    std::chrono::milliseconds timeout{2000};  // for all upstreams together
  };
  // The response (nullopt: none in time). Called on the io_context's thread.
  using Done = std::function<void(std::optional<std::string> response)>;

  // REQUIRES: io outlives the forwarder and every query in flight.
  DnsForwarder(boost::asio::io_context& io, Options options);

  // REQUIRES: called on io's thread; `query` is a parsed, well-formed query.
  void Forward(std::string query, Done done);

  // The nameservers of a resolv.conf (IPv4 and IPv6, port 53). Unreadable
  // or empty: none (every forwarded query then fails at once).
  static std::vector<boost::asio::ip::udp::endpoint> ReadResolvConf(const std::string& path = "/etc/resolv.conf");

  const Options& options() const { return options_; }

 private:
  struct Query;
  void Try(std::shared_ptr<Query> q);
  void Receive(std::shared_ptr<Query> q, size_t gen);

  boost::asio::io_context& io_;
  Options options_;
  uint16_t next_id_;
};

}  // namespace fargo::dataplane::dns
