// CloudWatch Logs filter patterns (FilterLogEvents, `aws logs tail
// --filter-pattern`): parsed from the request and matched against messages.
// Input: pattern \n message.
#include <cstdint>

#include "fuzz_input.h"
#include "services/logs/filter_pattern.h"

using namespace fargo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  std::string_view pattern = in.Field();
  std::string_view message = in.Rest();
  auto parsed = services::logs::FilterPattern::Parse(pattern);
  if (parsed.ok()) (void)parsed->Matches(message);
  (void)services::logs::WildcardMatch(pattern, message);
  return 0;
}
