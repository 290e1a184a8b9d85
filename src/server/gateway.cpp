#include "server/gateway.h"

#include <pthread.h>

#include <cstdio>
#include <stdexcept>

#include "common/strings.h"
#include "protocol/codec.h"
#include "protocol/sigv4.h"

namespace fargo::server {
namespace json = boost::json;
using protocol::HttpRequest;
using protocol::HttpResponse;

Gateway::Gateway(const Clock& clock, IdGenerator& ids, std::string account,
                 std::string default_region)
    : clock_(clock),
      ids_(ids),
      account_(std::move(account)),
      default_region_(default_region),
      router_(protocol::ModelRegistry::Instance(), std::move(default_region)) {}

Gateway::~Gateway() { Stop(); }

void Gateway::AddService(std::unique_ptr<services::Service> service) {
  services_.push_back(std::move(service));
}

Status Gateway::Start() {
  for (auto& s : services_) FARGO_TRY(s->Start());
  work_ = std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
      state_io_.get_executor());
  tick_ = std::make_unique<boost::asio::steady_timer>(state_io_);
  ScheduleTick();
  state_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "fargo-state");
    state_io_.run();
  });
  return OkStatus();
}

void Gateway::ScheduleTick() {
  tick_->expires_after(std::chrono::seconds(1));
  tick_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    for (auto& s : services_) s->Tick();
    ScheduleTick();
  });
}

void Gateway::Stop() {
  if (!state_thread_.joinable()) return;
  blocking_.join();  // deferred work ends (its finish is queued before the services stop)
  boost::asio::post(state_io_, [this] {
    tick_->cancel();
    for (auto it = services_.rbegin(); it != services_.rend(); ++it) (*it)->Stop();
  });
  work_.reset();
  state_thread_.join();
}

void Gateway::Post(std::function<void()> fn) { boost::asio::post(state_io_, std::move(fn)); }

void Gateway::Handle(HttpRequest req, std::function<void(HttpResponse)> done) {
  // Routing and decoding are pure work over immutable models: they run on the
  // calling (network) thread, so the state thread only executes handlers.
  auto call = std::make_shared<PreparedCall>();
  call->http = std::move(req);
  try {
    if (auto early = Prepare(*call)) {
      done(std::move(*early));
      return;
    }
  } catch (const std::exception& e) {
    // Decoding input no codec foresaw must answer, not end the daemon.
    std::fprintf(stderr, "fargo: preparing %s %s failed: %s\n", call->http.method.c_str(),
                 call->http.raw_path.c_str(), e.what());
    done(protocol::EncodeError(call->model, AwsError::Make("InternalFailure", "internal error", 500),
                               call->request_id));
    return;
  }
  boost::asio::post(state_io_, [this, call, done = std::move(done)]() mutable {
    Complete(Execute(*call), std::move(done));
  });
}

namespace {

// Request body limits. An S3 PUT carries up to 5 GiB (S3's single-upload
// maximum); PutLogEvents up to 1 MiB of events, which JSON escaping can grow;
// every other API call is far smaller than the default.
constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kRestPutLimit = 5 * 1024 * kMiB;
constexpr uint64_t kRestLimit = 16 * kMiB;
constexpr uint64_t kPutLogEventsLimit = 8 * kMiB;
constexpr uint64_t kApiLimit = 2 * kMiB;

bool IsRest(const protocol::ServiceModel* m) {
  return m && (m->protocol() == protocol::Protocol::kRestXml || m->protocol() == protocol::Protocol::kRestJson);
}

}  // namespace

uint64_t Gateway::MaxRequestBody(const HttpRequest& head) const {
  const protocol::ServiceModel* m = router_.ModelOfHead(head);
  if (IsRest(m)) return head.method == "PUT" ? kRestPutLimit : kRestLimit;
  const std::string* target = head.Header("x-amz-target");
  if (m && m->service() == "logs" && target && EndsWith(*target, ".PutLogEvents")) return kPutLogEventsLimit;
  return kApiLimit;
}

