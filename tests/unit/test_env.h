// What the unit tests ask of the machine they run on.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace fargo::test_util {

// CI=true: tests that need a container engine or an image fail without it
// instead of skipping.
inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

}  // namespace fargo::test_util

// In a fixture's SetUp: tests that make network namespaces need root; they
// skip without it, and fail under CI=true (CI runs as root).
#define FARGO_REQUIRE_ROOT()                                                      \
  do {                                                                            \
    if (geteuid() != 0) {                                                         \
      if (::fargo::test_util::InCi()) FAIL() << "needs root, and CI runs as root"; \
      GTEST_SKIP() << "needs root (network namespaces)";                          \
    }                                                                             \
  } while (0)

