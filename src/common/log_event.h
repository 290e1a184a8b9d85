// IngestedEvent: one line of container output on its way from the log
// pipeline (src/dataplane/logs) into CloudWatch Logs (LogsService::IngestEvents).
// Declared here so neither side depends on the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fargo {

struct IngestedEvent {
  int64_t timestamp_ms = 0;  // when the container wrote the line (epoch ms)
  std::string message;       // the line, without its newline
};

// How far into a container's output the log pipeline has got: bytes of its
// stdout and of its stderr (with a TTY, all output counts as stdout), from
// the container's first byte. The engine's log holds the same bytes, so a
// restarted fargo reads it back and skips this many of each.
struct OutputOffsets {
  int64_t stdout_bytes = 0;
  int64_t stderr_bytes = 0;
  bool operator==(const OutputOffsets&) const = default;
};

// Stored with a batch of one container's events, in the same transaction:
// the offsets just past the batch's last line.
struct LogCursor {
  std::string container_id;
  OutputOffsets offsets;
};

// CloudWatch Logs' per-event overhead and limit: an event's message may hold
// at most 256 KiB minus the 26 bytes CloudWatch counts for every event. The
// awslogs driver splits longer lines into events of at most this size.
inline constexpr size_t kLogEventOverheadBytes = 26;
inline constexpr size_t kMaxLogEventMessageBytes = 262144 - kLogEventOverheadBytes;

// The length of the first piece when `s` is cut to at most `max` bytes
// without splitting a UTF-8 sequence: `max` itself when `s` is longer and
// byte `max` starts a character, else the start of the character straddling
// the cut (or `max` when no character start is found within 3 bytes, i.e.
// the text is not UTF-8). Returns s.size() when it fits. REQUIRES: max > 0.
inline size_t Utf8CutPoint(std::string_view s, size_t max) {
  if (s.size() <= max) return s.size();
  size_t cut = max;
  for (size_t back = 0; back < 4 && cut > 0; ++back, --cut)
    if ((static_cast<unsigned char>(s[cut]) & 0xC0) != 0x80) return cut;
  return max;
}

}  // namespace fargo
