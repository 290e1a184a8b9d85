#include "dataplane/lb/http_listener.h"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string_view>

#include "dataplane/lb/listener_tls.h"
#include "dataplane/lb/rule_matcher.h"
#include "dataplane/lb/target_picker.h"

namespace fargo::dataplane::lb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using services::elbv2::ActionPlan;
using services::elbv2::RulePlan;

namespace {

constexpr size_t kMaxIdlePerTarget = 32;
constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr const char* kStickyCookie = "AWSALBTG";
// How long an HTTPS client has for its TLS handshake.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// What a connection holds of a body in transit, either way: bytes read
// from one side wait here until the other side has taken them.
constexpr size_t kChunk = 64 << 10;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// The load balancer's own answers, whole.
using Response = http::response<http::string_body>;
// Requests and the targets' responses: the header parsed, the body streamed.
using RequestParser = http::request_parser<http::buffer_body>;
using ResponseParser = http::response_parser<http::buffer_body>;

// A response the load balancer makes itself, as ALB makes them.
Response Own(unsigned status, const std::string& content_type, std::string body) {
  Response res{static_cast<http::status>(status), 11};
  res.set(http::field::server, "awselb/2.0");
  if (!content_type.empty()) res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// ALB's error pages ("503 Service Temporarily Unavailable", ...).
Response ErrorPage(unsigned status) {
  const char* reason = status == 502   ? "Bad Gateway"
                       : status == 503 ? "Service Temporarily Unavailable"
                       : status == 504 ? "Gateway Time-out"
                                       : "Bad Request";
  std::string title = std::to_string(status) + " " + reason;
  return Own(status, "text/html",
             "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
                 "</h1></center>\r\n</body>\r\n</html>\r\n");
}

// A fixed-response action: the content type gets its charset, as ALB's does.
Response FixedResponse(const ActionPlan& a) {
  std::string ct = a.content_type.empty() ? "" : a.content_type + "; charset=utf-8";
  return Own(static_cast<unsigned>(std::atoi(a.status_code.c_str())), ct, a.body);
}

Response RedirectResponse(const ActionPlan& a, const RequestFacts& facts) {
  unsigned status = a.status_code == "HTTP_302" ? 302 : 301;
  std::string title = status == 302 ? "302 Found" : "301 Moved Permanently";
  Response res = Own(status, "text/html",
                     "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
                         "</h1></center>\r\n</body>\r\n</html>\r\n");
  res.set(http::field::location, RedirectLocation(a, facts));
  return res;
}

// The opaque value of the stickiness cookie for a target group.
std::string GroupToken(const std::string& arn) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(FlowHash(arn, 0, "", 0)));
  return out;
}

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    std::string_view part = header.substr(0, header.find(';'));
    header = part.size() < header.size() ? header.substr(part.size() + 1) : std::string_view();
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
  }
  return "";
}

bool Transient(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == http::error::partial_message;
}

}  // namespace

struct HttpListener::State : std::enable_shared_from_this<HttpListener::State> {
  State(asio::io_context& io, ListenerBackend& b, ListenerConfig c) : acceptor(io), backend(b), config(std::move(c)) {}
  tcp::acceptor acceptor;
  ListenerBackend& backend;
  ListenerConfig config;
  bool closed = false;
  uint64_t picks = 0;    // spreads requests over a group's targets (round robin)
  uint64_t weights = 0;  // spreads requests over a weighted forward's groups
  // Connections to targets no request uses now, by target.
  std::map<tcp::endpoint, std::vector<std::shared_ptr<beast::tcp_stream>>> idle;

  void Accept();

