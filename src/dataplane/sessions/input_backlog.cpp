#include "dataplane/sessions/input_backlog.h"

namespace fargo::dataplane::sessions {

void InputBacklog::Release(int64_t bytes) {
  int64_t left = bytes_ -= bytes;
  if (left <= limit_ / 2 && refused_.load() && refused_.exchange(false) && drained_) drained_();
}

bool InputBacklog::Full() {
  if (bytes_.load() <= limit_) return false;
  refused_.store(true);
  // A Release that brought it down before the store saw no refusal: look
  // again. One after the store reports the drain.
  return bytes_.load() > limit_;
}

}  // namespace fargo::dataplane::sessions
