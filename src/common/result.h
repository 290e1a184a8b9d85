// Result<T>: the outcome of an operation that may fail in an expected way.
// Expected failures are AWS errors (a code, a message and an HTTP status);
// they are mapped onto the wire in exactly one place, the protocol codecs.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace fargo {

struct AwsError {
  std::string code;      // e.g. "ResourceNotFoundException"
  std::string message;   // human-readable, as AWS words it
  int status = 400;      // HTTP status
  bool sender = true;    // query protocols' <Type>Sender</Type> vs Receiver
  // REST-XML: further elements of <Error>, in order (S3's BucketName, Key, ...).
  std::vector<std::pair<std::string, std::string>> details;

  static AwsError Make(std::string code, std::string message, int status = 400) {
    return AwsError{std::move(code), std::move(message), status, status < 500, {}};
  }
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(AwsError error) : v_(std::move(error)) {}   // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() { return std::get<0>(v_); }

  // REQUIRES: !ok()
  const AwsError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, AwsError> v_;
};

// Result of an operation with no value.
struct Unit {};
using Status = Result<Unit>;
inline Status OkStatus() { return Unit{}; }

}  // namespace fargo

// Propagates an error out of the enclosing function returning Result<...>.
#define FARGO_TRY(expr)                                 \
  do {                                                  \
    auto _st = (expr);                                  \
    if (!_st.ok()) return _st.error();                  \
  } while (0)

#define FARGO_CONCAT_INNER(a, b) a##b
#define FARGO_CONCAT(a, b) FARGO_CONCAT_INNER(a, b)
#define FARGO_ASSIGN_OR_RETURN(lhs, expr) \
  FARGO_ASSIGN_OR_RETURN_IMPL(FARGO_CONCAT(_r_, __LINE__), lhs, expr)
#define FARGO_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.error();                \
  lhs = std::move(tmp).value()
