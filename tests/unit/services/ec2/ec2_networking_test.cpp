// Route tables, gateways, Elastic IPs, NAT gateways, network ACLs, DHCP
// options and flow logs through the EC2 query wire.
#include "services/ec2/ec2_service.h"

#include "services/wire_fixture.h"

namespace fargo::services {
namespace {

class Ec2Net : public WireFixture<Ec2Service> {
 protected:
  std::string Vpc(const std::string& cidr = "10.0.0.0%2F16", const std::string& extra = "") {
    auto r = Call("CreateVpc", "CidrBlock=" + cidr + extra);
    EXPECT_EQ(r.status, 200) << r.body;
    return Tag(r.body, "vpcId");
  }
  std::string Subnet(const std::string& vpc, const std::string& cidr) {
    auto r = Call("CreateSubnet", "VpcId=" + vpc + "&CidrBlock=" + cidr);
    EXPECT_EQ(r.status, 200) << r.body;
    return Tag(r.body, "subnetId");
  }
  std::string AttachedIgw(const std::string& vpc) {
    std::string igw = Tag(Call("CreateInternetGateway", "").body, "internetGatewayId");
    EXPECT_EQ(Call("AttachInternetGateway", "InternetGatewayId=" + igw + "&VpcId=" + vpc).status, 200);
    return igw;
  }
  std::string MainTable(const std::string& vpc) {
    auto r = Call("DescribeRouteTables", "Filter.1.Name=vpc-id&Filter.1.Value.1=" + vpc +
                                             "&Filter.2.Name=association.main&Filter.2.Value.1=true");
    EXPECT_EQ(r.status, 200) << r.body;
    return Tag(r.body, "routeTableId");
  }
  static int Count(const std::string& body, const std::string& needle) {
    int n = 0;
    for (size_t at = body.find(needle); at != std::string::npos; at = body.find(needle, at + 1)) ++n;
    return n;
  }
};

TEST_F(Ec2Net, PublicRouteTableThroughAnInternetGateway) {
  std::string vpc = Vpc();
  std::string subnet = Subnet(vpc, "10.0.1.0%2F24");
  std::string igw = AttachedIgw(vpc);
  auto rt = Call("CreateRouteTable", "VpcId=" + vpc + "&TagSpecification.1.ResourceType=route-table"
                                                      "&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=public");
  ASSERT_EQ(rt.status, 200) << rt.body;
  std::string rtb = Tag(rt.body, "routeTableId");
  EXPECT_EQ(Tag(rt.body, "gatewayId"), "local");
  auto route = Call("CreateRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=0.0.0.0%2F0&GatewayId=" + igw);
  ASSERT_EQ(route.status, 200) << route.body;
  EXPECT_EQ(Tag(route.body, "return"), "true");
  ExpectError(Call("CreateRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=0.0.0.0%2F0&GatewayId=" + igw), 400,
              "RouteAlreadyExists", "The route identified by 0.0.0.0/0 already exists.");
  auto assoc = Call("AssociateRouteTable", "RouteTableId=" + rtb + "&SubnetId=" + subnet);
  ASSERT_EQ(assoc.status, 200) << assoc.body;
  std::string assoc_id = Tag(assoc.body, "associationId");
  EXPECT_EQ(Tag(assoc.body, "state"), "associated");

  // A subnet has one explicit association.
  std::string other = Tag(Call("CreateRouteTable", "VpcId=" + vpc).body, "routeTableId");
  ExpectError(Call("AssociateRouteTable", "RouteTableId=" + other + "&SubnetId=" + subnet), 400,
              "Resource.AlreadyAssociated");

  auto found = Call("DescribeRouteTables", "Filter.1.Name=association.subnet-id&Filter.1.Value.1=" + subnet);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(Tag(found.body, "routeTableId"), rtb);
  EXPECT_NE(found.body.find("<gatewayId>" + igw + "</gatewayId>"), std::string::npos) << found.body;
  EXPECT_NE(found.body.find("<origin>CreateRoute</origin>"), std::string::npos);
  EXPECT_EQ(Count(found.body, "<state>active</state>"), 2) << found.body;
  auto by_tag = Call("DescribeRouteTables", "Filter.1.Name=tag:Name&Filter.1.Value.1=public");
  EXPECT_EQ(Tag(by_tag.body, "routeTableId"), rtb);

  // While associated it stays; once disassociated it goes.
  ExpectError(Call("DeleteRouteTable", "RouteTableId=" + rtb), 400, "DependencyViolation");
  ASSERT_EQ(Call("DisassociateRouteTable", "AssociationId=" + assoc_id).status, 200);
  ExpectError(Call("DisassociateRouteTable", "AssociationId=" + assoc_id), 400, "InvalidAssociationID.NotFound");
  EXPECT_EQ(Call("DeleteRouteTable", "RouteTableId=" + rtb).status, 200);
  ExpectError(Call("DescribeRouteTables", "RouteTableId.1=" + rtb), 400, "InvalidRouteTableID.NotFound");
}

TEST_F(Ec2Net, RoutesToADetachedGatewayAreBlackholes) {
  std::string vpc = Vpc();
  std::string igw = AttachedIgw(vpc);
  std::string rtb = MainTable(vpc);
  ASSERT_EQ(Call("CreateRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=0.0.0.0%2F0&GatewayId=" + igw).status,
            200);
  ASSERT_EQ(Call("DetachInternetGateway", "InternetGatewayId=" + igw + "&VpcId=" + vpc).status, 200);
  auto r = Call("DescribeRouteTables", "RouteTableId.1=" + rtb);
  EXPECT_NE(r.body.find("<state>blackhole</state>"), std::string::npos) << r.body;
  auto holes = Call("DescribeRouteTables", "Filter.1.Name=route.state&Filter.1.Value.1=blackhole");
  EXPECT_EQ(Tag(holes.body, "routeTableId"), rtb) << holes.body;
}

TEST_F(Ec2Net, RouteTargetsAreChecked) {
  std::string vpc = Vpc();
  std::string rtb = MainTable(vpc);
  ExpectError(Call("CreateRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=0.0.0.0%2F0&GatewayId=igw-0000dead"),
              400, "InvalidGatewayID.NotFound");
  std::string loose = Tag(Call("CreateInternetGateway", "").body, "internetGatewayId");
  ExpectError(Call("CreateRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=0.0.0.0%2F0&GatewayId=" + loose), 400,
              "InvalidParameterValue");
  ExpectError(Call("CreateRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=0.0.0.0%2F0&NatGatewayId=nat-0000dead"),
              400, "InvalidNatGatewayID.NotFound");
  ExpectError(Call("CreateRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=0.0.0.0%2F0"), 400,
              "InvalidParameterCombination");
  ExpectError(Call("DeleteRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=10.0.0.0%2F16"), 400,
              "InvalidParameterValue");
  ExpectError(Call("DeleteRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=0.0.0.0%2F0"), 400,
              "InvalidRoute.NotFound");
  // A peering connection is taken but leads nowhere in fargo.
  ASSERT_EQ(Call("CreateRoute", "RouteTableId=" + rtb +
                                    "&DestinationCidrBlock=192.168.0.0%2F16&VpcPeeringConnectionId=pcx-0123456789abcdef0")
                .status,
            200);
  auto r = Call("DescribeRouteTables", "Filter.1.Name=route.vpc-peering-connection-id&Filter.1.Value.1=pcx-0123456789abcdef0");
  EXPECT_NE(r.body.find("<state>blackhole</state>"), std::string::npos) << r.body;
}

TEST_F(Ec2Net, ReplaceRouteAndEgressOnlyGatewayForIpv6) {
  std::string vpc = Vpc("10.0.0.0%2F16", "&AmazonProvidedIpv6CidrBlock=true");
  std::string rtb = MainTable(vpc);
  auto desc = Call("DescribeRouteTables", "RouteTableId.1=" + rtb);
  EXPECT_EQ(Count(desc.body, "<gatewayId>local</gatewayId>"), 2) << desc.body;  // IPv4 and IPv6 local routes
  auto eigw = Call("CreateEgressOnlyInternetGateway", "VpcId=" + vpc);
  ASSERT_EQ(eigw.status, 200) << eigw.body;
  std::string eigw_id = Tag(eigw.body, "egressOnlyInternetGatewayId");
  EXPECT_EQ(Tag(eigw.body, "state"), "attached");
  ExpectError(Call("CreateRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=0.0.0.0%2F0&EgressOnlyInternetGatewayId=" +
                                      eigw_id),
              400, "InvalidParameterValue");
  ASSERT_EQ(Call("CreateRoute", "RouteTableId=" + rtb + "&DestinationIpv6CidrBlock=%3A%3A%2F0&EgressOnlyInternetGatewayId=" +
                                    eigw_id)
                .status,
            200);
  std::string igw = AttachedIgw(vpc);
  ASSERT_EQ(Call("ReplaceRoute", "RouteTableId=" + rtb + "&DestinationIpv6CidrBlock=%3A%3A%2F0&GatewayId=" + igw).status,
            200);
  auto after = Call("DescribeRouteTables", "Filter.1.Name=route.gateway-id&Filter.1.Value.1=" + igw);
  EXPECT_EQ(Tag(after.body, "routeTableId"), rtb);
  EXPECT_EQ(after.body.find(eigw_id), std::string::npos) << after.body;
  ExpectError(Call("ReplaceRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=1.2.3.0%2F24&GatewayId=" + igw), 400,
              "InvalidParameterValue");
  EXPECT_EQ(Call("DeleteEgressOnlyInternetGateway", "EgressOnlyInternetGatewayId=" + eigw_id).status, 200);
  ExpectError(Call("DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGatewayId.1=" + eigw_id), 400,
              "InvalidGatewayID.NotFound");
}

TEST_F(Ec2Net, AnotherTableBecomesMain) {
  std::string vpc = Vpc();
  std::string main = MainTable(vpc);
  auto d = Call("DescribeRouteTables", "RouteTableId.1=" + main);
  std::string main_assoc = Tag(d.body, "routeTableAssociationId");
  ASSERT_FALSE(main_assoc.empty()) << d.body;
  ExpectError(Call("DeleteRouteTable", "RouteTableId=" + main), 400, "DependencyViolation");
  ExpectError(Call("DisassociateRouteTable", "AssociationId=" + main_assoc), 400, "InvalidParameterValue");
  std::string next = Tag(Call("CreateRouteTable", "VpcId=" + vpc).body, "routeTableId");
  auto r = Call("ReplaceRouteTableAssociation", "AssociationId=" + main_assoc + "&RouteTableId=" + next);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(Tag(r.body, "newAssociationId"), main_assoc);
  EXPECT_EQ(MainTable(vpc), next);
  EXPECT_EQ(Call("DeleteRouteTable", "RouteTableId=" + main).status, 200);
}

TEST_F(Ec2Net, InternetGatewayAttachments) {
  std::string a = Vpc(), b = Vpc("10.1.0.0%2F16");
  std::string igw = AttachedIgw(a);
  ExpectError(Call("AttachInternetGateway", "InternetGatewayId=" + igw + "&VpcId=" + b), 400,
              "Resource.AlreadyAssociated");
  ExpectError(Call("DetachInternetGateway", "InternetGatewayId=" + igw + "&VpcId=" + b), 400, "Gateway.NotAttached");
  ExpectError(Call("DeleteInternetGateway", "InternetGatewayId=" + igw), 400, "DependencyViolation");
  ExpectError(Call("DeleteVpc", "VpcId=" + a), 400, "DependencyViolation");
  auto d = Call("DescribeInternetGateways", "Filter.1.Name=attachment.vpc-id&Filter.1.Value.1=" + a);
  EXPECT_EQ(Tag(d.body, "internetGatewayId"), igw);
  EXPECT_EQ(Tag(d.body, "state"), "available");
  ASSERT_EQ(Call("DetachInternetGateway", "InternetGatewayId=" + igw + "&VpcId=" + a).status, 200);
  EXPECT_EQ(Call("DeleteInternetGateway", "InternetGatewayId=" + igw).status, 200);
  EXPECT_EQ(Call("DeleteVpc", "VpcId=" + a).status, 200);
  ExpectError(Call("DescribeInternetGateways", "InternetGatewayId.1=" + igw), 400, "InvalidInternetGatewayID.NotFound");
}

TEST_F(Ec2Net, NatGatewayLifeCycle) {
  std::string vpc = Vpc();
  std::string subnet = Subnet(vpc, "10.0.1.0%2F24");
  auto eip = Call("AllocateAddress", "Domain=vpc");
  ASSERT_EQ(eip.status, 200) << eip.body;
  std::string alloc = Tag(eip.body, "allocationId");
  std::string public_ip = Tag(eip.body, "publicIp");
  EXPECT_EQ(public_ip.rfind("198.51.100.", 0) == 0 || public_ip.rfind("203.0.113.", 0) == 0, true) << public_ip;

  // Without an internet gateway a public NAT gateway fails, as on AWS.
  auto failed = Call("CreateNatGateway", "SubnetId=" + subnet + "&AllocationId=" + alloc);
  ASSERT_EQ(failed.status, 200) << failed.body;
  EXPECT_EQ(Tag(failed.body, "state"), "failed");
  EXPECT_EQ(Tag(failed.body, "failureCode"), "Gateway.NotAttached");

  AttachedIgw(vpc);
  auto nat = Call("CreateNatGateway", "SubnetId=" + subnet + "&AllocationId=" + alloc +
                                          "&TagSpecification.1.ResourceType=natgateway&TagSpecification.1.Tag.1.Key=Name"
                                          "&TagSpecification.1.Tag.1.Value=a");
  ASSERT_EQ(nat.status, 200) << nat.body;
  std::string nat_id = Tag(nat.body, "natGatewayId");
  EXPECT_EQ(Tag(nat.body, "state"), "pending");
  EXPECT_EQ(Tag(nat.body, "publicIp"), public_ip);
  EXPECT_EQ(Tag(nat.body, "privateIp"), "10.0.1.4");
  clock_.Advance(2000);
  auto d = Call("DescribeNatGateways", "NatGatewayId.1=" + nat_id);
  EXPECT_EQ(Tag(d.body, "state"), "available") << d.body;
  auto by_filter = Call("DescribeNatGateways", "Filter.1.Name=tag:Name&Filter.1.Value.1=a");
  EXPECT_EQ(Tag(by_filter.body, "natGatewayId"), nat_id) << by_filter.body;

  // Its interface, in its subnet, carries the address.
  auto eni = Call("DescribeNetworkInterfaces", "Filter.1.Name=interface-type&Filter.1.Value.1=nat_gateway");
  EXPECT_EQ(Tag(eni.body, "subnetId"), subnet);
  EXPECT_EQ(Tag(eni.body, "publicIp"), public_ip) << eni.body;
  EXPECT_EQ(Tag(eni.body, "requesterManaged"), "true");
  auto addr = Call("DescribeAddresses", "AllocationId.1=" + alloc);
  EXPECT_EQ(Tag(addr.body, "privateIpAddress"), "10.0.1.4") << addr.body;
  ExpectError(Call("ReleaseAddress", "AllocationId=" + alloc), 400, "InvalidIPAddress.InUse");

  std::string rtb = MainTable(vpc);
  ASSERT_EQ(Call("CreateRoute", "RouteTableId=" + rtb + "&DestinationCidrBlock=0.0.0.0%2F0&NatGatewayId=" + nat_id).status,
            200);
  ASSERT_EQ(Call("DeleteNatGateway", "NatGatewayId=" + nat_id).status, 200);
  EXPECT_EQ(Tag(Call("DescribeNatGateways", "NatGatewayId.1=" + nat_id).body, "state"), "deleting");
  clock_.Advance(2000);
  EXPECT_EQ(Tag(Call("DescribeNatGateways", "NatGatewayId.1=" + nat_id).body, "state"), "deleted");
  auto routes = Call("DescribeRouteTables", "RouteTableId.1=" + rtb);
  EXPECT_NE(routes.body.find("<state>blackhole</state>"), std::string::npos) << routes.body;
  EXPECT_EQ(Call("ReleaseAddress", "AllocationId=" + alloc).status, 200);
  EXPECT_EQ(Tag(Call("DescribeNetworkInterfaces", "Filter.1.Name=subnet-id&Filter.1.Value.1=" + subnet).body,
                "networkInterfaceId"),
            "");
  ExpectError(Call("DescribeAddresses", "AllocationId.1=" + alloc), 400, "InvalidAllocationID.NotFound");
}

TEST_F(Ec2Net, ElasticIpOnAnInterface) {
  std::string vpc = Vpc();
  std::string subnet = Subnet(vpc, "10.0.1.0%2F24");
  std::string eni = Tag(Call("CreateNetworkInterface", "SubnetId=" + subnet).body, "networkInterfaceId");
  std::string alloc = Tag(Call("AllocateAddress", "Domain=vpc").body, "allocationId");
  ExpectError(Call("AssociateAddress", "AllocationId=" + alloc + "&NetworkInterfaceId=" + eni), 400,
              "Gateway.NotAttached");
  AttachedIgw(vpc);
  auto a = Call("AssociateAddress", "AllocationId=" + alloc + "&NetworkInterfaceId=" + eni);
  ASSERT_EQ(a.status, 200) << a.body;
  std::string assoc = Tag(a.body, "associationId");
  ExpectError(Call("AssociateAddress", "AllocationId=" + alloc + "&NetworkInterfaceId=" + eni), 400,
              "Resource.AlreadyAssociated");
  auto f = Call("DescribeAddresses", "Filter.1.Name=network-interface-id&Filter.1.Value.1=" + eni);
  EXPECT_EQ(Tag(f.body, "associationId"), assoc) << f.body;
  auto attr = Call("DescribeAddressesAttribute", "AllocationId.1=" + alloc + "&Attribute=domain-name");
  ASSERT_EQ(attr.status, 200) << attr.body;
  EXPECT_EQ(Tag(attr.body, "allocationId"), alloc);
  ASSERT_EQ(Call("DisassociateAddress", "AssociationId=" + assoc).status, 200);
  EXPECT_EQ(Tag(Call("DescribeAddresses", "AllocationId.1=" + alloc).body, "associationId"), "");
  ExpectError(Call("DisassociateAddress", "AssociationId=" + assoc), 400, "InvalidAssociationID.NotFound");
  // The address stays the allocation's across a restart.
  std::string ip = Tag(Call("DescribeAddresses", "AllocationId.1=" + alloc).body, "publicIp");
  Restart();
  EXPECT_EQ(Tag(Call("DescribeAddresses", "AllocationId.1=" + alloc).body, "publicIp"), ip);
}

TEST_F(Ec2Net, DefaultNetworkAclRulesAsAwsCreatesThem) {
  std::string v4 = Vpc();
  auto acl = Call("DescribeNetworkAcls", "Filter.1.Name=vpc-id&Filter.1.Value.1=" + v4 +
                                             "&Filter.2.Name=default&Filter.2.Value.1=true");
  ASSERT_EQ(acl.status, 200) << acl.body;
  EXPECT_EQ(Count(acl.body, "<ruleNumber>100</ruleNumber>"), 2);
  EXPECT_EQ(Count(acl.body, "<ruleNumber>32767</ruleNumber>"), 2);
  EXPECT_EQ(Count(acl.body, "<ipv6CidrBlock>"), 0);
  std::string v6 = Vpc("10.1.0.0%2F16", "&AmazonProvidedIpv6CidrBlock=true");
  auto acl6 = Call("DescribeNetworkAcls", "Filter.1.Name=vpc-id&Filter.1.Value.1=" + v6);
  EXPECT_EQ(Count(acl6.body, "<ruleNumber>101</ruleNumber>"), 2) << acl6.body;
  EXPECT_EQ(Count(acl6.body, "<ruleNumber>32768</ruleNumber>"), 2);
  EXPECT_EQ(Count(acl6.body, "<ipv6CidrBlock>::/0</ipv6CidrBlock>"), 4);
}

TEST_F(Ec2Net, NetworkAclEntriesAndAssociations) {
  std::string vpc = Vpc();
  std::string subnet = Subnet(vpc, "10.0.1.0%2F24");
  auto def = Call("DescribeNetworkAcls", "Filter.1.Name=association.subnet-id&Filter.1.Value.1=" + subnet);
  std::string default_acl = Tag(def.body, "networkAclId");
  std::string assoc = Tag(def.body, "networkAclAssociationId");
  ASSERT_FALSE(assoc.empty()) << def.body;

  // The default ACL's rules are deleted and recreated, as Terraform's
  // aws_default_network_acl does.
  ASSERT_EQ(Call("DeleteNetworkAclEntry", "NetworkAclId=" + default_acl + "&RuleNumber=100&Egress=false").status, 200);
  ExpectError(Call("DeleteNetworkAclEntry", "NetworkAclId=" + default_acl + "&RuleNumber=100&Egress=false"), 400,
              "InvalidNetworkAclEntry.NotFound");
  ExpectError(Call("DeleteNetworkAclEntry", "NetworkAclId=" + default_acl + "&RuleNumber=32767&Egress=false"), 400,
              "InvalidParameterValue");
  ASSERT_EQ(Call("CreateNetworkAclEntry", "NetworkAclId=" + default_acl +
                                              "&RuleNumber=100&Egress=false&Protocol=-1&RuleAction=allow&CidrBlock=0.0.0.0%2F0")
                .status,
            200);

  auto created = Call("CreateNetworkAcl", "VpcId=" + vpc);
  ASSERT_EQ(created.status, 200) << created.body;
  std::string acl = Tag(created.body, "networkAclId");
  EXPECT_EQ(Tag(created.body, "default"), "false");
  EXPECT_EQ(Count(created.body, "<ruleAction>deny</ruleAction>"), 2);
  std::string entry = "NetworkAclId=" + acl + "&RuleNumber=110&Egress=false&Protocol=6&RuleAction=allow"
                      "&CidrBlock=10.0.0.0%2F8&PortRange.From=443&PortRange.To=443";
  ASSERT_EQ(Call("CreateNetworkAclEntry", entry).status, 200);
  ExpectError(Call("CreateNetworkAclEntry", entry), 400, "NetworkAclEntryAlreadyExists");
  ExpectError(Call("CreateNetworkAclEntry", "NetworkAclId=" + acl +
                                                "&RuleNumber=40000&Egress=false&Protocol=-1&RuleAction=allow&CidrBlock=0.0.0.0%2F0"),
              400, "InvalidParameterValue");
  ASSERT_EQ(Call("ReplaceNetworkAclEntry", "NetworkAclId=" + acl + "&RuleNumber=110&Egress=false&Protocol=6"
                                                                   "&RuleAction=deny&CidrBlock=10.0.0.0%2F8"
                                                                   "&PortRange.From=22&PortRange.To=22")
                .status,
            200);
  auto entries = Call("DescribeNetworkAcls", "NetworkAclId.1=" + acl + "&Filter.1.Name=entry.port-range.from&Filter.1.Value.1=22");
  EXPECT_EQ(Tag(entries.body, "networkAclId"), acl) << entries.body;

  auto moved = Call("ReplaceNetworkAclAssociation", "AssociationId=" + assoc + "&NetworkAclId=" + acl);
  ASSERT_EQ(moved.status, 200) << moved.body;
  std::string new_assoc = Tag(moved.body, "newAssociationId");
  auto now = Call("DescribeNetworkAcls", "Filter.1.Name=association.subnet-id&Filter.1.Value.1=" + subnet);
  EXPECT_EQ(Tag(now.body, "networkAclId"), acl);
  EXPECT_EQ(Count(now.body, "<networkAclId>"), 1 + 1) << now.body;  // the ACL and its one association
  ExpectError(Call("DeleteNetworkAcl", "NetworkAclId=" + acl), 400, "DependencyViolation");
  ExpectError(Call("DeleteNetworkAcl", "NetworkAclId=" + default_acl), 400, "InvalidParameterValue");
  ASSERT_EQ(Call("ReplaceNetworkAclAssociation", "AssociationId=" + new_assoc + "&NetworkAclId=" + default_acl).status,
            200);
  EXPECT_EQ(Call("DeleteNetworkAcl", "NetworkAclId=" + acl).status, 200);
}

TEST_F(Ec2Net, DhcpOptionsSets) {
  std::string vpc = Vpc();
  std::string default_set = Tag(Call("DescribeVpcs", "VpcId.1=" + vpc).body, "dhcpOptionsId");
  auto def = Call("DescribeDhcpOptions", "DhcpOptionsId.1=" + default_set);
  ASSERT_EQ(def.status, 200) << def.body;
  EXPECT_NE(def.body.find("AmazonProvidedDNS"), std::string::npos);
  auto created = Call("CreateDhcpOptions",
                      "DhcpConfiguration.1.Key=domain-name&DhcpConfiguration.1.Value.1=corp.example"
                      "&DhcpConfiguration.2.Key=domain-name-servers&DhcpConfiguration.2.Value.1=AmazonProvidedDNS");
  ASSERT_EQ(created.status, 200) << created.body;
  std::string id = Tag(created.body, "dhcpOptionsId");
  ASSERT_EQ(Call("AssociateDhcpOptions", "DhcpOptionsId=" + id + "&VpcId=" + vpc).status, 200);
  EXPECT_EQ(Tag(Call("DescribeVpcs", "VpcId.1=" + vpc).body, "dhcpOptionsId"), id);
  ExpectError(Call("DeleteDhcpOptions", "DhcpOptionsId=" + id), 400, "DependencyViolation");
  auto by_value = Call("DescribeDhcpOptions", "Filter.1.Name=value&Filter.1.Value.1=corp.example");
  EXPECT_EQ(Tag(by_value.body, "dhcpOptionsId"), id);
  ASSERT_EQ(Call("AssociateDhcpOptions", "DhcpOptionsId=default&VpcId=" + vpc).status, 200);
  EXPECT_EQ(Call("DeleteDhcpOptions", "DhcpOptionsId=" + id).status, 200);
  ExpectError(Call("DescribeDhcpOptions", "DhcpOptionsId.1=" + id), 400, "InvalidDhcpOptionID.NotFound");
  ExpectError(Call("CreateDhcpOptions", "DhcpConfiguration.1.Key=bogus&DhcpConfiguration.1.Value.1=x"), 400,
              "InvalidParameterValue");
}

TEST_F(Ec2Net, FlowLogsIntoCloudWatchAndS3) {
  std::string vpc = Vpc();
  auto cw = Call("CreateFlowLogs", "ResourceId.1=" + vpc + "&ResourceId.2=vpc-0000000000000dead&ResourceType=VPC"
                                                           "&TrafficType=ALL&LogDestinationType=cloud-watch-logs"
                                                           "&LogDestination=arn%3Aaws%3Alogs%3Aus-east-1%3A000000000000%3Alog-group%3A%2Fvpc%2Fflow"
                                                           "&DeliverLogsPermissionArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fflow"
                                                           "&MaxAggregationInterval=60");
  ASSERT_EQ(cw.status, 200) << cw.body;
  std::string id = Tag(cw.body, "item");
  ASSERT_EQ(id.rfind("fl-", 0), 0u) << cw.body;
  EXPECT_EQ(Tag(cw.body, "code"), "InvalidVpcID.NotFound") << cw.body;
  ExpectError(Call("CreateFlowLogs", "ResourceId.1=" + vpc + "&ResourceType=VPC&TrafficType=ALL&LogGroupName=x"), 400,
              "InvalidParameter");
  auto s3 = Call("CreateFlowLogs", "ResourceId.1=" + vpc + "&ResourceType=VPC&TrafficType=REJECT&LogDestinationType=s3"
                                                           "&LogDestination=arn%3Aaws%3As3%3A%3A%3Aflow-bucket");
  ASSERT_EQ(s3.status, 200) << s3.body;
  auto d = Call("DescribeFlowLogs", "FlowLogId.1=" + id);
  EXPECT_EQ(Tag(d.body, "logGroupName"), "/vpc/flow") << d.body;
  EXPECT_EQ(Tag(d.body, "maxAggregationInterval"), "60");
  EXPECT_EQ(Tag(d.body, "flowLogStatus"), "ACTIVE");
  auto by_type = Call("DescribeFlowLogs", "Filter.1.Name=log-destination-type&Filter.1.Value.1=s3");
  EXPECT_EQ(Tag(by_type.body, "fileFormat"), "plain-text") << by_type.body;
  EXPECT_EQ(Count(by_type.body, "<flowLogId>"), 1);
  ASSERT_EQ(Call("CreateTags", "ResourceId.1=" + id + "&Tag.1.Key=team&Tag.1.Value=net").status, 200);
  auto tags = Call("DescribeTags", "Filter.1.Name=resource-type&Filter.1.Value.1=vpc-flow-log");
  EXPECT_EQ(Tag(tags.body, "resourceId"), id) << tags.body;
  auto del = Call("DeleteFlowLogs", "FlowLogId.1=" + id + "&FlowLogId.2=fl-0000dead");
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(Tag(del.body, "code"), "InvalidFlowLogId.NotFound");
  EXPECT_EQ(Count(Call("DescribeFlowLogs", "").body, "<flowLogId>"), 1);
}

TEST_F(Ec2Net, TagsCoverTheNewResources) {
  std::string vpc = Vpc();
  std::string igw = Tag(Call("CreateInternetGateway", "").body, "internetGatewayId");
  std::string alloc = Tag(Call("AllocateAddress", "").body, "allocationId");
  std::string eigw = Tag(Call("CreateEgressOnlyInternetGateway", "VpcId=" + vpc).body, "egressOnlyInternetGatewayId");
  for (const std::string& id : {igw, alloc, eigw}) {
    ASSERT_EQ(Call("CreateTags", "ResourceId.1=" + id + "&Tag.1.Key=env&Tag.1.Value=dev").status, 200) << id;
  }
  auto t = Call("DescribeTags", "Filter.1.Name=key&Filter.1.Value.1=env");
  for (const char* type : {"internet-gateway", "elastic-ip", "egress-only-internet-gateway"})
    EXPECT_NE(t.body.find(std::string("<resourceType>") + type + "</resourceType>"), std::string::npos) << t.body;
  ExpectError(Call("CreateTags", "ResourceId.1=nat-0000000000000dead&Tag.1.Key=a&Tag.1.Value=b"), 400,
              "NatGatewayNotFound");
}

TEST_F(Ec2Net, DeletingASubnetDropsItsRouteTableAssociation) {
  std::string vpc = Vpc();
  std::string subnet = Subnet(vpc, "10.0.1.0%2F24");
  std::string rtb = Tag(Call("CreateRouteTable", "VpcId=" + vpc).body, "routeTableId");
  ASSERT_EQ(Call("AssociateRouteTable", "RouteTableId=" + rtb + "&SubnetId=" + subnet).status, 200);
  ASSERT_EQ(Call("DeleteSubnet", "SubnetId=" + subnet).status, 200);
  EXPECT_EQ(Call("DeleteRouteTable", "RouteTableId=" + rtb).status, 200);
  EXPECT_EQ(Call("DeleteVpc", "VpcId=" + vpc).status, 200);
}

TEST_F(Ec2Net, VpcGoesOnlyWithoutItsOwnTablesAndAcls) {
  std::string vpc = Vpc();
  std::string rtb = Tag(Call("CreateRouteTable", "VpcId=" + vpc).body, "routeTableId");
  std::string acl = Tag(Call("CreateNetworkAcl", "VpcId=" + vpc).body, "networkAclId");
  ASSERT_EQ(Call("CreateFlowLogs", "ResourceId.1=" + vpc + "&ResourceType=VPC&TrafficType=ALL&LogDestinationType=s3"
                                                          "&LogDestination=arn%3Aaws%3As3%3A%3A%3Aflow-bucket")
                .status,
            200);
  ExpectError(Call("DeleteVpc", "VpcId=" + vpc), 400, "DependencyViolation");
  ASSERT_EQ(Call("DeleteRouteTable", "RouteTableId=" + rtb).status, 200);
  ExpectError(Call("DeleteVpc", "VpcId=" + vpc), 400, "DependencyViolation");
  ASSERT_EQ(Call("DeleteNetworkAcl", "NetworkAclId=" + acl).status, 200);
  ASSERT_EQ(Call("DeleteVpc", "VpcId=" + vpc).status, 200);
  // What came with the VPC, and its flow logs, went with it.
  EXPECT_EQ(Count(Call("DescribeRouteTables", "").body, "<routeTableId>"), 0);
  EXPECT_EQ(Count(Call("DescribeNetworkAcls", "").body, "<networkAclId>"), 0);
  EXPECT_EQ(Count(Call("DescribeFlowLogs", "").body, "<flowLogId>"), 0);
}

}  // namespace
}  // namespace fargo::services
