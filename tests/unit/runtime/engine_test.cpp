// Integration tests of the task runtime against a real Docker Engine API
// (Docker, or Podman's compat service started by scripts/engine.sh start).
// Every test is skipped, loudly, when no engine answers. Everything a test
// creates carries fargo.managed=true and is removed by an RAII guard, also
// when the test fails; `scripts/engine.sh clean` catches anything left over
// after a crash.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_env.h"
#include "scoped_cleanup.h"

#include "runtime/engine_client.h"
#include "runtime/ipv4.h"
#include "runtime/pause_image.h"
#include "runtime/stream_demuxer.h"
#include "runtime/tar_writer.h"
#include "runtime/task_sandbox.h"
#include "runtime/ulimits.h"

namespace fargo::runtime {
namespace {

namespace json = boost::json;

constexpr const char* kBusybox = "/bin/busybox";

using fargo::test_util::Cleanup;

using fargo::test_util::InCi;

// A name unique to this process, so concurrent runs do not collide.
std::string Unique(std::string_view prefix) {
  return std::string(prefix) + std::to_string(getpid());
}

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A minimal busybox root filesystem: /bin/busybox, /bin/sh and the empty
// directories the OCI runtime mounts over.
std::string BusyboxRootfsTar(const std::string& busybox) {
  TarWriter t;
  for (const char* d : {"bin", "dev", "proc", "sys", "etc", "tmp"}) t.AddDirectory(d);
  t.AddFile("bin/busybox", busybox, 0755);
  t.AddSymlink("bin/sh", "busybox");
  t.AddFile("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
  t.AddFile("etc/group", "root:x:0:\n");
  return t.Finish();
}

class RuntimeEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_.emplace(EngineClient::FromEnvironment());
    Status ping = engine_->Ping();
    if (!ping.ok()) {
      fprintf(stderr,
              "\n*** RuntimeEngine tests SKIPPED: no container engine answers at %s (%s). "
              "Run scripts/engine.sh start. ***\n\n",
              engine_->socket_path().c_str(), ping.error().message.c_str());
      if (InCi()) FAIL() << "no container engine under CI";
      GTEST_SKIP() << "no container engine at " << engine_->socket_path();
    }
  }

  // Imports the busybox test image (removed by the returned guard).
  // Skips when no static busybox is installed.
  std::unique_ptr<Cleanup> ImportBusybox() {
    auto busybox = ReadFile(kBusybox);
    if (!busybox) {
      fprintf(stderr, "\n*** %s missing (install busybox-static); test SKIPPED ***\n\n", kBusybox);
      if (InCi()) ADD_FAILURE() << kBusybox << " missing under CI (scripts/engine.sh start installs busybox-static)";
      return nullptr;
    }
    auto id = engine_->ImageImportTar(BusyboxRootfsTar(*busybox), image_,
                                      {"LABEL fargo.managed=true", "CMD [\"/bin/sh\"]"});
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    if (!id.ok()) return nullptr;
    return std::make_unique<Cleanup>([this] { (void)engine_->ImageRemove(image_, true); });
  }

  // Create body for a plain container of the test image.
  json::object Body(std::vector<std::string> cmd) {
    json::array c;
    for (auto& s : cmd) c.emplace_back(s);
    return json::object{
        {"Image", image_},
        {"Cmd", std::move(c)},
        {"HostConfig", json::object{{"Ulimits", UlimitsToJson(ClampUlimits({}, host_))}}}};
  }

