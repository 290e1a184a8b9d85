#include "server/http_listener.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "common/strings.h"

namespace fargo::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
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

// What the listener asks of a connection, whatever its stream.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void CloseIfIdle() = 0;
  virtual void Close() = 0;
};

}  // namespace

// What a listener's connections share with it; it outlives the listener as
// long as one of them does.
struct HttpListener::Shared {
  Shared(HttpHandler& h, HttpListenerOptions o) : handler(h), options(std::move(o)) {}

  // Registers a connection; false when there are max_connections already.
  bool Add(SessionBase* s, std::weak_ptr<SessionBase> w) {
    std::lock_guard<std::mutex> lock(mu);
    if (options.max_connections && live.size() >= options.max_connections) return false;
    live.emplace(s, std::move(w));
    return true;
  }
  void Remove(SessionBase* s) {
    std::function<void()> empty;
    {
      std::lock_guard<std::mutex> lock(mu);
      live.erase(s);
      if (live.empty() && on_empty) empty = std::exchange(on_empty, nullptr);
    }
    if (empty) empty();
  }
  std::vector<std::shared_ptr<SessionBase>> Live() {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::shared_ptr<SessionBase>> out;
    for (auto& [ptr, weak] : live)
      if (auto s = weak.lock()) out.push_back(std::move(s));
    return out;
  }

  HttpHandler& handler;
  const HttpListenerOptions options;
  asio::thread_pool* files = nullptr;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> live;
  std::function<void()> on_empty;  // Shutdown's, called (once) when `live` empties
};

namespace {

// One connection: requests in turn (keep-alive), each read, handed to the
// handler and answered. Every failure of a request is the handler's answer
// or a closed connection, never an exception out of the event loop.
// Stream: beast::tcp_stream, or beast::ssl_stream over one (TLS).
template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <class... StreamArgs>
  Session(std::shared_ptr<HttpListener::Shared> shared, StreamArgs&&... args)
      : stream_(std::forward<StreamArgs>(args)...), shared_(std::move(shared)), handler_(shared_->handler),
        options_(shared_->options) {
    // Beast reads at most the buffer's free capacity per call: without this a
    // 100 KB body arrives in 512-byte reads.
    buffer_.reserve(64 * 1024);
  }
  ~Session() override { shared_->Remove(this); }

