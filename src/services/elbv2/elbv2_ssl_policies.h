// ELBv2's predefined security policies (SslPolicy of HTTPS and TLS
// listeners): the one table both DescribeSSLPolicies answers from and the
// load balancers' TLS contexts (dataplane/lb/listener_tls.h) are made from.
// Header only, plain data: the data plane uses it as it uses the plan.
//
// Each row is AWS's documented policy: its protocol versions (a contiguous
// range) and its ciphers by priority, with OpenSSL's names (the names ELB
// itself shows; TLS 1.3 suites, TLS_*, first), as DescribeSSLPolicies lists
// them on AWS (priorities included). Source: "Security policies
// for your Application Load Balancer"
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html)
// and "Security policies for your Network Load Balancer"
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/describe-ssl-policies.html).
// The FIPS and post-quantum (PQ) policies are not offered: their ciphers and
// key exchanges need a FIPS provider or ML-KEM that fargo's OpenSSL lacks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fargo::services::elbv2 {

// TLS versions as on the wire (and as OpenSSL's TLS1_x_VERSION).
inline constexpr uint16_t kTls1_0 = 0x0301;
inline constexpr uint16_t kTls1_1 = 0x0302;
inline constexpr uint16_t kTls1_2 = 0x0303;
inline constexpr uint16_t kTls1_3 = 0x0304;

struct SslPolicy {
  std::string_view name;
  uint16_t min_version;    // kTls1_0 ... kTls1_3
  uint16_t max_version;    // every version in between is offered too
  std::string_view ciphers;  // ':'-separated, by priority (1 first)
};

// The default policy of HTTPS and TLS listeners made through the API.
inline constexpr std::string_view kDefaultSslPolicy = "ELBSecurityPolicy-2016-08";

