// ConsoleGuard: keeps other web origins out of fargo. A browser page from
// another origin must neither read fargo's answers nor act through a user's
// browser (CSRF, DNS rebinding). Requests that come from a browser (they
// carry Origin or Sec-Fetch-* headers; the aws CLI and the SDKs send
// neither) must name an allowed Host (an IP literal or localhost, never a
// DNS name that could be rebound), come from fargo's own origin, and carry
// this start's console token (header X-Fargo-Console-Token, or `token` in
// the query for the console's event stream and the data channel's
// WebSocket, to which EventSource and WebSocket cannot give headers). fargo
// never answers with Access-Control-Allow-Origin, so preflights fail too.
// The data channel's upgrades pass here first (WebSocketHandoff::admit):
// another origin's page cannot even open one. Pure: any thread.
#pragma once

#include <optional>
#include <string>

#include "protocol/http_types.h"

namespace fargo::console {

class ConsoleGuard {
 public:
  explicit ConsoleGuard(std::string token) : token_(std::move(token)) {}

  const std::string& token() const { return token_; }

  // nullopt: `req` may go on. Else the 403 to answer instead.
  std::optional<protocol::HttpResponse> Check(const protocol::HttpRequest& req) const;

  // The console's page (and its assets, /_fargo/<embedded file>): served to
  // any browser whose Host is allowed, since a shared link arrives from
  // another site.
  static bool IsConsolePage(const std::string& path);
  // The paths whose token may come as `?token=`: the event stream and the
  // data channel (/v1/data-channel/<id>).
  static bool TakesTokenInQuery(const std::string& path);
  // Origin or Sec-Fetch-* present.
  static bool FromBrowser(const protocol::HttpRequest& req);
  // "127.0.0.1:4566", "localhost", "[::1]:80": an IP literal or localhost.
  static bool HostAllowed(const std::string& host);

 private:
  bool TokenMatches(const std::string& given) const;

  std::string token_;
};

// A fresh random token (hex, 256 bits).
std::string NewConsoleToken();

}  // namespace fargo::console
