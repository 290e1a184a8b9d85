#include "dataplane/endpoints/task_endpoints.h"

#include "runtime/netlink.h"

#include <atomic>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio.hpp>

#include "protocol/codec.h"
#include "server/http_listener.h"

namespace fargo::dataplane {
namespace asio = boost::asio;
using protocol::HttpRequest;
using protocol::HttpResponse;

namespace {

// Connections beyond this are accepted and closed at once.
constexpr size_t kMaxConnections = 512;

// An answer of the endpoints: JSON, errors as the codecs write them.
HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}
HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message) {
  return protocol::EncodeTaskEndpointError(AwsError::Make(std::string(code), std::string(message), status));
}

// What a request target asks for; error set means answer that.
struct Route {
  std::optional<HttpResponse> error;
  TaskEndpoints::Kind kind = TaskEndpoints::Kind::kMetadata;
  int version = 0;
  std::string id;
  std::string subpath;
};

Route NotFound(std::string_view path) {
  Route r;
  r.error = ErrorResponse(404, "NotFound", "no such endpoint: " + std::string(path));
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
      r.error = ErrorResponse(400, "NoIdInRequest", "CredentialsV2Request: No ID in the request");
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

server::HttpListenerOptions ListenerOptions(const TaskEndpointsOptions& o) {
  server::HttpListenerOptions l;
  l.idle_timeout = o.idle_timeout;
  l.max_header_bytes = static_cast<uint32_t>(o.max_header_bytes);
  l.server_header = "";
  l.max_connections = kMaxConnections;
  l.file_threads = 0;  // small JSON answers only
  l.strand_per_connection = false;  // one thread of its own
  return l;
}

}  // namespace

// Everything the server thread owns: the routing of requests (the handler
// of the listener's connections), the io_context and the listener. Shared
// with outstanding replies so that a reply arriving after Stop() (or after
// ~TaskEndpoints) still has a live io_context to post into; its handler
// then simply never runs.
struct TaskEndpoints::Core final : server::HttpHandler {
  Core(TaskEndpointsOptions o, Resolver r) : options(std::move(o)), resolver(std::move(r)) {}

  uint64_t MaxRequestBody(const HttpRequest&) const override { return options.max_body_bytes; }
  std::optional<HttpResponse> Reject(const HttpRequest&, server::HttpFailure why, uint64_t,
                                     const std::string& detail) const override;
  void Handle(HttpRequest req, Respond respond) override;

  TaskEndpointsOptions options;
  Resolver resolver;
  asio::io_context ioc{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  server::HttpListener listener{ioc, *this, ListenerOptions(options)};  // after ioc: uses it
  std::weak_ptr<Core> self;
};

namespace {

// The state behind one Reply: answers once (the resolver, or the timeout's
// 504, whichever comes first), and 500 when dropped unanswered.
struct ReplyState {
  ReplyState(std::shared_ptr<TaskEndpoints::Core> c, server::HttpHandler::Respond r)
      : core(std::move(c)), respond(std::move(r)) {}
  ~ReplyState() {
    if (!done.load()) Send(ErrorResponse(500, "InternalError", "the request was dropped unanswered"));
  }
  void Send(HttpResponse resp) {
    if (done.exchange(true)) return;
    auto r = std::move(respond);  // only the winner gets here
    r(std::move(resp));
    if (timer) asio::post(core->ioc, [t = timer] { t->cancel(); });
  }

  std::shared_ptr<TaskEndpoints::Core> core;  // first: outlives `respond`
  server::HttpHandler::Respond respond;
  std::shared_ptr<asio::steady_timer> timer;  // the resolve timeout
  std::atomic<bool> done{false};
};

}  // namespace

std::optional<HttpResponse> TaskEndpoints::Core::Reject(const HttpRequest&, server::HttpFailure why, uint64_t,
                                                        const std::string& detail) const {
  switch (why) {
    case server::HttpFailure::kHeaderTooLarge:
      return ErrorResponse(431, "RequestHeaderFieldsTooLarge", "request header too large");
    case server::HttpFailure::kBodyTooLarge:
      return ErrorResponse(413, "RequestTooLarge", "request body too large");
    case server::HttpFailure::kMalformed:
      return ErrorResponse(400, "BadRequest", detail);
    case server::HttpFailure::kInternal:
      return ErrorResponse(500, "InternalError", detail);
  }
  return std::nullopt;
}

void TaskEndpoints::Core::Handle(HttpRequest req, Respond respond) {
  if (req.method != "GET")
    return respond(ErrorResponse(405, "MethodNotAllowed", req.method + " is not allowed; use GET"));
  Route route = Parse(req.raw_path);
  if (route.error) return respond(std::move(*route.error));

  auto state = std::make_shared<ReplyState>(self.lock(), std::move(respond));
  state->timer = std::make_shared<asio::steady_timer>(ioc, options.resolve_timeout);
  // The timer holds the state weakly: a reply the resolver drops is a 500 at once.
  state->timer->async_wait([timer = state->timer, weak = std::weak_ptr<ReplyState>(state)](boost::system::error_code ec) {
    if (ec) return;
    if (auto s = weak.lock()) s->Send(ErrorResponse(504, "GatewayTimeout", "no answer in time"));
  });
  Reply reply = [state](int status, std::string body) { state->Send(JsonResponse(status, std::move(body))); };
  try {
    resolver(route.kind, route.version, std::move(route.id), std::move(route.subpath), std::move(reply));
  } catch (const std::exception& e) {
    state->Send(ErrorResponse(500, "InternalError", e.what()));
  } catch (...) {
    state->Send(ErrorResponse(500, "InternalError", "resolver failed"));
  }
}

TaskEndpoints::TaskEndpoints(TaskEndpointsOptions options, Resolver resolver)
    : options_(std::move(options)), resolver_(std::move(resolver)) {}

TaskEndpoints::~TaskEndpoints() { Stop(); }

Status TaskEndpoints::Start() {
  if (core_) return AwsError::Make("InvalidState", "task endpoints already started", 500);
  auto core = std::make_shared<Core>(options_, resolver_);
  core->self = core;
  auto port = core->listener.Listen(options_.address, options_.port);
  if (!port.ok()) {
    if (port.error().code == "InvalidArgument")
      return AwsError::Make("InvalidParameter", "bad task endpoints address " + options_.address, 500);
    return AwsError::Make("BindFailed", "task endpoints " + port.error().message, 500);
  }
  port_ = *port;
  core->work.emplace(core->ioc.get_executor());
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
  });
  return OkStatus();
}

void TaskEndpoints::Stop() {
  if (!core_) return;
  if (thread_.joinable()) {
    asio::post(core_->ioc, [core = core_.get()] {
      core->listener.Shutdown(core->options.stop_grace, [core](bool forced) {
        core->work.reset();
        if (forced) core->ioc.stop();  // replies still queued for closed connections are not waited for
      });
    });
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
