// EC2 instances through the EC2 query wire, with a recording TaskDriver in
// place of the runtime: the state machine, the workload's plan, filters,
// AMIs and AWS's errors.
#include "services/ec2/ec2_service.h"

#include "services/ec2/instance_state.h"
#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

constexpr const char* kFocal = "ami-0821c0bec02c93708";      // the newest Ubuntu 20.04 amd64 (us-east-1)
constexpr const char* kFocalArm = "ami-04dfa453409342299";   // arm64

struct RecordingDriver : runtime::TaskDriver {
  void Launch(const runtime::TaskPlan& plan) override { launched.push_back(plan); }
  void Stop(const std::string& arn) override { stopped.push_back(arn); }
  void Adopt(const std::vector<runtime::TaskPlan>&) override {}
  std::vector<runtime::TaskPlan> launched;
  std::vector<std::string> stopped;
};

class Ec2Instances : public WireFixture<Ec2Service> {
 protected:
  void SetUp() override {
    WireFixture<Ec2Service>::SetUp();
    service_->SetInstanceDriver(&driver_);
    vpc_ = Tag(Call("CreateVpc", "CidrBlock=10.5.0.0%2F16").body, "vpcId");
    subnet_ = Tag(Call("CreateSubnet", "VpcId=" + vpc_ + "&CidrBlock=10.5.1.0%2F24").body, "subnetId");
  }
  std::string Run(const std::string& extra = "") {
    auto r = Call("RunInstances", std::string("ImageId=") + kFocal + "&InstanceType=t3.micro&MinCount=1&MaxCount=1&SubnetId=" +
                                      subnet_ + extra);
    EXPECT_EQ(r.status, 200) << r.body;
    return Tag(r.body, "instanceId");
  }
  std::string StateOf(const std::string& id) {
    auto r = Call("DescribeInstances", "InstanceId.1=" + id);
    auto at = r.body.find("<instanceState>");
    return Tag(r.body.substr(at), "name");
  }
  void Report(const std::string& arn, const std::string& status) {
    runtime::TaskReport r;
    r.task_arn = arn;
    r.last_status = status;
    r.mac = "0e:01:02:03:04:05";
    service_->ApplyInstanceReport(r);
  }
  RecordingDriver driver_;
  std::string vpc_, subnet_;
};

TEST(InstanceState, CodesAndTransitionsAreEc2s) {
  EXPECT_EQ(ec2::InstanceStateCode("pending"), 0);
  EXPECT_EQ(ec2::InstanceStateCode("running"), 16);
  EXPECT_EQ(ec2::InstanceStateCode("shutting-down"), 32);
  EXPECT_EQ(ec2::InstanceStateCode("terminated"), 48);
  EXPECT_EQ(ec2::InstanceStateCode("stopping"), 64);
  EXPECT_EQ(ec2::InstanceStateCode("stopped"), 80);
  EXPECT_TRUE(ec2::CanStart("stopped"));
  EXPECT_FALSE(ec2::CanStart("stopping"));
  EXPECT_FALSE(ec2::CanStart("terminated"));
  EXPECT_TRUE(ec2::CanStop("running"));
  EXPECT_FALSE(ec2::CanStop("terminated"));
  EXPECT_FALSE(ec2::CanStop("shutting-down"));
}

