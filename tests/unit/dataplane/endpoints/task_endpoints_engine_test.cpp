// Containers reach the task endpoints at 169.254.170.2, for real: fargo takes
// the address on lo (EnsureLocalAddress), serves TaskEndpoints on it, and a
// container of a task sandbox in a VPC of fargo's fabric fetches
// http://169.254.170.2:<port>/v4/... with wget.
//
// Needs root (the address and the task's network namespace) and a container
// engine (scripts/engine.sh start) with the stand-in debian image
// (tests/images/build.sh). Skipped loudly without them; with CI=true a missing
// engine or image fails instead. Everything created is labelled
// fargo.managed=true and removed again, also when a test fails.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "test_env.h"
#include "scoped_cleanup.h"

#include "dataplane/endpoints/task_endpoints.h"
#include "runtime/engine_client.h"
#include "runtime/task_sandbox.h"

namespace fargo::dataplane {
namespace {

namespace json = boost::json;
using runtime::EngineClient;
using runtime::SandboxSpec;
using runtime::TaskSandbox;
using runtime::VpcFabric;
using runtime::ParseCidr;
using runtime::FormatIpv4;

constexpr const char* kImage = "docker.io/library/debian:buster-20230411-slim";
constexpr const char* kEndpointIp = "169.254.170.2";

using fargo::test_util::Cleanup;

std::string Unique(std::string_view prefix) { return std::string(prefix) + std::to_string(getpid()); }

using fargo::test_util::InCi;

class TaskEndpointsEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      fprintf(stderr,
              "\n*** TaskEndpointsEngine tests SKIPPED: not root (taking %s and entering task "
              "network namespaces needs CAP_NET_ADMIN). ***\n\n",
              kEndpointIp);
      if (InCi()) FAIL() << "the task endpoint engine tests need root under CI";
      GTEST_SKIP() << "not root";
    }
    engine_.emplace(EngineClient::FromEnvironment());
    Status ping = engine_->Ping();
    if (!ping.ok()) {
      fprintf(stderr,
              "\n*** TaskEndpointsEngine tests SKIPPED: no container engine answers at %s (%s). "
              "Run scripts/engine.sh start. ***\n\n",
              engine_->socket_path().c_str(), ping.error().message.c_str());
      if (InCi()) FAIL() << "CI=true and no container engine at " << engine_->socket_path();
      GTEST_SKIP() << "no container engine at " << engine_->socket_path();
    }
    if (!engine_->ImageInspect(kImage).ok()) {
      fprintf(stderr, "\n*** TaskEndpointsEngine tests SKIPPED: no %s (run tests/images/build.sh). ***\n\n",
              kImage);
      if (InCi()) FAIL() << "CI=true and no image " << kImage;
      GTEST_SKIP() << "no image " << kImage;
    }

    Status st = EnsureLocalAddress(kEndpointIp);
    ASSERT_TRUE(st.ok()) << st.error().message;
    st = EnsureLocalAddress(kEndpointIp);  // already there: still fine
    ASSERT_TRUE(st.ok()) << st.error().message;

    TaskEndpointsOptions o;
    o.address = kEndpointIp;
    o.port = 0;
    server_.emplace(o, [](TaskEndpoints::Kind kind, int version, std::string id, std::string subpath,
                          TaskEndpoints::Reply reply) {
      // Answer from another thread, as fargo's state thread would.
      std::thread([=] {
        reply(200, json::serialize(json::object{
                       {"kind", kind == TaskEndpoints::Kind::kCredentials ? "credentials" : "metadata"},
                       {"version", version},
                       {"id", id},
                       {"subpath", subpath}}));
      }).detach();
    });
    st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  SandboxSpec Spec(int offset, bool internal) {
    int octet = 200 + (getpid() % 25) * 2 + offset;
    SandboxSpec spec;
    spec.cluster = "fargo-test";
    spec.task_arn = "arn:aws:ecs:us-east-1:000000000000:task/fargo-test/" + Unique("ep") + "x" +
                    std::to_string(offset);
    spec.vpc.vpc_id = Unique("vpc-ep") + "x" + std::to_string(offset);
    spec.vpc.cidr = "10." + std::to_string(octet) + ".0.0/16";
    spec.vpc.internal = internal;
    spec.subnet_id = Unique("subnet-ep");
    spec.subnet_cidr = "10." + std::to_string(octet) + ".1.0/24";
    return spec;
  }

