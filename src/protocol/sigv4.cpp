#include "protocol/sigv4.h"

#include "common/strings.h"

namespace fargo::protocol {

namespace {
std::optional<CredentialScope> ParseCredential(const std::string& cred) {
  auto parts = Split(cred, '/');
  if (parts.size() < 5 || parts[0].empty()) return std::nullopt;
  return CredentialScope{parts[0], parts[1], parts[2], parts[3]};
}
}  // namespace

std::optional<CredentialScope> ParseAuthorization(const std::string& header) {
  if (!StartsWith(header, "AWS4-HMAC-SHA256")) return std::nullopt;
  auto pos = header.find("Credential=");
  if (pos == std::string::npos) return std::nullopt;
  pos += 11;
  auto end = header.find_first_of(", ", pos);
  return ParseCredential(header.substr(pos, end == std::string::npos ? end : end - pos));
}

std::optional<CredentialScope> ScopeOf(const HttpRequest& req) {
  if (auto* auth = req.Header("authorization")) return ParseAuthorization(*auth);
  auto it = req.query.find("X-Amz-Credential");
  if (it != req.query.end()) return ParseCredential(it->second);
  return std::nullopt;
}

}  // namespace fargo::protocol