  // An idle connection to `ep` the target has not closed, or null.
  std::shared_ptr<beast::tcp_stream> TakeIdle(const tcp::endpoint& ep) {
    auto it = idle.find(ep);
    while (it != idle.end() && !it->second.empty()) {
      auto s = std::move(it->second.back());
      it->second.pop_back();
      char c;
      // Closed by the target (0) or sent something unasked (> 0): not reusable.
      ssize_t n = ::recv(s->socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return s;
      boost::system::error_code ignored;
      s->socket().close(ignored);
    }
    return nullptr;
  }
  void GiveBack(const tcp::endpoint& ep, std::shared_ptr<beast::tcp_stream> s) {
    auto& list = idle[ep];
    s->expires_never();
    if (closed || list.size() >= kMaxIdlePerTarget) {
      boost::system::error_code ignored;
      s->socket().close(ignored);
      return;
    }
    list.push_back(std::move(s));
  }
};

namespace {

// One client connection: request after request while it keeps alive.
// Stream: beast::tcp_stream (HTTP) or TlsStream (HTTPS, whose handshake
// comes first). Bodies are streamed both ways through one chunk of kChunk
// bytes: a request's header is parsed and answered by the rules, its body
// follows it to the target as it arrives; the target's response header,
// once read, goes to the client and its body after it, as it arrives.
// Until the target has sent a header, its failure is answered (502, 504);
// once the header has gone out, a target dying mid-body ends the client's
// connection (the client sees the body truncated) and a client leaving
// ends the target's (never pooled unless its response was read whole).
template <class Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
 public:
  Exchange(std::shared_ptr<HttpListener::State> state, Stream client, std::shared_ptr<ListenerTls> tls = nullptr)
      : state_(std::move(state)), client_(std::move(client)), tls_(std::move(tls)) {
    state_->backend.CountConnection(1);
  }
  ~Exchange() { state_->backend.CountConnection(-1); }

