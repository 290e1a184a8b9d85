// ECS tasks: RunTask validation, the Task document through its life cycle,
// Describe/List filters, stop reasons, expiry, runtime plans and the task
// endpoints, driven in-process with a fake runtime.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "ecs_fixture.h"
#include "dataplane/endpoints/task_metadata.h"
#include "services/ecs/task_plan_builder.h"

namespace fargo::services {
namespace {

class EcsTasksTest : public EcsFixture {
 protected:
  void SetUp() override {
    EcsFixture::SetUp();
    Ok("CreateCluster", json::object{{"clusterName", "c"}});
    td_ = Register("web", json::array{Container("app")});
  }
  std::string td_;
};

bool HasEnv(const runtime::ContainerSpec& s, const std::string& line) {
  return std::find(s.env.begin(), s.env.end(), line) != s.env.end();
}

TEST_F(EcsTasksTest, RunTaskValidation) {
  json::object base{{"cluster", "c"}, {"taskDefinition", td_}, {"launchType", "FARGATE"}};
  auto e = Err("RunTask", base);
  EXPECT_EQ(e.code, "InvalidParameterException");
  EXPECT_EQ(e.message, "Network Configuration must be provided when networkMode 'awsvpc' is specified.");

  json::object in = base;
  in["networkConfiguration"] = Network({"subnet-nope"});
  e = Err("RunTask", in);
  EXPECT_EQ(e.code, "InvalidParameterException");
  EXPECT_NE(e.message.find("subnet-nope"), std::string::npos);

  in = base;
  in["networkConfiguration"] = Network();
  in["count"] = 11;
  EXPECT_EQ(Err("RunTask", in).code, "InvalidParameterException");

  in = base;
  in["networkConfiguration"] = Network();
  in["taskDefinition"] = "nope:3";
  EXPECT_EQ(Err("RunTask", in).message, "TaskDefinition not found.");

  in = base;
  in["cluster"] = "missing";
  in["networkConfiguration"] = Network();
  EXPECT_EQ(Err("RunTask", in).code, "ClusterNotFoundException");

  in = base;
  in["networkConfiguration"] = Network();
  in["overrides"] = json::object{{"containerOverrides", json::array{json::object{{"name", "ghost"}}}}};
  EXPECT_EQ(Err("RunTask", in).code, "InvalidParameterException");

  // EC2 has no container instances: a failure, not an error.
  in = base;
  in["networkConfiguration"] = Network();
  in["launchType"] = "EC2";
  auto out = Ok("RunTask", in);
  EXPECT_TRUE(out["tasks"].as_array().empty());
  EXPECT_EQ(out["failures"].as_array()[0].at("reason"), "No Container Instances were found in your cluster.");
  EXPECT_TRUE(driver_.launched.empty());
}

TEST_F(EcsTasksTest, RunTaskBuildsTheFargateTask) {
  auto out = Ok("RunTask", json::object{{"cluster", "c"},
                                        {"taskDefinition", "web"},
                                        {"launchType", "FARGATE"},
                                        {"count", 2},
                                        {"networkConfiguration", Network()},
                                        {"startedBy", "me"},
                                        {"enableExecuteCommand", true},
                                        {"tags", json::array{json::object{{"key", "k"}, {"value", "v"}}}}});
  auto& tasks = out["tasks"].as_array();
  ASSERT_EQ(tasks.size(), 2u);
  const json::object& t = tasks[0].as_object();
  std::string arn(t.at("taskArn").as_string());
  EXPECT_EQ(arn.rfind("arn:aws:ecs:us-east-1:000000000000:task/c/", 0), 0u);
  EXPECT_EQ(arn.size() - arn.rfind('/') - 1, 32u);
  EXPECT_EQ(t.at("lastStatus"), "PROVISIONING");
  EXPECT_EQ(t.at("desiredStatus"), "RUNNING");
  EXPECT_EQ(t.at("launchType"), "FARGATE");
  EXPECT_EQ(t.at("platformVersion"), "1.4.0");
  EXPECT_EQ(t.at("platformFamily"), "Linux");
  EXPECT_EQ(t.at("cpu"), "256");
  EXPECT_EQ(t.at("memory"), "512");
  EXPECT_EQ(t.at("group"), "family:web");
  EXPECT_EQ(t.at("startedBy"), "me");
  EXPECT_EQ(t.at("availabilityZone"), "us-east-1a");
  EXPECT_EQ(t.at("version"), 1);
  EXPECT_EQ(t.at("ephemeralStorage").at("sizeInGiB"), 20);
  EXPECT_EQ(t.at("enableExecuteCommand"), true);
  const auto& att = t.at("attachments").as_array()[0].as_object();
  EXPECT_EQ(att.at("type"), "ElasticNetworkInterface");
  EXPECT_EQ(att.at("status"), "PRECREATED");
  const auto& c = t.at("containers").as_array()[0].as_object();
  EXPECT_EQ(c.at("name"), "app");
  EXPECT_EQ(c.at("lastStatus"), "PENDING");
  EXPECT_EQ(c.at("managedAgents").as_array()[0].at("name"), "ExecuteCommandAgent");
  for (auto& [k, v] : t) EXPECT_FALSE(k.starts_with("_")) << k;
  ASSERT_EQ(driver_.launched.size(), 2u);
  EXPECT_EQ(driver_.launched[0].task_arn, arn);
  EXPECT_EQ(driver_.launched[0].sandbox.vpc.vpc_id, "vpc-1");
  EXPECT_EQ(driver_.launched[0].sandbox.subnet_cidr, "10.0.1.0/24");
  EXPECT_EQ(driver_.launched[0].sandbox.cluster, "c");

  // Tags only when asked for, and through the tagging API.
  EXPECT_FALSE(Describe(arn).contains("tags"));
  EXPECT_EQ(Describe(arn, true).at("tags").as_array().size(), 1u);
  Ok("TagResource", json::object{{"resourceArn", arn}, {"tags", json::array{json::object{{"key", "x"}, {"value", "y"}}}}});
  EXPECT_EQ(Ok("ListTagsForResource", json::object{{"resourceArn", arn}})["tags"].as_array().size(), 2u);
  Ok("UntagResource", json::object{{"resourceArn", arn}, {"tagKeys", json::array{"k"}}});
  EXPECT_EQ(Ok("ListTagsForResource", json::object{{"resourceArn", arn}})["tags"],
            (json::array{json::object{{"key", "x"}, {"value", "y"}}}));
}

TEST_F(EcsTasksTest, LifecycleFollowsReports) {
  std::string arn(RunOne(td_).at("taskArn").as_string());
  clock_.Advance(1000);
  Feed(arn, "PENDING");
  auto t = Describe(arn);
  EXPECT_EQ(t.at("lastStatus"), "PENDING");
  EXPECT_EQ(t.at("connectivity"), "CONNECTED");
  EXPECT_TRUE(t.contains("pullStartedAt"));
  const auto& att = t.at("attachments").as_array()[0].as_object();
  EXPECT_EQ(att.at("status"), "ATTACHED");
  json::object details;
  for (auto& d : att.at("details").as_array()) details[d.at("name").as_string()] = d.at("value");
  EXPECT_EQ(details["privateIPv4Address"], "10.0.1.10");
  EXPECT_EQ(details["macAddress"], "02:00:00:00:00:01");
  EXPECT_EQ(details["networkInterfaceId"], "eni-ec2-1");  // the interface EC2 shows
  EXPECT_EQ(details["subnetId"], "subnet-1");
  EXPECT_EQ(details["privateDnsName"], "ip-10-0-1-10.ec2.internal");
  ASSERT_EQ(interfaces_.size(), 1u);
  EXPECT_EQ(interfaces_[0].private_ip, "10.0.1.10");
  EXPECT_EQ(interfaces_[0].description.rfind("arn:aws:ecs:us-east-1:000000000000:attachment/", 0), 0u);
  EXPECT_EQ(interfaces_[0].security_groups, std::vector<std::string>{"sg-1"});
  const auto& c = t.at("containers").as_array()[0].as_object();
  EXPECT_EQ(c.at("runtimeId"), "cid-app");
  EXPECT_EQ(c.at("networkInterfaces").as_array()[0].at("privateIpv4Address"), "10.0.1.10");
  int64_t v = t.at("version").as_int64();

  // The same report again changes nothing.
  Feed(arn, "PENDING");
  EXPECT_EQ(Describe(arn).at("version").as_int64(), v);

  clock_.Advance(1000);
  Feed(arn, "RUNNING");
  t = Describe(arn);
  EXPECT_EQ(t.at("lastStatus"), "RUNNING");
  EXPECT_GT(t.at("version").as_int64(), v);
  EXPECT_TRUE(t.contains("startedAt"));
  EXPECT_EQ(t.at("containers").as_array()[0].at("lastStatus"), "RUNNING");
  EXPECT_EQ(t.at("containers").as_array()[0].at("imageDigest"), "sha256:abc");

  auto cl = Ok("DescribeClusters", json::object{{"clusters", json::array{"c"}}});
  EXPECT_EQ(cl["clusters"].as_array()[0].at("runningTasksCount"), 1);
  EXPECT_EQ(Err("DeleteCluster", json::object{{"cluster", "c"}}).code, "ClusterContainsTasksException");

  // A report from the past is ignored.
  Feed(arn, "PENDING");
  EXPECT_EQ(Describe(arn).at("lastStatus"), "RUNNING");

  auto stopped = Ok("StopTask", json::object{{"cluster", "c"}, {"task", arn}, {"reason", "enough"}});
  EXPECT_EQ(stopped["task"].at("desiredStatus"), "STOPPED");
  EXPECT_EQ(stopped["task"].at("stopCode"), "UserInitiated");
  EXPECT_EQ(stopped["task"].at("stoppedReason"), "enough");
  EXPECT_TRUE(stopped["task"].as_object().contains("stoppingAt"));
  ASSERT_EQ(driver_.stopped, std::vector<std::string>{arn});
  clock_.Advance(1000);
  Feed(arn, "DEPROVISIONING");
  Feed(arn, "STOPPED");
  t = Describe(arn);
  EXPECT_EQ(t.at("lastStatus"), "STOPPED");
  EXPECT_EQ(t.at("stopCode"), "UserInitiated");
  EXPECT_EQ(t.at("stoppedReason"), "enough");
  EXPECT_TRUE(t.contains("executionStoppedAt"));
  EXPECT_TRUE(t.contains("stoppedAt"));
  EXPECT_EQ(t.at("attachments").as_array()[0].at("status"), "DELETED");
  EXPECT_EQ(removed_interfaces_, std::vector<std::string>{"eni-ec2-1"});
  // STOPPED never moves back.
  Feed(arn, "RUNNING");
  EXPECT_EQ(Describe(arn).at("lastStatus"), "STOPPED");
  // Reports for unknown tasks are ignored.
  Feed("arn:aws:ecs:us-east-1:000000000000:task/c/ffffffffffffffffffffffffffffffff", "RUNNING");
}

TEST_F(EcsTasksTest, RuntimeDecidedStop) {
  std::string arn(RunOne(td_).at("taskArn").as_string());
  Feed(arn, "RUNNING");
  auto r = Report(arn, "STOPPED");
  r.stop_code = "EssentialContainerExited";
  r.stopped_reason = "Essential container in task exited";
  r.containers[0].exit_code = 3;
  ecs_->ApplyTaskReport(r);
  auto t = Describe(arn);
  EXPECT_EQ(t.at("desiredStatus"), "STOPPED");
  EXPECT_EQ(t.at("stopCode"), "EssentialContainerExited");
  EXPECT_EQ(t.at("stoppedReason"), "Essential container in task exited");
  EXPECT_EQ(t.at("containers").as_array()[0].at("exitCode"), 3);
}

TEST_F(EcsTasksTest, DefaultStopReasonAndNoDriver) {
  ecs_->SetTaskDriver(nullptr);
  std::string arn(RunOne(td_).at("taskArn").as_string());
  EXPECT_EQ(Describe(arn).at("lastStatus"), "PROVISIONING");
  Ok("StopTask", json::object{{"cluster", "c"}, {"task", arn.substr(arn.rfind('/') + 1)}});
  auto t = Describe(arn);
  EXPECT_EQ(t.at("lastStatus"), "STOPPED");  // nothing ran it
  EXPECT_EQ(t.at("stoppedReason"), "Task stopped by user");
  EXPECT_EQ(Err("StopTask", json::object{{"cluster", "c"}, {"task", "0123"}}).code, "InvalidParameterException");
}

TEST_F(EcsTasksTest, DescribeFailuresAndListFilters) {
  std::string other = Register("worker", json::array{Container("w")});
  std::string a(RunOne(td_, json::object{{"startedBy", "alice"}}).at("taskArn").as_string());
  clock_.Advance(10);
  std::string b(RunOne(other).at("taskArn").as_string());
  clock_.Advance(10);
  std::string c(RunOne(td_).at("taskArn").as_string());
  Ok("StopTask", json::object{{"cluster", "c"}, {"task", c}});
  Feed(c, "STOPPED");

  auto d = Ok("DescribeTasks", json::object{{"cluster", "c"}, {"tasks", json::array{json::string(a), "nope"}}});
  EXPECT_EQ(d["tasks"].as_array().size(), 1u);
  EXPECT_EQ(d["failures"].as_array()[0].at("arn"), "arn:aws:ecs:us-east-1:000000000000:task/c/nope");
  EXPECT_EQ(d["failures"].as_array()[0].at("reason"), "MISSING");

  auto list = [&](json::object in) {
    in["cluster"] = "c";
    std::vector<std::string> out;
    json::object page = Ok("ListTasks", in);
    for (auto& v : page["taskArns"].as_array()) out.emplace_back(v.as_string());
    return out;
  };
  EXPECT_EQ(list({}), (std::vector<std::string>{a, b}));
  EXPECT_EQ(list({{"desiredStatus", "STOPPED"}}), std::vector<std::string>{c});
  EXPECT_EQ(list({{"family", "worker"}}), std::vector<std::string>{b});
  EXPECT_EQ(list({{"startedBy", "alice"}}), std::vector<std::string>{a});
  EXPECT_EQ(list({{"launchType", "EC2"}}), std::vector<std::string>{});
  auto page = Ok("ListTasks", json::object{{"cluster", "c"}, {"maxResults", 1}});
  ASSERT_EQ(page["taskArns"].as_array().size(), 1u);
  auto rest = Ok("ListTasks", json::object{{"cluster", "c"}, {"maxResults", 1}, {"nextToken", page["nextToken"]}});
  EXPECT_EQ(rest["taskArns"].as_array()[0], json::string(b));
  EXPECT_FALSE(rest.contains("nextToken"));
}

TEST_F(EcsTasksTest, StoppedTasksExpireAfterAnHour) {
  std::string arn(RunOne(td_).at("taskArn").as_string());
  Ok("StopTask", json::object{{"cluster", "c"}, {"task", arn}});
  Feed(arn, "STOPPED");
  Advance(3599 * 1000);
  EXPECT_FALSE(Describe(arn).empty());
  Advance(2000);
  EXPECT_TRUE(Describe(arn).empty());
}

TEST_F(EcsTasksTest, UnknownSubnetStopsTheTask) {
  // A service may name a subnet that does not exist (any more).
  Ok("CreateService", json::object{{"cluster", "c"}, {"serviceName", "s"}, {"taskDefinition", td_},
                                   {"desiredCount", 1}, {"launchType", "FARGATE"},
                                   {"networkConfiguration", Network({"subnet-gone"})}});
  auto page = Ok("ListTasks", json::object{{"cluster", "c"}, {"desiredStatus", "STOPPED"}});
  ASSERT_EQ(page["taskArns"].as_array().size(), 1u);
  auto t = Describe(std::string(page["taskArns"].as_array()[0].as_string()));
  EXPECT_EQ(t.at("lastStatus"), "STOPPED");
  EXPECT_EQ(t.at("stopCode"), "TaskFailedToStart");
  EXPECT_NE(std::string(t.at("stoppedReason").as_string()).find("subnet-gone"), std::string::npos);
  EXPECT_EQ(t.at("group"), "service:s");
  EXPECT_TRUE(driver_.launched.empty());
}

TEST_F(EcsTasksTest, PlansSurviveARestart) {
  std::string arn(RunOne(td_).at("taskArn").as_string());
  std::string gone(RunOne(td_).at("taskArn").as_string());
  Ok("StopTask", json::object{{"cluster", "c"}, {"task", gone}});
  Feed(gone, "STOPPED");
  runtime::TaskPlan before = driver_.launched[0];
  MakeService();
  auto live = ecs_->LiveTaskPlans();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].task_arn, arn);
  EXPECT_EQ(runtime::ToJson(live[0]), runtime::ToJson(before));
  EXPECT_EQ(Describe(arn).at("lastStatus"), "PROVISIONING");
}

