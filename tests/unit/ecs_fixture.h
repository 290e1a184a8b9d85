// Shared fixture of the ECS task and scheduler tests: an EcsService over an
// in-memory store with a FakeClock, sequential ids, two known subnets and a
// fake TaskDriver that records Launch/Stop and lets tests feed reports.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocol/model.h"
#include "services/ecs/ecs_service.h"
#include "store/store.h"

namespace fargo::services {

class FakeDriver : public runtime::TaskDriver {
 public:
  void Launch(const runtime::TaskPlan& plan) override { launched.push_back(plan); }
  void Stop(const std::string& task_arn) override { stopped.push_back(task_arn); }
  void Adopt(const std::vector<runtime::TaskPlan>& live) override { adopted = live; }
  void SetEgress(const std::string& task_arn, bool egress) override { egress_set.emplace_back(task_arn, egress); }
  std::vector<runtime::TaskPlan> launched;
  std::vector<std::string> stopped;
  std::vector<runtime::TaskPlan> adopted;
  std::vector<std::pair<std::string, bool>> egress_set;
};

class EcsFixture : public ::testing::Test {
 protected:
  static constexpr const char* kRegion = "us-east-1";
  static constexpr const char* kAccount = "000000000000";

  void SetUp() override {
    auto s = store::Store::Open(":memory:");
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    MakeService();
  }

  // (Re)builds the service over the same store, as a restart of fargo does.
  void MakeService() {
    ecs_ = std::make_unique<EcsService>(Env{*store_, clock_, ids_, kAccount});
    ASSERT_TRUE(ecs_->Start().ok());
    ecs_->SetTaskDriver(&driver_);
    ecs_->SetNetworkResolver([this](const std::string&, const std::string& subnet)
                                 -> std::optional<EcsService::SubnetNetwork> {
      auto egress = subnet_egress_.count(subnet) ? subnet_egress_[subnet] : runtime::SubnetEgress::kNone;
      if (subnet == "subnet-1")
        return EcsService::SubnetNetwork{"vpc-1", "10.0.0.0/16", "10.0.1.0/24", "us-east-1a", egress};
      if (subnet == "subnet-2")
        return EcsService::SubnetNetwork{"vpc-1", "10.0.0.0/16", "10.0.2.0/24", "us-east-1b", egress};
      return std::nullopt;
    });
    ecs_->SetInterfaceHooks(
        [this](const EcsService::TaskInterface& ti) -> Result<std::string> {
          interfaces_.push_back(ti);
          return std::string("eni-ec2-") + std::to_string(interfaces_.size());
        },
        [this](const std::string&, const std::string& eni) { removed_interfaces_.push_back(eni); });
    ecs_->SetExecCommandStarter([this](const ecs::ExecCommandRequest& r) -> Result<ecs::ExecCommandSession> {
      exec_requests_.push_back(r);
      return ecs::ExecCommandSession{"ws://127.0.0.1:4566/v1/data-channel/" + r.session_id +
                                     "?role=publish_subscribe"};
    });
  }

  Result<json::object> Call(const std::string& op, json::object in) {
    const protocol::ServiceModel* model = protocol::ModelRegistry::Instance().Get("ecs");
    const protocol::Operation* o = model->FindOperation(op);
    EXPECT_NE(o, nullptr) << op;
    CallContext ctx{kRegion, kAccount, "req-1", "AKID", *model, *o, http_};
    return ecs_->Invoke(ctx, in);
  }

  json::object Ok(const std::string& op, json::object in) {
    auto r = Call(op, std::move(in));
    EXPECT_TRUE(r.ok()) << op << ": " << (r.ok() ? "" : r.error().code + ": " + r.error().message);
    return r.ok() ? r.value() : json::object{};
  }

  AwsError Err(const std::string& op, json::object in) {
    auto r = Call(op, std::move(in));
    EXPECT_FALSE(r.ok()) << op << " succeeded";
    return r.ok() ? AwsError{} : r.error();
  }

