// EC2 handlers through the EC2 query wire.
#include "services/ec2/ec2_service.h"

#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

using Ec2Wire = WireFixture<Ec2Service>;

TEST_F(Ec2Wire, CreateVpcThenSubnetInsideIt) {
  auto vpc = Call("CreateVpc", "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.9.0.0%2F16");
  ASSERT_EQ(vpc.status, 200) << vpc.body;
  std::string vpc_id = Tag(vpc.body, "vpcId");
  ASSERT_EQ(vpc_id.rfind("vpc-", 0), 0u) << vpc.body;
  EXPECT_EQ(Tag(vpc.body, "cidrBlock"), "10.9.0.0/16");

  auto subnet = Call("CreateSubnet", "VpcId=" + vpc_id + "&CidrBlock=10.9.1.0%2F24");
  ASSERT_EQ(subnet.status, 200) << subnet.body;
  EXPECT_EQ(Tag(subnet.body, "vpcId"), vpc_id);
  EXPECT_EQ(Tag(subnet.body, "cidrBlock"), "10.9.1.0/24");
}

TEST_F(Ec2Wire, SubnetOutsideTheVpcIsRefused) {
  auto vpc = Call("CreateVpc", "CidrBlock=10.9.0.0%2F16");
  std::string vpc_id = Tag(vpc.body, "vpcId");
  auto subnet = Call("CreateSubnet", "VpcId=" + vpc_id + "&CidrBlock=10.10.1.0%2F24");
  ExpectError(subnet, 400, "InvalidSubnet.Range");
  EXPECT_NE(subnet.body.find("<RequestID>req-1</RequestID>"), std::string::npos) << subnet.body;
}

TEST_F(Ec2Wire, UnknownVpcIsNotFound) {
  ExpectError(Call("CreateSubnet", "VpcId=vpc-0000000000000dead&CidrBlock=10.9.1.0%2F24"), 400,
              "InvalidVpcID.NotFound", "The vpc ID 'vpc-0000000000000dead' does not exist");
}

TEST_F(Ec2Wire, VpcsSurviveARestartAndFilterById) {
  std::string a = Tag(Call("CreateVpc", "CidrBlock=10.1.0.0%2F16").body, "vpcId");
  std::string b = Tag(Call("CreateVpc", "CidrBlock=10.2.0.0%2F16").body, "vpcId");
  Restart();
  auto r = Call("DescribeVpcs", "VpcId.1=" + b);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(b), std::string::npos);
  EXPECT_EQ(r.body.find(a), std::string::npos);
}

TEST_F(Ec2Wire, DeleteVpcWithSubnetIsDependencyViolation) {
  std::string vpc = Tag(Call("CreateVpc", "CidrBlock=10.3.0.0%2F16").body, "vpcId");
  ASSERT_EQ(Call("CreateSubnet", "VpcId=" + vpc + "&CidrBlock=10.3.1.0%2F24").status, 200);
  ExpectError(Call("DeleteVpc", "VpcId=" + vpc), 400, "DependencyViolation");
}

// The VPC's network (namespace, routes) goes with the VPC, and only then.
TEST_F(Ec2Wire, DeletedVpcIsAnnouncedOnce) {
  std::vector<std::string> deleted;
  service_->SetVpcDeletedHook(
      [&deleted](const std::string& region, const std::string& id) { deleted.push_back(region + "/" + id); });
  std::string vpc = Tag(Call("CreateVpc", "CidrBlock=10.4.0.0%2F16").body, "vpcId");
  std::string subnet = Tag(Call("CreateSubnet", "VpcId=" + vpc + "&CidrBlock=10.4.1.0%2F24").body, "subnetId");
  ExpectError(Call("DeleteVpc", "VpcId=" + vpc), 400, "DependencyViolation");
  EXPECT_TRUE(deleted.empty());
  ASSERT_EQ(Call("DeleteSubnet", "SubnetId=" + subnet).status, 200);
  ASSERT_EQ(Call("DeleteVpc", "VpcId=" + vpc).status, 200);
  EXPECT_EQ(deleted, std::vector<std::string>{"us-east-1/" + vpc});
  ExpectError(Call("DeleteVpc", "VpcId=" + vpc), 400, "InvalidVpcID.NotFound");
  EXPECT_EQ(deleted.size(), 1u);
}

}  // namespace
}  // namespace fargo::services
