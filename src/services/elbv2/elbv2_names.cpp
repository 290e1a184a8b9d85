#include "services/elbv2/elbv2_names.h"

#include <cctype>
#include <map>

#include "common/strings.h"

namespace fargo::services::elbv2 {
namespace {

constexpr std::string_view kArnPrefix = "arn:aws:elasticloadbalancing:";

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }

// The shared alphabet/length/hyphen rules; `what` names the resource in messages.
Status ValidateName(std::string_view name, std::string_view what) {
  if (name.empty() || name.size() > 32)
    return AwsError::Make("ValidationError", std::string(what) + " name '" + std::string(name) +
                                                 "' cannot be longer than '32' characters");
  for (char c : name)
    if (!IsNameChar(c))
      return AwsError::Make("ValidationError",
                            std::string(what) + " name '" + std::string(name) +
                                "' can only contain characters that are alphanumeric characters or hyphens(-)");
  if (name.front() == '-' || name.back() == '-')
    return AwsError::Make("ValidationError", std::string(what) + " name '" + std::string(name) +
                                                 "' cannot begin or end with a hyphen");
  return OkStatus();
}

std::string_view ResourcePart(std::string_view arn) {
  if (arn.substr(0, kArnPrefix.size()) != kArnPrefix) return {};
  // arn:aws:elasticloadbalancing:REGION:ACCOUNT:RESOURCE
  size_t p = kArnPrefix.size();
  for (int i = 0; i < 2; ++i) {
    p = arn.find(':', p);
    if (p == std::string_view::npos) return {};
    ++p;
  }
  return arn.substr(p);
}

}  // namespace

Status ValidateLoadBalancerName(std::string_view name) {
  FARGO_TRY(ValidateName(name, "Load balancer"));
  if (name.substr(0, 9) == "internal-")
    return AwsError::Make("ValidationError",
                          "Load balancer name '" + std::string(name) + "' cannot begin with 'internal-'");
  return OkStatus();
}

Status ValidateTargetGroupName(std::string_view name) { return ValidateName(name, "Target group"); }

std::string TypeSegment(std::string_view lb_type) {
  if (lb_type == "network") return "net";
  if (lb_type == "gateway") return "gwy";
  return "app";
}

std::string LoadBalancerArn(std::string_view region, std::string_view account, std::string_view lb_type,
                            std::string_view name, std::string_view hex16) {
  return std::string(kArnPrefix) + std::string(region) + ":" + std::string(account) + ":loadbalancer/" +
         TypeSegment(lb_type) + "/" + std::string(name) + "/" + std::string(hex16);
}

std::string TargetGroupArn(std::string_view region, std::string_view account, std::string_view name,
                           std::string_view hex16) {
  return std::string(kArnPrefix) + std::string(region) + ":" + std::string(account) + ":targetgroup/" +
         std::string(name) + "/" + std::string(hex16);
}

std::string ListenerArn(std::string_view lb_arn, std::string_view hex16) {
  std::string out(lb_arn);
  auto p = out.find(":loadbalancer/");
  if (p != std::string::npos) out.replace(p, 14, ":listener/");
  return out + "/" + std::string(hex16);
}

std::string ListenerRuleArn(std::string_view listener_arn, std::string_view hex16) {
  std::string out(listener_arn);
  auto p = out.find(":listener/");
  if (p != std::string::npos) out.replace(p, 10, ":listener-rule/");
  return out + "/" + std::string(hex16);
}

ArnKind KindOfArn(std::string_view arn) {
  std::string_view r = ResourcePart(arn);
  if (r.substr(0, 13) == "loadbalancer/") return ArnKind::kLoadBalancer;
  if (r.substr(0, 12) == "targetgroup/") return ArnKind::kTargetGroup;
  if (r.substr(0, 9) == "listener/") return ArnKind::kListener;
  if (r.substr(0, 14) == "listener-rule/") return ArnKind::kListenerRule;
  return ArnKind::kUnknown;
}

std::string LoadBalancerNameFromArn(std::string_view arn) {
  std::string_view r = ResourcePart(arn);
  if (r.substr(0, 13) != "loadbalancer/") return "";
  r.remove_prefix(13);
  auto a = r.find('/');
  if (a == std::string_view::npos) return "";
  r.remove_prefix(a + 1);
  return std::string(r.substr(0, r.find('/')));
}

std::string DnsName(std::string_view lb_type, std::string_view scheme, std::string_view name,
                    std::string_view region, std::string_view hex16) {
  std::string prefix = scheme == "internal" ? "internal-" : "";
  if (lb_type == "application") {
    // ALB names end in a decimal number, e.g. my-alb-1234567890.us-east-1.elb.amazonaws.com.
    std::string digits;
    for (size_t i = 0; i < hex16.size() && digits.size() < 10; ++i)
      digits += static_cast<char>('0' + (static_cast<unsigned char>(hex16[i]) % 10));
    if (!digits.empty() && digits[0] == '0') digits[0] = '1';
    return prefix + std::string(name) + "-" + digits + "." + std::string(region) + ".elb.amazonaws.com";
  }
  return prefix + std::string(name) + "-" + std::string(hex16) + ".elb." + std::string(region) +
         ".amazonaws.com";
}

