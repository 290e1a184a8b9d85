// StreamDemuxer: splits the engine's multiplexed attach/logs stream. For
// containers without a TTY every frame is an 8-byte header {stream, 0, 0, 0,
// size (big-endian u32)} followed by `size` payload bytes; stream 0 is stdin,
// 1 stdout, 2 stderr. Frames may arrive split across reads in any way.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace fargo::runtime {

enum class StreamKind { kStdin = 0, kStdout = 1, kStderr = 2 };

// Receives one chunk of container output (not necessarily whole lines).
using OutputFn = std::function<void(StreamKind, std::string_view)>;

class StreamDemuxer {
 public:
  // raw: the container has a TTY, bytes are passed through as stdout.
  StreamDemuxer(OutputFn fn, bool raw = false) : fn_(std::move(fn)), raw_(raw) {}

  // Feeds bytes; calls the callback for every payload piece now available.
  // Payload of a frame is delivered as it arrives (a large frame may produce
  // several callbacks).
  void Feed(std::string_view bytes);

  // True when no frame is partially received.
  bool AtFrameBoundary() const { return header_len_ == 0 && remaining_ == 0; }

 private:
  OutputFn fn_;
  bool raw_;
  unsigned char header_[8] = {};
  size_t header_len_ = 0;
  uint32_t remaining_ = 0;
  StreamKind kind_ = StreamKind::kStdout;
};

}  // namespace fargo::runtime
