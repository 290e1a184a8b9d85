#include "cli/views.h"

#include <gtest/gtest.h>

namespace fargo::cli {
namespace {

namespace json = boost::json;

json::object Parse(const char* text) { return json::parse(text).as_object(); }

// A field of an object in a JSON array, as text.
std::string At(const json::value& v, const char* key) { return json::serialize(v.as_object().at(key)); }

// A task as DescribeTasks returns it (the fields the view reads).
const char* kTask = R"({
  "taskArn": "arn:aws:ecs:us-east-1:000000000000:task/app/0123456789abcdef0123456789abcdef",
  "clusterArn": "arn:aws:ecs:us-east-1:000000000000:cluster/app",
  "taskDefinitionArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3",
  "group": "service:web", "lastStatus": "RUNNING", "desiredStatus": "RUNNING", "healthStatus": "HEALTHY",
  "createdAt": 1000.5, "startedAt": 1002,
  "attachments": [{"type": "ElasticNetworkInterface", "details": [
      {"name": "subnetId", "value": "subnet-1"}, {"name": "privateIPv4Address", "value": "10.0.1.23"}]}],
  "containers": [{"name": "app", "image": "nginx:1.25"}, {"name": "sidecar", "image": "busybox"}]
})";

TEST(CliViews, TaskRowFromDescribeTasks) {
  TaskRow r = TaskRowOf("", Parse(kTask));
  EXPECT_EQ(r.cluster, "app");
  EXPECT_EQ(r.service, "web");
  EXPECT_EQ(r.task_id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(r.status, "RUNNING");
  EXPECT_EQ(r.health, "HEALTHY");
  EXPECT_EQ(r.address, "10.0.1.23");
  EXPECT_EQ(r.image, "nginx:1.25 (+1)");
  EXPECT_EQ(r.task_definition, "web:3");
  EXPECT_DOUBLE_EQ(r.created_at, 1000.5);
}

TEST(CliViews, TasksTableAndJson) {
  TaskRow running = TaskRowOf("app", Parse(kTask));
  TaskRow bare = TaskRowOf("app", Parse(R"({"taskArn": "arn:aws:ecs:r:1:task/app/ffff", "group": "family:x",
                                           "lastStatus": "PROVISIONING", "createdAt": 1000})"));
  EXPECT_EQ(TasksTable({running, bare}, 1000.5 + 300).Render(false),
            "CLUSTER  SERVICE  TASK                              STATUS        HEALTH   ADDRESS    IMAGE            AGE\n"
            "app      web      0123456789abcdef0123456789abcdef  RUNNING       HEALTHY  10.0.1.23  nginx:1.25 (+1)  5m\n"
            "app      -        ffff                              PROVISIONING  -        -          -                5m\n");
  json::array j = TasksJson({running, bare});
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(At(j[0], "TaskArn"), "\"arn:aws:ecs:us-east-1:000000000000:task/app/0123456789abcdef0123456789abcdef\"");
  EXPECT_EQ(At(j[0], "Address"), "\"10.0.1.23\"");
  EXPECT_EQ(At(j[0], "Service"), "\"web\"");
  EXPECT_EQ(At(j[1], "Service"), "\"\"");
  EXPECT_EQ(At(j[1], "StartedAt"), "null");
}

TEST(CliViews, APendingTaskShowsItsPullInItsStatus) {
  TaskRow pending = TaskRowOf("app", Parse(R"({"taskArn": "arn:aws:ecs:r:1:task/app/aaaa", "group": "family:x",
                                              "lastStatus": "PENDING", "createdAt": 1000})"));
  TaskRow running = TaskRowOf("app", Parse(kTask));
  json::array pulls = Parse(R"({"Pulls": [
      {"Id": "pull-1", "Image": "docker.io/library/nginx:1.25", "Owner": "arn:aws:ecs:r:1:task/app/aaaa",
       "State": "failed", "Layers": []},
      {"Id": "pull-2", "Image": "docker.io/library/nginx:1.25", "Owner": "arn:aws:ecs:r:1:task/app/aaaa",
       "State": "pulling", "Layers": [
         {"Id": "l1", "Status": "Downloading", "Current": 12100000, "Total": 20000000, "Done": false},
         {"Id": "l2", "Status": "Download complete", "Current": 6800000, "Total": 6800000, "Done": true}]},
      {"Id": "pull-3", "Image": "busybox", "Owner": "arn:aws:ecs:us-east-1:000000000000:task/app/0123456789abcdef0123456789abcdef",
       "State": "pulling", "Layers": []}]})").at("Pulls").as_array();
  std::vector<TaskRow> rows{pending, running};
  AttachPulls(rows, pulls);
  EXPECT_EQ(rows[0].pull, "pulling 70% 18.9/26.8 MB");
  EXPECT_EQ(rows[1].pull, "") << "a running task's pull is over";
  EXPECT_EQ(TasksTable({rows[0]}, 1010).Render(false),
            "CLUSTER  SERVICE  TASK  STATUS                            HEALTH  ADDRESS  IMAGE  AGE\n"
            "app      -        aaaa  PENDING pulling 70% 18.9/26.8 MB  -       -        -      10s\n");
  json::array j = TasksJson(rows);
  EXPECT_EQ(At(j[0].at("Pull"), "Percent"), "70");
  EXPECT_EQ(At(j[1], "Pull"), "null");
}

