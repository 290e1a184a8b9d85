#include "console/console_guard.h"

#include <gtest/gtest.h>

#include "console/console_server.h"

namespace fargo::console {
namespace {

using protocol::HttpRequest;

HttpRequest Req(std::string path, std::map<std::string, std::string> headers) {
  HttpRequest r;
  r.method = "POST";
  r.path = std::move(path);
  r.headers = std::move(headers);
  return r;
}

const std::string kToken(64, 'a');

TEST(ConsoleGuardTest, ClientsThatAreNotBrowsersPassUntouched) {
  ConsoleGuard g(kToken);
  EXPECT_FALSE(g.Check(Req("/", {{"host", "127.0.0.1:4566"}, {"x-amz-target", "x.Y"}})));
  EXPECT_FALSE(g.Check(Req("/bucket/key", {{"host", "bucket.s3.localhost.localstack.cloud:4566"}})));
  EXPECT_FALSE(g.Check(Req("/_fargo/health", {})));
}

TEST(ConsoleGuardTest, TheConsolesOwnRequestsPass) {
  ConsoleGuard g(kToken);
  EXPECT_FALSE(g.Check(Req("/", {{"host", "127.0.0.1:4566"}, {"origin", "http://127.0.0.1:4566"},
                                 {"sec-fetch-site", "same-origin"}, {"x-fargo-console-token", kToken}})));
  EXPECT_FALSE(g.Check(Req("/b/k", {{"host", "localhost:4566"}, {"sec-fetch-site", "same-origin"},
                                    {"x-fargo-console-token", kToken}})));
  HttpRequest events = Req("/_fargo/console/events", {{"host", "[::1]:4566"}, {"sec-fetch-site", "same-origin"}});
  events.query.emplace("token", kToken);
  EXPECT_FALSE(g.Check(events));
}

TEST(ConsoleGuardTest, OtherOriginsAndMissingTokensAreRefused) {
  ConsoleGuard g(kToken);
  auto refused = [&](std::map<std::string, std::string> h) {
    auto r = g.Check(Req("/", std::move(h)));
    if (!r) return false;
    for (const auto& [name, value] : r->headers) EXPECT_NE(name.rfind("Access-Control-", 0), 0u) << name;
    return r->status == 403;
  };
  EXPECT_TRUE(refused({{"host", "127.0.0.1:4566"}, {"origin", "http://evil.example"}, {"x-fargo-console-token", kToken}}));
  EXPECT_TRUE(refused({{"host", "127.0.0.1:4566"}, {"origin", "null"}, {"x-fargo-console-token", kToken}}));
  EXPECT_TRUE(refused({{"host", "127.0.0.1:4566"}, {"origin", "http://127.0.0.1:4566"}}));
  EXPECT_TRUE(refused({{"host", "127.0.0.1:4566"}, {"origin", "http://127.0.0.1:4566"}, {"x-fargo-console-token", "b"}}));
  EXPECT_TRUE(refused({{"host", "127.0.0.1:4566"}, {"sec-fetch-site", "cross-site"}, {"x-fargo-console-token", kToken}}));
  EXPECT_TRUE(refused({{"host", "127.0.0.1:4566"}, {"sec-fetch-site", "same-site"}, {"x-fargo-console-token", kToken}}));
  // DNS rebinding: the origin matches its Host, but the Host is a name.
  EXPECT_TRUE(refused({{"host", "evil.example:4566"}, {"origin", "http://evil.example:4566"},
                       {"x-fargo-console-token", kToken}}));
}

TEST(ConsoleGuardTest, ThePageIsServedOnlyUnderAnAddressOrLocalhost) {
  ConsoleGuard g(kToken);
  EXPECT_FALSE(g.Check(Req("/_fargo/", {{"host", "127.0.0.1:4566"}, {"sec-fetch-site", "cross-site"}})));
  EXPECT_FALSE(g.Check(Req("/_fargo/", {{"host", "localhost:4566"}})));
  EXPECT_TRUE(g.Check(Req("/_fargo/", {{"host", "evil.example:4566"}})));
  EXPECT_TRUE(g.Check(Req("/_fargo/app.js", {{"host", "rebind.evil.example"}})));
}

// A page's WebSocket to the data channel cannot carry headers: its console
// token comes in the query, and its Origin must be fargo's own.
TEST(ConsoleGuardTest, DataChannelUpgradesFromBrowsersNeedTheOriginAndTheToken) {
  ConsoleGuard g(kToken);
  auto upgrade = [](std::map<std::string, std::string> headers, std::string token) {
    HttpRequest r = Req("/v1/data-channel/ecs-execute-command-0abc", std::move(headers));
    r.method = "GET";
    r.query.emplace("role", "publish_subscribe");
    if (!token.empty()) r.query.emplace("token", std::move(token));
    return r;
  };
  const std::map<std::string, std::string> own = {
      {"host", "127.0.0.1:4566"}, {"origin", "http://127.0.0.1:4566"}, {"sec-fetch-site", "same-origin"}};
  EXPECT_FALSE(g.Check(upgrade(own, kToken)));
  EXPECT_TRUE(g.Check(upgrade(own, "")));
  EXPECT_TRUE(g.Check(upgrade(own, std::string(64, 'b'))));
  EXPECT_TRUE(g.Check(upgrade({{"host", "127.0.0.1:4566"}, {"origin", "http://evil.example"}}, kToken)));
  EXPECT_TRUE(g.Check(upgrade({{"host", "evil.example:4566"}, {"origin", "http://evil.example:4566"}}, kToken)));
  // The plugin, fargo's own client and the SDKs' send no Origin: the session token alone guards them.
  EXPECT_FALSE(g.Check(upgrade({{"host", "127.0.0.1:4566"}}, "")));
  // Elsewhere a token in the query is not the console's token.
  HttpRequest api = Req("/", own);
  api.query.emplace("token", kToken);
  EXPECT_TRUE(g.Check(api));
}

TEST(ConsoleGuardTest, ThePagesFilesAreTheEmbeddedOnes) {
  EXPECT_TRUE(ConsoleGuard::IsConsolePage("/_fargo/"));
  EXPECT_TRUE(ConsoleGuard::IsConsolePage("/_fargo/app.js"));
  EXPECT_TRUE(ConsoleGuard::IsConsolePage("/_fargo/xterm.mjs"));
  EXPECT_TRUE(ConsoleGuard::IsConsolePage("/_fargo/xterm.css"));
  EXPECT_FALSE(ConsoleGuard::IsConsolePage("/_fargo/status"));
  EXPECT_FALSE(ConsoleGuard::IsConsolePage("/_fargo/console/events"));
  EXPECT_FALSE(ConsoleGuard::IsConsolePage("/_fargo/nothing.js"));
  EXPECT_FALSE(ConsoleGuard::IsConsolePage("/app.js"));
}

TEST(ConsoleGuardTest, HostsAllowed) {
  EXPECT_TRUE(ConsoleGuard::HostAllowed("127.0.0.1:4566"));
  EXPECT_TRUE(ConsoleGuard::HostAllowed("10.1.2.3"));
  EXPECT_TRUE(ConsoleGuard::HostAllowed("LOCALHOST:80"));
  EXPECT_TRUE(ConsoleGuard::HostAllowed("[::1]:4566"));
  EXPECT_FALSE(ConsoleGuard::HostAllowed("localhost.evil.example"));
  EXPECT_FALSE(ConsoleGuard::HostAllowed("127.0.0.1.nip.io"));
  EXPECT_FALSE(ConsoleGuard::HostAllowed("[::1"));
  EXPECT_FALSE(ConsoleGuard::HostAllowed(""));
}

TEST(ConsoleGuardTest, TokensAreFreshAndLong) {
  std::string a = NewConsoleToken(), b = NewConsoleToken();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
}

TEST(ConsoleServerTest, SseMessageIsOneEventWithItsRetry) {
  EXPECT_EQ(SseMessage(7, "change", "{}", 50), "retry: 50\nid: 7\nevent: change\ndata: {}\n\n");
}

}  // namespace
}  // namespace fargo::console