  std::optional<EngineClient> engine_;
  HostLimits host_ = HostLimits::Probe();
  std::string image_ = "localhost/fargo/test-busybox:" + Unique("t");
  const Labels managed_{{kLabelManaged, "true"}};
};

TEST_F(RuntimeEngineTest, PingAndVersion) {
  auto v = engine_->Version();
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_TRUE(v->contains("ApiVersion"));
  ASSERT_TRUE(v->at("ApiVersion").is_string());
  EXPECT_FALSE(v->at("ApiVersion").as_string().empty());
  EXPECT_TRUE(engine_->Ping().ok());
}

TEST_F(RuntimeEngineTest, MissingContainerIsNotFound) {
  auto r = engine_->ContainerInspect(Unique("fargo-no-such-container-"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsNotFound(r.error())) << r.error().code << ": " << r.error().message;
}

TEST_F(RuntimeEngineTest, RunsContainerAndReadsLogsAndExitCode) {
  auto image = ImportBusybox();
  if (!image) {
    if (InCi()) FAIL() << "no busybox test image under CI (scripts/engine.sh installs busybox-static)";
    GTEST_SKIP() << "no busybox test image";
  }

  std::string name = Unique("fargo-test-run-");
  auto id = engine_->ContainerCreate(
      name,
      Body({"/bin/sh", "-c",
            "for i in 1 2 3; do echo line-$i; done; echo oops >&2; exit 7"}),
      managed_);
  ASSERT_TRUE(id.ok()) << id.error().message;
  Cleanup remove([&] { (void)engine_->ContainerRemove(*id, true, true); });

  auto inspect = engine_->ContainerInspect(*id);
  ASSERT_TRUE(inspect.ok()) << inspect.error().message;
  EXPECT_EQ(json::value_to<std::string>(
                inspect->at("Config").as_object().at("Labels").as_object().at(kLabelManaged)),
            "true");

  ASSERT_TRUE(engine_->ContainerStart(*id).ok());
  auto code = engine_->ContainerWait(*id);
  ASSERT_TRUE(code.ok()) << code.error().message;
  EXPECT_EQ(*code, 7);

  std::string out, err;
  LogsOptions lo;
  lo.follow = false;
  Status st = engine_->ContainerLogs(*id, lo, [&](StreamKind k, std::string_view s) {
    (k == StreamKind::kStderr ? err : out).append(s);
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(out, "line-1\nline-2\nline-3\n");
  EXPECT_EQ(err, "oops\n");

  // The container is listed under the managed label, and gone after removal.
  auto listed = engine_->ContainerList({{kLabelManaged, "true"}}, true);
  ASSERT_TRUE(listed.ok());
  bool found = false;
  for (const auto& c : *listed) found |= json::value_to<std::string>(c.at("Id")) == *id;
  EXPECT_TRUE(found);
  ASSERT_TRUE(engine_->ContainerRemove(*id, true, true).ok());
  auto gone = engine_->ContainerInspect(*id);
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(IsNotFound(gone.error()));
}

TEST_F(RuntimeEngineTest, SandboxContainersShareLocalhostAndSubnetAddress) {
  auto image = ImportBusybox();
  if (!image) {
    if (InCi()) FAIL() << "no busybox test image under CI (scripts/engine.sh installs busybox-static)";
    GTEST_SKIP() << "no busybox test image";
  }

  // A VPC per process; its CIDR varies with the pid so concurrent runs on one
  // engine are unlikely to overlap.
  int octet = 100 + getpid() % 100;
  SandboxSpec spec;
  spec.cluster = "fargo-test";
  spec.task_arn = "arn:aws:ecs:us-east-1:000000000000:task/fargo-test/" + Unique("t");
  spec.vpc.vpc_id = Unique("vpc-test");
  spec.vpc.cidr = "10." + std::to_string(octet) + ".0.0/16";
  spec.vpc.internal = true;
  spec.subnet_id = Unique("subnet-test");
  spec.subnet_cidr = "10." + std::to_string(octet) + ".32.0/20";
  spec.volumes = {"shared"};

  VpcFabric fabric(VpcFabric::Options{Unique("engine-test-")});
  Cleanup teardown([&] {
    (void)TaskSandbox::RemoveTask(*engine_, fabric, spec.task_arn, 0);
    (void)fabric.RemoveVpc(spec.vpc.vpc_id);
  });
  auto sb = TaskSandbox::Create(*engine_, fabric, spec);
  ASSERT_TRUE(sb.ok()) << sb.error().code << ": " << sb.error().message;

  // The address lies in the subnet, outside AWS's reserved addresses; the
  // engine gave the pause container no network of its own.
  auto subnet = ParseCidr(spec.subnet_cidr);
  auto ip = ParseIpv4(sb->ip());
  ASSERT_TRUE(subnet && ip) << sb->ip();
  EXPECT_TRUE(subnet->Contains(*ip)) << sb->ip();
  EXPECT_GE(*ip, subnet->base + 4);
  EXPECT_LT(*ip, subnet->base + subnet->Size() - 1);
  auto pause = engine_->ContainerInspect(sb->pause_id());
  ASSERT_TRUE(pause.ok()) << pause.error().message;
  EXPECT_EQ(pause->at("HostConfig").at("NetworkMode"), "none");
  EXPECT_EQ(sb->mac(), DeriveMac(sb->eni_id()));
  EXPECT_EQ(sb->labels().at(kLabelManaged), "true");

  // Adopt finds the same task again from labels alone.
  auto adopted = TaskSandbox::Adopt(*engine_, spec.task_arn);
  ASSERT_TRUE(adopted.ok()) << adopted.error().message;
  EXPECT_EQ(adopted->ip(), sb->ip());
  EXPECT_EQ(adopted->pause_id(), sb->pause_id());
  EXPECT_EQ(adopted->mac(), sb->mac());

  // "server" listens on 127.0.0.1 only; "client" reaches it over localhost and
  // reports the address it sees on its interface.
  ContainerSpec server;
  server.name = "server";
  server.image = image_;
  server.entrypoint = std::vector<std::string>{"/bin/sh", "-c"};
  server.command = std::vector<std::string>{
      "mkdir -p /tmp/www && echo hello-from-server > /tmp/www/index.html && "
      "exec /bin/busybox httpd -f -p 127.0.0.1:8080 -h /tmp/www"};
  server.stop_timeout_seconds = 1;
  ContainerSpec client;
  client.name = "client";
  client.image = image_;
  client.entrypoint = std::vector<std::string>{"/bin/sh", "-c"};
  client.command = std::vector<std::string>{
      "/bin/busybox ip addr; "
      "for i in $(/bin/busybox seq 1 50); do "
      "  /bin/busybox wget -q -O - http://127.0.0.1:8080/ && exit 0; "
      "  /bin/busybox sleep 0.2; "
      "done; exit 1"};
  client.mounts = {{"shared", "/shared", false}};

  auto server_id = sb->CreateContainer(server);
  ASSERT_TRUE(server_id.ok()) << server_id.error().message;
  auto client_id = sb->CreateContainer(client);
  ASSERT_TRUE(client_id.ok()) << client_id.error().message;
  EXPECT_EQ(sb->containers().size(), 2u);

  Status st = engine_->ContainerStart(*server_id);
  ASSERT_TRUE(st.ok()) << st.error().message;
  st = engine_->ContainerStart(*client_id);
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto code = engine_->ContainerWait(*client_id);
  ASSERT_TRUE(code.ok()) << code.error().message;

  std::string out, err;
  LogsOptions lo;
  lo.follow = false;
  st = engine_->ContainerLogs(*client_id, lo, [&](StreamKind k, std::string_view s) {
    (k == StreamKind::kStderr ? err : out).append(s);
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(*code, 0) << out << err;
  EXPECT_NE(out.find("hello-from-server"), std::string::npos) << out << err;
  // Its ENI: the subnet address, the ENI's MAC, Fargate's MTU.
  EXPECT_NE(out.find("inet " + sb->ip() + "/20"), std::string::npos) << out;
  EXPECT_NE(out.find("link/ether " + sb->mac()), std::string::npos) << out;
  EXPECT_NE(out.find("mtu 9001"), std::string::npos) << out;

  // Everything the task created is labelled and removed by Teardown.
  // (One label per filter: Podman's volume listing ORs several.)
  auto volumes = engine_->VolumeList({{kLabelTaskArn, spec.task_arn}});
  ASSERT_TRUE(volumes.ok());
  ASSERT_EQ(volumes->size(), 1u);
  EXPECT_EQ(volumes->at(0).at("Labels").at(kLabelManaged), "true");
  auto tasks = TaskSandbox::ListTasks(*engine_, {{kLabelCluster, "fargo-test"}});
  ASSERT_TRUE(tasks.ok());
  EXPECT_NE(std::find(tasks->begin(), tasks->end(), spec.task_arn), tasks->end());

  ASSERT_TRUE(sb->Teardown(fabric, 0).ok());
  auto left = engine_->ContainerList({{kLabelTaskArn, spec.task_arn}}, true);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
  volumes = engine_->VolumeList({{kLabelTaskArn, spec.task_arn}});
  ASSERT_TRUE(volumes.ok());
  EXPECT_TRUE(volumes->empty());
  EXPECT_TRUE(TaskSandbox::RemoveVpcIfUnused(*engine_, fabric, spec.vpc.vpc_id).ok());
  EXPECT_TRUE(fabric.Vpcs().empty());
}

}  // namespace
}  // namespace fargo::runtime