TEST_F(Ec2Instances, RunStopStartTerminateFollowTheRuntime) {
  std::string id = Run("&UserData=IyEvYmluL3NoCmVjaG8gaGk%3D");
  ASSERT_EQ(id.rfind("i-", 0), 0u);
  EXPECT_EQ(StateOf(id), "pending");
  ASSERT_EQ(driver_.launched.size(), 1u);
  const runtime::TaskPlan& plan = driver_.launched[0];
  std::string arn = plan.task_arn;
  EXPECT_EQ(arn, "arn:aws:ec2:us-east-1:" + std::string(kAccount) + ":instance/" + id);
  EXPECT_TRUE(Ec2Service::IsInstanceArn(arn));
  EXPECT_EQ(plan.sandbox.vpc.vpc_id, vpc_);
  EXPECT_EQ(plan.sandbox.subnet_cidr, "10.5.1.0/24");
  EXPECT_EQ(plan.sandbox.ip.rfind("10.5.1.", 0), 0u) << plan.sandbox.ip;
  EXPECT_EQ(plan.sandbox.hostname, "ip-10-5-1-" + plan.sandbox.ip.substr(7));
  ASSERT_EQ(plan.containers.size(), 1u);
  EXPECT_EQ(plan.containers[0].spec.memory_mib, 1024);  // t3.micro
  EXPECT_EQ(plan.containers[0].spec.cpu_shares, 2048);
  bool user_data = false;
  for (const auto& e : plan.containers[0].spec.env) user_data |= e.rfind("FARGO_USER_DATA=", 0) == 0;
  EXPECT_TRUE(user_data);

  Report(arn, "RUNNING");
  EXPECT_EQ(StateOf(id), "running");
  auto stop = Call("StopInstances", "InstanceId.1=" + id);
  ASSERT_EQ(stop.status, 200) << stop.body;
  EXPECT_EQ(StateOf(id), "stopping");
  EXPECT_EQ(driver_.stopped, std::vector<std::string>{arn});
  Report(arn, "STOPPED");
  EXPECT_EQ(StateOf(id), "stopped");
  auto d = Call("DescribeInstances", "InstanceId.1=" + id);
  EXPECT_EQ(Tag(d.body.substr(d.body.find("<stateReason>")), "code"), "Client.UserInitiatedShutdown");
  // The address stays with a stopped instance.
  EXPECT_EQ(Tag(d.body, "privateIpAddress"), plan.sandbox.ip);

  ASSERT_EQ(Call("StartInstances", "InstanceId.1=" + id).status, 200);
  EXPECT_EQ(StateOf(id), "pending");
  ASSERT_EQ(driver_.launched.size(), 2u);
  for (const auto& e : driver_.launched[1].containers[0].spec.env)
    EXPECT_NE(e.rfind("FARGO_USER_DATA=", 0), 0u) << "user data runs at first boot only";
  Report(arn, "RUNNING");
  EXPECT_EQ(StateOf(id), "running");

  ASSERT_EQ(Call("TerminateInstances", "InstanceId.1=" + id).status, 200);
  EXPECT_EQ(StateOf(id), "shutting-down");
  Report(arn, "STOPPED");
  EXPECT_EQ(StateOf(id), "terminated");
  // Its interface went with it.
  auto enis = Call("DescribeNetworkInterfaces", "Filter.1.Name=subnet-id&Filter.1.Value.1=" + subnet_);
  EXPECT_EQ(enis.body.find("<networkInterfaceId>"), std::string::npos) << enis.body;
  // Terminated instances can not be started.
  ExpectError(Call("StartInstances", "InstanceId.1=" + id), 400, "IncorrectInstanceState");
}

TEST_F(Ec2Instances, AWorkloadThatNeverRanTerminatesWithTheReason) {
  std::string id = Run();
  runtime::TaskReport r;
  r.task_arn = driver_.launched[0].task_arn;
  r.last_status = "STOPPED";
  r.stopped_reason = "CannotPullContainerError: no such image";
  service_->ApplyInstanceReport(r);
  EXPECT_EQ(StateOf(id), "terminated");
  auto d = Call("DescribeInstances", "InstanceId.1=" + id);
  EXPECT_EQ(Tag(d.body.substr(d.body.find("<stateReason>")), "code"), "Server.InternalError");
}

TEST_F(Ec2Instances, AShutdownFromInsideStopsTheInstance) {
  std::string id = Run();
  std::string arn = driver_.launched[0].task_arn;
  Report(arn, "RUNNING");
  Report(arn, "STOPPED");
  EXPECT_EQ(StateOf(id), "stopped");
}

TEST_F(Ec2Instances, FiltersSelectByStateAndTag) {
  std::string a = Run("&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&"
                      "TagSpecification.1.Tag.1.Value=bastion");
  std::string b = Run();
  Report(driver_.launched[0].task_arn, "RUNNING");
  auto running = Call("DescribeInstances", "Filter.1.Name=instance-state-name&Filter.1.Value.1=running");
  EXPECT_NE(running.body.find(a), std::string::npos);
  EXPECT_EQ(running.body.find(b), std::string::npos);
  auto tagged = Call("DescribeInstances", "Filter.1.Name=tag%3AName&Filter.1.Value.1=bast*");
  EXPECT_NE(tagged.body.find(a), std::string::npos);
  EXPECT_EQ(tagged.body.find(b), std::string::npos);
  ExpectError(Call("DescribeInstances", "Filter.1.Name=no-such-filter&Filter.1.Value.1=x"), 400,
              "InvalidParameterValue");
  ExpectError(Call("DescribeInstances", "InstanceId.1=i-0000000000000dead"), 400, "InvalidInstanceID.NotFound");
}

