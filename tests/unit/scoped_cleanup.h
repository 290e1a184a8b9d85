// Runs a function on scope exit: cleanup that must happen even when an
// ASSERT ends the test early (containers, networks, images it created).
#pragma once

#include <functional>
#include <utility>

namespace fargo::test_util {

class Cleanup {
 public:
  explicit Cleanup(std::function<void()> fn) : fn_(std::move(fn)) {}
  ~Cleanup() {
    if (fn_) fn_();
  }
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;

 private:
  std::function<void()> fn_;
};

}  // namespace fargo::test_util
