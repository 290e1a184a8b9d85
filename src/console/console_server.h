// ConsoleServer: fargo's web console at /_fargo/. Serves the single-page
// app (embedded in the binary, the token of this start written into its
// page) and its live feed (/_fargo/console/events, Server-Sent Events).
// The overview reads fargo's /_fargo/status (cli/status_endpoint.h). The page reads and acts through fargo's AWS APIs on
// the same origin; ConsoleGuard keeps other origins out of all of it.
//
// The feed: a probe of the state (a change counter the composition root
// supplies, read on the state thread) runs four times a second while a
// page listens; each request to the feed is answered with one event as
// soon as the counter moves past the client's Last-Event-ID (or a ping
// after 15 s). The event carries `retry: 50`, so EventSource reconnects at
// once and the page re-reads what it shows within a fraction of a second.
#pragma once

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "console/console_guard.h"
#include "protocol/http_types.h"

namespace fargo::console {

class ConsoleServer {
 public:
  using Post = std::function<void(std::function<void()>)>;  // onto the state thread
  using Reply = std::function<void(protocol::HttpResponse)>;
  // Runs on the state thread: a number that changes with any state change.
  using Probe = std::function<uint64_t()>;

  // REQUIRES: io outlives the server.
  ConsoleServer(boost::asio::io_context& io, Post post, Probe probe, std::string token);
  ~ConsoleServer();

  // Answers any waiting feed request; no more probes.
  void Stop();

  // Serves the console's paths; false for any other request. Any thread.
  bool Handle(const protocol::HttpRequest& req, Reply reply);
  // The guard every request of the port passes first (ConsoleGuard::Check).
  std::optional<protocol::HttpResponse> Guard(const protocol::HttpRequest& req) const { return guard_.Check(req); }

  const std::string& token() const { return guard_.token(); }

 private:
  struct Shared;
  void Page(const protocol::HttpRequest& req, Reply reply) const;
  void Events(const protocol::HttpRequest& req, Reply reply);
  static void Schedule(const std::shared_ptr<Shared>& s);

  ConsoleGuard guard_;
  std::shared_ptr<Shared> shared_;
};

// One Server-Sent Events message: `retry`, `id`, `event`, one data line.
std::string SseMessage(uint64_t id, const std::string& event, const std::string& data, int retry_ms);

}  // namespace fargo::console
