// An AWS API request from the network, as fargo's front door handles it:
// routed by X-Amz-Target / Action / path, its SigV4 scope read, decoded and
// validated against the service model, and an error encoded for it.
// Input: method \n path \n header-name \n header-value \n ... (first empty
// field ends the headers) \n body.
#include <cctype>
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "protocol/codec.h"
#include "protocol/router.h"

using namespace fargo;
using namespace fargo::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  HttpRequest req;
  req.method = std::string(in.Field());
  req.raw_path = std::string(in.Field());
  size_t q = req.raw_path.find('?');
  req.path = req.raw_path.substr(0, q);
  if (q != std::string::npos)
    for (auto& [k, v] : ParseForm(std::string_view(req.raw_path).substr(q + 1))) req.query.emplace(k, v);
  for (int i = 0; i < 8; ++i) {
    std::string name(in.Field());
    if (name.empty()) break;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers[name] = std::string(in.Field());
  }
  req.body = std::string(in.Rest());

  static Router router(ModelRegistry::Instance(), "us-east-1");
  const ServiceModel* model = nullptr;
  auto route = router.Resolve(req, &model);
  if (!route.ok()) {
    (void)EncodeError(model, route.error(), "req");
    return 0;
  }
  if (!route->op) return 0;  // REST services route by path (fuzz_s3_request)
  auto decoded = route->model->protocol() == Protocol::kJson ? DecodeJsonRequest(*route->model, *route->op, req.body)
                                    : DecodeQueryRequest(*route->model, *route->op, route->params);
  if (!decoded.ok()) (void)EncodeError(route->model, decoded.error(), "req");
  return 0;
}
