#include "protocol/router.h"

#include "common/strings.h"
#include "protocol/sigv4.h"

namespace fargo::protocol {

Router::Router(ModelRegistry& models, std::string default_region)
    : models_(models), default_region_(std::move(default_region)) {
  // The models carry how clients address them (botocore's metadata).
  for (const std::string& name : models_.Services()) {
    const ServiceModel* m = models_.Get(name);
    switch (m->protocol()) {
      case Protocol::kJson:
        if (!m->target_prefix().empty()) json_by_target_prefix_.emplace(m->target_prefix(), m);
        break;
      case Protocol::kQuery:
      case Protocol::kEc2:
        query_by_signing_name_.emplace(m->signing_name(), m);
        if (!m->api_version().empty()) query_by_version_.emplace(m->api_version(), m);
        break;
      case Protocol::kRestXml:
      case Protocol::kRestJson:
        rest_by_signing_name_.emplace(m->signing_name(), m);
        if (!rest_default_) rest_default_ = m;
        break;
    }
  }
}

const ServiceModel* Router::ModelOfHead(const HttpRequest& head) const {
  if (auto* target = head.Header("x-amz-target")) {
    auto it = json_by_target_prefix_.find(target->substr(0, target->rfind('.')));
    return it == json_by_target_prefix_.end() ? nullptr : it->second;
  }
  if (auto scope = ScopeOf(head)) {
    for (const auto* table : {&query_by_signing_name_, &rest_by_signing_name_}) {
      auto it = table->find(scope->service);
      if (it != table->end()) return it->second;
    }
  }
  const std::string* ctype = head.Header("content-type");
  if (ctype && StartsWith(ToLower(*ctype), "application/x-www-form-urlencoded")) return nullptr;
  return rest_default_;
}

Result<Route> Router::Resolve(const HttpRequest& req, const ServiceModel** model_out) const {
  *model_out = nullptr;
  Route route;
  auto scope = ScopeOf(req);
  route.region = scope && !scope->region.empty() ? scope->region : default_region_;
  route.access_key = scope ? scope->access_key : std::string();

  if (auto* target = req.Header("x-amz-target")) {
    auto dot = target->rfind('.');
    std::string prefix = dot == std::string::npos ? *target : target->substr(0, dot);
    std::string op = dot == std::string::npos ? std::string() : target->substr(dot + 1);
    auto js = json_by_target_prefix_.find(prefix);
    if (js == json_by_target_prefix_.end())
      return AwsError::Make("UnknownOperationException", "Unknown target prefix " + prefix);
    route.model = js->second;
    *model_out = route.model;
    route.op = route.model->FindOperation(op);
    if (!route.op) return AwsError::Make("UnknownOperationException", "Unknown operation " + *target);
    return route;
  }

  // Signed for a REST service (S3): never a query action, whatever the body looks like.
  if (scope) {
    auto rest = rest_by_signing_name_.find(scope->service);
    if (rest != rest_by_signing_name_.end()) {
      route.model = rest->second;
      *model_out = route.model;
      return route;
    }
  }

  const std::string* ctype = req.Header("content-type");
  bool form = ctype && StartsWith(ToLower(*ctype), "application/x-www-form-urlencoded");
  Params params = form ? ParseForm(req.body) : Params();
  for (const auto& kv : req.query) params.emplace(kv.first, kv.second);
  auto action = params.find("Action");
  if (action != params.end() && (form || req.method == "GET")) {
    const ServiceModel* model = nullptr;
    if (scope) {
      auto it = query_by_signing_name_.find(scope->service);
      if (it != query_by_signing_name_.end()) model = it->second;
    }
    if (!model) {
      auto ver = params.find("Version");
      auto it = ver == params.end() ? query_by_version_.end() : query_by_version_.find(ver->second);
      if (it != query_by_version_.end()) model = it->second;
    }
    if (!model)
      return AwsError::Make("InvalidAction", "Could not determine the service for action " +
                                                 action->second);
    route.model = model;
    *model_out = route.model;
    route.op = route.model->FindOperation(action->second);
    if (!route.op)
      return AwsError::Make("InvalidAction",
                            "The action " + action->second + " is not valid for this web service.");
    route.params = std::move(params);
    return route;
  }

  // Signed for a service fargo does not carry: never S3's.
  if (scope && !ServiceCatalog::Instance().BySigningName(scope->service).empty())
    return AwsError::Make("NotImplemented", "fargo does not serve " + scope->service, 501);

  // Everything else is REST: S3.
  if (!rest_default_) return AwsError::Make("InvalidAction", "No service answers " + req.method + " " + req.path);
  route.model = rest_default_;
  *model_out = route.model;
  return route;
}

std::optional<UnservedRoute> Router::Unserved(const HttpRequest& req) const {
  const ServiceCatalog& catalog = ServiceCatalog::Instance();
  UnservedRoute out;
  if (auto* target = req.Header("x-amz-target")) {
    auto dot = target->rfind('.');
    out.service = catalog.ByTargetPrefix(dot == std::string::npos ? *target : target->substr(0, dot));
    out.protocol = "json";
    if (dot != std::string::npos) out.operation = target->substr(dot + 1);
    return out;
  }
  auto scope = ScopeOf(req);
  const std::string* smithy = req.Header("smithy-protocol");
  if (smithy && *smithy == "rpc-v2-cbor") {
    // POST /service/<ServiceName>/operation/<Operation>
    out.protocol = "smithy-rpc-v2-cbor";
    auto at = req.path.rfind("/operation/");
    if (at != std::string::npos) out.operation = req.path.substr(at + 11);
    if (scope) {
      auto candidates = catalog.BySigningName(scope->service);
      if (!candidates.empty()) out.service = candidates.front();
    }
    return out;
  }
  const std::string* ctype = req.Header("content-type");
  bool form = ctype && StartsWith(ToLower(*ctype), "application/x-www-form-urlencoded");
  Params params = form ? ParseForm(req.body) : Params();
  for (const auto& kv : req.query) params.emplace(kv.first, kv.second);
  auto action = params.find("Action");
  auto version = params.find("Version");
  bool query = action != params.end() && (form || req.method == "GET");
  std::vector<const KnownService*> candidates;
  if (scope) candidates = catalog.BySigningName(scope->service);
  if (candidates.empty() && query && version != params.end()) candidates = catalog.ByApiVersion(version->second);
  if (candidates.empty()) return std::nullopt;
  if (query) {
    out.operation = action->second;
    for (const KnownService* s : candidates) {
      if (!s->Speaks("query") && !s->Speaks("ec2")) continue;
      if (!out.service || (version != params.end() && s->api_version == version->second)) out.service = s;
    }
    if (out.service) {
      out.protocol = out.service->Speaks("ec2") ? "ec2" : "query";
      return out;
    }
  }
  // REST: the service named like its signing name, else the first that speaks REST.
  for (const KnownService* s : candidates) {
    if (!s->Speaks("rest-json") && !s->Speaks("rest-xml")) continue;
    if (!out.service || s->endpoint_prefix == s->signing_name) out.service = s;
    if (s->endpoint_prefix == s->signing_name) break;
  }
  if (!out.service) out.service = candidates.front();
  const KnownService* s = out.service;
  out.protocol = s->Speaks("rest-json") ? "rest-json"
                 : s->Speaks("rest-xml") ? "rest-xml"
                 : s->Speaks("json")     ? "json"
                 : s->Speaks("ec2")      ? "ec2"
                                         : "query";
  return out;
}

}  // namespace fargo::protocol
