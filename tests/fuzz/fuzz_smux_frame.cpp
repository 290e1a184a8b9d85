// A port session's smux byte stream as any client may send it: the reader
// fed in two arbitrary pieces; what it gives back must encode to the bytes
// it consumed.
#include <cstdint>
#include <string>

#include "dataplane/sessions/smux_frame.h"

using namespace fargo::dataplane::sessions;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  size_t cut = size ? data[0] % (size + 1) : 0;
  SmuxReader r;
  r.Append(bytes.substr(0, cut));
  std::string seen;
  for (int round = 0; round < 2; ++round) {
    if (round == 1) r.Append(bytes.substr(cut));
    for (;;) {
      auto f = r.Next();
      if (!f.ok()) return 0;
      if (!*f) break;
      if ((*f)->data.size() > kSmuxMaxData) __builtin_trap();
      seen += EncodeSmuxFrame((*f)->command, (*f)->stream_id, (*f)->data);
    }
  }
  if (bytes.substr(0, seen.size()) != seen) __builtin_trap();  // what we read we must write back
  return 0;
}
