// FilterPattern: CloudWatch Logs' filter pattern syntax, as used by
// FilterLogEvents (and metric/subscription filters).
//
// Supported forms:
//   ""                         matches every event
//   ERROR Exception            every term must appear (case-sensitive)
//   "exact phrase"             a quoted phrase is one term
//   ?ERROR ?WARN               at least one of the ?-terms must appear
//   ERROR -Exiting             events containing an excluded term never match
//   { $.level = "error" }      JSON selectors over a JSON message:
//        = != with strings (`*` is a wildcard) or numbers; < <= > >= with
//        numbers; IS TRUE / IS FALSE / IS NULL; EXISTS / NOT EXISTS;
//        && || and parentheses; paths like $.a.b[0].c
//   [ip, user, ..., status=404, size>100]
//                              space-delimited fields with optional
//                              conditions; `...` skips any number of fields
//
// A FilterPattern is immutable once parsed and cheap to copy.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fargo::services::logs {

class FilterPattern {
 public:
  // Parses `pattern`; fails with InvalidParameterException
  // "Invalid filter pattern" when the syntax is not understood.
  static Result<FilterPattern> Parse(std::string_view pattern);

  // True if the event message satisfies the pattern.
  bool Matches(std::string_view message) const;

  // True if the pattern accepts every message (the empty pattern).
  bool MatchesAll() const { return kind_ == Kind::kAll; }

  struct JsonNode;   // a node of a JSON pattern's expression tree
  struct FieldTerm;  // one field of a space-delimited pattern

 private:
  enum class Kind { kAll, kText, kJson, kFields };
  FilterPattern() = default;

  bool MatchesText(std::string_view message) const;
  bool MatchesFields(std::string_view message) const;

  Kind kind_ = Kind::kAll;
  // kText
  std::vector<std::string> required_;
  std::vector<std::string> optional_;  // ?-terms: any one suffices
  std::vector<std::string> excluded_;
  // kJson
  std::shared_ptr<const JsonNode> json_;
  // kFields
  std::shared_ptr<const std::vector<FieldTerm>> fields_;
};


}  // namespace fargo::services::logs
