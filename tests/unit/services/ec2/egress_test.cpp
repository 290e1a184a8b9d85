// Ec2Service::SubnetEgress: a subnet's egress as its route table decides,
// over RouteTable documents as EC2 stores them (the shape DescribeRouteTables
// returns: Routes[] and Associations[]).
#include "services/ec2/ec2_service.h"
#include "services/wire_fixture.h"
#include "store/collection.h"

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

  // Changes a stored route table as EC2's route operations would, then
  // reloads EC2 over the same store.
  void Edit(const std::string& rtb_id, const std::function<void(json::object&)>& change) {
    store::Collection tables(*store_, "ec2.route_tables");
    ASSERT_TRUE(tables.Load().ok());
    std::string key = store::Collection::Key("us-east-1", rtb_id);
    json::object doc = tables.Find(key) ? *tables.Find(key) : json::object{{"RouteTableId", rtb_id}, {"VpcId", vpc_},
                                                                           {"Routes", json::array{}},
                                                                           {"Associations", json::array{}}};
    change(doc);
    ASSERT_TRUE(tables.Put(key, std::move(doc)).ok());
    Restart();
  }
  static void AddDefaultRoute(json::object& rtb, const char* member, const std::string& target,
                              const std::string& state = "active") {
    rtb["Routes"].as_array().push_back(
        json::object{{"DestinationCidrBlock", "0.0.0.0/0"}, {member, target}, {"Origin", "CreateRoute"}, {"State", state}});
  }
  static void Associate(json::object& rtb, const std::string& subnet) {
    rtb["Associations"].as_array().push_back(json::object{{"Main", false},
                                                          {"RouteTableAssociationId", "rtbassoc-0" + subnet},
                                                          {"RouteTableId", GetString(rtb, "RouteTableId")},
                                                          {"SubnetId", subnet},
                                                          {"AssociationState", json::object{{"State", "associated"}}}});
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
  Edit(main_, [](json::object& t) { AddDefaultRoute(t, "GatewayId", "igw-0123456789abcdef0"); });
  auto e = service_->SubnetEgress("us-east-1", public_);
  EXPECT_EQ(e.kind, Kind::kInternetGateway);
  EXPECT_EQ(e.target, "igw-0123456789abcdef0");
  EXPECT_EQ(KindOf(private_), Kind::kInternetGateway);
}

TEST_F(SubnetEgressTest, AnExplicitAssociationWinsOverTheMainTable) {
  Edit(main_, [](json::object& t) { AddDefaultRoute(t, "GatewayId", "igw-0123456789abcdef0"); });
  Edit("rtb-0private00000000", [&](json::object& t) {
    AddDefaultRoute(t, "NatGatewayId", "nat-0123456789abcdef0");
    Associate(t, private_);
  });
  EXPECT_EQ(KindOf(public_), Kind::kInternetGateway);
  auto e = service_->SubnetEgress("us-east-1", private_);
  EXPECT_EQ(e.kind, Kind::kNatGateway);
  EXPECT_EQ(e.target, "nat-0123456789abcdef0");
  EXPECT_EQ(e.route_table_id, "rtb-0private00000000");
}

TEST_F(SubnetEgressTest, ATableOfItsOwnWithoutADefaultRouteIsNoEgressEvenIfTheMainTableHasOne) {
  Edit(main_, [](json::object& t) { AddDefaultRoute(t, "GatewayId", "igw-0123456789abcdef0"); });
  Edit("rtb-0isolated0000000", [&](json::object& t) { Associate(t, private_); });
  EXPECT_EQ(KindOf(private_), Kind::kNone);
}

TEST_F(SubnetEgressTest, BlackholesAndOtherTargetsAreNoEgress) {
  Edit(main_, [](json::object& t) { AddDefaultRoute(t, "NatGatewayId", "nat-0123456789abcdef0", "blackhole"); });
  EXPECT_EQ(KindOf(public_), Kind::kNone);
  Edit("rtb-0peering00000000", [&](json::object& t) {
    AddDefaultRoute(t, "VpcPeeringConnectionId", "pcx-0123456789abcdef0");
    Associate(t, private_);
  });
  EXPECT_EQ(KindOf(private_), Kind::kNone);
}

TEST_F(SubnetEgressTest, AnAssociationBeingRemovedNoLongerCounts) {
  Edit("rtb-0public000000000", [&](json::object& t) {
    AddDefaultRoute(t, "GatewayId", "igw-0123456789abcdef0");
    Associate(t, public_);
  });
  EXPECT_EQ(KindOf(public_), Kind::kInternetGateway);
  Edit("rtb-0public000000000", [&](json::object& t) {
    t["Associations"].as_array()[0].as_object()["AssociationState"] = json::object{{"State", "disassociated"}};
  });
  EXPECT_EQ(KindOf(public_), Kind::kNone);  // back to the main table's
}

}  // namespace
}  // namespace fargo::services
