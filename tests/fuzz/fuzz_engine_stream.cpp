// The container engine's multiplexed attach/logs stream: container output is
// untrusted (a task prints what it likes) and arrives split in any way.
// Input: a byte choosing TTY mode and split sizes, then the stream.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "fuzz_input.h"
#include "runtime/stream_demuxer.h"

using namespace fargo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  unsigned mode = in.Byte();
  size_t total = 0;
  runtime::StreamDemuxer demux([&](runtime::StreamKind, std::string_view piece) { total += piece.size(); },
                               (mode & 1) != 0);
  std::string_view rest = in.Rest();
  size_t step = 1 + (mode >> 1);
  while (!rest.empty()) {
    size_t n = std::min(step, rest.size());
    demux.Feed(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  if (total > size) __builtin_trap();  // payload can only shrink
  return 0;
}
