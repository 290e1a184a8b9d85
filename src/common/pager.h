// The one pager of list operations: a page of a list of `n` items whose
// continuation token is the decimal index of the next item. That token is
// what EC2 (NextToken), ELBv2 (Marker), ECS and CloudWatch Logs (nextToken)
// clients have always been handed, so it stays; each service keeps its own
// page size parameter and its own error for a token it did not issue.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fargo {

struct PageSpan {
  size_t begin = 0;        // first item of the page
  size_t end = 0;          // one past the last
  std::string next_token;  // empty on the last page
};

// The index a token names; nullopt for anything but 1-19 decimal digits.
inline std::optional<size_t> ParsePageToken(std::string_view token) {
  if (token.empty() || token.size() > 19) return std::nullopt;
  size_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  return v;
}

// Up to `size` items from `start` of `n` (a start past the end is an empty
// last page).
inline PageSpan PageAt(size_t n, size_t start, size_t size) {
  PageSpan p;
  p.begin = std::min(start, n);
  p.end = n - p.begin < size ? n : p.begin + size;
  if (p.end < n) p.next_token = std::to_string(p.end);
  return p;
}

}  // namespace fargo