TEST_F(EcsTasksTest, StopsUnderWayAreAskedForAgainAfterARestart) {
  std::string running(RunOne(td_).at("taskArn").as_string());
  std::string stopping(RunOne(td_).at("taskArn").as_string());
  Feed(running, "RUNNING");
  Feed(stopping, "RUNNING");
  Ok("StopTask", json::object{{"cluster", "c"}, {"task", stopping}});
  Feed(stopping, "DEPROVISIONING");  // fargo goes away before the runtime reports STOPPED
  MakeService();
  driver_.stopped.clear();
  EXPECT_EQ(ecs_->LiveTaskPlans().size(), 2u) << "both are adopted";
  ecs_->ResumeStops();
  EXPECT_EQ(driver_.stopped, std::vector<std::string>{stopping}) << "only the one that was stopping";
}

TEST_F(EcsTasksTest, MetadataAndCredentials) {
  std::string td = Register("roled", json::array{Container("app", {{"logConfiguration", json::object{
      {"logDriver", "awslogs"},
      {"options", json::object{{"awslogs-group", "g"}, {"awslogs-stream-prefix", "p"}}}}}})},
      {{"taskRoleArn", "arn:aws:iam::000000000000:role/task"},
       {"executionRoleArn", "arn:aws:iam::000000000000:role/exec"}});
  std::string arn(RunOne(td).at("taskArn").as_string());
  Feed(arn, "RUNNING");
  const auto& spec = driver_.launched.back().containers[0].spec;
  std::string uri, meta;
  for (auto& e : spec.env) {
    if (e.rfind("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=", 0) == 0) uri = e.substr(e.find('=') + 1);
    if (e.rfind("ECS_CONTAINER_METADATA_URI_V4=", 0) == 0) meta = e.substr(e.find('=') + 1);
  }
  ASSERT_EQ(uri.rfind("/v2/credentials/", 0), 0u);
  auto target = ecs_->TaskCredentials(uri.substr(16));
  ASSERT_TRUE(target);
  EXPECT_EQ(target->role_arn, "arn:aws:iam::000000000000:role/task");
  EXPECT_EQ(target->task_arn, arn);
  EXPECT_EQ(target->region, "us-east-1");
  EXPECT_FALSE(ecs_->TaskCredentials("nope"));

  std::string token = meta.substr(meta.rfind('/') + 1);
  auto m = ecs_->TaskMetadata(token);
  ASSERT_TRUE(m);
  double now = clock_.NowSeconds();
  auto c = dataplane::RenderTaskMetadata(*m, "", now);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value().at("Name"), "app");
  EXPECT_EQ(c.value().at("DockerId"), "cid-app");
  EXPECT_EQ(c.value().at("LogOptions").at("awslogs-stream"), json::value("p/app/" + arn.substr(arn.rfind('/') + 1)));
  const auto& net = c.value().at("Networks").as_array()[0].as_object();
  EXPECT_EQ(net.at("IPv4Addresses").as_array()[0], "10.0.1.10");
  EXPECT_EQ(net.at("IPv4SubnetCIDRBlock"), "10.0.1.0/24");
  EXPECT_EQ(net.at("SubnetGatewayIpv4Address"), "10.0.1.1/24");
  auto t = dataplane::RenderTaskMetadata(*m, "/task", now);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.value().at("TaskARN"), json::value(arn));
  EXPECT_EQ(t.value().at("Family"), "roled");
  EXPECT_EQ(t.value().at("Revision"), "1");
  EXPECT_EQ(t.value().at("KnownStatus"), "RUNNING");
  EXPECT_EQ(t.value().at("LaunchType"), "FARGATE");
  EXPECT_EQ(t.value().at("AvailabilityZone"), "us-east-1a");
  EXPECT_EQ(t.value().at("Limits").at("CPU"), 0.25);
  EXPECT_EQ(t.value().at("Containers").as_array().size(), 1u);
  EXPECT_TRUE(dataplane::RenderTaskMetadata(*m, "/stats", now).ok());
  EXPECT_TRUE(dataplane::RenderTaskMetadata(*m, "/task/stats", now).ok());
  EXPECT_FALSE(dataplane::RenderTaskMetadata(*m, "/nope", now).ok());
  EXPECT_FALSE(ecs_->TaskMetadata("nope-0"));
  EXPECT_FALSE(ecs_->TaskMetadata(token.substr(0, token.rfind('-')) + "-7")) << "no such container";
}

