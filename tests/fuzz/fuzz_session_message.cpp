// A data-channel frame as any WebSocket client may send it to the session
// server: the parser, the encoder on what it parsed, and the agent-side
// channel fed with it (acks, input, handshake, garbage).
#include <cstdint>
#include <string>

#include "dataplane/sessions/data_channel.h"
#include "dataplane/sessions/session_message.h"

using namespace fargo::dataplane::sessions;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view frame(reinterpret_cast<const char*>(data), size);
  auto m = DecodeSessionMessage(frame);
  if (m.ok()) {
    std::string again = EncodeSessionMessage(*m);
    auto back = DecodeSessionMessage(again);
    if (!back.ok() || back->payload != m->payload || back->sequence_number != m->sequence_number ||
        back->message_type != m->message_type.substr(0, 32))
      __builtin_trap();  // what we write we must read
  }
  DataChannel::Callbacks cb;
  cb.send = [](std::string) {};
  cb.input = [](std::string_view) { return true; };
  DataChannel channel("s-1", cb);
  channel.StartHandshake(0, Handshake{"Port", {{"type", "LocalPortForwarding"}}});
  (void)channel.OnFrame(frame, 1);
  return 0;
}
