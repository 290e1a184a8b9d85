// OutputGate: back-pressure between a session's target threads and its
// strand. A target thread passes each output through Enter, which blocks
// while too many bytes are in flight (handed to the strand, or sent and not
// acknowledged by the client yet) and returns at once after Close (the
// session ended: the output is to be dropped). The strand reports what is
// unacknowledged; it never blocks here.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace fargo::dataplane::sessions {

class OutputGate {
 public:
  // REQUIRES: limit > 0.
  explicit OutputGate(size_t limit) : limit_(limit) {}

  // Target thread: waits until fewer than `limit` bytes are in flight, then
  // counts `n` more as handed over (one output may pass the limit, so
  // outputs larger than it never wait forever). False once closed: drop it.
  bool Enter(size_t n);
  // Strand: `n` handed-over bytes reached the channel (or were dropped), and
  // the channel's unacknowledged output bytes are now `unacknowledged`.
  void Handed(size_t n, size_t unacknowledged);
  // Strand: the channel's unacknowledged output bytes now.
  void SetUnacknowledged(size_t n);
  // Releases every waiter for good.
  void Close();

  size_t in_flight() const;
  bool closed() const;

 private:
  size_t limit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t handed_ = 0, unacknowledged_ = 0;
  bool closed_ = false;
};

}  // namespace fargo::dataplane::sessions
