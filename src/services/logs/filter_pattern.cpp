#include "services/logs/filter_pattern.h"

#include "common/strings.h"

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace fargo::services::logs {

namespace json = boost::json;

namespace {

AwsError Invalid() { return AwsError::Make("InvalidParameterException", "Invalid filter pattern"); }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Parses a whole string as a finite number ("12", "-1.5", "2e3").
std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

// A comparison's right-hand side: a number, or a string (with wildcards).
struct Operand {
  bool is_number = false;
  double number = 0;
  std::string text;
};

bool CompareNumbers(double a, Op op, double b) {
  switch (op) {
    case Op::kEq: return a == b;
    case Op::kNe: return a != b;
    case Op::kLt: return a < b;
    case Op::kLe: return a <= b;
    case Op::kGt: return a > b;
    case Op::kGe: return a >= b;
  }
  return false;
}

// Compares a field's text against an operand. Numeric operands compare
// numerically (the field must be a number); string operands support `*`.
bool CompareText(std::string_view field, Op op, const Operand& rhs) {
  if (rhs.is_number) {
    auto v = ParseNumber(field);
    return v && CompareNumbers(*v, op, rhs.number);
  }
  bool eq = GlobMatch(rhs.text, field, GlobSyntax::kStarOnly);
  return op == Op::kEq ? eq : op == Op::kNe ? !eq : false;
}

// Reads a comparison operator at `s[i]`, advancing `i`.
std::optional<Op> ReadOp(std::string_view s, size_t& i) {
  auto two = s.substr(i, 2);
  if (two == "!=") return i += 2, Op::kNe;
  if (two == "<=") return i += 2, Op::kLe;
  if (two == ">=") return i += 2, Op::kGe;
  if (two == "==") return i += 2, Op::kEq;
  if (i < s.size()) {
    switch (s[i]) {
      case '=': return ++i, Op::kEq;
      case '<': return ++i, Op::kLt;
      case '>': return ++i, Op::kGt;
      default: break;
    }
  }
  return std::nullopt;
}

// Reads a quoted string starting at the opening quote; handles \" escapes.
std::optional<std::string> ReadQuoted(std::string_view s, size_t& i) {
  std::string out;
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out += s[++i];
    } else if (s[i] == '"') {
      ++i;
      return out;
    } else {
      out += s[i];
    }
  }
  return std::nullopt;
}

}  // namespace

// ---- JSON patterns ----------------------------------------------------------

struct FilterPattern::JsonNode {
  enum class Type { kAnd, kOr, kCompare, kIsTrue, kIsFalse, kIsNull, kExists, kNotExists };
  Type type = Type::kCompare;
  std::shared_ptr<const JsonNode> left, right;  // kAnd, kOr
  // A path step is a member name or, when `index` >= 0, an array index.
  struct Step {
    std::string name;
    int64_t index = -1;
  };
  std::vector<Step> path;
  Op op = Op::kEq;
  Operand rhs;

  bool Eval(const json::value& doc) const;
};

namespace {

using JsonNode = FilterPattern::JsonNode;
using NodePtr = std::shared_ptr<const JsonNode>;

const json::value* Resolve(const json::value& doc, const std::vector<JsonNode::Step>& path) {
  const json::value* v = &doc;
  for (const auto& step : path) {
    if (step.index >= 0) {
      if (!v->is_array() || static_cast<size_t>(step.index) >= v->as_array().size()) return nullptr;
      v = &v->as_array()[step.index];
    } else {
      if (!v->is_object()) return nullptr;
      v = v->as_object().if_contains(step.name);
      if (!v) return nullptr;
    }
  }
  return v;
}

bool CompareJson(const json::value& v, Op op, const Operand& rhs) {
  if (rhs.is_number) return v.is_number() && CompareNumbers(v.to_number<double>(), op, rhs.number);
  if (op != Op::kEq && op != Op::kNe) return false;
  std::string text;
  if (v.is_string()) {
    text = v.as_string();
  } else if (v.is_number() || v.is_bool()) {
    text = json::serialize(v);
  } else {
    return false;  // objects, arrays and null never equal a string
  }
  bool eq = GlobMatch(rhs.text, text, GlobSyntax::kStarOnly);
  return op == Op::kEq ? eq : !eq;
}

// Recursive-descent parser over the text between the braces.
class JsonParser {
 public:
  explicit JsonParser(std::string_view s) : s_(s) {}