std::string CanonicalHostedZoneId(std::string_view lb_type, std::string_view region) {
  static const std::map<std::string, std::string, std::less<>> kAlb = {
      {"af-south-1", "Z268VQBMOI5EKX"},     {"ap-east-1", "Z3DQVH9N71FHZ0"},
      {"ap-northeast-1", "Z14GRHDCWA56QT"}, {"ap-northeast-2", "ZWKZPGTI48KDX"},
      {"ap-northeast-3", "Z5LXEXXYW11ES"},  {"ap-south-1", "ZP97RAFLXTNZK"},
      {"ap-south-2", "Z0173938T07WNTVAEPZN"}, {"ap-southeast-1", "Z1LMS91P8CMLE5"},
      {"ap-southeast-2", "Z1GM3OXH4ZPM65"}, {"ap-southeast-3", "Z08888821HLRG5A9ZRTER"},
      {"ca-central-1", "ZQSVJUPU6J1EY"},    {"cn-north-1", "Z1GDH35T77C1KE"},
      {"cn-northwest-1", "ZM7IZAIOVVDZF"},  {"eu-central-1", "Z215JYRZR1TBD5"},
      {"eu-central-2", "Z06391101F2ZOEP8P5EB3"}, {"eu-north-1", "Z23TAZ6LKFMNIO"},
      {"eu-south-1", "Z3ULH7SSC9OV64"},     {"eu-south-2", "Z0956581394HF5D5LXGAP"},
      {"eu-west-1", "Z32O12XQLNTSW2"},      {"eu-west-2", "ZHURV8PSTC4K8"},
      {"eu-west-3", "Z3Q77PNBQS71R4"},      {"me-central-1", "Z08230872XQRWHG2XF6I"},
      {"me-south-1", "ZS929ML54UICD"},      {"sa-east-1", "Z2P70J7HTTTPLU"},
      {"us-east-1", "Z35SXDOTRQ7X7K"},      {"us-east-2", "Z3AADJGX6KTTL2"},
      {"us-gov-east-1", "Z166TLBEWOO7G0"},  {"us-gov-west-1", "Z33AYJ8TM3BH4J"},
      {"us-west-1", "Z368ELLRRE2KJ0"},      {"us-west-2", "Z1H1FL5HABSF5"},
  };
  static const std::map<std::string, std::string, std::less<>> kNlb = {
      {"af-south-1", "Z203XCE67M25HM"},     {"ap-east-1", "Z12Y7K3UBGUAD1"},
      {"ap-northeast-1", "Z31USIVHYNEOWT"}, {"ap-northeast-2", "ZIBE1TIR4HY56"},
      {"ap-northeast-3", "Z1GWIQ4HH19I5X"}, {"ap-south-1", "ZVDDRBQ08TROA"},
      {"ap-south-2", "Z0711778386UTO08407HT"}, {"ap-southeast-1", "ZKVM4W9LS7TM"},
      {"ap-southeast-2", "ZCT6FZBF4DROD"},  {"ap-southeast-3", "Z01971771FYVNCOVWJU1G"},
      {"ca-central-1", "Z2EPGBW3API2WT"},   {"cn-north-1", "Z3QFB96KMJ7ED6"},
      {"cn-northwest-1", "ZQEIKTCZ8352D"},  {"eu-central-1", "Z3F0SRJ5LGBH90"},
      {"eu-central-2", "Z02239872DOALSIDCX66S"}, {"eu-north-1", "Z1UDT6IFJ4EJM"},
      {"eu-south-1", "Z23146JA1KNAFP"},     {"eu-south-2", "Z1011216NVTVYADP1SSV"},
      {"eu-west-1", "Z2IFOLAFXWLO4F"},      {"eu-west-2", "ZD4D7Y8KGAS4G"},
      {"eu-west-3", "Z1CMS0P5QUZ6D5"},      {"me-central-1", "Z00282643NTTLPANJJG2P"},
      {"me-south-1", "Z3QSRYVP46NYYV"},     {"sa-east-1", "ZTK26PT1VY4CU"},
      {"us-east-1", "Z26RNL4JYFTOTI"},      {"us-east-2", "ZLMOA37VPKANP"},
      {"us-gov-east-1", "Z1ZSMQQ6Q24QQ8"},  {"us-gov-west-1", "ZMG1MZ2THAWF1"},
      {"us-west-1", "Z24FKFUX50B4VW"},      {"us-west-2", "Z18D5FSROUN65G"},
  };
  const auto& table = lb_type == "application" ? kAlb : kNlb;
  auto it = table.find(region);
  return it == table.end() ? "" : it->second;
}

std::string DerivedZoneName(std::string_view region, size_t index) {
  return std::string(region) + static_cast<char>('a' + (index % 6));
}

std::string DerivedVpcId(std::string_view subnet_id) {
  // FNV-1a, 64 bits, stretched to 17 hex digits: stable across restarts.
  uint64_t h = Fnv1a(subnet_id, 1469598103934665603ull);
  static const char* kHex = "0123456789abcdef";
  std::string out = "vpc-";
  uint64_t v = h;
  for (int i = 0; i < 17; ++i) {
    out += kHex[v & 0xf];
    v >>= 4;
    if (v == 0) v = h * 31 + i;
  }
  return out;
}

bool IsIpv4(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find('.', i);
    if (j == std::string_view::npos) j = s.size();
    std::string_view part = s.substr(i, j - i);
    if (part.empty() || part.size() > 3) return false;
    int v = 0;
    for (char c : part) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      v = v * 10 + (c - '0');
    }
    if (v > 255 || (part.size() > 1 && part[0] == '0')) return false;
    ++parts;
    i = j + 1;
    if (j == s.size()) break;
  }
  return parts == 4;
}

}  // namespace fargo::services::elbv2