// ---------------------------------------------------------------- plan building

TEST(EcsPlanBuilderTest, EnvironmentVolumesLogsAndDependencies) {
  json::object td = json::parse(R"({
    "family": "f", "revision": 3, "cpu": "512", "memory": "1024",
    "volumes": [{"name": "data"}, {"name": "conf"}],
    "containerDefinitions": [
      {"name": "init", "image": "busybox", "essential": false, "command": ["sh", "-c", "true"],
       "mountPoints": [{"sourceVolume": "data", "containerPath": "/d"},
                       {"sourceVolume": "conf", "containerPath": "/c", "readOnly": true}]},
      {"name": "app", "image": "nginx", "memory": 256, "cpu": 128, "entryPoint": ["/bin/app"],
       "environment": [{"name": "A", "value": "1"}, {"name": "AWS_REGION", "value": "mine"}],
       "volumesFrom": [{"sourceContainer": "init", "readOnly": true}],
       "dependsOn": [{"containerName": "init", "condition": "COMPLETE"}],
       "healthCheck": {"command": ["CMD-SHELL", "true"], "retries": 5},
       "linuxParameters": {"initProcessEnabled": true},
       "ulimits": [{"name": "nofile", "softLimit": 10, "hardLimit": 20}],
       "dockerLabels": {"l": "v"}, "stopTimeout": 60,
       "logConfiguration": {"logDriver": "awslogs", "options": {
         "awslogs-group": "/g", "awslogs-stream-prefix": "pre", "awslogs-create-group": "true"}}}]})")
                        .as_object();
  ecs::PlanInput in;
  in.region = "eu-west-1";
  in.task_arn = "arn:aws:ecs:eu-west-1:0:task/c/0123456789abcdef0123456789abcdef";
  in.cluster = "c";
  in.task_definition = &td;
  in.overrides = json::parse(R"({"containerOverrides": [{"name": "app", "command": ["serve"],
      "environment": [{"name": "A", "value": "2"}, {"name": "B", "value": "3"}]}]})")
                     .as_object();
  in.network = ecs::PlanNetwork{"vpc-1", "10.0.0.0/16", "subnet-1", "10.0.1.0/24"};
  in.credentials_id = "cred-1";
  in.service_name = "svc";
  auto r = ecs::BuildTaskPlan(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const runtime::TaskPlan& p = r.value();
  EXPECT_EQ(p.sandbox.volumes, (std::vector<std::string>{"data", "conf"}));
  EXPECT_EQ(p.sandbox.subnet_cidr, "10.0.1.0/24");
  EXPECT_EQ(p.sandbox.labels.at("fargo.service"), "svc");
  EXPECT_EQ(p.sandbox.labels.at("fargo.family"), "f");
  ASSERT_EQ(p.containers.size(), 2u);
  const auto& init = p.containers[0];
  EXPECT_FALSE(init.essential);
  EXPECT_EQ(init.spec.memory_mib, 1024);  // the task's memory
  EXPECT_EQ(init.spec.cpu_shares, 512);
  EXPECT_TRUE(HasEnv(init.spec, "ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/0123456789abcdef0123456789abcdef-0"));
  const auto& app = p.containers[1];
  const auto& s = app.spec;
  EXPECT_EQ(*s.entrypoint, std::vector<std::string>{"/bin/app"});
  EXPECT_EQ(*s.command, std::vector<std::string>{"serve"});
  EXPECT_TRUE(HasEnv(s, "A=2"));
  EXPECT_TRUE(HasEnv(s, "B=3"));
  EXPECT_TRUE(HasEnv(s, "AWS_REGION=mine"));
  EXPECT_TRUE(HasEnv(s, "AWS_DEFAULT_REGION=eu-west-1"));
  EXPECT_TRUE(HasEnv(s, "AWS_EXECUTION_ENV=AWS_ECS_FARGATE"));
  EXPECT_TRUE(HasEnv(s, "AWS_ENDPOINT_URL=http://169.254.170.2:4566")) << "SDKs in the task reach fargo";
  EXPECT_TRUE(HasEnv(s, "ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/0123456789abcdef0123456789abcdef-1"));
  EXPECT_TRUE(HasEnv(s, "ECS_CONTAINER_METADATA_URI=http://169.254.170.2/v3/0123456789abcdef0123456789abcdef-1"));
  EXPECT_TRUE(HasEnv(s, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/cred-1"));
  ASSERT_EQ(s.mounts.size(), 2u);
  EXPECT_EQ(s.mounts[0].volume, "data");
  EXPECT_EQ(s.mounts[0].container_path, "/d");
  EXPECT_TRUE(s.mounts[0].read_only);  // volumesFrom readOnly
  EXPECT_TRUE(s.mounts[1].read_only);
  EXPECT_EQ(s.memory_mib, 256);
  EXPECT_EQ(s.cpu_shares, 128);
  EXPECT_TRUE(s.init);
  EXPECT_EQ(s.stop_timeout_seconds, 60);
  EXPECT_EQ(s.labels.at("l"), "v");
  ASSERT_EQ(s.ulimits.size(), 1u);
  EXPECT_EQ(s.ulimits[0].hard, 20);
  ASSERT_EQ(app.depends_on.size(), 1u);
  EXPECT_EQ(app.depends_on[0].container, "init");
  EXPECT_EQ(app.depends_on[0].condition, "COMPLETE");
  ASSERT_TRUE(app.health_check);
  EXPECT_EQ(app.health_check->retries, 5);
  EXPECT_EQ(app.health_check->interval_seconds, 30);
  ASSERT_TRUE(app.awslogs);
  EXPECT_EQ(app.awslogs->stream, "pre/app/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(app.awslogs->region, "eu-west-1");
  EXPECT_TRUE(app.awslogs->create_group);

  // The JSON form round-trips.
  auto back = runtime::TaskPlanFromJson(runtime::ToJson(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(runtime::ToJson(back.value()), runtime::ToJson(p));

  // Without a task role there are no credentials.
  in.credentials_id.clear();
  auto plain = ecs::BuildTaskPlan(in);
  ASSERT_TRUE(plain.ok());
  for (auto& e : plain.value().containers[1].spec.env)
    EXPECT_NE(e.rfind("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", 0), 0u);
}

TEST(EcsPlanBuilderTest, EnvFileParsing) {
  auto vars = ecs::ParseEnvFile(
      "# a comment\n"
      "\n"
      "A=1\n"
      "URL=http://h/?x=1&y=2\n"
      "QUOTED=\"kept\" 'as is'\n"
      "  # indented and without an equals sign: not applied\n"
      "NOEQUALS\n"
      "=novalue\n"
      "EMPTY=\n"
      "CRLF=yes\r\n"
      "A=2\n"
      "SPACED = x\n"
      "LAST=no newline");
  std::vector<std::pair<std::string, std::string>> want = {
      {"A", "2"}, {"URL", "http://h/?x=1&y=2"}, {"QUOTED", "\"kept\" 'as is'"},
      {"CRLF", "yes"}, {"SPACED ", " x"}, {"LAST", "no newline"}};
  EXPECT_EQ(vars, want);
  EXPECT_TRUE(ecs::ParseEnvFile("").empty());
}

TEST(EcsPlanBuilderTest, EnvironmentFilesRankBelowEnvironment) {
  json::object td = json::parse(R"({
    "family": "f", "revision": 1, "cpu": "256", "memory": "512",
    "containerDefinitions": [
      {"name": "app", "image": "busybox",
       "environment": [{"name": "A", "value": "env"}],
       "environmentFiles": [{"value": "arn:aws:s3:::b/one.env", "type": "s3"},
                            {"value": "arn:aws:s3:::b/dir/two.env", "type": "s3"}]},
      {"name": "side", "image": "busybox"}]})")
                        .as_object();
  std::map<std::string, std::string> objects = {
      {"b/one.env", "A=file\nB=one\nAWS_REGION=from-file\n"},
      {"b/dir/two.env", "B=two\nC=two\n"},
      {"b/other.env", "D=other\n"}};
  std::vector<std::string> reads;
  ecs::PlanInput in;
  in.region = "eu-west-1";
  in.task_arn = "arn:aws:ecs:eu-west-1:0:task/c/0123456789abcdef0123456789abcdef";
  in.cluster = "c";
  in.task_definition = &td;
  in.read_object = [&](const std::string& bucket, const std::string& key) -> Result<std::string> {
    reads.push_back(bucket + "/" + key);
    auto it = objects.find(bucket + "/" + key);
    if (it == objects.end()) return AwsError::Make("NoSuchKey", "The specified key does not exist.", 404);
    return it->second;
  };
  auto r = ecs::BuildTaskPlan(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(reads, (std::vector<std::string>{"b/one.env", "b/dir/two.env"}));
  const auto& s = r.value().containers[0].spec;
  EXPECT_TRUE(HasEnv(s, "A=env"));   // environment wins over files
  EXPECT_TRUE(HasEnv(s, "B=one"));   // the first file wins over later ones
  EXPECT_TRUE(HasEnv(s, "C=two"));
  EXPECT_TRUE(HasEnv(s, "AWS_REGION=from-file"));
  EXPECT_TRUE(HasEnv(s, "AWS_DEFAULT_REGION=eu-west-1"));
  EXPECT_FALSE(HasEnv(s, "A=file"));
  EXPECT_FALSE(HasEnv(s, "B=two"));
  EXPECT_FALSE(HasEnv(s, "D=other"));
  for (auto& e : r.value().containers[1].spec.env) EXPECT_NE(e.rfind("B=", 0), 0u);

  // A container override's files replace the definition's; its environment
  // still wins.
  in.overrides = json::parse(R"({"containerOverrides": [{"name": "app",
      "environment": [{"name": "D", "value": "override"}],
      "environmentFiles": [{"value": "arn:aws:s3:::b/other.env", "type": "s3"}]}]})")
                     .as_object();
  reads.clear();
  r = ecs::BuildTaskPlan(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(reads, (std::vector<std::string>{"b/other.env"}));
  EXPECT_TRUE(HasEnv(r.value().containers[0].spec, "D=override"));
  EXPECT_FALSE(HasEnv(r.value().containers[0].spec, "B=one"));

  // A file that cannot be read fails the plan.
  in.overrides = json::parse(R"({"containerOverrides": [{"name": "app",
      "environmentFiles": [{"value": "arn:aws:s3:::b/missing.env", "type": "s3"}]}]})")
                     .as_object();
  r = ecs::BuildTaskPlan(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "failed to download env files: arn:aws:s3:::b/missing.env: NoSuchKey: The specified key does not exist.");
  in.overrides = json::parse(R"({"containerOverrides": [{"name": "app",
      "environmentFiles": [{"value": "arn:aws:s3:::no-key", "type": "s3"}]}]})")
                     .as_object();
  r = ecs::BuildTaskPlan(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("invalid S3 object ARN"), std::string::npos);
  in.overrides = {};
  in.read_object = nullptr;
  EXPECT_FALSE(ecs::BuildTaskPlan(in).ok());
}

