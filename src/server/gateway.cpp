#include "server/gateway.h"

#include <cstdio>

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
  state_thread_ = std::thread([this] { state_io_.run(); });
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
  boost::asio::post(state_io_, [this] {
    tick_->cancel();
    for (auto it = services_.rbegin(); it != services_.rend(); ++it) (*it)->Stop();
  });
  work_.reset();
  state_thread_.join();
}

void Gateway::Post(std::function<void()> fn) { boost::asio::post(state_io_, std::move(fn)); }

void Gateway::Handle(HttpRequest req, std::function<void(HttpResponse)> done) {
  boost::asio::post(state_io_, [this, req = std::move(req), done = std::move(done)]() mutable {
    done(HandleOnStateThread(req));
  });
}

std::vector<std::string> Gateway::ServiceNames() const {
  std::vector<std::string> out;
  for (const auto& s : services_) out.push_back(s->name());
  return out;
}

HttpResponse Gateway::HandleOnStateThread(const HttpRequest& req) {
  std::string request_id = ids_.Uuid();
  const protocol::ServiceModel* model = nullptr;
  auto route = router_.Resolve(req, &model);
  if (!route.ok()) return protocol::EncodeError(model, route.error(), request_id);

  services::Service* service = nullptr;
  for (auto& s : services_)
    if (s->name() == route->model->service()) service = s.get();
  if (!service)
    return protocol::EncodeError(
        model, AwsError::Make("NotImplemented", "fargo does not serve " + model->service() + " yet", 501),
        request_id);

  static const protocol::Operation kRestOperation{};
  services::CallContext ctx{route->region, account_, request_id, route->access_key, *route->model,
                            route->op ? *route->op : kRestOperation, req};

  if (!route->op) {
    auto r = service->InvokeRest(ctx);
    if (!r.ok()) return protocol::EncodeError(model, r.error(), request_id);
    return std::move(r).value();
  }

  Result<json::object> input = json::object();
  if (model->protocol() == protocol::Protocol::kJson)
    input = protocol::DecodeJsonRequest(*model, *route->op, req.body);
  else
    input = protocol::DecodeQueryRequest(*model, *route->op, route->params);
  if (!input.ok()) return protocol::EncodeError(model, input.error(), request_id);

  Result<json::object> out = json::object();
  try {
    out = service->Invoke(ctx, input.value());
  } catch (const std::exception& e) {
    // A handler reading malformed-but-valid data must never take the daemon down.
    std::fprintf(stderr, "fargo: %s:%s failed: %s\n", model->service().c_str(),
                 route->op->name.c_str(), e.what());
    out = AwsError::Make("InternalFailure", "internal error", 500);
  }
  if (!out.ok()) return protocol::EncodeError(model, out.error(), request_id);
  return protocol::EncodeResponse(*model, *route->op, out.value(), request_id);
}

}  // namespace fargo::server
