// The SigV4 Authorization header and the presigned-URL query, as any client
// may send them: the credential scope (access key, date, region, service).
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "protocol/sigv4.h"

using namespace fargo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  std::string header(in.Field());
  (void)protocol::ParseAuthorization(header);
  protocol::HttpRequest req;
  req.headers["authorization"] = header;
  std::string credential(in.Field());
  if (!credential.empty()) req.query.emplace("X-Amz-Credential", credential);
  (void)protocol::ScopeOf(req);
  return 0;
}
