#include "cli/durations.h"

#include <cctype>
#include <cmath>

namespace fargo::cli {

std::optional<double> ParseDuration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == start) return std::nullopt;
    double n = 0;
    try {
      n = std::stod(text.substr(start, i - start));
    } catch (...) {
      return std::nullopt;
    }
    double unit = 1;
    if (i < text.size()) {
      switch (text[i]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return std::nullopt;
      }
      ++i;
    } else if (start != 0) {
      return std::nullopt;  // "1h30": the unit of 30 is missing
    }
    total += n * unit;
  }
  return total;
}

std::string FormatAge(double seconds) {
  if (!(seconds > 0)) return "0s";
  auto s = static_cast<long long>(std::floor(seconds));
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

}  // namespace fargo::cli