  // TLS: the handshake first, within the idle timeout; one that fails (no
  // or an unknown SNI name, not TLS at all) just closes.
  void Run() {
    if constexpr (kTls) {
      Lowest().expires_after(options_.idle_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        self->Guard([&] {
          if (ec) return self->Close();
          self->ReadHeader();
        });
      });
    } else {
      ReadHeader();
    }
  }

  // Shutdown: a connection waiting for its next request closes now, one
  // serving a request once its answer is written.
  void CloseIfIdle() override {
    if (!busy_) Close();
  }

  void Close() override {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void ReadHeader() {
    busy_ = false;
    if (closed_) return;
    if (shared_->stopping) return Close();
    parser_.emplace();
    parser_->header_limit(options_.max_header_bytes);
    parser_->body_limit(boost::none);  // set per request once the header is known
    Lowest().expires_after(options_.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              self->Guard([&] { self->OnHeader(ec); });
                            });
  }

  // A read that failed: a request the parser refuses is answered (if the
  // handler has an answer); the peer gone, a timeout or a close just end.
  void OnReadError(beast::error_code ec) {
    if (ec == http::error::header_limit) return Reject(HttpFailure::kHeaderTooLarge);
    if (ec == http::error::body_limit) return Reject(HttpFailure::kBodyTooLarge, handler_.MaxRequestBody(head_) + 1);
    static const auto& http_category = http::make_error_code(http::error::bad_target).category();
    if (ec.category() == http_category && ec != http::error::end_of_stream && ec != http::error::partial_message)
      return Reject(HttpFailure::kMalformed, 0, "malformed HTTP request: " + ec.message());
    Close();
  }

  void OnHeader(beast::error_code ec) {
    if (closed_) return;
    if (ec) {
      head_ = HttpRequest{};
      version_ = 11;
      return OnReadError(ec);
    }
    busy_ = true;
    auto& req = parser_->get();
    if (options_.websocket && websocket::is_upgrade(req) && options_.websocket->wants(std::string(req.target())) &&
        (!options_.websocket->admit || options_.websocket->admit(HeadOf(req)))) {
      // The connection leaves the listener: what it serves now is the
      // WebSocket server's.
      closed_ = true;
      busy_ = false;
      Lowest().expires_never();
      auto upgrade = parser_->release();
      if constexpr (kTls) {
        if (options_.websocket->tls) options_.websocket->tls(std::move(stream_), std::move(upgrade));
      } else {
        if (options_.websocket->plain) options_.websocket->plain(std::move(stream_), std::move(upgrade));
      }
      return;
    }
    version_ = req.version() == 10 ? 10 : 11;
    head_ = HeadOf(req);
    uint64_t limit = handler_.MaxRequestBody(head_);
    if (auto length = parser_->content_length(); length && *length > limit)
      return Reject(HttpFailure::kBodyTooLarge, *length);
    parser_->body_limit(limit);  // bodies without a Content-Length (chunked)
    sink_ = handler_.OpenBodySink(head_);
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      Lowest().expires_after(options_.idle_timeout);
      http::async_write(stream_, *cont, [self = this->shared_from_this(), cont](beast::error_code ec, size_t) {
        self->Guard([&] {
          if (ec) return self->Close();
          self->StartBody();
        });
      });
      return;
    }
    StartBody();
  }

  // A body its handler takes streamed goes through a fixed buffer to the
  // sink; any other is read whole.
  void StartBody() {
    if (!sink_) return ReadBody();
    uint64_t limit = handler_.MaxRequestBody(head_);
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
    Lowest().expires_after(options_.idle_timeout);
    http::async_read(stream_, buffer_, *stream_parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->Guard([&] { self->OnChunk(ec); });
                     });
  }

  void OnChunk(beast::error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      EndStream();
      return OnReadError(ec);
    }
    size_t got = chunk_.size() - stream_parser_->get().body().size;
    bool done = stream_parser_->is_done();
    asio::post(*shared_->files, [self = this->shared_from_this(), got, done] {
      // An exception must not leave the pool's thread: the request fails.
      std::string failure;
      try {
        self->sink_->Write(std::string_view(self->chunk_.data(), got));
        if (done) self->sink_->Finish(self->head_);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      asio::post(self->stream_.get_executor(), [self, done, failure] {
        self->Guard([&] {
          if (self->closed_) return;
          if (!failure.empty()) {
            self->EndStream();
            throw std::runtime_error("request body: " + failure);
          }
          if (!done) return self->ReadChunk();
          self->keep_alive_ = self->stream_parser_->get().keep_alive();
          bool head = self->stream_parser_->get().method() == http::verb::head;
          self->EndStream();
          self->Dispatch(self->head_, head);
        });
      });
    });
  }

  void EndStream() {
    // An unfinished sink still owns its temp file: closing and unlinking a
    // large file is disk work, so the sink ends on the file pool.
    if (sink_) asio::post(*shared_->files, [sink = std::move(sink_)] {});
    stream_parser_.reset();
    std::vector<char>().swap(chunk_);
  }

  // The body in pieces, each within the idle timeout: a slow upload lives
  // as long as bytes arrive, a stalled one is closed.
  void ReadBody() {
    if (parser_->is_done()) return OnRequest();
    Lowest().expires_after(options_.idle_timeout);
    http::async_read_some(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->Guard([&] {
        if (self->closed_) return;
        if (ec) return self->OnReadError(ec);
        self->ReadBody();
      });
    });
  }

  void OnRequest() {
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    bool head = msg.method() == http::verb::head;
    HttpRequest req = head_;  // head_ stays for errors after this point
    req.body = std::move(msg.body());
    Dispatch(std::move(req), head);
  }

  // Hands the request to the handler; its answer may come from any thread.
  void Dispatch(HttpRequest req, bool head) {
    Lowest().expires_never();  // the handler's time is not idle time
    uint64_t seq = ++seq_;
    awaiting_ = true;
    handler_.Handle(std::move(req), [self = this->shared_from_this(), seq, head](HttpResponse resp) {
      asio::post(self->stream_.get_executor(), [self, seq, head, resp = std::move(resp)]() mutable {
        self->Guard([&] {
          if (self->closed_ || !self->awaiting_ || seq != self->seq_) return;  // answered already
          self->awaiting_ = false;
          self->Write(std::move(resp), head);
        });
      });
    });
  }

  // A file-backed body: the header, then a buffer at a time, each read on
  // the file pool while the event loop serves others.
  void WriteFile(std::shared_ptr<http::response<http::string_body>> out, std::shared_ptr<protocol::FileBody> file) {
    file_ = std::move(file);
    file_sent_ = 0;
    file_msg_ = std::make_shared<http::response<http::buffer_body>>();
    file_msg_->version(version_);
    file_msg_->result(out->result());
    for (const auto& f : *out) file_msg_->insert(f.name_string(), f.value());
    file_msg_->keep_alive(keep_alive_);
    file_msg_->content_length(file_->length);
    file_msg_->body().data = nullptr;
    file_msg_->body().more = true;
    file_sr_ = std::make_shared<http::response_serializer<http::buffer_body>>(*file_msg_);
    chunk_.resize(static_cast<size_t>(std::min<int64_t>(kChunk, std::max<int64_t>(file_->length, 1))));
    Lowest().expires_after(options_.idle_timeout);
    http::async_write_header(stream_, *file_sr_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->Guard([&] {
        if (ec) return self->EndFile(ec);
        self->SendFileChunk();
      });
    });
  }

  void SendFileChunk() {
    asio::post(*shared_->files, [self = this->shared_from_this()] {
      auto& f = *self->file_;
      size_t want = static_cast<size_t>(std::min<int64_t>(self->chunk_.size(), f.length - self->file_sent_));
      ssize_t n;
      do {
        n = ::pread(f.fd, self->chunk_.data(), want, f.offset + self->file_sent_);
      } while (n < 0 && errno == EINTR);
      asio::post(self->stream_.get_executor(), [self, n] {
        self->Guard([&] {
          if (n <= 0) return self->EndFile(beast::error_code(EIO, beast::system_category()));
          self->file_sent_ += n;
          auto& body = self->file_msg_->body();
          body.data = self->chunk_.data();
          body.size = static_cast<size_t>(n);
          body.more = self->file_sent_ < self->file_->length;
          self->Lowest().expires_after(self->options_.idle_timeout);
          http::async_write(self->stream_, *self->file_sr_, [self](beast::error_code ec, size_t) {
            self->Guard([&] {
              if (ec == http::error::need_buffer) ec = {};
              if (ec || self->file_sr_->is_done()) return self->EndFile(ec);
              self->SendFileChunk();
            });
          });
        });
      });
    });
  }

  void EndFile(beast::error_code ec) {
    file_sr_.reset();
    file_msg_.reset();
    asio::post(*shared_->files, [file = std::move(file_)] {});  // close off the event loop
    std::vector<char>().swap(chunk_);
    if (ec) {
      // Headers (with the length) are out: the only honest end is the connection's.
      keep_alive_ = false;
    }
    AfterWrite(ec);
  }

  // A request that ends before reaching the handler: answered (when the
  // handler has an answer), then closed; the rest of its body is never read.
  void Reject(HttpFailure why, uint64_t size = 0, const std::string& detail = "") {
    busy_ = true;
    awaiting_ = false;
    auto resp = handler_.Reject(head_, why, size, detail);
    if (!resp) return Close();
    keep_alive_ = false;
    Write(std::move(*resp), false);
  }

  void Write(HttpResponse resp, bool head) {
    if (closed_) return;
    if (shared_->stopping) keep_alive_ = false;
    Lowest().expires_after(options_.idle_timeout);
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(version_);
    out->result(static_cast<unsigned>(resp.status));
    if (!options_.server_header.empty()) out->set(http::field::server, options_.server_header);
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
      hdr->version(version_);
      hdr->result(out->result());
      for (const auto& f : *out) hdr->insert(f.name_string(), f.value());
      hdr->keep_alive(keep_alive_);
      auto sp = std::make_shared<http::response_serializer<http::empty_body>>(*hdr);
      http::async_write_header(stream_, *sp, [self = this->shared_from_this(), hdr, sp](beast::error_code ec, size_t) {
        self->Guard([&] { self->AfterWrite(ec); });
      });
      return;
    }
    if (resp.file) return WriteFile(std::move(out), std::move(resp.file));
    out->body() = std::move(resp.body);
    out->prepare_payload();
    http::async_write(stream_, *out, [self = this->shared_from_this(), out](beast::error_code ec, size_t) {
      self->Guard([&] { self->AfterWrite(ec); });
    });
  }

  void AfterWrite(beast::error_code ec) {
    busy_ = false;
    if (ec || closed_) return Close();
    if (!keep_alive_) return Linger();
    ReadHeader();
  }

  // Closes after an answer without resetting the connection: a close with
  // unread request bytes pending (an unread body, a pipelined request)
  // would send an RST that can destroy the answer before the client reads
  // it. So: send FIN, then drop what the client still sends, for at most a
  // second (not at all when stopping and nothing more is coming in).
  void Linger() {
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    if (shared_->stopping && Lowest().socket().available(ec) == 0) return Close();
    Lowest().expires_after(std::chrono::seconds(1));
    Drain();
  }
  void Drain() {
    stream_.async_read_some(asio::buffer(drain_), [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec || self->closed_ || self->shared_->stopping) return self->Close();
      self->Drain();
    });
  }

  // Runs one step of the connection. An exception (a request no code path
  // foresaw) is answered once (HttpFailure::kInternal), then the connection
  // closes.
  template <typename Fn>
  void Guard(Fn&& step) {
    try {
      step();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fargo: connection failed: %s\n", e.what());
      if (failed_) return Close();
      failed_ = true;
      try {
        Reject(HttpFailure::kInternal, 0, e.what());
      } catch (const std::exception&) {
        Close();
      }
    }
  }

  Stream stream_;
  std::shared_ptr<HttpListener::Shared> shared_;
  HttpHandler& handler_;
  const HttpListenerOptions& options_;  // shared_'s
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest head_;  // the current request without its body: what limits and errors go by
  unsigned version_ = 11;  // the request's, echoed (1.0 or 1.1)
  uint64_t seq_ = 0;       // requests handed to the handler
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
  bool busy_ = false;      // between a request's header and the end of its answer
  bool awaiting_ = false;  // the handler has not answered yet
  bool failed_ = false;
  bool closed_ = false;
  std::array<char, 16 * 1024> drain_;
};

}  // namespace