TEST(CliViews, ServicesWithTheirRollouts) {
  ServiceRow r = ServiceRowOf("app", Parse(R"({
    "serviceName": "web", "status": "ACTIVE", "desiredCount": 2, "pendingCount": 1, "runningCount": 1,
    "taskDefinition": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:4",
    "deployments": [
      {"id": "ecs-svc/1", "status": "PRIMARY", "rolloutState": "IN_PROGRESS", "desiredCount": 2, "runningCount": 0,
       "taskDefinition": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:4"},
      {"id": "ecs-svc/0", "status": "ACTIVE", "rolloutState": "COMPLETED", "desiredCount": 1, "runningCount": 1,
       "taskDefinition": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3"}]})"));
  EXPECT_EQ(RolloutText(r), "PRIMARY IN_PROGRESS, ACTIVE COMPLETED");
  EXPECT_EQ(ServicesTable({r}).Render(false),
            "CLUSTER  NAME  DESIRED  PENDING  RUNNING  ROLLOUT                                TASK DEFINITION\n"
            "app      web   2        1        1        PRIMARY IN_PROGRESS, ACTIVE COMPLETED  web:4\n");
  json::array j = ServicesJson({r});
  EXPECT_EQ(At(j[0], "Desired"), "2");
  const json::array& deps = j[0].as_object().at("Deployments").as_array();
  EXPECT_EQ(At(deps[1], "TaskDefinition"), "\"web:3\"");
  EXPECT_EQ(At(deps[0], "RolloutState"), "\"IN_PROGRESS\"");
}

TEST(CliViews, LoadBalancersAndTargets) {
  LoadBalancerRow lb{"web-lb", "arn:lb", "application", "internal", "active", "web-lb-1.elb.localhost", "vpc-1",
                     {"HTTP:80 -> web-tg"}};
  TargetGroupRow tg;
  tg.name = "web-tg";
  tg.protocol = "HTTP";
  tg.port = 80;
  tg.target_type = "ip";
  tg.load_balancers = {"web-lb"};
  tg.targets = {{"10.0.1.5", "healthy", "", 80}, {"10.0.1.6", "unhealthy", "Target.Timeout", 80}};
  EXPECT_EQ(LoadBalancersTable({lb}).Render(false),
            "NAME    TYPE         SCHEME    STATE   DNS NAME                LISTENERS\n"
            "web-lb  application  internal  active  web-lb-1.elb.localhost  HTTP:80 -> web-tg\n");
  EXPECT_EQ(TargetGroupsTable({tg}, false).Render(false),
            "TARGET GROUP  PROTOCOL  TYPE  LOAD BALANCERS  TARGETS\n"
            "web-tg        HTTP:80   ip    web-lb          10.0.1.5:80 healthy, 10.0.1.6:80 unhealthy\n");
  json::object j = LbsJson({lb}, {tg});
  EXPECT_EQ(At(j.at("LoadBalancers").as_array()[0], "DNSName"), "\"web-lb-1.elb.localhost\"");
  const json::value& targets = j.at("TargetGroups").as_array()[0].as_object().at("Targets");
  EXPECT_EQ(At(targets.as_array()[1], "Reason"), "\"Target.Timeout\"");
}

TEST(CliViews, StatusText) {
  json::object s = Parse(R"({"Status": "running", "Version": "1.2.3", "Pid": 42, "UptimeSeconds": 125,
    "Endpoint": "http://127.0.0.1:4566", "DataDir": "/data",
    "Memory": {"RssBytes": 52428800, "PeakRssBytes": 62914560},
    "Engine": {"Socket": "/run/podman/podman.sock", "Reachable": true, "Checked": true, "Name": "Podman",
               "Version": "4.3.1", "ApiVersion": "1.41", "Problems": ["no init binary"]},
    "Services": ["ecs", "logs"],
    "Regions": {"us-east-1": {"ecs.clusters": 1, "ecs.services": 1, "ecs.tasks": 3, "ecs.tasks.running": 2,
                              "elbv2.load_balancers": 1}, "global": {"iam.roles": 2}}})");
  EXPECT_EQ(StatusText(s, false),
            "fargo:    running (version 1.2.3, pid 42, up 2m)\n"
            "endpoint: http://127.0.0.1:4566\n"
            "data:     /data\n"
            "memory:   50.0 MiB (peak 60.0 MiB)\n"
            "engine:   Podman 4.3.1 (API 1.41) at /run/podman/podman.sock, reachable\n"
            "problem:  no init binary\n"
            "services: ecs, logs\n"
            "\n"
            "REGION     SERVICE  RESOURCES\n"
            "us-east-1  ecs      clusters 1, services 1, tasks 3 (2 running)\n"
            "us-east-1  elbv2    load_balancers 1\n"
            "global     iam      roles 2\n");
}

TEST(CliViews, LogLines) {
  EXPECT_EQ(LogLine("", 0, 0, "hello", false), "hello");
  EXPECT_EQ(LogLine("app", 7, 0, "hello", false), "app     | hello");
  EXPECT_EQ(LogLine("app", 3, 1, "hi", true), "\033[33mapp\033[0m | hi");
}

}  // namespace
}  // namespace fargo::cli
