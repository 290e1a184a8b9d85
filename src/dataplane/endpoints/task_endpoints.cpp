#include "dataplane/endpoints/task_endpoints.h"

#include "runtime/netlink.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

namespace fargo::dataplane {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Connections beyond this are accepted and closed at once.
constexpr size_t kMaxConnections = 512;

std::string ErrorJson(std::string_view code, std::string_view message) {
  return boost::json::serialize(boost::json::object{{"code", code}, {"message", message}});
}

// What a request target asks for; status != 0 means answer that error.
struct Route {
  int status = 0;
  std::string body;  // the error's JSON
  TaskEndpoints::Kind kind = TaskEndpoints::Kind::kMetadata;
  int version = 0;
  std::string id;
  std::string subpath;
};

Route NotFound(std::string_view path) {
  Route r;
  r.status = 404;
  r.body = ErrorJson("NotFound", "no such endpoint: " + std::string(path));
  return r;
}

Route Parse(std::string_view target) {
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (path.empty() || path.front() != '/') return NotFound(path);
  std::string_view p = path;
  if (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  std::vector<std::string_view> seg;
  for (size_t i = 1; i <= p.size();) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    seg.push_back(p.substr(i, j - i));
    i = j + 1;
  }
  Route r;
  if (seg.size() >= 2 && seg[0] == "v2" && seg[1] == "credentials") {
    if (seg.size() == 2 || (seg.size() == 3 && seg[2].empty())) {
      r.status = 400;
      r.body = ErrorJson("NoIdInRequest", "CredentialsV2Request: No ID in the request");
      return r;
    }
    if (seg.size() != 3) return NotFound(path);
    r.kind = TaskEndpoints::Kind::kCredentials;
    r.version = 2;
    r.id = std::string(seg[2]);
    return r;
  }
  if (seg.size() >= 2 && (seg[0] == "v3" || seg[0] == "v4") && !seg[1].empty()) {
    r.kind = TaskEndpoints::Kind::kMetadata;
    r.version = seg[0] == "v3" ? 3 : 4;
    r.id = std::string(seg[1]);
    for (size_t i = 2; i < seg.size(); ++i) r.subpath += "/" + std::string(seg[i]);
    static const char* kPaths[] = {"", "/task", "/stats", "/task/stats", "/taskWithTags"};
    for (const char* known : kPaths) {
      if (r.subpath == known && !(r.version == 3 && r.subpath == "/taskWithTags")) return r;
    }
  }
  return NotFound(path);
}

}  // namespace

class Session;

// Everything the server thread owns. Shared with outstanding replies so that
// a reply arriving after Stop() (or after ~TaskEndpoints) still has a live
// io_context to post into; its handler then simply never runs.
struct TaskEndpoints::Core {
  Core(TaskEndpointsOptions o, Resolver r) : options(std::move(o)), resolver(std::move(r)) {}

  void Accept();
  void BeginStop();
  void Finish();
  void OnSessionGone(Session* s);

  TaskEndpointsOptions options;
  Resolver resolver;
  // Declared before the io_context: sessions destroyed while the io_context
  // is destroyed (with the handlers holding them) still deregister here.
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  std::atomic<bool> io_running{false};
  bool stopping = false;
  bool finished = false;
  asio::io_context ioc{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};
  asio::steady_timer accept_retry{ioc};
  asio::steady_timer grace{ioc};
  std::weak_ptr<Core> self;
};

namespace {

// The state behind one Reply: it marshals the answer onto the server's
// thread, ignores all but the first answer, and answers 500 when dropped
// unanswered.
struct ReplyState {
  ReplyState(std::shared_ptr<TaskEndpoints::Core> c, std::weak_ptr<Session> s, uint64_t q)
      : core(std::move(c)), session(std::move(s)), seq(q) {}
  ~ReplyState() {
    if (!done.load()) Send(500, ErrorJson("InternalError", "the request was dropped unanswered"));
  }
  void Send(int status, std::string body);

  std::shared_ptr<TaskEndpoints::Core> core;
  std::weak_ptr<Session> session;
  uint64_t seq;
  std::atomic<bool> done{false};
};

}  // namespace