TEST_F(EcsTasksTest, UnreadableEnvironmentFileFailsTheTask) {
  ecs_->SetObjectReader([](const std::string& bucket, const std::string& key) -> Result<std::string> {
    if (bucket != "cfg") return AwsError::Make("NoSuchBucket", "The specified bucket does not exist", 404);
    if (key == "app.env") return std::string("GREETING=hello from s3\n");
    return AwsError::Make("NoSuchKey", "The specified key does not exist.", 404);
  });
  auto with_file = [](const std::string& arn) {
    return json::object{{"environmentFiles", json::array{json::object{{"value", arn}, {"type", "s3"}}}}};
  };
  std::string good = Register("good", json::array{Container("app", with_file("arn:aws:s3:::cfg/app.env"))});
  auto t = RunOne(good);
  EXPECT_EQ(t.at("lastStatus"), "PROVISIONING");
  ASSERT_EQ(driver_.launched.size(), 1u);
  EXPECT_TRUE(HasEnv(driver_.launched[0].containers[0].spec, "GREETING=hello from s3"));

  std::string missing = Register("missing", json::array{Container("app", with_file("arn:aws:s3:::cfg/gone.env"))});
  t = RunOne(missing);
  EXPECT_EQ(t.at("lastStatus"), "STOPPED");
  EXPECT_EQ(t.at("desiredStatus"), "STOPPED");
  EXPECT_EQ(t.at("stopCode"), "TaskFailedToStart");
  EXPECT_EQ(t.at("stoppedReason"),
            "ResourceInitializationError: failed to download env files: arn:aws:s3:::cfg/gone.env: "
            "NoSuchKey: The specified key does not exist.");
  EXPECT_EQ(driver_.launched.size(), 1u);

  std::string nobucket = Register("nobucket", json::array{Container("app", with_file("arn:aws:s3:::nope/app.env"))});
  t = RunOne(nobucket);
  EXPECT_EQ(t.at("stopCode"), "TaskFailedToStart");
  EXPECT_NE(std::string(t.at("stoppedReason").as_string()).find("NoSuchBucket"), std::string::npos);
  EXPECT_EQ(driver_.launched.size(), 1u);
}

}  // namespace
}  // namespace fargo::services
