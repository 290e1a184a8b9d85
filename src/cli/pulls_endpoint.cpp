#include "cli/pulls_endpoint.h"

#include <boost/json.hpp>

#include "cli/json_response.h"
#include "runtime/image_ref.h"

namespace fargo::cli {

namespace json = boost::json;
using protocol::HttpRequest;
using protocol::HttpResponse;

namespace {

constexpr const char* kPrefix = "/_fargo/pulls";


}  // namespace

PullsEndpoint::PullsEndpoint(runtime::EngineClient engine, runtime::PullRegistry& registry)
    : engine_(std::move(engine)), registry_(registry) {}

PullsEndpoint::~PullsEndpoint() {
  cancel_ = true;
  std::lock_guard<std::mutex> l(mu_);
  for (auto& w : workers_) w->thread.join();
}

void PullsEndpoint::Reap() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if ((*it)->done) {
      (*it)->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

bool PullsEndpoint::Handle(const HttpRequest& req, std::function<void(HttpResponse)> reply) {
  std::string path = req.path;
  if (path != kPrefix && path.rfind(std::string(kPrefix) + "/", 0) != 0) return false;
  std::string id = path.size() > std::string(kPrefix).size() ? path.substr(std::string(kPrefix).size() + 1) : "";
  if (req.method == "GET" && id.empty()) {
    json::array pulls;
    for (const auto& p : registry_.List()) pulls.push_back(p.ToJson());
    reply(JsonResponse(200, json::object{{"Pulls", std::move(pulls)}}));
    return true;
  }
  if (req.method == "GET") {
    auto p = registry_.Get(id);
    reply(p ? JsonResponse(200, p->ToJson()) : JsonError(404, "NotFound", "no pull " + id));
    return true;
  }
  if (req.method != "POST" || !id.empty()) {
    reply(JsonError(405, "MethodNotAllowed", "GET /_fargo/pulls[/<id>], POST /_fargo/pulls"));
    return true;
  }
  boost::system::error_code ec;
  json::value body = json::parse(req.body, ec);
  const json::value* image = !ec && body.is_object() ? body.as_object().if_contains("Image") : nullptr;
  if (!image || !image->is_string() || image->as_string().empty()) {
    reply(JsonError(400, "InvalidParameterException", "the body is {\"Image\": \"<reference>\"}"));
    return true;
  }
  std::string ref(image->as_string());
  if (!runtime::ParseImageRef(ref)) {
    reply(JsonError(400, "InvalidParameterException", "invalid reference format: " + ref));
    return true;
  }
  std::string normal = runtime::NormalizeImageRef(ref);
  std::string pull_id = registry_.Begin(normal, "");
  {
    std::lock_guard<std::mutex> l(mu_);
    Reap();
    auto w = std::make_unique<Worker>();
    Worker* worker = w.get();
    worker->thread = std::thread([this, worker, normal, pull_id] {
      runtime::EngineClient engine = engine_;
      Status st = engine.ImagePull(
          normal, [this, &pull_id](const json::object& line) { registry_.Feed(pull_id, line); }, &cancel_);
      registry_.Finish(pull_id, st);
      worker->done = true;
    });
    workers_.push_back(std::move(w));
  }
  auto p = registry_.Get(pull_id);
  reply(JsonResponse(202, p ? p->ToJson() : json::object{{"Id", pull_id}}));
  return true;
}

}  // namespace fargo::cli