  std::optional<NodePtr> ParseAll() {
    auto n = ParseOr();
    SkipSpace();
    if (!n || i_ != s_.size()) return std::nullopt;
    return n;
  }

 private:
  void SkipSpace() {
    while (i_ < s_.size() && IsSpace(s_[i_])) ++i_;
  }
  bool Eat(std::string_view tok) {
    SkipSpace();
    if (s_.substr(i_, tok.size()) != tok) return false;
    i_ += tok.size();
    return true;
  }
  // Eats a keyword (case-insensitive) followed by a non-word character.
  bool EatKeyword(std::string_view kw) {
    SkipSpace();
    if (s_.size() - i_ < kw.size()) return false;
    for (size_t k = 0; k < kw.size(); ++k)
      if (std::toupper(static_cast<unsigned char>(s_[i_ + k])) != kw[k]) return false;
    size_t end = i_ + kw.size();
    if (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_'))
      return false;
    i_ = end;
    return true;
  }

  std::optional<NodePtr> Combine(JsonNode::Type type, NodePtr l, NodePtr r) {
    auto n = std::make_shared<JsonNode>();
    n->type = type;
    n->left = std::move(l);
    n->right = std::move(r);
    return n;
  }

  std::optional<NodePtr> ParseOr() {
    auto l = ParseAnd();
    while (l && Eat("||")) {
      auto r = ParseAnd();
      if (!r) return std::nullopt;
      l = Combine(JsonNode::Type::kOr, *l, *r);
    }
    return l;
  }

  std::optional<NodePtr> ParseAnd() {
    auto l = ParseUnary();
    while (l && Eat("&&")) {
      auto r = ParseUnary();
      if (!r) return std::nullopt;
      l = Combine(JsonNode::Type::kAnd, *l, *r);
    }
    return l;
  }

  std::optional<NodePtr> ParseUnary() {
    if (Eat("(")) {
      auto n = ParseOr();
      if (!n || !Eat(")")) return std::nullopt;
      return n;
    }
    return ParseCondition();
  }

  bool ParsePath(std::vector<JsonNode::Step>& path) {
    SkipSpace();
    if (i_ >= s_.size() || s_[i_] != '$') return false;
    ++i_;
    while (i_ < s_.size()) {
      if (s_[i_] == '.') {
        size_t start = ++i_;
        while (i_ < s_.size() &&
               (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '-' ||
                s_[i_] == '@' || s_[i_] == '$'))
          ++i_;
        if (i_ == start) return false;
        path.push_back({std::string(s_.substr(start, i_ - start)), -1});
      } else if (s_[i_] == '[') {
        size_t start = ++i_;
        while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
        if (i_ == start || i_ >= s_.size() || s_[i_] != ']') return false;
        path.push_back({"", std::strtoll(std::string(s_.substr(start, i_ - start)).c_str(), nullptr, 10)});
        ++i_;
      } else {
        break;
      }
    }
    return !path.empty();
  }

  std::optional<NodePtr> ParseCondition() {
    auto n = std::make_shared<JsonNode>();
    if (!ParsePath(n->path)) return std::nullopt;
    if (EatKeyword("IS")) {
      if (EatKeyword("TRUE")) n->type = JsonNode::Type::kIsTrue;
      else if (EatKeyword("FALSE")) n->type = JsonNode::Type::kIsFalse;
      else if (EatKeyword("NULL")) n->type = JsonNode::Type::kIsNull;
      else return std::nullopt;
      return n;
    }
    if (EatKeyword("NOT")) {
      if (!EatKeyword("EXISTS")) return std::nullopt;
      n->type = JsonNode::Type::kNotExists;
      return n;
    }
    if (EatKeyword("EXISTS")) {
      n->type = JsonNode::Type::kExists;
      return n;
    }
    SkipSpace();
    auto op = ReadOp(s_, i_);
    if (!op) return std::nullopt;
    n->type = JsonNode::Type::kCompare;
    n->op = *op;
    SkipSpace();
    if (i_ >= s_.size()) return std::nullopt;
    if (s_[i_] == '"') {
      auto q = ReadQuoted(s_, i_);
      if (!q) return std::nullopt;
      n->rhs.text = std::move(*q);
    } else {
      size_t start = i_;
      while (i_ < s_.size() && !IsSpace(s_[i_]) && s_[i_] != ')' && s_[i_] != '&' && s_[i_] != '|')
        ++i_;
      std::string_view word = s_.substr(start, i_ - start);
      if (word.empty()) return std::nullopt;
      if (auto num = ParseNumber(word)) {
        n->rhs.is_number = true;
        n->rhs.number = *num;
      } else {
        n->rhs.text = std::string(word);
      }
    }
    // Ordering comparisons are numeric only.
    if (!n->rhs.is_number && n->op != Op::kEq && n->op != Op::kNe) return std::nullopt;
    return n;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

bool FilterPattern::JsonNode::Eval(const json::value& doc) const {
  switch (type) {
    case Type::kAnd: return left->Eval(doc) && right->Eval(doc);
    case Type::kOr: return left->Eval(doc) || right->Eval(doc);
    default: break;
  }
  const json::value* v = Resolve(doc, path);
  switch (type) {
    case Type::kExists: return v != nullptr;
    case Type::kNotExists: return v == nullptr;
    case Type::kIsNull: return v && v->is_null();
    case Type::kIsTrue: return v && v->is_bool() && v->as_bool();
    case Type::kIsFalse: return v && v->is_bool() && !v->as_bool();
    case Type::kCompare: return v && CompareJson(*v, op, rhs);
    default: return false;
  }
}

// ---- space-delimited patterns ---------------------------------------------

struct FilterPattern::FieldTerm {
  bool ellipsis = false;  // `...`: any number of fields
  bool has_condition = false;
  Op op = Op::kEq;
  Operand rhs;
};

namespace {

using FieldTerm = FilterPattern::FieldTerm;

// Splits a log line into fields: runs of non-space characters, where "..."
// and [...] groups are single fields (without their delimiters).
std::vector<std::string_view> SplitFields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    if (IsSpace(s[i])) {
      ++i;
      continue;
    }
    char close = s[i] == '"' ? '"' : s[i] == '[' ? ']' : 0;
    if (close) {
      size_t end = s.find(close, i + 1);
      if (end != std::string_view::npos) {
        out.push_back(s.substr(i + 1, end - i - 1));
        i = end + 1;
        continue;
      }
    }
    size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<FieldTerm> ParseFieldTerm(std::string_view t) {
  FieldTerm f;
  t = Trim(t);
  if (t.empty()) return std::nullopt;
  if (t == "...") {
    f.ellipsis = true;
    return f;
  }
  size_t i = 0;
  while (i < t.size() && (std::isalnum(static_cast<unsigned char>(t[i])) || t[i] == '_' || t[i] == '-' || t[i] == '.'))
    ++i;
  if (i == 0) return std::nullopt;
  while (i < t.size() && IsSpace(t[i])) ++i;
  if (i == t.size()) return f;  // a bare name: any value
  auto op = ReadOp(t, i);
  if (!op) return std::nullopt;
  f.has_condition = true;
  f.op = *op;
  std::string_view v = Trim(t.substr(i));
  if (v.empty()) return std::nullopt;
  if (v.front() == '"') {
    size_t j = 0;
    auto q = ReadQuoted(v, j);
    if (!q || j != v.size()) return std::nullopt;
    f.rhs.text = std::move(*q);
  } else if (auto num = ParseNumber(v)) {
    f.rhs.is_number = true;
    f.rhs.number = *num;
  } else {
    f.rhs.text = std::string(v);
  }
  if (!f.rhs.is_number && f.op != Op::kEq && f.op != Op::kNe) return std::nullopt;
  return f;
}

bool MatchFieldTerms(const std::vector<FieldTerm>& terms, size_t ti,
                     const std::vector<std::string_view>& fields, size_t fi) {
  if (ti == terms.size()) return fi == fields.size();
  const FieldTerm& t = terms[ti];
  if (t.ellipsis) {
    for (size_t k = fi; k <= fields.size(); ++k)
      if (MatchFieldTerms(terms, ti + 1, fields, k)) return true;
    return false;
  }
  if (fi == fields.size()) return false;
  if (t.has_condition && !CompareText(fields[fi], t.op, t.rhs)) return false;
  return MatchFieldTerms(terms, ti + 1, fields, fi + 1);
}

}  // namespace

// ---- FilterPattern ------------------------------------------------------------

Result<FilterPattern> FilterPattern::Parse(std::string_view pattern) {
  FilterPattern p;
  std::string_view s = Trim(pattern);
  if (s.empty()) return p;

  if (s.front() == '{') {
    if (s.back() != '}') return Invalid();
    JsonParser parser(s.substr(1, s.size() - 2));
    auto root = parser.ParseAll();
    if (!root) return Invalid();
    p.kind_ = Kind::kJson;
    p.json_ = std::move(*root);
    return p;
  }

  if (s.front() == '[') {
    if (s.back() != ']') return Invalid();
    auto terms = std::make_shared<std::vector<FieldTerm>>();
    std::string_view body = s.substr(1, s.size() - 2);
    if (Trim(body).empty()) return Invalid();
    size_t start = 0;
    while (start <= body.size()) {
      size_t comma = body.find(',', start);
      if (comma == std::string_view::npos) comma = body.size();
      auto term = ParseFieldTerm(body.substr(start, comma - start));
      if (!term) return Invalid();
      terms->push_back(std::move(*term));
      start = comma + 1;
    }
    p.kind_ = Kind::kFields;
    p.fields_ = std::move(terms);
    return p;
  }

  // Text terms.
  size_t i = 0;
  while (i < s.size()) {
    if (IsSpace(s[i])) {
      ++i;
      continue;
    }
    std::vector<std::string>* dest = &p.required_;
    if (s[i] == '?' || s[i] == '-') {
      dest = s[i] == '?' ? &p.optional_ : &p.excluded_;
      if (++i >= s.size() || IsSpace(s[i])) return Invalid();
    }
    std::string term;
    if (s[i] == '"') {
      auto q = ReadQuoted(s, i);
      if (!q) return Invalid();
      term = std::move(*q);
    } else {
      size_t start = i;
      while (i < s.size() && !IsSpace(s[i])) ++i;
      term = std::string(s.substr(start, i - start));
      if (term.find('"') != std::string::npos) return Invalid();
    }
    if (!term.empty()) dest->push_back(std::move(term));
  }
  p.kind_ = (p.required_.empty() && p.optional_.empty() && p.excluded_.empty()) ? Kind::kAll : Kind::kText;
  return p;
}

bool FilterPattern::Matches(std::string_view message) const {
  switch (kind_) {
    case Kind::kAll:
      return true;
    case Kind::kText:
      return MatchesText(message);
    case Kind::kJson: {
      boost::system::error_code ec;
      json::value doc = json::parse(message, ec);
      if (ec || !doc.is_object()) return false;
      return json_->Eval(doc);
    }
    case Kind::kFields:
      return MatchesFields(message);
  }
  return false;
}

bool FilterPattern::MatchesText(std::string_view m) const {
  for (const auto& t : excluded_)
    if (m.find(t) != std::string_view::npos) return false;
  for (const auto& t : required_)
    if (m.find(t) == std::string_view::npos) return false;
  if (optional_.empty()) return true;
  for (const auto& t : optional_)
    if (m.find(t) != std::string_view::npos) return true;
  return false;
}

bool FilterPattern::MatchesFields(std::string_view message) const {
  return MatchFieldTerms(*fields_, 0, SplitFields(message), 0);
}

}  // namespace fargo::services::logs