TEST_F(Ec2Instances, BadRequestsGetEc2sErrors) {
  ExpectError(Call("RunInstances", "ImageId=ami-0123456789abcdef0&InstanceType=t3.micro&MinCount=1&MaxCount=1&SubnetId=" +
                                       subnet_),
              400, "InvalidAMIID.NotFound");
  ExpectError(Call("RunInstances", std::string("ImageId=") + kFocal +
                                       "&InstanceType=t9.huge&MinCount=1&MaxCount=1&SubnetId=" + subnet_),
              400, "InvalidParameterValue");
  ExpectError(Call("RunInstances", std::string("ImageId=") + kFocal +
                                       "&InstanceType=t3.micro&MinCount=1&MaxCount=1&SubnetId=subnet-0000000000000dead"),
              400, "InvalidSubnetID.NotFound");
  ExpectError(Call("RunInstances", std::string("ImageId=") + kFocalArm +
                                       "&InstanceType=t3.micro&MinCount=1&MaxCount=1&SubnetId=" + subnet_),
              400, "InvalidParameterValue");
  EXPECT_TRUE(driver_.launched.empty());
}

TEST_F(Ec2Instances, DisableApiTerminationProtects) {
  std::string id = Run("&DisableApiTermination=true");
  ExpectError(Call("TerminateInstances", "InstanceId.1=" + id), 400, "OperationNotPermitted");
  ASSERT_EQ(Call("ModifyInstanceAttribute", "InstanceId=" + id + "&DisableApiTermination.Value=false").status, 200);
  auto attr = Call("DescribeInstanceAttribute", "InstanceId=" + id + "&Attribute=disableApiTermination");
  EXPECT_EQ(Tag(attr.body.substr(attr.body.find("<disableApiTermination>")), "value"), "false") << attr.body;
  EXPECT_EQ(Call("TerminateInstances", "InstanceId.1=" + id).status, 200);
}

TEST_F(Ec2Instances, RestartedServiceHandsBackLivePlans) {
  std::string id = Run();
  Restart();
  service_->SetInstanceDriver(&driver_);
  auto live = service_->LiveInstancePlans();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(runtime::TaskIdOf(live[0].task_arn), id);
}

TEST_F(Ec2Instances, InstanceAtFindsTheInstanceByAddress) {
  std::string id = Run();
  std::string ip = driver_.launched[0].sandbox.ip;
  auto info = service_->InstanceAt(vpc_, ip);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->instance_id, id);
  EXPECT_EQ(info->hop_limit, 1);
  EXPECT_FALSE(service_->InstanceAt("vpc-other", ip).has_value());
}

TEST_F(Ec2Instances, TheStorysAmiFilterFindsUbuntuFocal) {
  auto r = Call("DescribeImages",
                "Owner.1=099720109477&Filter.1.Name=name&Filter.1.Value.1=ubuntu%2Fimages%2Fhvm-ssd%2Fubuntu-focal-20.04-amd64-server-%2A"
                "&Filter.2.Name=virtualization-type&Filter.2.Value.1=hvm");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(kFocal), std::string::npos);
  EXPECT_NE(r.body.find("ami-0b9d0ddf4e3af2805"), std::string::npos);  // the older build
  EXPECT_EQ(r.body.find(kFocalArm), std::string::npos);
  ExpectError(Call("DescribeImages", "ImageId.1=ami-0123456789abcdef0"), 400, "InvalidAMIID.NotFound");
}

TEST_F(Ec2Instances, RootVolumeAndTypesAreDescribed) {
  std::string id = Run();
  auto v = Call("DescribeVolumes", "Filter.1.Name=attachment.instance-id&Filter.1.Value.1=" + id);
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(Tag(v.body, "device"), "/dev/sda1");
  EXPECT_EQ(Tag(v.body, "size"), "8");
  auto t = Call("DescribeInstanceTypes", "InstanceType.1=t3.micro");
  EXPECT_EQ(Tag(t.body, "defaultVCpus"), "2");
  EXPECT_EQ(Tag(t.body, "sizeInMiB"), "1024");
  auto c = Call("DescribeInstanceCreditSpecifications", "InstanceId.1=" + id);
  EXPECT_EQ(Tag(c.body, "cpuCredits"), "unlimited");
}

}  // namespace
}  // namespace fargo::services