  void Start() {
    boost::system::error_code ec;
    auto peer = Socket().remote_endpoint(ec);
    if (ec) return;
    client_ip_ = peer.address().to_string();
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(client_).expires_after(kHandshakeTimeout);
      client_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](boost::system::error_code ec) {
        if (ec) return self->Close();
        self->Read();
      });
    } else {
      Read();
    }
  }

 private:
  static constexpr bool kHttps = std::is_same_v<Stream, TlsStream>;
  tcp::socket& Socket() { return beast::get_lowest_layer(client_).socket(); }
  std::chrono::seconds Idle() const { return std::chrono::seconds(std::max(1, state_->config.idle_timeout_s)); }
  http::request<http::buffer_body>& Req() { return req_parser_->get(); }
  char* Chunk() {
    if (!chunk_) chunk_ = std::make_unique<char[]>(kChunk);
    return chunk_.get();
  }

  void Read() {
    req_out_.reset();
    req_parser_.emplace();
    req_parser_->body_limit(boost::none);  // streamed: no size to bound
    body_started_ = false;
    beast::get_lowest_layer(client_).expires_after(Idle());
    http::async_read_header(client_, buffer_, *req_parser_, [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
      self->OnRequest(ec);
    });
  }

  void OnRequest(boost::system::error_code ec) {
    if (ec) {
      // The client closed or went idle between requests: nothing to answer.
      if (Transient(ec) || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
          !req_parser_->got_some())
        return Close();
      keep_alive_ = false;
      return Answer(ErrorPage(400));
    }
    auto& req = Req();
    keep_alive_ = req.keep_alive();
    client_version_ = req.version();
    expect_continue_ = beast::iequals(req[http::field::expect], "100-continue");
    facts_.method = std::string(req.method_string());
    facts_.target = std::string(req.target());
    facts_.host = std::string(req[http::field::host]);
    facts_.headers.clear();
    for (const auto& f : req) facts_.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    facts_.source_ip = client_ip_;
    facts_.protocol = kHttps ? "HTTPS" : "HTTP";
    facts_.port = state_->config.port;
    rules_ = state_->config.rules;  // this request's rules, whatever Update does meanwhile
    const RulePlan* rule = rules_ ? MatchRule(*rules_, facts_) : nullptr;
    if (!rule) return Answer(ErrorPage(503));
    const ActionPlan& a = rule->action;
    if (a.type == "fixed-response") return Answer(FixedResponse(a));
    if (a.type == "redirect") return Answer(RedirectResponse(a, facts_));
    if (a.type == "forward") return Forward(a);
    return Answer(ErrorPage(503));  // authentication actions are not served
  }

  // The target group of a forward action this request goes to (null: none
  // has weight).
  const services::elbv2::WeightedGroupPlan* ChooseGroup(const ActionPlan& a) {
    if (a.stickiness) {
      std::string token = CookieValue(Req()[http::field::cookie], kStickyCookie);
      for (const auto& g : a.target_groups)
        if (g.weight > 0 && !token.empty() && GroupToken(g.arn) == token) return &g;
    }
    uint64_t total = 0;
    for (const auto& g : a.target_groups) total += static_cast<uint64_t>(std::max(0, g.weight));
    if (total == 0) return nullptr;
    uint64_t n = state_->weights++ % total;
    for (const auto& g : a.target_groups) {
      uint64_t w = static_cast<uint64_t>(std::max(0, g.weight));
      if (n < w) return &g;
      n -= w;
    }
    return nullptr;
  }

  void Forward(const ActionPlan& a) {
    const auto* group = ChooseGroup(a);
    if (!group) return Answer(ErrorPage(503));
    auto target = state_->backend.Pick(group->arn, state_->picks++);
    if (!target) return Answer(ErrorPage(503));  // no target registered, or all draining
    endpoint_ = *target;
    sticky_cookie_.clear();
    if (a.stickiness)
      sticky_cookie_ = std::string(kStickyCookie) + "=" + GroupToken(group->arn) +
                       "; Max-Age=" + std::to_string(a.stickiness_s) + "; Path=/";
    auto& req = Req();
    std::string xff(req["X-Forwarded-For"]);
    req.set("X-Forwarded-For", xff.empty() ? client_ip_ : xff + ", " + client_ip_);
    req.set("X-Forwarded-Proto", kHttps ? "https" : "http");
    req.set("X-Forwarded-Port", std::to_string(state_->config.port));
    req.erase(http::field::expect);  // the load balancer answers it: a 100 Continue would be taken for the answer
    req.version(11);
    req.keep_alive(true);  // the connection to the target is kept for later requests
    Send(/*fresh=*/false);
  }

  void Send(bool fresh) {
    target_ = fresh ? nullptr : state_->TakeIdle(endpoint_);
    reused_ = target_ != nullptr;
    if (target_) return Write();
    target_ = std::make_shared<beast::tcp_stream>(client_.get_executor());
    boost::system::error_code ec;
    target_->socket().open(endpoint_.protocol(), ec);
    // The target sees the load balancer's address as the source.
    if (!ec) target_->socket().bind(tcp::endpoint(asio::ip::make_address(state_->config.address, ec), 0), ec);
    if (ec) return Failed(ec);
    target_->expires_after(kConnectTimeout);
    target_->async_connect(endpoint_, [self = this->shared_from_this()](boost::system::error_code ec) {
      if (ec) return self->Failed(ec);
      boost::system::error_code ignored;
      self->target_->socket().set_option(tcp::no_delay(true), ignored);
      self->Write();
    });
  }

  // The request's header to the target, then its body as the client sends it.
  void Write() {
    req_out_.emplace(Req());
    target_->expires_after(Idle());
    http::async_write_header(*target_, *req_out_, [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
      if (ec) return self->Failed(ec);
      if (self->req_parser_->is_done()) return self->ReadResponse();  // no body
      self->body_started_ = true;
      self->Continue([self] {
        self->Relay(self->client_, self->buffer_, *self->req_parser_, *self->target_, *self->req_out_,
                    [self](boost::system::error_code ec, bool reading) {
                      if (!ec) return self->ReadResponse();
                      if (!reading) return self->Failed(ec);  // the target is gone: the rest is drained
                      // The client left, went idle or sent a broken body.
                      self->CloseTarget();
                      if (Transient(ec) || ec == beast::error::timeout) return self->Close();
                      self->keep_alive_ = false;
                      self->Answer(ErrorPage(400), /*drain=*/false);
                    });
      });
    });
  }

  // `then` once the client that expects a 100 Continue before its body has it.
  template <class Then>
  void Continue(Then then) {
    if (!expect_continue_) return then();
    expect_continue_ = false;
    beast::get_lowest_layer(client_).expires_after(Idle());
    asio::async_write(client_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = this->shared_from_this(), then = std::move(then)](boost::system::error_code ec, size_t) mutable {
                        if (ec) return self->Abandon();
                        then();
                      });
  }

  // Moves the body `p` parses from `in` to `out` through `sr`, a chunk at a
  // time, each read and write bounded by the idle timeout; `done` gets the
  // first error and whether it came reading (else writing).
  // REQUIRES: p has its header; sr (of p's message) has written it.
  template <bool isRequest, class In, class Out, class Done>
  void Relay(In& in, beast::flat_buffer& buffer, http::parser<isRequest, http::buffer_body>& p, Out& out,
             http::serializer<isRequest, http::buffer_body>& sr, Done done) {
    p.get().body().data = Chunk();
    p.get().body().size = kChunk;
    beast::get_lowest_layer(in).expires_after(Idle());
    http::async_read_some(in, buffer, p, [self = this->shared_from_this(), &in, &buffer, &p, &out, &sr,
                                          done = std::move(done)](boost::system::error_code ec, size_t) mutable {
      if (ec == http::error::need_buffer) ec = {};  // the chunk is full
      if (ec) return done(ec, true);
      auto& body = p.get().body();
      size_t filled = kChunk - body.size;
      if (filled == 0 && !p.is_done()) return self->Relay(in, buffer, p, out, sr, std::move(done));
      body.data = filled ? self->chunk_.get() : nullptr;  // nothing left: the serializer ends the body
      body.size = filled;
      body.more = !p.is_done();
      beast::get_lowest_layer(out).expires_after(self->Idle());
      http::async_write(out, sr, [self, &in, &buffer, &p, &out, &sr, done = std::move(done)](boost::system::error_code ec,
                                                                                          size_t) mutable {
        if (ec == http::error::need_buffer) ec = {};  // the chunk is written, more follows
        if (ec) return done(ec, false);
        if (p.is_done()) return done(ec, false);
        self->Relay(in, buffer, p, out, sr, std::move(done));
      });
    });
  }

  // The target's response header; interim ones (100 Continue) are passed over.
  void ReadResponse(bool interim = false) {
    res_parser_.emplace();
    res_parser_->body_limit(boost::none);
    if (Req().method() == http::verb::head) res_parser_->skip(true);
    if (!interim) target_buffer_.clear();
    target_->expires_after(Idle());
    http::async_read_header(*target_, target_buffer_, *res_parser_, [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
      if (ec) return self->Failed(ec);
      self->OnResponse();
    });
  }

  // The target failed before its response's header.
  void Failed(boost::system::error_code ec) {
    bool answered = res_parser_ && res_parser_->got_some();
    res_parser_.reset();
    CloseTarget();
    // A kept connection the target had closed meanwhile: once more, anew
    // (unless the body has been sent, and cannot be sent again).
    if (reused_ && !answered && !body_started_ && Transient(ec)) return Send(/*fresh=*/true);
    Answer(ErrorPage(ec == beast::error::timeout ? 504 : 502));
  }

  void OnResponse() {
    auto& res = res_parser_->get();
    if (res.result_int() / 100 == 1 && res.result() != http::status::switching_protocols)
      return ReadResponse(/*interim=*/true);
    // An answer the target ends by closing: chunked for an HTTP/1.1 client,
    // whose connection stays; an HTTP/1.0 one gets it until the close.
    if (!res_parser_->is_done() && !res_parser_->content_length() && !res_parser_->chunked()) {
      if (client_version_ >= 11) {
        res.version(11);
        res.chunked(true);
      } else {
        keep_alive_ = false;
      }
    }
    if (!sticky_cookie_.empty()) res.insert(http::field::set_cookie, sticky_cookie_);
    res.keep_alive(keep_alive_);
    res_out_.emplace(res);
    beast::get_lowest_layer(client_).expires_after(Idle());
    http::async_write_header(client_, *res_out_, [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
      if (ec) return self->Abandon();
      if (self->res_parser_->is_done()) return self->Done();  // no body (HEAD, 204, 304, empty)
      self->Relay(*self->target_, self->target_buffer_, *self->res_parser_, self->client_, *self->res_out_,
                  [self](boost::system::error_code ec, bool) {
                    // The target died mid-body (the client sees the body
                    // truncated) or the client left: both connections end.
                    if (ec) return self->Abandon();
                    self->Done();
                  });
    });
  }

  // The response has gone through whole: the target's connection back to
  // the pool if the target keeps it and sent nothing more (nor switched
  // protocols, which are not relayed), the client's on to its next request.
  void Done() {
    bool reusable = res_parser_->keep_alive() && target_buffer_.size() == 0 &&
                    res_parser_->get().result() != http::status::switching_protocols;
    res_out_.reset();
    res_parser_.reset();
    if (reusable)
      state_->GiveBack(endpoint_, std::move(target_));
    else
      CloseTarget();
    target_.reset();
    if (!keep_alive_) return Close();
    Read();
  }

  // The load balancer's own answer, once the request's body is read (a
  // 100 Continue first if the client waits for it): the connection serves
  // the next request, or closes without unread bytes (which would reset it
  // under the answer). No `drain` when the body is broken.
  void Answer(Response res, bool drain = true) {
    res_ = std::make_shared<Response>(std::move(res));
    if (drain && req_parser_ && req_parser_->is_header_done() && !req_parser_->is_done())
      return Continue([self = this->shared_from_this()] { self->Drain(); });
    res_->keep_alive(keep_alive_);
    beast::get_lowest_layer(client_).expires_after(Idle());
    http::async_write(client_, *res_, [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
      self->res_.reset();
      if (ec || !self->keep_alive_) return self->Close();
      self->Read();
    });
  }

  // Reads the rest of the request's body and forgets it, then answers res_.
  void Drain() {
    req_parser_->get().body().data = Chunk();
    req_parser_->get().body().size = kChunk;
    beast::get_lowest_layer(client_).expires_after(Idle());
    http::async_read_some(client_, buffer_, *req_parser_, [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return self->Close();
      if (!self->req_parser_->is_done()) return self->Drain();
      self->Answer(std::move(*self->res_));
    });
  }

  void CloseTarget() {
    if (!target_) return;
    boost::system::error_code ignored;
    target_->socket().close(ignored);
    target_.reset();
  }

  // Ends both connections mid-message.
  void Abandon() {
    CloseTarget();
    Close();
  }

  void Close() {
    boost::system::error_code ignored;
    Socket().shutdown(tcp::socket::shutdown_send, ignored);
    Socket().close(ignored);
  }

  std::shared_ptr<HttpListener::State> state_;
  Stream client_;
  std::shared_ptr<ListenerTls> tls_;  // its contexts outlive the stream
  beast::flat_buffer buffer_;
  std::string client_ip_;
  std::unique_ptr<char[]> chunk_;  // a body's bytes in transit, either way
  // The request: its header parsed, its body read as it is relayed. A
  // serializer writes the (amended) header and the body to the target.
  std::optional<RequestParser> req_parser_;
  std::optional<http::request_serializer<http::buffer_body>> req_out_;
  unsigned client_version_ = 11;
  bool expect_continue_ = false;  // the client waits for a 100 Continue before its body
  bool body_started_ = false;     // some of the body has gone to the target
  RequestFacts facts_;
  std::shared_ptr<const std::vector<RulePlan>> rules_;
  bool keep_alive_ = true;
  std::string sticky_cookie_;
  tcp::endpoint endpoint_;
  std::shared_ptr<beast::tcp_stream> target_;
  bool reused_ = false;
  beast::flat_buffer target_buffer_;
  std::optional<ResponseParser> res_parser_;
  std::optional<http::response_serializer<http::buffer_body>> res_out_;
  std::shared_ptr<Response> res_;  // the load balancer's own answer being written
};

}  // namespace

