// S3 addressing: which bucket and key a request names, path-style
// (/bucket/key) or virtual-hosted (Host: bucket.s3.amazonaws.com), and the
// bucket naming rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fargo::services::s3 {

struct S3Address {
  std::string bucket;  // empty: the service itself (ListBuckets)
  std::string key;     // decoded exactly once; empty: the bucket
};

// The bucket named by a virtual-hosted Host header: the part before
// ".s3." / ".s3-" / ".localhost" (port ignored), or nullopt for a plain
// endpoint (IP address, "localhost", "s3.amazonaws.com", ...).
std::optional<std::string> VirtualHostBucket(std::string_view host);

// Resolves the bucket and key from the Host header and the raw
// (percent-encoded) request path.
S3Address ParseAddress(std::string_view host, std::string_view raw_path);

// AWS's rules for new bucket names (3-63 characters of a-z 0-9 . -, starting
// and ending with a letter or digit, no "..", not an IP address, no reserved
// prefixes or suffixes).
bool IsValidBucketName(std::string_view name);

}  // namespace fargo::services::s3