namespace ssl_policy_internal {
// Cipher lists AWS's policies share.
#define FARGO_TLS13 "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
// The 18 ciphers of ELBSecurityPolicy-2016-08 (with SHA-1 and plain RSA ones).
#define FARGO_CIPHERS_2016                                                                                   \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:"                     \
  "ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384:"       \
  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:"      \
  "ECDHE-ECDSA-AES256-SHA:AES128-GCM-SHA256:AES128-SHA256:AES128-SHA:AES256-GCM-SHA384:AES256-SHA256:"       \
  "AES256-SHA"
// ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06's: the same 18, but its two
// ECDHE AES256-SHA ciphers come ECDSA first.
#define FARGO_CIPHERS_EXT2                                                                                   \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:"                     \
  "ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384:"       \
  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:"    \
  "ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES128-SHA256:AES128-SHA:AES256-GCM-SHA384:AES256-SHA256:"         \
  "AES256-SHA"
// ELBSecurityPolicy-TLS-1-2-2017-01: no SHA-1 cipher.
#define FARGO_CIPHERS_TLS12                                                                                  \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:"                     \
  "ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                       \
  "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:AES128-GCM-SHA256:AES128-SHA256:AES256-GCM-SHA384:"     \
  "AES256-SHA256"
// Forward secrecy only (ECDHE), SHA-1 included.
#define FARGO_CIPHERS_FS                                                                                     \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:"                     \
  "ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384:"       \
  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:"      \
  "ECDHE-ECDSA-AES256-SHA"
// Forward secrecy, no SHA-1.
#define FARGO_CIPHERS_FS_SHA2                                                                                \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:"                     \
  "ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                       \
  "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384"
// Forward secrecy, AEAD only.
#define FARGO_CIPHERS_FS_GCM \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"

inline constexpr SslPolicy kPolicies[] = {
    {"ELBSecurityPolicy-TLS13-1-2-2021-06", kTls1_2, kTls1_3, FARGO_TLS13 FARGO_CIPHERS_FS_SHA2},
    {"ELBSecurityPolicy-TLS13-1-2-Res-2021-06", kTls1_2, kTls1_3, FARGO_TLS13 FARGO_CIPHERS_FS_GCM},
    {"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", kTls1_2, kTls1_3, FARGO_TLS13 FARGO_CIPHERS_TLS12},
    {"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06", kTls1_2, kTls1_3, FARGO_TLS13 FARGO_CIPHERS_EXT2},
    {"ELBSecurityPolicy-TLS13-1-1-2021-06", kTls1_1, kTls1_3, FARGO_TLS13 FARGO_CIPHERS_2016},
    {"ELBSecurityPolicy-TLS13-1-0-2021-06", kTls1_0, kTls1_3, FARGO_TLS13 FARGO_CIPHERS_2016},
    {"ELBSecurityPolicy-TLS13-1-3-2021-06", kTls1_3, kTls1_3,
     "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"},
    {"ELBSecurityPolicy-2016-08", kTls1_0, kTls1_2, FARGO_CIPHERS_2016},
    {"ELBSecurityPolicy-TLS-1-1-2017-01", kTls1_1, kTls1_2, FARGO_CIPHERS_2016},
    {"ELBSecurityPolicy-TLS-1-2-2017-01", kTls1_2, kTls1_2, FARGO_CIPHERS_TLS12},
    {"ELBSecurityPolicy-TLS-1-2-Ext-2018-06", kTls1_2, kTls1_2, FARGO_CIPHERS_2016},
    {"ELBSecurityPolicy-FS-2018-06", kTls1_0, kTls1_2, FARGO_CIPHERS_FS},
    {"ELBSecurityPolicy-FS-1-1-2019-08", kTls1_1, kTls1_2, FARGO_CIPHERS_FS},
    {"ELBSecurityPolicy-FS-1-2-2019-08", kTls1_2, kTls1_2, FARGO_CIPHERS_FS},
    {"ELBSecurityPolicy-FS-1-2-Res-2019-08", kTls1_2, kTls1_2, FARGO_CIPHERS_FS_SHA2},
    {"ELBSecurityPolicy-FS-1-2-Res-2020-10", kTls1_2, kTls1_2, FARGO_CIPHERS_FS_GCM},
    {"ELBSecurityPolicy-2015-05", kTls1_0, kTls1_2, FARGO_CIPHERS_2016},
};

#undef FARGO_TLS13
#undef FARGO_CIPHERS_2016
#undef FARGO_CIPHERS_EXT2
#undef FARGO_CIPHERS_TLS12
#undef FARGO_CIPHERS_FS
#undef FARGO_CIPHERS_FS_SHA2
#undef FARGO_CIPHERS_FS_GCM
}  // namespace ssl_policy_internal

// Every policy, in the order DescribeSSLPolicies lists them.
inline const auto& SslPolicies() { return ssl_policy_internal::kPolicies; }

// The policy named `name` (exact, as ELB matches it), or null.
inline const SslPolicy* FindSslPolicy(std::string_view name) {
  for (const auto& p : ssl_policy_internal::kPolicies)
    if (p.name == name) return &p;
  return nullptr;
}

// The policy's versions as ELB names them: "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3".
inline std::vector<std::string> SslProtocolsOf(const SslPolicy& p) {
  std::vector<std::string> out;
  for (uint16_t v = p.min_version; v <= p.max_version; ++v)
    out.push_back(v == kTls1_0 ? "TLSv1" : "TLSv1." + std::to_string(v - kTls1_0));
  return out;
}

// The policy's ciphers by priority (Priority 1 first).
inline std::vector<std::string> CiphersOf(const SslPolicy& p) {
  std::vector<std::string> out;
  std::string_view rest = p.ciphers;
  while (!rest.empty()) {
    size_t colon = rest.find(':');
    out.emplace_back(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  return out;
}
// Its TLS 1.3 suites (`tls13`, for SSL_CTX_set_ciphersuites) or its other
// ciphers (for SSL_CTX_set_cipher_list), ':'-separated, by priority.
inline std::string CipherListOf(const SslPolicy& p, bool tls13) {
  std::string out;
  for (const auto& c : CiphersOf(p))
    if ((c.rfind("TLS_", 0) == 0) == tls13) out += (out.empty() ? "" : ":") + c;
  return out;
}

}  // namespace fargo::services::elbv2
