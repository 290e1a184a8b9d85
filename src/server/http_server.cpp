#include "server/http_server.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <unistd.h>

#include <array>
#include <cerrno>
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

// Streamed bodies and file-backed responses move through a buffer this big.
constexpr size_t kChunk = 1 << 20;

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
          const HttpServer::AsyncLocalHandler& async_local, const HttpServer::Options& options,
          asio::thread_pool& files)
      : stream_(std::move(socket)),
        gateway_(gateway),
        local_(local),
        async_local_(async_local),
        options_(options),
        files_(files) {
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
    sink_ = gateway_.OpenBodySink(head_);
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      stream_.expires_after(options_.idle_timeout);
      http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code ec, size_t) {
        self->Guard([&] {
          if (ec) return self->Close();
          self->StartBody();
        });
      });
      return;
    }
    StartBody();
  }

  // A body its service takes streamed goes through a fixed buffer to the
  // sink; any other is read whole.
  void StartBody() {
    if (!sink_) return ReadBody();
    uint64_t limit = gateway_.MaxRequestBody(head_);
    stream_parser_.emplace(std::move(*parser_));
    stream_parser_->body_limit(limit);
    chunk_.resize(kChunk);
    ReadChunk();
  }

  // Streamed body: read a buffer's worth, hand it to the sink on the file
  // pool, read the next when it is written. One buffer per upload.
  void ReadChunk() {
    auto& body = stream_parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    if (stream_parser_->is_done()) return OnChunk({});  // empty body
    stream_.expires_after(options_.idle_timeout);
    http::async_read(stream_, buffer_, *stream_parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->Guard([&] { self->OnChunk(ec); });
    });
  }

  void OnChunk(beast::error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) {
      EndStream();
      return Fail(gateway_.Reject(head_, gateway_.BodyTooLarge(head_, gateway_.MaxRequestBody(head_) + 1)));
    }
    if (ec) {
      EndStream();
      return Close();
    }
    size_t got = chunk_.size() - stream_parser_->get().body().size;
    bool done = stream_parser_->is_done();
    asio::post(files_, [self = shared_from_this(), got, done] {
      self->sink_->Write(std::string_view(self->chunk_.data(), got));
      if (done) self->sink_->Finish(self->head_);
      asio::post(self->stream_.get_executor(), [self, done] {
        self->Guard([&] {
          if (!done) return self->ReadChunk();
          self->keep_alive_ = self->stream_parser_->get().keep_alive();
          bool head = self->stream_parser_->get().method() == http::verb::head;
          self->EndStream();
          self->stream_.expires_never();  // the gateway's time is not idle time
          self->Dispatch(self->head_, head);
        });
      });
    });
  }

  void EndStream() {
    // An unfinished sink still owns its temp file: closing and unlinking a
    // large file is disk work, so the sink ends on the file pool.
    asio::post(files_, [sink = std::move(sink_)] {});
    stream_parser_.reset();
    std::vector<char>().swap(chunk_);
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
    Dispatch(std::move(req), head);
  }

  void Dispatch(HttpRequest req, bool head) {
    if (local_) {
      if (auto resp = local_(req)) return Write(std::move(*resp), head);
    }
    auto exec = stream_.get_executor();
    if (async_local_) {
      auto answer = [self = shared_from_this(), exec, head](HttpResponse resp) {
        asio::post(exec, [self, head, resp = std::move(resp)]() mutable {
          self->Guard([&] { self->Write(std::move(resp), head); });
        });
      };
      if (async_local_(req, answer)) return;
    }
    gateway_.Handle(std::move(req), [self = shared_from_this(), exec, head](HttpResponse resp) {
      asio::post(exec, [self, head, resp = std::move(resp)]() mutable {
        self->Guard([&] { self->Write(std::move(resp), head); });
      });
    });
  }

  // A file-backed body: the header, then a buffer at a time, each read on
  // the file pool while the event loop serves others.
  void WriteFile(std::shared_ptr<http::response<http::string_body>> out, std::shared_ptr<protocol::FileBody> file) {
    file_ = std::move(file);
    file_sent_ = 0;
    file_msg_ = std::make_shared<http::response<http::buffer_body>>();
    file_msg_->version(11);
    file_msg_->result(out->result());
    for (const auto& f : *out) file_msg_->insert(f.name_string(), f.value());
    file_msg_->keep_alive(keep_alive_);
    file_msg_->content_length(file_->length);
    file_msg_->body().data = nullptr;
    file_msg_->body().more = true;
    file_sr_ = std::make_shared<http::response_serializer<http::buffer_body>>(*file_msg_);
    chunk_.resize(static_cast<size_t>(std::min<int64_t>(kChunk, std::max<int64_t>(file_->length, 1))));
    stream_.expires_after(options_.idle_timeout);
    http::async_write_header(stream_, *file_sr_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->Guard([&] {
        if (ec) return self->EndFile(ec);
        self->SendFileChunk();
      });
    });
  }

  void SendFileChunk() {
    asio::post(files_, [self = shared_from_this()] {
      auto& f = *self->file_;
      size_t want = static_cast<size_t>(std::min<int64_t>(self->chunk_.size(), f.length - self->file_sent_));
      ssize_t n;
      do {
        n = ::pread(f.fd, self->chunk_.data(), want, f.offset + self->file_sent_);
      } while (n < 0 && errno == EINTR);
      asio::post(self->stream_.get_executor(), [self, n] {
        if (n <= 0) return self->EndFile(beast::error_code(EIO, beast::system_category()));
        self->file_sent_ += n;
        auto& body = self->file_msg_->body();
        body.data = self->chunk_.data();
        body.size = static_cast<size_t>(n);
        body.more = self->file_sent_ < self->file_->length;
        self->stream_.expires_after(self->options_.idle_timeout);
        http::async_write(self->stream_, *self->file_sr_, [self](beast::error_code ec, size_t) {
          self->Guard([&] {
            if (ec == http::error::need_buffer) ec = {};
            if (ec || self->file_sr_->is_done()) return self->EndFile(ec);
            self->SendFileChunk();
          });
        });
      });
    });
  }

  void EndFile(beast::error_code ec) {
    file_sr_.reset();
    file_msg_.reset();
    asio::post(files_, [file = std::move(file_)] {});  // close off the event loop
    std::vector<char>().swap(chunk_);
    if (ec) {
      // Headers (with the length) are out: the only honest end is the connection's.
      keep_alive_ = false;
    }
    AfterWrite(ec);
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
    if (resp.file) return WriteFile(std::move(out), std::move(resp.file));
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
  const HttpServer::AsyncLocalHandler& async_local_;
  const HttpServer::Options& options_;
  asio::thread_pool& files_;
  // A streamed request body: its sink, parser and buffer.
  std::unique_ptr<protocol::BodySink> sink_;
  std::optional<http::request_parser<http::buffer_body>> stream_parser_;
  std::vector<char> chunk_;
  // A file-backed response body being sent.
  std::shared_ptr<protocol::FileBody> file_;
  std::shared_ptr<http::response<http::buffer_body>> file_msg_;
  std::shared_ptr<http::response_serializer<http::buffer_body>> file_sr_;
  int64_t file_sent_ = 0;
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
      std::make_shared<Session>(std::move(socket), gateway_, local_, async_local_, options_, files_)->Run();
    }
    Accept();
  });
}

}  // namespace fargo::server
