// Clock and IdGenerator: injected everywhere time or randomness is read, so
// tests are deterministic.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace fargo {

// Milliseconds of the monotonic clock: for timeouts and idle times, not dates.
inline int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
  double NowSeconds() const { return static_cast<double>(NowMillis()) / 1000.0; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told to. Thread-compatible.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms) : now_(now_ms) {}
  int64_t NowMillis() const override { return now_; }
  void Advance(int64_t ms) { now_ += ms; }
  void Set(int64_t ms) { now_ = ms; }

 private:
  int64_t now_;
};

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // `n` lowercase hex digits.
  virtual std::string Hex(size_t n) = 0;
  // A random RFC 4122 version-4 UUID.
  std::string Uuid() {
    std::string h = Hex(32);
    h[12] = '4';
    h[16] = "89ab"[h[16] % 4];
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
           h.substr(16, 4) + "-" + h.substr(20);
  }
  // `n` characters from [A-Z0-9] (IAM unique ids, access keys).
  virtual std::string Upper(size_t n) = 0;
};

// Thread-safe random ids.
class RandomIdGenerator final : public IdGenerator {
 public:
  RandomIdGenerator() : rng_(std::random_device{}()) {}
  std::string Hex(size_t n) override { return Draw(n, "0123456789abcdef"); }
  std::string Upper(size_t n) override { return Draw(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"); }

 private:
  std::string Draw(size_t n, const char* alphabet) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t len = std::char_traits<char>::length(alphabet);
    std::string out(n, '0');
    for (auto& c : out) c = alphabet[rng_() % len];
    return out;
  }
  std::mutex mu_;
  std::mt19937_64 rng_;
};

// Deterministic ids for tests: counts up.
class SequentialIdGenerator final : public IdGenerator {
 public:
  std::string Hex(size_t n) override { return Fill(n, "0123456789abcdef", 16); }
  std::string Upper(size_t n) override { return Fill(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 32); }

 private:
  std::string Fill(size_t n, const char* alphabet, uint64_t base) {
    uint64_t v = ++counter_;
    std::string out(n, alphabet[0]);
    for (size_t i = n; i-- > 0 && v;) {
      out[i] = alphabet[v % base];
      v /= base;
    }
    return out;
  }
  uint64_t counter_ = 0;
};

}  // namespace fargo
