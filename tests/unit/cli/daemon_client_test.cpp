#include "cli/daemon_client.h"

#include <gtest/gtest.h>

#include "protocol/sigv4.h"

namespace fargo::cli {
namespace {

TEST(CliDaemonClient, AuthorizationNamesRegionAndServiceAsFargoReadsThem) {
  // 2026-12-02T09:00:00Z
  auto when = std::chrono::system_clock::time_point(std::chrono::seconds(1796202000));
  std::string h = DaemonClient::Authorization("eu-west-1", "elasticloadbalancing", when);
  auto scope = protocol::ParseAuthorization(h);
  ASSERT_TRUE(scope) << h;
  EXPECT_EQ(scope->access_key, "test");
  EXPECT_EQ(scope->date, "20261202");
  EXPECT_EQ(scope->region, "eu-west-1");
  EXPECT_EQ(scope->service, "elasticloadbalancing");
}

TEST(CliDaemonClient, FormEscape) {
  EXPECT_EQ(DaemonClient::FormEscape("arn:aws:x/y z"), "arn%3Aaws%3Ax%2Fy%20z");
  EXPECT_EQ(DaemonClient::FormEscape("a-b_c.d~"), "a-b_c.d~");
}

TEST(CliDaemonClient, NoDaemonIsAnErrorThatSaysSo) {
  // Port 1 on loopback: nothing listens there.
  DaemonClient c("http://127.0.0.1:1", "us-east-1", std::chrono::seconds(2));
  DaemonClient::Answer a = c.Call("GET", "/_fargo/status");
  EXPECT_EQ(a.status, 0);
  EXPECT_NE(a.error.find("fargo does not answer at http://127.0.0.1:1"), std::string::npos) << a.error;
  auto r = c.Json("ecs", "AmazonEC2ContainerServiceV20141113.ListClusters", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "Unreachable");
}

}  // namespace
}  // namespace fargo::cli
