// HttpListener: a listening socket and its HTTP/1.1 connections, the one
// implementation of fargo's HTTP servers (the API port and the task
// endpoints). Per connection: requests in turn (keep-alive, pipelining), an
// idle timeout between and within requests, a header size limit and a body
// limit per request (HttpHandler::MaxRequestBody, checked against
// Content-Length before the body is read), `Expect: 100-continue`, bodies
// streamed to a sink and responses streamed from a file through a fixed
// buffer with their disk work on a small pool, HEAD, and every failure
// answered (HttpHandler::Reject) or closed, never an exception out of the
// event loop. Over TLS too (HttpListenerOptions::tls).
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "server/http_handler.h"

namespace fargo::server {

// Who takes WebSocket upgrades (RFC 6455) over: a request that `wants`
// (by its target) and `admit` lets in (by its head: a browser's Origin, a
// token; null admits all) leaves the listener, its connection handed to
// `plain` or `tls` with the upgrade request, on the connection's executor;
// any other upgrade is an ordinary request (so the handler answers, e.g.
// refuses, one that is not admitted).
struct WebSocketHandoff {
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  std::function<bool(const std::string& target)> wants;
  std::function<bool(const protocol::HttpRequest& head)> admit;
  std::function<void(boost::beast::tcp_stream, Request)> plain;
  std::function<void(boost::beast::ssl_stream<boost::beast::tcp_stream>, Request)> tls;
};

struct HttpListenerOptions {
  // A connection that sends nothing this long (between requests, or in the
  // middle of one) is closed; so is one that reads nothing of an answer.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // Larger header sections are refused (HttpFailure::kHeaderTooLarge).
  uint32_t max_header_bytes = 64 * 1024;
  // The Server header of every response; "" = none.
  std::string server_header = "fargo";
  // Connections beyond this many are accepted and closed at once; 0 = no bound.
  size_t max_connections = 0;
  // Threads for the disk work of streamed bodies and file responses; 0 =
  // none (the handler streams nothing).
  size_t file_threads = 0;
  // Each connection on a strand of its own: needed when several threads run
  // the io_context; Shutdown requires false (one thread).
  bool strand_per_connection = true;
  // TLS: each connection's handshake first (bounded by idle_timeout), then
  // HTTP as in the clear. The context picks the certificates (its SNI
  // callback); a failed handshake closes the connection. Null: plain HTTP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // WebSocket upgrades taken over by another server; null: none.
  std::shared_ptr<WebSocketHandoff> websocket;
};

class HttpListener {
 public:
  // REQUIRES: io and handler outlive the listener and its connections.
  HttpListener(boost::asio::io_context& io, HttpHandler& handler, HttpListenerOptions options = {});
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Binds and starts accepting. Returns the bound port (useful with port 0).
  // Errors: InvalidArgument (not an address), AddressInUse (cannot bind).
  Result<uint16_t> Listen(const std::string& host, uint16_t port);
  // Stops accepting; open connections end as their requests complete.
  void Stop();
  // Stops accepting, closes idle connections (and each busy one once its
  // answer is written), and after `grace` closes what is left; then calls
  // `done(forced)` once, on the event loop (forced: the grace ran out).
  // REQUIRES: on the event loop, with strand_per_connection false.
  void Shutdown(std::chrono::milliseconds grace, std::function<void(bool forced)> done);

  struct Shared;  // what the connections share with their listener

 private:
  void Accept();

  boost::asio::io_context& io_;
  std::shared_ptr<Shared> shared_;
  // Blocking file work of streamed bodies (writes, fsync, reads), so that
  // neither the event loop nor the state thread waits on the disk.
  std::optional<boost::asio::thread_pool> files_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // accepting again after an error
  boost::asio::steady_timer grace_;  // Shutdown's
  bool finished_ = false;            // Shutdown's done was called
};

}  // namespace fargo::server
