// HttpServer: the one listening port every service is reached on. An
// HttpListener (the connections: parsing, limits, keep-alive, writing, on
// the network event loop) whose requests go to the Gateway; the response is
// posted back. Bodies a service takes streamed (Gateway::OpenBodySink) and
// file-backed responses move through a fixed buffer, their disk work on the
// listener's small file pool.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"
#include "protocol/http_types.h"
#include "server/gateway.h"
#include "server/http_handler.h"
#include "server/http_listener.h"

namespace fargo::server {

struct HttpServerOptions {
  // A connection that sends nothing this long (between requests, or in the
  // middle of one) is closed, as the task endpoints do.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // Larger request headers get 400 RequestHeaderSectionTooLarge. Bodies are
  // limited per operation (Gateway::MaxRequestBody).
  uint32_t max_header_bytes = 64 * 1024;
  // HTTPS with this context (HttpListenerOptions::tls); null: HTTP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // WebSocket upgrades served elsewhere (HttpListenerOptions::websocket).
  std::shared_ptr<WebSocketHandoff> websocket;
};

class HttpServer final : private HttpHandler {
 public:
  // Requests for which `local` returns a response (health, fargo's own
  // endpoints) are answered on the event loop without reaching the gateway.
  using LocalHandler = std::function<std::optional<protocol::HttpResponse>(const protocol::HttpRequest&)>;
  // Like `local`, for answers that need work off the event loop: returns
  // false for a request it does not take, else calls `reply` once, from any
  // thread.
  using AsyncLocalHandler = std::function<bool(const protocol::HttpRequest&,
                                               std::function<void(protocol::HttpResponse)> reply)>;
  using Options = HttpServerOptions;  // short name inside the class

  // REQUIRES: io and gateway outlive the server.
  HttpServer(boost::asio::io_context& io, Gateway& gateway, LocalHandler local, Options options = {});

  // REQUIRES: before Start().
  void SetAsyncLocal(AsyncLocalHandler handler) { async_local_ = std::move(handler); }

  // Binds and starts accepting. Returns the bound port (useful with port 0).
  Result<uint16_t> Start(const std::string& host, uint16_t port);
  // Stops accepting; open connections end as their requests complete.
  void Stop();

 private:
  // HttpHandler: every request to the gateway, every early end shaped by it.
  uint64_t MaxRequestBody(const protocol::HttpRequest& head) const override;
  std::unique_ptr<protocol::BodySink> OpenBodySink(const protocol::HttpRequest& head) const override;
  std::optional<protocol::HttpResponse> Reject(const protocol::HttpRequest& head, HttpFailure why, uint64_t size,
                                               const std::string& detail) const override;
  void Handle(protocol::HttpRequest req, Respond respond) override;

  Gateway& gateway_;
  LocalHandler local_;
  AsyncLocalHandler async_local_;
  HttpListener listener_;  // last: its connections use the members above
};

}  // namespace fargo::server
