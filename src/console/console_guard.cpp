#include "console/console_guard.h"

#include <arpa/inet.h>

#include <boost/json.hpp>
#include <random>

#include "console/console_assets.h"

namespace fargo::console {
using protocol::HttpRequest;
using protocol::HttpResponse;

namespace {

HttpResponse Refuse(const std::string& why) {
  HttpResponse r;
  r.status = 403;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = boost::json::serialize(boost::json::object{{"__type", "AccessDeniedException"}, {"message", why}});
  return r;
}

std::string Get(const HttpRequest& req, const char* name) {
  const std::string* v = req.Header(name);
  return v ? *v : std::string();
}

}  // namespace

bool ConsoleGuard::IsConsolePage(const std::string& path) {
  static const std::string kPrefix = "/_fargo/";
  if (path == "/_fargo" || path == kPrefix) return true;
  if (path.rfind(kPrefix, 0) != 0) return false;
  std::string name = path.substr(kPrefix.size());
  for (const ConsoleAsset& a : ConsoleAssets())
    if (name == a.name) return true;
  return false;
}

bool ConsoleGuard::TakesTokenInQuery(const std::string& path) {
  return path == "/_fargo/console/events" || path.rfind("/v1/data-channel/", 0) == 0;
}

bool ConsoleGuard::FromBrowser(const HttpRequest& req) {
  return req.Header("origin") || req.Header("sec-fetch-site") || req.Header("sec-fetch-mode") ||
         req.Header("sec-fetch-dest");
}

bool ConsoleGuard::HostAllowed(const std::string& host_header) {
  std::string host = host_header;
  if (!host.empty() && host[0] == '[') {
    size_t end = host.find(']');
    if (end == std::string::npos) return false;
    std::string v6 = host.substr(1, end - 1);
    in6_addr a6{};
    return inet_pton(AF_INET6, v6.c_str(), &a6) == 1;
  }
  if (size_t colon = host.find(':'); colon != std::string::npos) host = host.substr(0, colon);
  if (host.empty()) return false;
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host == "localhost") return true;
  in_addr a4{};
  return inet_pton(AF_INET, host.c_str(), &a4) == 1;
}

bool ConsoleGuard::TokenMatches(const std::string& given) const {
  if (token_.empty() || given.size() != token_.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ token_[i]);
  return diff == 0;
}

std::optional<HttpResponse> ConsoleGuard::Check(const HttpRequest& req) const {
  bool page = IsConsolePage(req.path);
  if (!page && !FromBrowser(req)) return std::nullopt;  // aws CLI, SDKs, tasks
  std::string host = Get(req, "host");
  if (!HostAllowed(host))
    return Refuse("fargo's console answers browsers only at an IP address or localhost, not at " + host);
  if (page) return std::nullopt;
  if (const std::string* origin = req.Header("origin")) {
    if (*origin != "http://" + host && *origin != "https://" + host)
      return Refuse("requests from another origin (" + *origin + ") are refused");
  }
  std::string site = Get(req, "sec-fetch-site");
  if (!site.empty() && site != "same-origin") return Refuse("requests from another site are refused");
  std::string token = Get(req, "x-fargo-console-token");
  if (token.empty() && TakesTokenInQuery(req.path)) {
    auto it = req.query.find("token");
    if (it != req.query.end()) token = it->second;
  }
  if (!TokenMatches(token)) return Refuse("a browser's request needs the console's token (open http://" + host + "/_fargo/)");
  return std::nullopt;
}

std::string NewConsoleToken() {
  std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {  // 8 x 32 bits
    uint32_t v = rd();
    for (int j = 0; j < 4; ++j) {
      out += kHex[(v >> (j * 8 + 4)) & 0xf];
      out += kHex[(v >> (j * 8)) & 0xf];
    }
  }
  return out;
}

}  // namespace fargo::console