HttpListener::HttpListener(asio::io_context& io, HttpHandler& handler, HttpListenerOptions options)
    : io_(io),
      shared_(std::make_shared<Shared>(handler, std::move(options))),
      acceptor_(io),
      retry_(io),
      grace_(io) {
  if (shared_->options.file_threads > 0) {
    files_.emplace(shared_->options.file_threads);
    shared_->files = &*files_;
  }
}

HttpListener::~HttpListener() {
  Stop();
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->on_empty = nullptr;
}

Result<uint16_t> HttpListener::Listen(const std::string& host, uint16_t port) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return AwsError::Make("InvalidArgument", "bad listen address " + host);
  tcp::endpoint ep(addr, port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return AwsError::Make("AddressInUse", "cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                              ec.message());
  }
  uint16_t bound = acceptor_.local_endpoint(ec).port();
  Accept();
  return bound;
}

void HttpListener::Stop() {
  beast::error_code ec;
  acceptor_.close(ec);
  retry_.cancel();
}

void HttpListener::Shutdown(std::chrono::milliseconds grace, std::function<void(bool forced)> done) {
  shared_->stopping = true;
  Stop();
  for (auto& s : shared_->Live()) s->CloseIfIdle();
  // The rest end as their answers are written (their handlers complete on
  // this loop), or when the grace runs out.
  auto finish = std::make_shared<std::function<void(bool)>>(std::move(done));
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (!shared_->live.empty()) {
      shared_->on_empty = [this, finish] {
        // Any thread (a connection ends where its last owner lets it go).
        asio::post(io_, [this, finish] {
          if (finished_) return;
          finished_ = true;
          grace_.cancel();
          (*finish)(false);
        });
      };
      grace_.expires_after(grace);
      grace_.async_wait([this, finish](beast::error_code ec) {
        if (ec || finished_) return;
        finished_ = true;
        {
          std::lock_guard<std::mutex> lock(shared_->mu);
          shared_->on_empty = nullptr;
        }
        for (auto& s : shared_->Live()) s->Close();
        (*finish)(true);
      });
      return;
    }
  }
  finished_ = true;
  (*finish)(false);
}

void HttpListener::Accept() {
  auto on_accept = [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors and the like: try again shortly rather than spin.
      retry_.expires_after(std::chrono::milliseconds(50));
      retry_.async_wait([this](beast::error_code e) {
        if (!e && acceptor_.is_open()) Accept();
      });
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto start = [this](auto session) {
      if (shared_->Add(session.get(), session)) session->Run();
      else session->Close();  // over max_connections
    };
    if (shared_->options.tls)
      start(std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(shared_, std::move(socket),
                                                                           *shared_->options.tls));
    else
      start(std::make_shared<Session<beast::tcp_stream>>(shared_, std::move(socket)));
    Accept();
  };
  if (shared_->options.strand_per_connection)
    acceptor_.async_accept(asio::make_strand(io_), std::move(on_accept));
  else
    acceptor_.async_accept(std::move(on_accept));
}

}  // namespace fargo::server