AwsError Gateway::BodyTooLarge(const HttpRequest& head, uint64_t size) const {
  uint64_t limit = MaxRequestBody(head);
  if (IsRest(router_.ModelOfHead(head))) {
    // S3's answer to an upload over its maximum.
    AwsError e = AwsError::Make("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
    e.details = {{"ProposedSize", std::to_string(size)}, {"MaxSizeAllowed", std::to_string(limit)}};
    return e;
  }
  return AwsError::Make("RequestEntityTooLarge",
                        "Request body of " + std::to_string(size) + " bytes exceeds the limit of " +
                            std::to_string(limit) + " bytes",
                        413);
}

HttpResponse Gateway::Reject(const HttpRequest& head, const AwsError& error) const {
  return protocol::EncodeError(router_.ModelOfHead(head), error, ids_.Uuid());
}

void Gateway::Complete(HttpResponse resp, std::function<void(HttpResponse)> done) {
  if (!resp.deferred) return done(std::move(resp));
  auto deferred = std::move(resp.deferred);
  boost::asio::post(blocking_, [this, deferred, done = std::move(done)]() mutable {
    // An exception must not leave the pool's thread (that would end the
    // daemon): it is answered as InternalFailure on the state thread.
    bool worked = true;
    try {
      deferred->work();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fargo: deferred work failed: %s\n", e.what());
      worked = false;
    }
    boost::asio::post(state_io_, [this, deferred, worked, done = std::move(done)]() mutable {
      HttpResponse out;
      try {
        if (!worked) throw std::runtime_error("deferred work failed");
        out = deferred->finish();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "fargo: deferred response failed: %s\n", e.what());
        out = protocol::EncodeError(nullptr, AwsError::Make("InternalFailure", "internal error", 500), "");
      }
      Complete(std::move(out), std::move(done));
    });
  });
}

std::unique_ptr<protocol::BodySink> Gateway::OpenBodySink(const HttpRequest& head) const {
  const protocol::ServiceModel* model = nullptr;
  auto route = router_.Resolve(head, &model);
  if (!route.ok() || route->op) return nullptr;  // model-driven calls decode their body in memory
  for (const auto& s : services_)
    if (s->name() == model->service()) return s->OpenBodySink(head);
  return nullptr;
}

std::vector<std::string> Gateway::ServiceNames() const {
  std::vector<std::string> out;
  for (const auto& s : services_) out.push_back(s->name());
  return out;
}

std::optional<HttpResponse> Gateway::Prepare(PreparedCall& call) const {
  call.request_id = ids_.Uuid();
  auto route = router_.Resolve(call.http, &call.model);
  if (!route.ok()) {
    // A service fargo carries no model for: its own protocol's error, never S3's or a page.
    if (!call.model)
      if (auto unserved = router_.Unserved(call.http)) return Unserved(*unserved, call.request_id);
    return protocol::EncodeError(call.model, route.error(), call.request_id);
  }
  call.route = std::move(route).value();
  for (const auto& s : services_)
    if (s->name() == call.model->service()) call.service = s.get();
  if (!call.service)
    return protocol::EncodeError(
        call.model,
        AwsError::Make("NotImplemented", "fargo does not serve " + call.model->service() + " yet", 501),
        call.request_id);
  if (!call.route.op) return std::nullopt;  // REST: the service reads the request itself
  Result<json::object> input = call.model->protocol() == protocol::Protocol::kJson
                                   ? protocol::DecodeJsonRequest(*call.model, *call.route.op, call.http.body,
                                                                 call.storage)
                                   : protocol::DecodeQueryRequest(*call.model, *call.route.op, call.route.params);
  if (!input.ok()) return protocol::EncodeError(call.model, input.error(), call.request_id);
  call.input = std::move(input).value();
  return std::nullopt;
}

HttpResponse Gateway::Unserved(const protocol::UnservedRoute& u, const std::string& request_id) {
  std::string what = u.service ? u.service->service_id + " (" + u.service->name + ")" : std::string("this service");
  if (!u.service && u.protocol == "json") {
    return protocol::EncodeErrorIn(u.protocol, nullptr,
                                   AwsError::Make("UnknownOperationException",
                                                  "fargo does not know the service of operation " + u.operation),
                                   request_id);
  }
  std::string message = "fargo does not serve " + what + " yet" + (u.operation.empty() ? "" : ": " + u.operation);
  return protocol::EncodeErrorIn(u.protocol, u.service, AwsError::Make("NotImplemented", message, 501), request_id);
}

HttpResponse Gateway::Execute(PreparedCall& call) {
  static const protocol::Operation kRestOperation{};
  const auto* model = call.model;
  services::CallContext ctx{call.route.region, account_, call.request_id, call.route.access_key, *model,
                            call.route.op ? *call.route.op : kRestOperation, call.http};
  try {
    if (!call.route.op) {
      auto r = call.service->InvokeRest(ctx);
      if (!r.ok()) return protocol::EncodeError(model, r.error(), call.request_id);
      return std::move(r).value();
    }
    auto out = call.service->Invoke(ctx, call.input);
    if (!out.ok()) return protocol::EncodeError(model, out.error(), call.request_id);
    return protocol::EncodeResponse(*model, *call.route.op, out.value(), call.request_id);
  } catch (const std::exception& e) {
    // A handler reading malformed-but-valid data must never take the daemon down.
    std::fprintf(stderr, "fargo: %s:%s failed: %s\n", model->service().c_str(),
                 call.route.op ? call.route.op->name.c_str() : "REST", e.what());
    return protocol::EncodeError(model, AwsError::Make("InternalFailure", "internal error", 500),
                                 call.request_id);
  }
}

}  // namespace fargo::server