// One connection: reads a request, asks the resolver, writes the answer, and
// (keep-alive) reads the next. Runs only on the server's thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(TaskEndpoints::Core* core, tcp::socket socket)
      : core_(core), stream_(std::move(socket)), resolve_timer_(core->ioc) {}
  ~Session() { core_->OnSessionGone(this); }

  void Run() { Read(); }

  // Waiting for the resolver (or writing its answer), as opposed to idle.
  bool busy() const { return busy_; }

  void Close() {
    if (closed_) return;
    closed_ = true;
    resolve_timer_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  // The resolver's answer to request `seq`; stale answers are ignored.
  void Respond(uint64_t seq, int status, std::string body) {
    if (closed_ || !awaiting_ || seq != seq_) return;
    awaiting_ = false;
    resolve_timer_.cancel();
    Write(status, std::move(body));
  }

 private:
  void Read() {
    if (closed_) return;
    if (core_->stopping) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(core_->options.max_header_bytes));
    parser_->body_limit(core_->options.max_body_bytes);
    stream_.expires_after(core_->options.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (closed_) return;
    if (ec) {
      // A malformed or oversized request gets an answer before the close;
      // anything else (peer gone, idle timeout, Stop) just closes.
      const auto& http_category = http::make_error_code(http::error::bad_target).category();
      if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
          ec.category() != http_category)
        return Close();
      busy_ = true;
      keep_alive_ = false;
      version_ = 11;
      if (ec == http::error::body_limit)
        return Write(413, ErrorJson("RequestTooLarge", "request body too large"));
      if (ec == http::error::header_limit)
        return Write(431, ErrorJson("RequestHeaderFieldsTooLarge", "request header too large"));
      return Write(400, ErrorJson("BadRequest", "malformed HTTP request: " + ec.message()));
    }
    auto& req = parser_->get();
    busy_ = true;
    keep_alive_ = req.keep_alive() && !core_->stopping;
    version_ = req.version();
    if (req.method() != http::verb::get) {
      return Write(405, ErrorJson("MethodNotAllowed",
                                  std::string(req.method_string()) + " is not allowed; use GET"));
    }
    Route route = Parse(req.target());
    if (route.status != 0) return Write(route.status, std::move(route.body));

    awaiting_ = true;
    uint64_t seq = ++seq_;
    resolve_timer_.expires_after(core_->options.resolve_timeout);
    // The pending wait also keeps the session alive while the resolver works
    // (replies hold it only weakly).
    resolve_timer_.async_wait([self = shared_from_this(), seq](beast::error_code ec) {
      if (ec) return;
      self->Respond(seq, 504, ErrorJson("GatewayTimeout", "no answer in time"));
    });
    auto state = std::make_shared<ReplyState>(core_->self.lock(), weak_from_this(), seq);
    TaskEndpoints::Reply reply = [state](int status, std::string body) {
      state->Send(status, std::move(body));
    };
    try {
      core_->resolver(route.kind, route.version, std::move(route.id), std::move(route.subpath),
                      std::move(reply));
    } catch (const std::exception& e) {
      Respond(seq, 500, ErrorJson("InternalError", e.what()));
    } catch (...) {
      Respond(seq, 500, ErrorJson("InternalError", "resolver failed"));
    }
  }

  void Write(int status, std::string body) {
    if (closed_) return;
    if (core_->stopping) keep_alive_ = false;
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(status), version_);
    res->set(http::field::content_type, "application/json");
    res->keep_alive(keep_alive_);
    res->body() = std::move(body);
    res->prepare_payload();
    stream_.expires_after(core_->options.idle_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      self->busy_ = false;
      if (ec) return self->Close();
      if (!self->keep_alive_) return self->LingeringClose();
      self->Read();
    });
  }

  // Closes after an answer without resetting the connection: a close with
  // unread request bytes pending (an oversized request) would send an RST
  // that can destroy the answer before the client reads it. So: send FIN,
  // then discard what the client still sends, for at most a second.
  void LingeringClose() {
    if (closed_) return;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    // Stopping: do not hold Stop() up when nothing more is coming in.
    if (core_->stopping && stream_.socket().available(ec) == 0) return Close();
    stream_.expires_after(std::chrono::seconds(1));
    Drain();
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec || self->closed_ || self->core_->stopping) return self->Close();
                              self->Drain();
                            });
  }

  TaskEndpoints::Core* core_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  asio::steady_timer resolve_timer_;
  uint64_t seq_ = 0;
  bool awaiting_ = false;
  bool busy_ = false;
  bool closed_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  char drain_[4096];
};

