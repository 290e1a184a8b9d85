// ImdsResponder: what the instance metadata service answers, as plain
// logic (no sockets): IMDSv2 session tokens, IMDSv1 where the instance
// allows it, and the metadata paths SDKs and tools read. The server
// (imds_server.h) parses the request and hands it here with what the
// control plane knows of the instance; the clock is injected.
//
// Tokens are stateless: "AQAE" + expiry (ms, hex) + a keyed digest of
// instance id and expiry, so they outlive nothing but their TTL and are
// valid for their own instance only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace fargo::dataplane::imds {

// What the control plane knows of the instance asking.
struct InstanceView {
  std::string instance_id, image_id, instance_type, region, availability_zone, account;
  std::string private_ip, private_dns, mac, vpc_id, subnet_id, vpc_cidr, subnet_cidr, reservation_id;
  std::string user_data_b64;  // "" = none
  std::string profile_arn, profile_id, role_name;  // "" = no instance profile
  std::vector<std::string> security_groups;
  std::string http_tokens = "optional";  // "required": IMDSv1 answers 401
  bool http_endpoint = true;
  int64_t hop_limit = 1;
  double launched = 0;  // epoch seconds
};

// The role's temporary credentials (for iam/security-credentials/<role>).
struct RoleCredentials {
  std::string access_key_id, secret_access_key, token, expiration;  // ISO 8601
};

struct ImdsRequest {
  std::string method;  // "GET" | "PUT" | ...
  std::string path;    // "/latest/meta-data/instance-id"
  std::map<std::string, std::string> headers;  // lower-cased names
};

struct ImdsResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // For a token: the IP TTL of the answer (the PUT response hop limit).
  int ip_ttl = 0;
};

// Parses one request head ("GET /path HTTP/1.1\r\nName: value\r\n..."),
// without the final blank line: untrusted bytes from an instance (fuzzed:
// tests/fuzz/fuzz_imds_request.cpp). nullopt when malformed.
std::optional<ImdsRequest> ParseRequestHead(std::string_view head);

class ImdsResponder {
 public:
  // `secret` keys the tokens (one per fargo data directory).
  ImdsResponder(const Clock& clock, std::string secret) : clock_(clock), secret_(std::move(secret)) {}

  // Whether the request needs the role's credentials to be answered.
  static bool WantsCredentials(const ImdsRequest& req, const InstanceView& inst);

  // The answer; `creds` only for the paths that want them.
  ImdsResponse Respond(const ImdsRequest& req, const std::optional<InstanceView>& inst,
                       const std::optional<RoleCredentials>& creds) const;

  // Token handling (exposed for tests).
  std::string IssueToken(const std::string& instance_id, int64_t ttl_seconds) const;
  bool ValidToken(const std::string& token, const std::string& instance_id) const;

 private:
  std::string Digest(const std::string& instance_id, int64_t expiry_ms) const;

  const Clock& clock_;
  std::string secret_;
};

}  // namespace fargo::dataplane::imds
