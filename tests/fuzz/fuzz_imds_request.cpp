// The instance metadata service's request heads (bytes from an instance).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataplane/imds/imds_responder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view head(reinterpret_cast<const char*>(data), size);
  auto req = fargo::dataplane::imds::ParseRequestHead(head);
  if (req) {
    fargo::FakeClock clock(0);
    fargo::dataplane::imds::ImdsResponder responder(clock, "seed");
    fargo::dataplane::imds::InstanceView inst;
    inst.instance_id = "i-0123456789abcdef0";
    inst.role_name = "role";
    (void)responder.Respond(*req, inst, std::nullopt);
  }
  return 0;
}
