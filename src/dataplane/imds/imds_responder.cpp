#include "dataplane/imds/imds_responder.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include <boost/json.hpp>

#include "common/strings.h"

namespace fargo::dataplane::imds {

namespace {

namespace json = boost::json;

ImdsResponse Text(int status, std::string body) {
  ImdsResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ImdsResponse NotFound() {
  ImdsResponse r = Text(404, "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n"
                             "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
                             "\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
                             "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
                             " <head>\n  <title>404 - Not Found</title>\n </head>\n <body>\n"
                             "  <h1>404 - Not Found</h1>\n </body>\n</html>\n");
  r.content_type = "text/html";
  return r;
}

ImdsResponse Unauthorized() {
  ImdsResponse r = Text(401, "");
  r.content_type = "text/html";
  return r;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : "\n") + i;
  return out;
}

const std::string* Header(const ImdsRequest& req, const char* name) {
  auto it = req.headers.find(name);
  return it == req.headers.end() ? nullptr : &it->second;
}

std::string Hostname(const InstanceView& i) { return i.private_dns; }

}  // namespace

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<ImdsRequest> ParseRequestHead(std::string_view head) {
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t a = line.find(' ');
  if (a == std::string_view::npos || a == 0) return std::nullopt;
  size_t b = line.find(' ', a + 1);
  if (b == std::string_view::npos || b == a + 1) return std::nullopt;
  if (line.substr(b + 1).compare(0, 5, "HTTP/") != 0) return std::nullopt;
  ImdsRequest req;
  req.method = std::string(line.substr(0, a));
  std::string_view target = line.substr(a + 1, b - a - 1);
  if (target.front() != '/') return std::nullopt;
  req.path = std::string(target.substr(0, target.find_first_of("?#")));
  while (eol != std::string_view::npos) {
    size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view h = head.substr(start, eol == std::string_view::npos ? std::string_view::npos : eol - start);
    if (h.empty()) continue;
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    req.headers[Lower(std::string(Trim(h.substr(0, colon))))] = std::string(Trim(h.substr(colon + 1)));
  }
  return req;
}

std::string ImdsResponder::Digest(const std::string& instance_id, int64_t expiry_ms) const {
  std::string text = secret_ + "|" + instance_id + "|" + std::to_string(expiry_ms);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(Fnv1a(text)),
                static_cast<unsigned long long>(Fnv1a(text, kFnv1aOffset ^ 0x5bd1e995)));
  return buf;
}

std::string ImdsResponder::IssueToken(const std::string& instance_id, int64_t ttl_seconds) const {
  int64_t expiry = clock_.NowMillis() + ttl_seconds * 1000;
  char head[17];
  std::snprintf(head, sizeof head, "%016llx", static_cast<unsigned long long>(expiry));
  return "AQAE" + std::string(head) + Digest(instance_id, expiry);
}

bool ImdsResponder::ValidToken(const std::string& token, const std::string& instance_id) const {
  if (token.size() != 4 + 16 + 32 || token.compare(0, 4, "AQAE") != 0) return false;
  std::string hex = token.substr(4, 16);
  char* end = nullptr;
  unsigned long long expiry = std::strtoull(hex.c_str(), &end, 16);
  if (!end || *end) return false;
  if (Digest(instance_id, static_cast<int64_t>(expiry)) != token.substr(20)) return false;
  return clock_.NowMillis() < static_cast<int64_t>(expiry);
}

