// Ec2Service::SubnetEgress: a subnet's egress as its route table decides,
// through EC2's own route table, gateway and NAT gateway operations.
#include "services/ec2/ec2_service.h"
#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

using Kind = Ec2Service::Egress::Kind;

class SubnetEgressTest : public WireFixture<Ec2Service> {
 protected:
  void SetUp() override {
    WireFixture::SetUp();
    vpc_ = Tag(Call("CreateVpc", "CidrBlock=10.0.0.0%2F16").body, "vpcId");
    public_ = Tag(Call("CreateSubnet", "VpcId=" + vpc_ + "&CidrBlock=10.0.1.0%2F24").body, "subnetId");
    private_ = Tag(Call("CreateSubnet", "VpcId=" + vpc_ + "&CidrBlock=10.0.2.0%2F24").body, "subnetId");
    ASSERT_FALSE(public_.empty());
    ASSERT_FALSE(private_.empty());
    main_ = Tag(Call("DescribeRouteTables", "Filter.1.Name=vpc-id&Filter.1.Value.1=" + vpc_).body, "routeTableId");
    ASSERT_FALSE(main_.empty());
  }

  std::string AttachedIgw() {
    std::string igw = Tag(Call("CreateInternetGateway", "").body, "internetGatewayId");
    EXPECT_EQ(Call("AttachInternetGateway", "InternetGatewayId=" + igw + "&VpcId=" + vpc_).status, 200);
    return igw;
  }
  // A NAT gateway in the public subnet, available.
  std::string AvailableNat() {
    std::string alloc = Tag(Call("AllocateAddress", "Domain=vpc").body, "allocationId");
    std::string nat = Tag(Call("CreateNatGateway", "SubnetId=" + public_ + "&AllocationId=" + alloc).body, "natGatewayId");
    EXPECT_FALSE(nat.empty());
    clock_.Advance(5000);
    EXPECT_EQ(Tag(Call("DescribeNatGateways", "NatGatewayId.1=" + nat).body, "state"), "available");
    return nat;
  }
  std::string Table() { return Tag(Call("CreateRouteTable", "VpcId=" + vpc_).body, "routeTableId"); }
  void DefaultRoute(const std::string& rtb, const std::string& target) {
    auto r = Call("CreateRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=0.0.0.0%2F0&" + target);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  std::string Associate(const std::string& rtb, const std::string& subnet) {
    auto r = Call("AssociateRouteTable", "RouteTableId=" + rtb + "&SubnetId=" + subnet);
    EXPECT_EQ(r.status, 200) << r.body;
    return Tag(r.body, "associationId");
  }
  Kind KindOf(const std::string& subnet) { return service_->SubnetEgress("us-east-1", subnet).kind; }

  std::string vpc_, public_, private_, main_;
};

TEST_F(SubnetEgressTest, ANewVpcHasNoEgress) {
  auto e = service_->SubnetEgress("us-east-1", public_);
  EXPECT_EQ(e.kind, Kind::kNone);
  EXPECT_EQ(e.route_table_id, main_);  // the main table decided: only its local route
  EXPECT_EQ(KindOf("subnet-0000000000000dead"), Kind::kNone);
  EXPECT_EQ(service_->SubnetEgress("eu-west-1", public_).kind, Kind::kNone);  // subnets are regional
}

TEST_F(SubnetEgressTest, TheMainTablesInternetGatewayServesEverySubnetWithoutATableOfItsOwn) {
  std::string igw = AttachedIgw();
  DefaultRoute(main_, "GatewayId=" + igw);
  auto e = service_->SubnetEgress("us-east-1", public_);
  EXPECT_EQ(e.kind, Kind::kInternetGateway);
  EXPECT_EQ(e.target, igw);
  EXPECT_EQ(KindOf(private_), Kind::kInternetGateway);
}

TEST_F(SubnetEgressTest, AnExplicitAssociationWinsOverTheMainTable) {
  DefaultRoute(main_, "GatewayId=" + AttachedIgw());
  std::string nat = AvailableNat();
  std::string rtb = Table();
  DefaultRoute(rtb, "NatGatewayId=" + nat);
  Associate(rtb, private_);
  EXPECT_EQ(KindOf(public_), Kind::kInternetGateway);
  auto e = service_->SubnetEgress("us-east-1", private_);
  EXPECT_EQ(e.kind, Kind::kNatGateway);
  EXPECT_EQ(e.target, nat);
  EXPECT_EQ(e.route_table_id, rtb);
}

TEST_F(SubnetEgressTest, ATableOfItsOwnWithoutADefaultRouteIsNoEgressEvenIfTheMainTableHasOne) {
  DefaultRoute(main_, "GatewayId=" + AttachedIgw());
  Associate(Table(), private_);
  EXPECT_EQ(KindOf(private_), Kind::kNone);
}

TEST_F(SubnetEgressTest, ADetachedGatewayOrAGoneNatGatewayIsNoEgress) {
  std::string igw = AttachedIgw();
  std::string nat = AvailableNat();
  DefaultRoute(main_, "GatewayId=" + igw);
  std::string rtb = Table();
  DefaultRoute(rtb, "NatGatewayId=" + nat);
  Associate(rtb, private_);
  ASSERT_EQ(KindOf(private_), Kind::kNatGateway);
  ASSERT_EQ(Call("DeleteNatGateway", "NatGatewayId=" + nat).status, 200);
  EXPECT_EQ(KindOf(private_), Kind::kNone);  // deleting: a blackhole from now on
  ASSERT_EQ(KindOf(public_), Kind::kInternetGateway);
  ASSERT_EQ(Call("DetachInternetGateway", "InternetGatewayId=" + igw + "&VpcId=" + vpc_).status, 200);
  EXPECT_EQ(KindOf(public_), Kind::kNone);
}

TEST_F(SubnetEgressTest, APendingNatGatewayGivesNoEgressYet) {
  std::string public_rtb = Table();
  DefaultRoute(public_rtb, "GatewayId=" + AttachedIgw());
  Associate(public_rtb, public_);
  std::string alloc = Tag(Call("AllocateAddress", "Domain=vpc").body, "allocationId");
  std::string nat = Tag(Call("CreateNatGateway", "SubnetId=" + public_ + "&AllocationId=" + alloc).body, "natGatewayId");
  DefaultRoute(main_, "NatGatewayId=" + nat);
  EXPECT_EQ(KindOf(private_), Kind::kNone);
  clock_.Advance(5000);
  EXPECT_EQ(KindOf(private_), Kind::kNatGateway);
}

TEST_F(SubnetEgressTest, ANatGatewayReachesOutOnlyThroughItsOwnSubnetsInternetGateway) {
  std::string igw = AttachedIgw();
  std::string nat = AvailableNat();  // in the public subnet, whose table is the main one: no route out yet
  std::string rtb = Table();
  DefaultRoute(rtb, "NatGatewayId=" + nat);
  Associate(rtb, private_);
  EXPECT_EQ(KindOf(private_), Kind::kNone);
  DefaultRoute(main_, "GatewayId=" + igw);
  EXPECT_EQ(KindOf(private_), Kind::kNatGateway);
}

TEST_F(SubnetEgressTest, ARemovedAssociationFallsBackToTheMainTable) {
  DefaultRoute(main_, "GatewayId=" + AttachedIgw());
  std::string assoc = Associate(Table(), public_);
  EXPECT_EQ(KindOf(public_), Kind::kNone);
  ASSERT_EQ(Call("DisassociateRouteTable", "AssociationId=" + assoc).status, 200);
  EXPECT_EQ(KindOf(public_), Kind::kInternetGateway);
}

}  // namespace
}  // namespace fargo::services
