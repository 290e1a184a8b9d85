// What the unit tests ask of the machine they run on.
#pragma once

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
