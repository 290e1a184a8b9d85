// Finds the service and operation an AWS client addressed, the way the
// clients address them: X-Amz-Target (JSON 1.1), the Action parameter (query
// and EC2 query, disambiguated by the SigV4 signing name or Version), and
// otherwise method + path (REST-XML: S3).
#pragma once

#include <string>

#include "common/result.h"
#include "protocol/codec.h"
#include "protocol/http_types.h"
#include "protocol/model.h"

namespace fargo::protocol {

struct Route {
  const ServiceModel* model = nullptr;
  const Operation* op = nullptr;  // null for REST services: they route by path
  Params params;                  // query/EC2 parameters (form body + URL query)
  std::string region;
  std::string access_key;
};

class Router {
 public:
  explicit Router(ModelRegistry& models, std::string default_region)
      : models_(models), default_region_(std::move(default_region)) {}

  // On failure the error carries the protocol's unknown-operation code; the
  // model (if one was identified) is in `*model_out` so the error is shaped right.
  Result<Route> Resolve(const HttpRequest& req, const ServiceModel** model_out) const;

 private:
  ModelRegistry& models_;
  std::string default_region_;
};

}  // namespace fargo::protocol
