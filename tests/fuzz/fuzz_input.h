// Splits a fuzzer's input into fields, so one input can drive a request's
// method, path, headers and body. Fields are separated by '\n'; the last
// field takes the rest of the input (a body may hold anything).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fargo::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next field up to '\n' (or the rest when there is none).
  std::string_view Field() {
    size_t nl = rest_.find('\n');
    std::string_view f = rest_.substr(0, nl);
    rest_ = nl == std::string_view::npos ? std::string_view() : rest_.substr(nl + 1);
    return f;
  }
  // A small number from the next byte (0 when exhausted).
  unsigned Byte() {
    if (rest_.empty()) return 0;
    unsigned b = static_cast<unsigned char>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  std::string_view Rest() const { return rest_; }

 private:
  std::string_view rest_;
};

}  // namespace fargo::fuzz
