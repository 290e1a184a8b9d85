#include <gtest/gtest.h>

#include "services/ecs/task_definition_builder.h"

namespace fargo::services::ecs {
namespace {

json::object Parse(const char* s) { return json::parse(s).as_object(); }

RegisterContext Ctx() { return RegisterContext{"eu-west-1", "000000000000", 1, 1700000000.5}; }

TEST(EcsTaskDefinitionTest, CpuAndMemoryForms) {
  EXPECT_EQ(ParseCpuUnits("1024"), 1024);
  EXPECT_EQ(ParseCpuUnits("1 vCPU"), 1024);
  EXPECT_EQ(ParseCpuUnits(".5 vcpu"), 512);
  EXPECT_EQ(ParseCpuUnits("0.25vCPU"), 256);
  EXPECT_FALSE(ParseCpuUnits("lots"));
  EXPECT_EQ(ParseMemoryMiB("2048"), 2048);
  EXPECT_EQ(ParseMemoryMiB("2 GB"), 2048);
  EXPECT_EQ(ParseMemoryMiB("0.5GB"), 512);
  EXPECT_FALSE(ParseMemoryMiB("2 TB"));
}

TEST(EcsTaskDefinitionTest, FargateSizes) {
  EXPECT_TRUE(FargateSizeSupported(256, 512));
  EXPECT_TRUE(FargateSizeSupported(256, 2048));
  EXPECT_FALSE(FargateSizeSupported(256, 3072));
  EXPECT_TRUE(FargateSizeSupported(512, 4096));
  EXPECT_FALSE(FargateSizeSupported(512, 512));
  EXPECT_TRUE(FargateSizeSupported(1024, 2048));
  EXPECT_TRUE(FargateSizeSupported(1024, 8192));
  EXPECT_FALSE(FargateSizeSupported(1024, 1000));
  EXPECT_TRUE(FargateSizeSupported(2048, 16384));
  EXPECT_TRUE(FargateSizeSupported(4096, 30720));
  EXPECT_FALSE(FargateSizeSupported(4096, 31744));
  EXPECT_TRUE(FargateSizeSupported(8192, 20480));
  EXPECT_FALSE(FargateSizeSupported(8192, 17408));
  EXPECT_TRUE(FargateSizeSupported(16384, 122880));
  EXPECT_FALSE(FargateSizeSupported(16384, 36864));
  EXPECT_FALSE(FargateSizeSupported(300, 1024));
}

TEST(EcsTaskDefinitionTest, FargateRules) {
  auto base = Parse(R"({"family":"f","requiresCompatibilities":["FARGATE"],"networkMode":"awsvpc",
    "cpu":"1024","memory":"1000","containerDefinitions":[{"name":"a","image":"nginx"}]})");
  auto r = BuildTaskDefinition(base, Ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ClientException");
  EXPECT_EQ(r.error().message,
            "No Fargate configuration exists for given values: 1024 CPU, 1000 memory. See the Amazon ECS "
            "documentation for the valid values.");

  auto bridge = base;
  bridge["networkMode"] = "bridge";
  r = BuildTaskDefinition(bridge, Ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Fargate only supports network mode \u2018awsvpc\u2019.");

  auto nocpu = base;
  nocpu.erase("cpu");
  r = BuildTaskDefinition(nocpu, Ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Fargate requires that 'cpu' be defined at the task level.");

  auto awslogs = base;
  awslogs["memory"] = "2 GB";
  awslogs["containerDefinitions"].as_array()[0].as_object()["logConfiguration"] =
      json::object{{"logDriver", "awslogs"}};
  r = BuildTaskDefinition(awslogs, Ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "Fargate requires task definition to have execution role ARN to support log driver awslogs.");
}

TEST(EcsTaskDefinitionTest, SeedDefinitionReadsBackWithAwsDefaults) {
  auto in = Parse(R"({"family":"ecsWithTf-dev-myapp","requiresCompatibilities":["FARGATE"],
    "networkMode":"awsvpc","cpu":"1024","memory":"2048",
    "taskRoleArn":"arn:aws:iam::000000000000:role/t","executionRoleArn":"arn:aws:iam::000000000000:role/e",
    "volumes":[{"name":"config"},{"name":"source"}],
    "runtimePlatform":{"operatingSystemFamily":"LINUX","cpuArchitecture":"X86_64"},
    "containerDefinitions":[
      {"name":"myapp","image":"nginx:1.24.0","essential":true,
       "portMappings":[{"containerPort":80,"hostPort":80,"protocol":"tcp"}],
       "environment":[{"name":"CONFIG_HASH","value":"abc"}],
       "mountPoints":[{"containerPath":"/etc/nginx/conf.d","sourceVolume":"config"}],
       "dependsOn":[{"containerName":"myapp-init-container","condition":"COMPLETE"}],
       "linuxParameters":{"initProcessEnabled":true},
       "logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"g"}}},
      {"name":"myapp-init-container","image":"amazon/aws-cli:2.11.13","essential":false,
       "command":["s3","cp"],"mountPoints":[{"containerPath":"/sync/html","sourceVolume":"source"}]}]})");
  auto r = BuildTaskDefinition(in, Ctx());
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto& td = r.value();
  EXPECT_EQ(td["taskDefinitionArn"], "arn:aws:ecs:eu-west-1:000000000000:task-definition/ecsWithTf-dev-myapp:1");
  EXPECT_EQ(td["status"], "ACTIVE");
  EXPECT_EQ(td["cpu"], "1024");
  EXPECT_EQ(td["memory"], "2048");
  EXPECT_EQ(td["compatibilities"], json::parse(R"(["EC2","FARGATE"])"));
  EXPECT_EQ(td["volumes"], json::parse(R"([{"name":"config","host":{}},{"name":"source","host":{}}])"));
  EXPECT_EQ(td["registeredBy"], "arn:aws:iam::000000000000:root");
  auto& c0 = td["containerDefinitions"].as_array()[0].as_object();
  EXPECT_EQ(c0["cpu"], 0);
  EXPECT_EQ(c0["essential"], true);
  EXPECT_EQ(c0["volumesFrom"], json::array{});
  EXPECT_EQ(c0["environment"], json::parse(R"([{"name":"CONFIG_HASH","value":"abc"}])"));
  auto& c1 = td["containerDefinitions"].as_array()[1].as_object();
  EXPECT_EQ(c1["essential"], false);
  EXPECT_EQ(c1["portMappings"], json::array{});
  EXPECT_EQ(c1["environment"], json::array{});
  EXPECT_EQ(c1["command"], json::parse(R"(["s3","cp"])"));
  bool has_eni = false;
  for (auto& a : td["requiresAttributes"].as_array()) has_eni |= a.at("name") == "ecs.capability.task-eni";
  EXPECT_TRUE(has_eni);
}

TEST(EcsTaskDefinitionTest, ContainerDefaults) {
  auto c = NormalizeContainer(Parse(R"({"image":"x","name":"a","portMappings":[{"containerPort":8080}],
    "healthCheck":{"command":["CMD","true"]}})"), "awsvpc");
  EXPECT_EQ(c["portMappings"], json::parse(R"([{"containerPort":8080,"hostPort":8080,"protocol":"tcp"}])"));
  EXPECT_EQ(c["healthCheck"].at("interval"), 30);
  EXPECT_EQ(c["healthCheck"].at("timeout"), 5);
  EXPECT_EQ(c["healthCheck"].at("retries"), 3);
  EXPECT_EQ(c.begin()->key(), "name");  // model order
  auto b = NormalizeContainer(Parse(R"({"name":"a","image":"x","portMappings":[{"containerPort":80}]})"), "bridge");
  EXPECT_FALSE(b["portMappings"].as_array()[0].as_object().contains("hostPort"));
}

TEST(EcsTaskDefinitionTest, ValidationErrors) {
  auto ec2 = Parse(R"({"family":"f","containerDefinitions":[{"name":"a","image":"x"}]})");
  auto r = BuildTaskDefinition(ec2, Ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "Invalid setting for container 'a'. At least one of 'memory' or 'memoryReservation' must be specified.");
  ec2["containerDefinitions"].as_array()[0].as_object()["memory"] = 128;
  r = BuildTaskDefinition(ec2, Ctx());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value()["networkMode"], "bridge");
  EXPECT_EQ(r.value()["compatibilities"], json::parse(R"(["EXTERNAL","EC2"])"));

  auto ports = Parse(R"({"family":"f","networkMode":"awsvpc","memory":"512","containerDefinitions":[
    {"name":"a","image":"x","portMappings":[{"containerPort":80,"hostPort":8080}]}]})");
  r = BuildTaskDefinition(ports, Ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "When networkMode=awsvpc, the host ports and container ports in port mappings must match.");

  auto vol = Parse(R"({"family":"f","memory":"512","containerDefinitions":[
    {"name":"a","image":"x","mountPoints":[{"sourceVolume":"nope","containerPath":"/x"}]}]})");
  EXPECT_FALSE(BuildTaskDefinition(vol, Ctx()).ok());
  auto noimage = Parse(R"({"family":"f","memory":"512","containerDefinitions":[{"name":"a"}]})");
  EXPECT_EQ(BuildTaskDefinition(noimage, Ctx()).error().message, "Container.image should not be null or empty.");
  auto empty = Parse(R"({"family":"f","containerDefinitions":[]})");
  EXPECT_EQ(BuildTaskDefinition(empty, Ctx()).error().message, "Container list cannot be empty.");
}

}  // namespace
}  // namespace fargo::services::ecs
