// ListPager: one page of a key listing with S3's prefix / delimiter /
// max-keys semantics, over any source of rows in key order.
//
// Keys under `prefix` that contain `delimiter` after the prefix roll up into
// one common prefix; a common prefix counts once towards max-keys, and the
// pager seeks past all of its keys instead of reading them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fargo::services::s3 {

// The smallest string greater than every string starting with `prefix`;
// empty when there is none (prefix of all 0xff bytes).
inline std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// The common prefix `key` rolls up into, or "" when it does not roll up.
inline std::string CommonPrefixOf(const std::string& key, const std::string& prefix,
                                  const std::string& delimiter) {
  if (delimiter.empty() || key.compare(0, prefix.size(), prefix) != 0) return "";
  size_t at = key.find(delimiter, prefix.size());
  return at == std::string::npos ? "" : key.substr(0, at + delimiter.size());
}

struct PageRequest {
  std::string prefix;
  std::string delimiter;
  std::string after;   // exclusive start (marker / start-after), may be ""
  std::string from;    // inclusive start (from a continuation), overrides `after` when set
  int64_t max_keys = 1000;
};

template <typename Row>
struct Page {
  std::vector<Row> contents;
  std::vector<std::string> prefixes;
  bool truncated = false;
  std::string last;      // the last key or common prefix returned (v1 NextMarker)
  std::string next_from; // inclusive start of the next page (continuation)
};

// `fetch(from, inclusive, limit)` returns up to `limit` rows whose keys are
// >= (or >) `from` and start with the request's prefix, in key order.
// `key_of(row)` gives a row's key.
template <typename Row>
Page<Row> ListPage(const PageRequest& req,
                   const std::function<std::vector<Row>(const std::string&, bool, size_t)>& fetch,
                   const std::function<const std::string&(const Row&)>& key_of) {
  Page<Row> page;
  std::string from = req.prefix;
  bool inclusive = true;
  if (!req.from.empty()) {
    if (req.from > from) from = req.from;
  } else if (!req.after.empty() && req.after >= from) {
    from = req.after;
    inclusive = false;
  }
  // A marker inside a common prefix means that prefix was already returned.
  std::string skip_cp = req.from.empty() ? CommonPrefixOf(req.after, req.prefix, req.delimiter) : "";
  if (!skip_cp.empty()) {
    from = PrefixSuccessor(skip_cp);
    inclusive = true;
    if (from.empty()) return page;
  }
  int64_t count = 0;
  const size_t kBatch = 1000;
  for (;;) {
    auto rows = fetch(from, inclusive, kBatch);
    if (rows.empty()) return page;
    bool jumped = false;
    for (auto& row : rows) {
      const std::string& key = key_of(row);
      std::string cp = CommonPrefixOf(key, req.prefix, req.delimiter);
      if (count >= req.max_keys) {
        page.truncated = true;
        return page;
      }
      ++count;
      if (!cp.empty()) {
        page.prefixes.push_back(cp);
        page.last = cp;
        page.next_from = PrefixSuccessor(cp);
        from = page.next_from;
        inclusive = true;
        jumped = true;
        if (from.empty()) return page;
        break;
      }
      page.last = key;
      page.next_from = key + std::string(1, '\0');
      page.contents.push_back(std::move(row));
      from = key;
      inclusive = false;
    }
    if (!jumped && rows.size() < kBatch) return page;
  }
}

}  // namespace fargo::services::s3
