// SigV4 credential scope parsing. fargo identifies the caller and the target
// region/service from the signature; it does not verify signatures.
#pragma once

#include <optional>
#include <string>

#include "protocol/http_types.h"

namespace fargo::protocol {

struct CredentialScope {
  std::string access_key;
  std::string date;     // yyyymmdd
  std::string region;
  std::string service;  // signing name: "logs", "ec2", "elasticloadbalancing", ...
};

// From "AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/logs/aws4_request, ...".
std::optional<CredentialScope> ParseAuthorization(const std::string& header);

// From the Authorization header, else a presigned URL's X-Amz-Credential.
std::optional<CredentialScope> ScopeOf(const HttpRequest& req);

}  // namespace fargo::protocol