  static json::object Container(const std::string& name, json::object extra = {}) {
    json::object c{{"name", name}, {"image", "nginx:1.25"}, {"essential", true}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
  }

  // Registers a Fargate task definition; returns its ARN.
  std::string Register(const std::string& family, json::array containers, json::object extra = {}) {
    json::object in{{"family", family},
                    {"networkMode", "awsvpc"},
                    {"requiresCompatibilities", json::array{"FARGATE"}},
                    {"cpu", "256"},
                    {"memory", "512"},
                    {"containerDefinitions", std::move(containers)}};
    for (auto& [k, v] : extra) in[k] = v;
    return std::string(Ok("RegisterTaskDefinition", in)["taskDefinition"].at("taskDefinitionArn").as_string());
  }

  static json::object Network(json::array subnets = {"subnet-1"}) {
    return json::object{{"awsvpcConfiguration", json::object{{"subnets", std::move(subnets)},
                                                             {"securityGroups", json::array{"sg-1"}}}}};
  }

  json::object RunOne(const std::string& td, json::object extra = {}) {
    json::object in{{"cluster", "c"}, {"taskDefinition", td}, {"launchType", "FARGATE"},
                    {"networkConfiguration", Network()}};
    for (auto& [k, v] : extra) in[k] = v;
    auto out = Ok("RunTask", in);
    if (!out.contains("tasks") || out["tasks"].as_array().empty()) return {};
    return out["tasks"].as_array()[0].as_object();
  }

  json::object Describe(const std::string& arn, bool tags = false) {
    json::object in{{"cluster", "c"}, {"tasks", json::array{json::string(arn)}}};
    if (tags) in["include"] = json::array{"TAGS"};
    auto out = Ok("DescribeTasks", in);
    if (out["tasks"].as_array().empty()) return {};
    return out["tasks"].as_array()[0].as_object();
  }

  // A report of `arn` in `status`, with the network attached and every
  // container of the plan in the matching container state.
  runtime::TaskReport Report(const std::string& arn, const std::string& status) {
    runtime::TaskReport r;
    r.task_arn = arn;
    r.last_status = status;
    r.ip = "10.0.1.10";
    r.mac = "02:00:00:00:00:01";
    r.eni_id = "eni-0123456789abcdef0";
    r.subnet_id = "subnet-1";
    r.hostname = "ip-10-0-1-10.ec2.internal";
    int64_t now = clock_.NowMillis();
    r.pull_started_at_ms = now;
    if (status == "RUNNING" || status == "DEPROVISIONING" || status == "STOPPED") {
      r.pull_stopped_at_ms = now;
      r.started_at_ms = now;
    }
    if (status == "DEPROVISIONING" || status == "STOPPED") r.stopping_at_ms = now;
    if (status == "STOPPED") r.execution_stopped_at_ms = r.stopped_at_ms = now;
    for (auto& p : driver_.launched)
      if (p.task_arn == arn)
        for (auto& c : p.containers) {
          runtime::ContainerReport cr;
          cr.name = c.spec.name;
          cr.runtime_id = "cid-" + c.spec.name;
          cr.image_digest = "sha256:abc";
          cr.last_status = status == "RUNNING" ? "RUNNING" : status == "STOPPED" ? "STOPPED" : "PENDING";
          if (status == "STOPPED") cr.exit_code = 0;
          r.containers.push_back(cr);
        }
    return r;
  }

  void Feed(const std::string& arn, const std::string& status) { ecs_->ApplyTaskReport(Report(arn, status)); }

  void Advance(int64_t ms) {
    clock_.Advance(ms);
    ecs_->Tick();
  }

  FakeClock clock_{1700000000000};
  SequentialIdGenerator ids_;
  FakeDriver driver_;
  protocol::HttpRequest http_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<EcsService> ecs_;
  std::vector<ecs::ExecCommandRequest> exec_requests_;  // what ExecuteCommand registered
  std::vector<EcsService::TaskInterface> interfaces_;
  std::vector<std::string> removed_interfaces_;
  // Where each subnet's route table sends 0.0.0.0/0, as EC2 would answer.
  std::map<std::string, runtime::SubnetEgress> subnet_egress_;
};

}  // namespace fargo::services
