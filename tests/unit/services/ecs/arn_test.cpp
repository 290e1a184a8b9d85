#include <gtest/gtest.h>

#include "services/ecs/ecs_arn.h"

namespace fargo::services::ecs {
namespace {

TEST(EcsArnTest, BuildsArns) {
  EXPECT_EQ(ClusterArn("eu-west-1", "000000000000", "c1"), "arn:aws:ecs:eu-west-1:000000000000:cluster/c1");
  EXPECT_EQ(ServiceArn("eu-west-1", "000000000000", "c1", "s1"),
            "arn:aws:ecs:eu-west-1:000000000000:service/c1/s1");
  EXPECT_EQ(TaskDefinitionArn("us-east-1", "1", "fam", 3), "arn:aws:ecs:us-east-1:1:task-definition/fam:3");
}

TEST(EcsArnTest, ClusterNames) {
  EXPECT_EQ(ClusterNameOf(""), "default");
  EXPECT_EQ(ClusterNameOf("web"), "web");
  EXPECT_EQ(ClusterNameOf("arn:aws:ecs:us-east-1:000000000000:cluster/web"), "web");
}

TEST(EcsArnTest, ServiceIds) {
  auto s = ParseServiceId("arn:aws:ecs:us-east-1:000000000000:service/c1/s1");
  EXPECT_EQ(s.cluster, "c1");
  EXPECT_EQ(s.name, "s1");
  s = ParseServiceId("arn:aws:ecs:us-east-1:000000000000:service/s2");
  EXPECT_EQ(s.cluster, "");
  EXPECT_EQ(s.name, "s2");
  s = ParseServiceId("plain");
  EXPECT_EQ(s.name, "plain");
}

TEST(EcsArnTest, TaskDefinitionRefs) {
  auto r = ParseTaskDefinitionRef("fam");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->family, "fam");
  EXPECT_EQ(r->revision, 0);
  r = ParseTaskDefinitionRef("fam:12");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->revision, 12);
  r = ParseTaskDefinitionRef("arn:aws:ecs:us-east-1:000000000000:task-definition/my-fam_1:7");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->family, "my-fam_1");
  EXPECT_EQ(r->revision, 7);
  EXPECT_FALSE(ParseTaskDefinitionRef("fam:x"));
  EXPECT_FALSE(ParseTaskDefinitionRef("fam:0"));
  EXPECT_FALSE(ParseTaskDefinitionRef("bad name"));
  EXPECT_FALSE(ParseTaskDefinitionRef("arn:aws:ecs:us-east-1:0:cluster/x"));
}

TEST(EcsArnTest, ResourceArns) {
  auto r = ParseResourceArn("arn:aws:ecs:eu-west-1:123:task-definition/f:2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->region, "eu-west-1");
  EXPECT_EQ(r->account, "123");
  EXPECT_EQ(r->kind, "task-definition");
  EXPECT_EQ(r->path, "f:2");
  EXPECT_FALSE(ParseResourceArn("arn:aws:iam::123:role/x"));
  EXPECT_FALSE(ParseResourceArn("not-an-arn"));
  EXPECT_FALSE(ParseResourceArn("arn:aws:ecs:eu-west-1:123:cluster/"));
}

TEST(EcsArnTest, DeploymentIds) {
  std::string id = DeploymentId("ffffffffffffffff");
  EXPECT_EQ(id.rfind("ecs-svc/", 0), 0u);
  EXPECT_EQ(id.size(), 8u + 19u);
  EXPECT_EQ(DeploymentId("0000000000000001"), "ecs-svc/0000000000000000001");
}

TEST(EcsArnTest, Names) {
  EXPECT_TRUE(ValidName("a-B_9"));
  EXPECT_FALSE(ValidName(""));
  EXPECT_FALSE(ValidName("a.b"));
  EXPECT_FALSE(ValidName(std::string(256, 'a')));
}

}  // namespace
}  // namespace fargo::services::ecs