bool ImdsResponder::WantsCredentials(const ImdsRequest& req, const InstanceView& inst) {
  const std::string prefix = "/latest/meta-data/iam/security-credentials/";
  if (inst.role_name.empty() || req.path.compare(0, prefix.size(), prefix) != 0) return false;
  std::string rest = req.path.substr(prefix.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  return rest == inst.role_name;
}

ImdsResponse ImdsResponder::Respond(const ImdsRequest& req, const std::optional<InstanceView>& found,
                                    const std::optional<RoleCredentials>& creds) const {
  // Not an instance of this VPC (or no longer running): nothing answers.
  if (!found) return NotFound();
  const InstanceView& inst = *found;
  if (!inst.http_endpoint) return Text(403, "");
  // Proxied requests are refused, as AWS does (SSRF protection).
  if (Header(req, "x-forwarded-for")) return Text(403, "");

  if (req.path == "/latest/api/token") {
    if (req.method != "PUT") {
      ImdsResponse r = Text(405, "");
      r.headers.emplace_back("Allow", "OPTIONS, PUT");
      return r;
    }
    const std::string* ttl_text = Header(req, "x-aws-ec2-metadata-token-ttl-seconds");
    if (!ttl_text) return Text(400, "");
    char* end = nullptr;
    long ttl = std::strtol(ttl_text->c_str(), &end, 10);
    if (ttl_text->empty() || !end || *end || ttl < 1 || ttl > 21600) return Text(400, "");
    ImdsResponse r = Text(200, IssueToken(inst.instance_id, ttl));
    r.headers.emplace_back("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", std::to_string(ttl));
    r.ip_ttl = static_cast<int>(inst.hop_limit);
    return r;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    ImdsResponse r = Text(405, "");
    r.headers.emplace_back("Allow", "OPTIONS, GET, HEAD");
    return r;
  }
  // IMDSv2: a token, when given, must be valid; without one, v1 only if allowed.
  if (const std::string* token = Header(req, "x-aws-ec2-metadata-token")) {
    if (!ValidToken(*token, inst.instance_id)) return Unauthorized();
  } else if (inst.http_tokens == "required") {
    return Unauthorized();
  }

  std::string path = req.path;
  if (path == "/" ) return Text(200, "latest");
  if (path == "/latest" || path == "/latest/") return Text(200, "dynamic\nmeta-data\nuser-data");
  if (path == "/latest/user-data" || path == "/latest/user-data/") {
    if (inst.user_data_b64.empty()) return NotFound();
    auto raw = Base64Decode(inst.user_data_b64);
    ImdsResponse r = Text(200, raw ? *raw : "");
    r.content_type = "application/octet-stream";
    return r;
  }
  if (path == "/latest/dynamic" || path == "/latest/dynamic/") return Text(200, "instance-identity/");
  if (path == "/latest/dynamic/instance-identity" || path == "/latest/dynamic/instance-identity/")
    return Text(200, "document\npkcs7\nsignature");
  if (path == "/latest/dynamic/instance-identity/document") {
    json::object doc{{"accountId", inst.account},
                     {"architecture", "x86_64"},
                     {"availabilityZone", inst.availability_zone},
                     {"billingProducts", nullptr},
                     {"devpayProductCodes", nullptr},
                     {"marketplaceProductCodes", nullptr},
                     {"imageId", inst.image_id},
                     {"instanceId", inst.instance_id},
                     {"instanceType", inst.instance_type},
                     {"kernelId", nullptr},
                     {"pendingTime", Iso8601NoFraction(inst.launched)},
                     {"privateIp", inst.private_ip},
                     {"ramdiskId", nullptr},
                     {"region", inst.region},
                     {"version", "2017-09-30"}};
    ImdsResponse r = Text(200, json::serialize(doc));
    r.content_type = "application/json";
    return r;
  }

  const std::string md = "/latest/meta-data";
  if (path.compare(0, md.size(), md) != 0) return NotFound();
  std::string key = path.substr(md.size());
  if (!key.empty() && key.front() == '/') key.erase(0, 1);
  bool dir = !key.empty() && key.back() == '/';
  if (dir) key.pop_back();

  std::string mac = inst.mac;
  std::map<std::string, std::string> leaves{
      {"ami-id", inst.image_id},
      {"ami-launch-index", "0"},
      {"ami-manifest-path", "(unknown)"},
      {"hostname", Hostname(inst)},
      {"instance-action", "none"},
      {"instance-id", inst.instance_id},
      {"instance-life-cycle", "on-demand"},
      {"instance-type", inst.instance_type},
      {"local-hostname", Hostname(inst)},
      {"local-ipv4", inst.private_ip},
      {"mac", mac},
      {"profile", "default-hvm"},
      {"reservation-id", inst.reservation_id},
      {"security-groups", Join(inst.security_groups)},
      {"placement/availability-zone", inst.availability_zone},
      {"placement/region", inst.region},
      {"services/domain", "amazonaws.com"},
      {"services/partition", "aws"},
  };
  std::string net = "network/interfaces/macs/" + mac + "/";
  for (const auto& [k, v] : std::map<std::string, std::string>{{"device-number", "0"},
                                                               {"interface-id", ""},
                                                               {"local-hostname", Hostname(inst)},
                                                               {"local-ipv4s", inst.private_ip},
                                                               {"mac", mac},
                                                               {"owner-id", inst.account},
                                                               {"security-groups", Join(inst.security_groups)},
                                                               {"subnet-id", inst.subnet_id},
                                                               {"subnet-ipv4-cidr-block", inst.subnet_cidr},
                                                               {"vpc-id", inst.vpc_id},
                                                               {"vpc-ipv4-cidr-block", inst.vpc_cidr},
                                                               {"vpc-ipv4-cidr-blocks", inst.vpc_cidr}})
    if (!v.empty()) leaves[net + k] = v;
  if (!inst.role_name.empty()) {
    json::object info{{"Code", "Success"},
                      {"LastUpdated", Iso8601NoFraction(clock_.NowSeconds())},
                      {"InstanceProfileArn", inst.profile_arn},
                      {"InstanceProfileId", inst.profile_id}};
    leaves["iam/info"] = json::serialize(info);
    leaves["iam/security-credentials"] = "";  // a directory (below)
  }
  if (!inst.role_name.empty() && (key == "iam/security-credentials/" + inst.role_name)) {
    if (!creds) return Text(500, "");
    json::object body{{"Code", "Success"},
                      {"LastUpdated", Iso8601NoFraction(clock_.NowSeconds())},
                      {"Type", "AWS-HMAC"},
                      {"AccessKeyId", creds->access_key_id},
                      {"SecretAccessKey", creds->secret_access_key},
                      {"Token", creds->token},
                      {"Expiration", creds->expiration}};
    return Text(200, json::serialize(body));
  }
  if (!inst.role_name.empty() && key == "iam/security-credentials") return Text(200, inst.role_name);
  if (!dir || key.empty()) {
    auto it = leaves.find(key);
    if (it != leaves.end() && !(key == "iam/security-credentials")) return Text(200, it->second);
  }
  // A directory: the names directly below it ("x/" for sub-directories).
  std::string prefix = key.empty() ? "" : key + "/";
  std::vector<std::string> children;
  for (const auto& [k, v] : leaves) {
    if (k.compare(0, prefix.size(), prefix) != 0 || k.size() == prefix.size()) continue;
    std::string rest = k.substr(prefix.size());
    size_t slash = rest.find('/');
    std::string child = slash == std::string::npos ? rest : rest.substr(0, slash + 1);
    if (k == "iam/security-credentials" && prefix == "iam/") child = "security-credentials/";
    if (children.empty() || children.back() != child) {
      bool seen = false;
      for (const auto& c : children) seen |= c == child;
      if (!seen) children.push_back(child);
    }
  }
  if (children.empty()) return NotFound();
  return Text(200, Join(children));
}

}  // namespace fargo::dataplane::imds
