// Durations as people write and read them: "5m", "1h30m", "90s" in;
// "45s", "3m", "2h", "4d" (as `kubectl get` shows ages) out.
#pragma once

#include <optional>
#include <string>

namespace fargo::cli {

// Seconds of "90", "90s", "5m", "1h30m", "2d"; nullopt when malformed.
std::optional<double> ParseDuration(const std::string& text);

// The age of something `seconds` old: "12s", "4m", "3h", "5d" (a minute and
// more in whole minutes; negative ages, from clock skew, are "0s").
std::string FormatAge(double seconds);

}  // namespace fargo::cli
