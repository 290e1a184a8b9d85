// An image pull's progress stream as an engine may send it (the registry's
// words pass through it): lines of JSON folded into a PullProgress, whose
// figures must stay in range and survive the daemon's JSON round trip.
#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "runtime/pull_progress.h"

using fargo::runtime::PullProgress;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  PullProgress p;
  size_t start = 0;
  while (start <= bytes.size()) {
    size_t end = bytes.find('\n', start);
    std::string_view line = bytes.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (!ec && v.is_object()) p.Feed(v.as_object());
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  int percent = p.Percent();
  if (percent < -1 || percent > 100) __builtin_trap();
  if (p.BytesDone() < 0 || p.BytesDone() > p.BytesTotal()) __builtin_trap();
  PullProgress back = PullProgress::FromJson(p.ToJson());
  if (back.Percent() != percent || back.layers.size() != p.layers.size() || back.error != p.error) __builtin_trap();
  return 0;
}
