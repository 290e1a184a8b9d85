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