  // Runs `script` in a new container of the task; returns exit code and output.
  std::pair<int64_t, std::string> RunIn(TaskSandbox& sb, const std::string& name,
                                        const std::string& script) {
    runtime::ContainerSpec c;
    c.name = name;
    c.image = kImage;
    c.entrypoint = std::vector<std::string>{"/bin/sh", "-c"};
    c.command = std::vector<std::string>{script};
    c.stop_timeout_seconds = 1;
    auto id = sb.CreateContainer(c);
    EXPECT_TRUE(id.ok()) << id.error().message;
    if (!id.ok()) return {-1, ""};
    Status st = engine_->ContainerStart(*id);
    EXPECT_TRUE(st.ok()) << st.error().message;
    auto code = engine_->ContainerWait(*id);
    EXPECT_TRUE(code.ok()) << code.error().message;
    std::string out;
    runtime::LogsOptions lo;
    lo.follow = false;
    (void)engine_->ContainerLogs(*id, lo, [&](runtime::StreamKind, std::string_view s) { out.append(s); });
    return {code.ok() ? *code : -1, out};
  }

  // busybox wget (1.35) crashes with -T, so `timeout` bounds it instead.
  std::string FetchScript() const {
    std::string base = "http://" + std::string(kEndpointIp) + ":" + std::to_string(server_->port());
    return "timeout 10 wget -qO- " + base + "/v4/tok-123/task && echo && " +
           "timeout 10 wget -qO- " + base + "/v2/credentials/cred-456 && echo";
  }

  static void ExpectAnswers(const std::string& out) {
    EXPECT_NE(out.find(R"({"kind":"metadata","version":4,"id":"tok-123","subpath":"/task"})"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find(R"({"kind":"credentials","version":2,"id":"cred-456","subpath":""})"),
              std::string::npos)
        << out;
  }

  std::optional<EngineClient> engine_;
  std::optional<TaskEndpoints> server_;
  VpcFabric fabric_{VpcFabric::Options{Unique("endpoints-test-")}};
};

TEST_F(TaskEndpointsEngineTest, ContainerReachesEndpointsThroughItsDefaultRoute) {
  SandboxSpec spec = Spec(0, /*internal=*/false);
  Cleanup teardown([&] {
    (void)TaskSandbox::RemoveTask(*engine_, fabric_, spec.task_arn, 0);
    (void)fabric_.RemoveVpc(spec.vpc.vpc_id);
  });
  auto sb = TaskSandbox::Create(*engine_, fabric_, spec);
  ASSERT_TRUE(sb.ok()) << sb.error().code << ": " << sb.error().message;

  auto [code, out] = RunIn(*sb, "client", "ip route; " + FetchScript());
  EXPECT_EQ(code, 0) << out;
  // The subnet's gateway, at its base + 1 as on AWS.
  EXPECT_NE(out.find("default via 10."), std::string::npos) << out;
  EXPECT_NE(out.find(".1.1 dev eth0"), std::string::npos) << out;
  ExpectAnswers(out);
}

// Two VPCs with the same CIDR, and a task with the same address in each:
// both reach the endpoints, and the answers do not cross.
TEST_F(TaskEndpointsEngineTest, TasksOfOverlappingVpcsBothReachTheEndpoints) {
  SandboxSpec a = Spec(1, /*internal=*/true);
  SandboxSpec b = Spec(2, /*internal=*/true);
  b.vpc.cidr = a.vpc.cidr;
  b.subnet_cidr = a.subnet_cidr;
  auto subnet = ParseCidr(a.subnet_cidr);
  ASSERT_TRUE(subnet);
  a.ip = b.ip = FormatIpv4(subnet->base + 10);
  Cleanup teardown([&] {
    for (auto* s : {&a, &b}) {
      (void)TaskSandbox::RemoveTask(*engine_, fabric_, s->task_arn, 0);
      (void)fabric_.RemoveVpc(s->vpc.vpc_id);
    }
  });
  auto sa = TaskSandbox::Create(*engine_, fabric_, a);
  ASSERT_TRUE(sa.ok()) << sa.error().code << ": " << sa.error().message;
  auto sb = TaskSandbox::Create(*engine_, fabric_, b);
  ASSERT_TRUE(sb.ok()) << sb.error().code << ": " << sb.error().message;
  EXPECT_EQ(sa->ip(), sb->ip());
  for (auto* s : {&*sa, &*sb}) {
    auto [code, out] = RunIn(*s, "client", FetchScript());
    EXPECT_EQ(code, 0) << out;
    ExpectAnswers(out);
  }
}

}  // namespace
}  // namespace fargo::dataplane