void HttpListener::State::Accept() {
  acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket client) {
    if (self->closed) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      return self->Accept();
    }
    boost::system::error_code ignored;
    client.set_option(tcp::no_delay(true), ignored);
    if (std::shared_ptr<ListenerTls> tls = self->config.tls)
      std::make_shared<Exchange<TlsStream>>(self, TlsStream(beast::tcp_stream(std::move(client)), tls->context()), tls)
          ->Start();
    else
      std::make_shared<Exchange<beast::tcp_stream>>(self, beast::tcp_stream(std::move(client)))->Start();
    self->Accept();
  });
}

Result<std::unique_ptr<HttpListener>> HttpListener::Open(asio::io_context& io, ListenerBackend& backend,
                                                         const ListenerConfig& config) {
  auto state = std::make_shared<State>(io, backend, config);
  FARGO_TRY(ListenAt(state->acceptor, config));
  state->Accept();
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(state)));
}

HttpListener::~HttpListener() { Close(); }

void HttpListener::Update(const ListenerConfig& config) { state_->config = config; }

void HttpListener::Close() {
  if (state_->closed) return;
  state_->closed = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  for (auto& [ep, list] : state_->idle)
    for (auto& s : list) s->socket().close(ignored);
  state_->idle.clear();
}

}  // namespace fargo::dataplane::lb