void ReplyState::Send(int status, std::string body) {
  if (done.exchange(true)) return;
  asio::post(core->ioc, [s = session, seq = seq, status, body = std::move(body)]() mutable {
    if (auto p = s.lock()) p->Respond(seq, status, std::move(body));
  });
}

void TaskEndpoints::Core::Accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (stopping || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors and the like: try again shortly rather than spin.
      accept_retry.expires_after(std::chrono::milliseconds(50));
      accept_retry.async_wait([this](beast::error_code e) {
        if (!e && !stopping) Accept();
      });
      return;
    }
    if (sessions.size() >= kMaxConnections) {
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      auto s = std::make_shared<Session>(this, std::move(socket));
      sessions.emplace(s.get(), s);
      s->Run();
    }
    Accept();
  });
}

void TaskEndpoints::Core::BeginStop() {
  stopping = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  std::vector<std::shared_ptr<Session>> live;
  for (auto& [ptr, weak] : sessions)
    if (auto s = weak.lock()) live.push_back(std::move(s));
  for (auto& s : live)
    if (!s->busy()) s->Close();
  live.clear();  // sessions drop (and deregister) as their handlers complete
  if (sessions.empty()) return Finish();
  grace.expires_after(options.stop_grace);
  grace.async_wait([this](beast::error_code ec) {
    if (ec || finished) return;
    std::vector<std::shared_ptr<Session>> rest;
    for (auto& [ptr, weak] : sessions)
      if (auto s = weak.lock()) rest.push_back(std::move(s));
    for (auto& s : rest) s->Close();
    Finish();
    ioc.stop();  // replies still queued for closed sessions are not waited for
  });
}

void TaskEndpoints::Core::Finish() {
  if (finished) return;
  finished = true;
  grace.cancel();
  work.reset();
}

void TaskEndpoints::Core::OnSessionGone(Session* s) {
  sessions.erase(s);
  if (stopping && sessions.empty() && io_running.load()) Finish();
}

TaskEndpoints::TaskEndpoints(TaskEndpointsOptions options, Resolver resolver)
    : options_(std::move(options)), resolver_(std::move(resolver)) {}

TaskEndpoints::~TaskEndpoints() { Stop(); }

Status TaskEndpoints::Start() {
  if (core_) return AwsError::Make("InvalidState", "task endpoints already started", 500);
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.address, ec);
  if (ec)
    return AwsError::Make("InvalidParameter", "bad task endpoints address " + options_.address, 500);
  auto core = std::make_shared<Core>(options_, resolver_);
  core->self = core;
  tcp::endpoint ep(address, options_.port);
  std::string where = options_.address + ":" + std::to_string(options_.port);
  core->acceptor.open(ep.protocol(), ec);
  if (!ec) core->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) core->acceptor.bind(ep, ec);
  if (!ec) core->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return AwsError::Make("BindFailed", "task endpoints cannot listen on " + where + ": " + ec.message(), 500);
  port_ = core->acceptor.local_endpoint(ec).port();
  core->work.emplace(core->ioc.get_executor());
  core->Accept();
  core->io_running = true;
  core_ = core;
  thread_ = std::thread([core = core.get()] {
    for (;;) {
      try {
        core->ioc.run();
        break;
      } catch (const std::exception&) {
        // A handler threw: keep serving the other connections.
      }
    }
    core->io_running = false;
  });
  return OkStatus();
}

void TaskEndpoints::Stop() {
  if (!core_) return;
  if (thread_.joinable()) {
    asio::post(core_->ioc, [core = core_.get()] { core->BeginStop(); });
    thread_.join();
  }
  // Outstanding replies keep the core (and its io_context) alive until they
  // are answered or dropped.
  core_.reset();
}

// ---- the link-local address

Status EnsureLocalAddress(const std::string& ip) {
  FARGO_ASSIGN_OR_RETURN(runtime::Netlink nl, runtime::Netlink::Open());
  return nl.AddAddress("lo", ip, 32);  // an address already there is success
}

}  // namespace fargo::dataplane
