// Finds the service and operation an AWS client addressed, the way the
// clients address them: X-Amz-Target (JSON 1.1), the Action parameter (query
// and EC2 query, disambiguated by the SigV4 signing name or Version), and
// otherwise method + path (REST-XML: S3).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/result.h"
#include "protocol/codec.h"
#include "protocol/http_types.h"
#include "protocol/model.h"
#include "protocol/service_catalog.h"

namespace fargo::protocol {

struct Route {
  const ServiceModel* model = nullptr;
  const Operation* op = nullptr;  // null for REST services: they route by path
  Params params;                  // query/EC2 parameters (form body + URL query)
  std::string region;
  std::string access_key;
};

// A request to a service fargo does not serve, as far as the request tells:
// the service (from its X-Amz-Target prefix, SigV4 signing name or query API
// version, by botocore's metadata) and the protocol its client reads errors in.
struct UnservedRoute {
  const KnownService* service = nullptr;  // null when only the protocol is known
  std::string protocol;   // json, rest-json, query, ec2, rest-xml, smithy-rpc-v2-cbor
  std::string operation;  // when the request names it
};

class Router {
 public:
  // Learns each model's target prefix, signing name and API version.
  explicit Router(ModelRegistry& models, std::string default_region);

  // On failure the error carries the protocol's unknown-operation code; the
  // model (if one was identified) is in `*model_out` so the error is shaped right.
  Result<Route> Resolve(const HttpRequest& req, const ServiceModel** model_out) const;

  // The service a request addresses as far as its method, path and headers
  // tell (before its body is read): by X-Amz-Target, by SigV4 signing name,
  // else the REST service unless it is a form post. nullptr when unknown.
  const ServiceModel* ModelOfHead(const HttpRequest& head) const;

  // For a request Resolve found no model for: the service and protocol it
  // addresses among all of botocore's, or nullopt when nothing tells.
  std::optional<UnservedRoute> Unserved(const HttpRequest& req) const;

 private:
  ModelRegistry& models_;
  std::string default_region_;
  std::map<std::string, const ServiceModel*> json_by_target_prefix_;   // JSON 1.1
  std::map<std::string, const ServiceModel*> query_by_signing_name_;   // query, EC2 query
  std::map<std::string, const ServiceModel*> query_by_version_;
  std::map<std::string, const ServiceModel*> rest_by_signing_name_;    // REST-XML (S3)
  const ServiceModel* rest_default_ = nullptr;                         // unsigned REST requests
};

}  // namespace fargo::protocol
