#include "server/http_server.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <chrono>
#include <cstdio>

#include "common/strings.h"

namespace fargo::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using protocol::HttpRequest;
using protocol::HttpResponse;

namespace {

// Method, path, query and headers of `in`: all but the body.
HttpRequest HeadOf(const http::request<http::string_body>& in) {
  HttpRequest r;
  r.method = std::string(in.method_string());
  std::string target(in.target());
  auto q = target.find('?');
  r.raw_path = target.substr(0, q);
  r.path = UrlDecode(r.raw_path, false);
  if (q != std::string::npos) {
    for (const auto& part : Split(std::string_view(target).substr(q + 1), '&')) {
      if (part.empty()) continue;
      auto eq = part.find('=');
      r.query.emplace(UrlDecode(part.substr(0, eq)),
                      eq == std::string::npos ? std::string() : UrlDecode(part.substr(eq + 1)));
    }
  }
  for (const auto& f : in) r.headers[ToLower(f.name_string())] = std::string(f.value());
  return r;
}

// One connection: requests in turn (keep-alive), each read, handed to the
// gateway and answered. Every failure of a request is an AWS-shaped answer
// or a closed connection, never an exception out of the event loop.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Gateway& gateway, const HttpServer::LocalHandler& local,
          const HttpServer::Options& options)
      : stream_(std::move(socket)), gateway_(gateway), local_(local), options_(options) {
    // Beast reads at most the buffer's free capacity per call: without this a
    // 100 KB body arrives in 512-byte reads.
    buffer_.reserve(64 * 1024);
  }

  void Run() { ReadHeader(); }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(options_.max_header_bytes);
    parser_->body_limit(boost::none);  // set per operation once the header is known
    stream_.expires_after(options_.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->Guard([&] { self->OnHeader(ec); });
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      return Fail(gateway_.Reject(HttpRequest{},
                                  AwsError::Make("RequestHeaderSectionTooLarge",
                                                 "Your request header section exceeds the maximum allowed size.")));
    }
    if (ec) return Close();  // idle timeout, peer gone, not HTTP
    auto& req = parser_->get();
    head_ = HeadOf(req);
    uint64_t limit = gateway_.MaxRequestBody(head_);
    if (auto length = parser_->content_length(); length && *length > limit)
      return Fail(gateway_.Reject(head_, gateway_.BodyTooLarge(head_, *length)));
    parser_->body_limit(limit);  // bodies without a Content-Length (chunked)
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      stream_.expires_after(options_.idle_timeout);
      http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, size_t) {
        self->Guard([&] {
          if (ec) return self->Close();
          self->ReadBody();
        });
      });
      return;
    }
    ReadBody();
  }

  // The body in pieces, each within the idle timeout: a slow upload lives
  // as long as bytes arrive, a stalled one is closed.
  void ReadBody() {
    if (parser_->is_done()) return OnRequest();
    stream_.expires_after(options_.idle_timeout);
    http::async_read_some(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->Guard([&] {
        if (ec == http::error::body_limit)
          return self->Fail(self->gateway_.Reject(
              self->head_, self->gateway_.BodyTooLarge(self->head_, self->gateway_.MaxRequestBody(self->head_) + 1)));
        if (ec) return self->Close();
        self->ReadBody();
      });
    });
  }

  void OnRequest() {
    stream_.expires_never();  // the gateway's time is not idle time
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    bool head = msg.method() == http::verb::head;
    HttpRequest req = head_;  // head_ stays for errors after this point
    req.body = std::move(msg.body());
    if (local_) {
      if (auto resp = local_(req)) return Write(std::move(*resp), head);
    }
    auto exec = stream_.get_executor();
    gateway_.Handle(std::move(req), [self = shared_from_this(), exec, head](HttpResponse resp) {
      asio::post(exec, [self, head, resp = std::move(resp)]() mutable {
        self->Guard([&] { self->Write(std::move(resp), head); });
      });
    });
  }

  // A request that ends before reaching a service: answered, then closed
  // (the rest of its body is never read).
  void Fail(HttpResponse resp) {
    keep_alive_ = false;
    linger_ = true;
    Write(std::move(resp), false);
  }

  void Write(HttpResponse resp, bool head) {
    stream_.expires_after(options_.idle_timeout);
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(11);
    out->result(static_cast<unsigned>(resp.status));
    out->set(http::field::server, "fargo");
    bool has_length = false;
    for (auto& [k, v] : resp.headers) {
      if (beast::iequals(k, "content-length")) has_length = true;
      out->insert(k, v);
    }
    out->keep_alive(keep_alive_);
    if (head) {
      // HEAD: headers describe the entity; no body is sent.
      if (!has_length) out->content_length(resp.body.size());
      auto hdr = std::make_shared<http::response<http::empty_body>>();
      hdr->version(11);
      hdr->result(out->result());
      for (const auto& f : *out) hdr->insert(f.name_string(), f.value());
      hdr->keep_alive(keep_alive_);
      auto sp = std::make_shared<http::response_serializer<http::empty_body>>(*hdr);
      http::async_write_header(stream_, *sp, [self = shared_from_this(), hdr, sp](beast::error_code ec, size_t) {
        self->Guard([&] { self->AfterWrite(ec); });
      });
      return;
    }
    out->body() = std::move(resp.body);
    out->prepare_payload();
    http::async_write(stream_, *out, [self = shared_from_this(), out](beast::error_code ec, size_t) {
      self->Guard([&] { self->AfterWrite(ec); });
    });
  }

  void AfterWrite(beast::error_code ec) {
    if (!ec && linger_) return Linger();
    if (ec || !keep_alive_) return Close();
    ReadHeader();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // After answering a request whose body was left unread: drops what the
  // client still sends for up to a second, so that closing does not reset
  // the connection before the client has read the answer.
  void Linger() {
    Close();
    stream_.expires_after(std::chrono::seconds(1));
    Drain();
  }
  void Drain() {
    stream_.async_read_some(asio::buffer(drain_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->Drain();
    });
  }

  // Runs one step of the connection. An exception (a request no code path
  // foresaw) is answered with InternalFailure once, then the connection closes.
  template <typename Fn>
  void Guard(Fn&& step) {
    try {
      step();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fargo: connection failed: %s\n", e.what());
      if (failed_) return Close();
      failed_ = true;
      try {
        Fail(gateway_.Reject(head_, AwsError::Make("InternalFailure", "internal error", 500)));
      } catch (const std::exception&) {
        Close();
      }
    }
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest head_;  // the current request without its body: what limits and errors go by
  Gateway& gateway_;
  const HttpServer::LocalHandler& local_;
  const HttpServer::Options& options_;
  bool keep_alive_ = true;
  bool failed_ = false;
  bool linger_ = false;
  std::array<char, 16 * 1024> drain_;
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, Gateway& gateway, LocalHandler local, Options options)
    : io_(io), gateway_(gateway), local_(std::move(local)), options_(options), acceptor_(io) {}

Result<uint16_t> HttpServer::Start(const std::string& host, uint16_t port) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return AwsError::Make("InvalidArgument", "bad listen address " + host);
  tcp::endpoint ep(addr, port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return AwsError::Make("AddressInUse", "cannot listen on " + host + ":" + std::to_string(port) +
                                                    ": " + ec.message());
  Accept();
  return acceptor_.local_endpoint().port();
}

void HttpServer::Stop() {
  beast::error_code ec;
  acceptor_.close(ec);
}

void HttpServer::Accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), gateway_, local_, options_)->Run();
    }
    Accept();
  });
}

}  // namespace fargo::server
