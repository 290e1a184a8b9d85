// InputBacklog: the client's input a stream holds and has not delivered
// yet (a port session's bytes on their way to the destinations), counted
// across the threads that add and deliver it, with a limit: over it the
// stream takes no more (Full), and once it has fallen to half the limit
// after a Full, `drained` is called (once per Full), so that the input left
// waiting is handed over at once rather than when the client resends it.
//
// Thread-safe. `drained` is called on the thread that released the bytes and
// must return at once (post elsewhere).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

namespace fargo::dataplane::sessions {

class InputBacklog {
 public:
  // REQUIRES: limit > 0.
  InputBacklog(int64_t limit, std::function<void()> drained) : limit_(limit), drained_(std::move(drained)) {}
  InputBacklog(const InputBacklog&) = delete;
  InputBacklog& operator=(const InputBacklog&) = delete;

  void Add(int64_t bytes) { bytes_ += bytes; }
  // Bytes delivered or dropped.
  void Release(int64_t bytes);
  // True while more than the limit is held; `drained` follows once it is
  // down to half.
  bool Full();
  int64_t bytes() const { return bytes_.load(); }

 private:
  const int64_t limit_;
  const std::function<void()> drained_;
  std::atomic<int64_t> bytes_{0};
  std::atomic<bool> refused_{false};  // a Full said true and no drain was reported since
};

}  // namespace fargo::dataplane::sessions
