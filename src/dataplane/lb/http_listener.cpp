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

constexpr uint64_t kMaxBody = 256ull << 20;
constexpr size_t kMaxIdlePerTarget = 32;
constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr const char* kStickyCookie = "AWSALBTG";
// How long an HTTPS client has for its TLS handshake.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

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
// comes first).
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

  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxBody);
    beast::get_lowest_layer(client_).expires_after(Idle());
    http::async_read(client_, buffer_, *parser_, [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
      self->OnRequest(ec);
    });
  }

  void OnRequest(boost::system::error_code ec) {
    if (ec) {
      // The client closed or went idle between requests: nothing to answer.
      if (Transient(ec) || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
          !parser_->got_some())
        return Close();
      keep_alive_ = false;
      return Answer(ErrorPage(400));
    }
    req_ = std::make_shared<Request>(parser_->release());
    keep_alive_ = req_->keep_alive();
    facts_.method = std::string(req_->method_string());
    facts_.target = std::string(req_->target());
    facts_.host = std::string((*req_)[http::field::host]);
    facts_.headers.clear();
    for (const auto& f : *req_) facts_.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
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
      std::string token = CookieValue((*req_)[http::field::cookie], kStickyCookie);
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
    std::string xff((*req_)["X-Forwarded-For"]);
    req_->set("X-Forwarded-For", xff.empty() ? client_ip_ : xff + ", " + client_ip_);
    req_->set("X-Forwarded-Proto", kHttps ? "https" : "http");
    req_->set("X-Forwarded-Port", std::to_string(state_->config.port));
    req_->erase(http::field::expect);  // the body is read already: a 100 Continue would be taken for the answer
    req_->version(11);
    req_->keep_alive(true);  // the connection to the target is kept for later requests
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
    if (ec) return Answer(ErrorPage(502));
    target_->expires_after(kConnectTimeout);
    target_->async_connect(endpoint_, [self = this->shared_from_this()](boost::system::error_code ec) {
      if (ec) return self->Failed(ec);
      boost::system::error_code ignored;
      self->target_->socket().set_option(tcp::no_delay(true), ignored);
      self->Write();
    });
  }

  void Write() {
    target_->expires_after(Idle());
    http::async_write(*target_, *req_, [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
      if (ec) return self->Failed(ec);
      self->ReadResponse();
    });
  }

  void ReadResponse() {
    res_parser_.emplace();
    res_parser_->body_limit(kMaxBody);
    if (req_->method() == http::verb::head) res_parser_->skip(true);
    target_buffer_.clear();
    http::async_read(*target_, target_buffer_, *res_parser_, [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
      if (ec) return self->Failed(ec);
      self->OnResponse();
    });
  }

  void Failed(boost::system::error_code ec) {
    bool answered = res_parser_ && res_parser_->got_some();
    boost::system::error_code ignored;
    target_->socket().close(ignored);
    target_.reset();
    // A kept connection the target had closed meanwhile: once more, anew.
    if (reused_ && !answered && Transient(ec)) {
      res_parser_.reset();
      return Send(/*fresh=*/true);
    }
    Answer(ErrorPage(ec == beast::error::timeout ? 504 : 502));
  }

  void OnResponse() {
    Response res = res_parser_->release();
    res_parser_.reset();
    bool reusable = res.keep_alive() && !res.need_eof() && target_buffer_.size() == 0;
    if (reusable)
      state_->GiveBack(endpoint_, std::move(target_));
    else {
      boost::system::error_code ignored;
      target_->socket().close(ignored);
    }
    target_.reset();
    // An answer the target ended by closing: framed for the client, whose connection stays.
    if (!res.has_content_length() && !res.chunked() && req_->method() != http::verb::head) res.prepare_payload();
    if (!sticky_cookie_.empty()) res.insert(http::field::set_cookie, sticky_cookie_);
    Answer(std::move(res));
  }

  void Answer(Response res) {
    res.keep_alive(keep_alive_);
    res_ = std::make_shared<Response>(std::move(res));
    beast::get_lowest_layer(client_).expires_after(Idle());
    http::async_write(client_, *res_, [self = this->shared_from_this()](boost::system::error_code ec, size_t) {
      self->res_.reset();
      if (ec || !self->keep_alive_) return self->Close();
      self->Read();
    });
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
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Request> req_;
  RequestFacts facts_;
  std::shared_ptr<const std::vector<RulePlan>> rules_;
  bool keep_alive_ = true;
  std::string sticky_cookie_;
  tcp::endpoint endpoint_;
  std::shared_ptr<beast::tcp_stream> target_;
  bool reused_ = false;
  beast::flat_buffer target_buffer_;
  std::optional<http::response_parser<http::string_body>> res_parser_;
  std::shared_ptr<Response> res_;
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
