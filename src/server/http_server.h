// HttpServer: the one listening port every service is reached on. Runs on the
// network event loop; parsing and writing happen here, service work is handed
// to the Gateway and the response is posted back. Bodies a service takes
// streamed (Gateway::OpenBodySink) and file-backed responses move through a
// fixed buffer, their disk work on a small pool.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "protocol/http_types.h"
#include "server/gateway.h"

namespace fargo::server {

struct HttpServerOptions {
  // A connection that sends nothing this long (between requests, or in the
  // middle of one) is closed, as the task endpoints do.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // Larger request headers get 400 RequestHeaderSectionTooLarge. Bodies are
  // limited per operation (Gateway::MaxRequestBody).
  uint32_t max_header_bytes = 64 * 1024;
};

class HttpServer {
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
  void Accept();

  boost::asio::io_context& io_;
  // Blocking file work of streamed bodies (writes, fsync, reads), so that
  // neither the event loop nor the state thread waits on the disk.
  boost::asio::thread_pool files_{2};
  Gateway& gateway_;
  LocalHandler local_;
  AsyncLocalHandler async_local_;
  Options options_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace fargo::server
