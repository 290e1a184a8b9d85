"""EC2 networking through boto3 and the aws CLI: VPCs with what AWS creates
alongside them, subnets, security groups and rules, filters, geography,
error codes, and durability across kill -9."""
import unittest

from fargo_harness import FargoTestCase, ClientError


def names(resources, key):
    return sorted(r[key] for r in resources)


class Ec2Test(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ec2 = cls.fargo.client("ec2")

    def vpc(self, cidr="10.0.0.0/16", name=None):
        kw = {}
        if name:
            kw["TagSpecifications"] = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}]
        return self.ec2.create_vpc(CidrBlock=cidr, **kw)["Vpc"]

    # ---- VPCs ---------------------------------------------------------------

    def test_vpc_with_defaults(self):
        vpc = self.vpc("10.1.0.0/16", name="defaults")
        vid = vpc["VpcId"]
        self.assertRegex(vid, r"^vpc-[0-9a-f]{17}$")
        self.assertEqual(vpc["State"], "available")
        self.assertEqual(vpc["CidrBlock"], "10.1.0.0/16")
        self.assertFalse(vpc["IsDefault"])
        self.assertEqual(vpc["InstanceTenancy"], "default")
        self.assertEqual(vpc["OwnerId"], "000000000000")
        self.assertTrue(vpc["DhcpOptionsId"].startswith("dopt-"))
        self.assertEqual(vpc["CidrBlockAssociationSet"][0]["CidrBlock"], "10.1.0.0/16")
        self.assertEqual(vpc["Tags"], [{"Key": "Name", "Value": "defaults"}])

        sgs = self.ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "group-name", "Values": ["default"]}])
        self.assertEqual(len(sgs["SecurityGroups"]), 1)
        sg = sgs["SecurityGroups"][0]
        self.assertEqual(sg["Description"], "default VPC security group")
        self.assertEqual(sg["IpPermissions"][0]["IpProtocol"], "-1")
        self.assertEqual(sg["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"], sg["GroupId"])
        self.assertEqual(sg["IpPermissionsEgress"][0]["IpRanges"], [{"CidrIp": "0.0.0.0/0"}])

        acls = self.ec2.describe_network_acls(
            Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "default", "Values": ["true"]}])["NetworkAcls"]
        self.assertEqual(len(acls), 1)
        entries = acls[0]["Entries"]
        self.assertEqual(sorted((e["Egress"], e["RuleNumber"], e["RuleAction"]) for e in entries),
                         [(False, 100, "allow"), (False, 32767, "deny"), (True, 100, "allow"), (True, 32767, "deny")])

        rtbs = self.ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vid]},
                     {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
        self.assertEqual(len(rtbs), 1)
        self.assertTrue(rtbs[0]["Associations"][0]["Main"])
        self.assertEqual(rtbs[0]["Routes"][0]["DestinationCidrBlock"], "10.1.0.0/16")
        self.assertEqual(rtbs[0]["Routes"][0]["GatewayId"], "local")

        attr = self.ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsSupport")
        self.assertTrue(attr["EnableDnsSupport"]["Value"])
        attr = self.ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsHostnames")
        self.assertFalse(attr["EnableDnsHostnames"]["Value"])
        attr = self.ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableNetworkAddressUsageMetrics")
        self.assertFalse(attr["EnableNetworkAddressUsageMetrics"]["Value"])
        self.ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
        attr = self.ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsHostnames")
        self.assertTrue(attr["EnableDnsHostnames"]["Value"])

        # Deleting the VPC takes its defaults with it.
        self.ec2.delete_vpc(VpcId=vid)
        self.assertAwsError("InvalidVpcID.NotFound", self.ec2.describe_vpcs, VpcIds=[vid])
        self.assertEqual(self.ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [vid]}])["SecurityGroups"], [])
        self.assertEqual(self.ec2.describe_network_acls(
            Filters=[{"Name": "vpc-id", "Values": [vid]}])["NetworkAcls"], [])
        self.assertEqual(self.ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vid]}])["RouteTables"], [])

    def test_vpc_cidr_validation(self):
        self.assertAwsError("InvalidVpc.Range", self.ec2.create_vpc, CidrBlock="10.0.0.0/8")
        self.assertAwsError("InvalidVpc.Range", self.ec2.create_vpc, CidrBlock="10.0.0.0/29")
        self.assertAwsError("InvalidParameterValue", self.ec2.create_vpc, CidrBlock="10.0.0.300/16")
        self.assertAwsError("InvalidParameterValue", self.ec2.create_vpc, CidrBlock="banana")
        self.assertAwsError("MissingParameter", self.ec2.create_vpc)

    def test_dependency_violation(self):
        vid = self.vpc("10.2.0.0/16")["VpcId"]
        sub = self.ec2.create_subnet(VpcId=vid, CidrBlock="10.2.1.0/24")["Subnet"]
        self.assertAwsError("DependencyViolation", self.ec2.delete_vpc, VpcId=vid)
        self.ec2.delete_subnet(SubnetId=sub["SubnetId"])
        sg = self.ec2.create_security_group(GroupName="dep", Description="d", VpcId=vid)["GroupId"]
        self.assertAwsError("DependencyViolation", self.ec2.delete_vpc, VpcId=vid)
        self.ec2.delete_security_group(GroupId=sg)
        self.ec2.delete_vpc(VpcId=vid)

    # ---- subnets ---------------------------------------------------------------

    def test_subnets(self):
        vid = self.vpc("10.3.0.0/16")["VpcId"]
        s = self.ec2.create_subnet(VpcId=vid, CidrBlock="10.3.1.0/24", AvailabilityZone="us-east-1b",
                                   TagSpecifications=[{"ResourceType": "subnet",
                                                       "Tags": [{"Key": "tier", "Value": "app"}]}])["Subnet"]
        self.assertRegex(s["SubnetId"], r"^subnet-[0-9a-f]{17}$")
        self.assertEqual(s["AvailabilityZone"], "us-east-1b")
        self.assertEqual(s["AvailabilityZoneId"], "use1-az2")
        self.assertEqual(s["AvailableIpAddressCount"], 251)
        self.assertFalse(s["MapPublicIpOnLaunch"])
        self.assertFalse(s["DefaultForAz"])
        self.assertEqual(s["SubnetArn"], f"arn:aws:ec2:us-east-1:000000000000:subnet/{s['SubnetId']}")
        s2 = self.ec2.create_subnet(VpcId=vid, CidrBlock="10.3.2.0/28", AvailabilityZoneId="use1-az3")["Subnet"]
        self.assertEqual(s2["AvailabilityZone"], "us-east-1c")
        self.assertEqual(s2["AvailableIpAddressCount"], 11)
        s3 = self.ec2.create_subnet(VpcId=vid, CidrBlock="10.3.3.0/24")["Subnet"]
        self.assertIn(s3["AvailabilityZone"], ["us-east-1a", "us-east-1b", "us-east-1c"])

        self.assertAwsError("InvalidSubnet.Range", self.ec2.create_subnet, VpcId=vid, CidrBlock="10.4.0.0/24")
        self.assertAwsError("InvalidSubnet.Range", self.ec2.create_subnet, VpcId=vid, CidrBlock="10.3.0.0/29")
        self.assertAwsError("InvalidSubnet.Conflict", self.ec2.create_subnet, VpcId=vid, CidrBlock="10.3.1.128/25")
        self.assertAwsError("InvalidSubnet.Conflict", self.ec2.create_subnet, VpcId=vid, CidrBlock="10.3.0.0/22")
        self.assertAwsError("InvalidParameterValue", self.ec2.create_subnet, VpcId=vid, CidrBlock="10.3.9.0/24",
                            AvailabilityZone="us-west-2a")
        self.assertAwsError("InvalidVpcID.NotFound", self.ec2.create_subnet, VpcId="vpc-00000000000000000",
                            CidrBlock="10.3.9.0/24")

        got = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vid]}])["Subnets"]
        self.assertEqual(len(got), 3)
        got = self.ec2.describe_subnets(Filters=[{"Name": "availability-zone", "Values": ["us-east-1b"]},
                                                 {"Name": "vpc-id", "Values": [vid]}])["Subnets"]
        self.assertEqual([x["SubnetId"] for x in got], [s["SubnetId"]])
        got = self.ec2.describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.3.2.0/28"]}])["Subnets"]
        self.assertEqual([x["SubnetId"] for x in got], [s2["SubnetId"]])
        got = self.ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
        self.assertEqual(got, [])
        got = self.ec2.describe_subnets(Filters=[{"Name": "tag:tier", "Values": ["ap?"]}])["Subnets"]
        self.assertEqual([x["SubnetId"] for x in got], [s["SubnetId"]])

        self.ec2.modify_subnet_attribute(SubnetId=s["SubnetId"], MapPublicIpOnLaunch={"Value": True})
        got = self.ec2.describe_subnets(SubnetIds=[s["SubnetId"]])["Subnets"][0]
        self.assertTrue(got["MapPublicIpOnLaunch"])

        # The default network ACL is associated with every subnet.
        acl = self.ec2.describe_network_acls(
            Filters=[{"Name": "association.subnet-id", "Values": [s["SubnetId"]]}])["NetworkAcls"]
        self.assertEqual(len(acl), 1)
        self.assertTrue(acl[0]["IsDefault"])

        for x in (s, s2, s3):
            self.ec2.delete_subnet(SubnetId=x["SubnetId"])
        self.assertAwsError("InvalidSubnetID.NotFound", self.ec2.delete_subnet, SubnetId=s["SubnetId"])
        self.assertAwsError("InvalidSubnetID.NotFound", self.ec2.describe_subnets, SubnetIds=[s["SubnetId"]])

    # ---- security groups ----------------------------------------------------------

    def test_security_groups_and_rules(self):
        vid = self.vpc("10.5.0.0/16")["VpcId"]
        created = self.ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vid,
                                                 TagSpecifications=[{"ResourceType": "security-group",
                                                                     "Tags": [{"Key": "Name", "Value": "web"}]}])
        gid = created["GroupId"]
        self.assertRegex(gid, r"^sg-[0-9a-f]{17}$")
        self.assertAwsError("InvalidGroup.Duplicate", self.ec2.create_security_group, GroupName="web",
                            Description="again", VpcId=vid)
        other = self.ec2.create_security_group(GroupName="db", Description="db tier", VpcId=vid)["GroupId"]

        sg = self.ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
        self.assertEqual(sg["GroupName"], "web")
        self.assertEqual(sg["IpPermissions"], [])
        self.assertEqual(sg["IpPermissionsEgress"][0]["IpProtocol"], "-1")
        self.assertEqual(sg["IpPermissionsEgress"][0]["IpRanges"], [{"CidrIp": "0.0.0.0/0"}])

        res = self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}],
             "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
             "UserIdGroupPairs": [{"GroupId": other, "Description": "from db"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "PrefixListIds": [{"PrefixListId": "pl-12345678"}]},
        ])
        self.assertTrue(res["Return"])
        self.assertEqual(len(res["SecurityGroupRules"]), 4)
        for r in res["SecurityGroupRules"]:
            self.assertRegex(r["SecurityGroupRuleId"], r"^sgr-[0-9a-f]{17}$")
            self.assertFalse(r["IsEgress"])

        sg = self.ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
        perms = {p["FromPort"]: p for p in sg["IpPermissions"]}
        self.assertEqual(perms[443]["IpRanges"], [{"CidrIp": "0.0.0.0/0", "Description": "https"}])
        self.assertEqual(perms[443]["Ipv6Ranges"], [{"CidrIpv6": "::/0"}])
        self.assertEqual(perms[8080]["UserIdGroupPairs"][0]["GroupId"], other)
        self.assertEqual(perms[8080]["UserIdGroupPairs"][0]["Description"], "from db")
        self.assertEqual(perms[22]["PrefixListIds"], [{"PrefixListId": "pl-12345678"}])

        self.assertAwsError("InvalidPermission.Duplicate", self.ec2.authorize_security_group_ingress,
                            GroupId=gid, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                                         "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.assertAwsError("InvalidPermission.NotFound", self.ec2.revoke_security_group_ingress,
                            GroupId=gid, IpPermissions=[{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
                                                         "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

        self.ec2.update_security_group_rule_descriptions_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "tls"}]}])
        sg = self.ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
        perms = {p["FromPort"]: p for p in sg["IpPermissions"]}
        self.assertEqual(perms[443]["IpRanges"], [{"CidrIp": "0.0.0.0/0", "Description": "tls"}])

        # Terraform replaces the default egress rule with its own.
        self.ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.5.0.0/16"}]}])
        sg = self.ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
        self.assertEqual(len(sg["IpPermissionsEgress"]), 1)
        self.assertEqual(sg["IpPermissionsEgress"][0]["FromPort"], 5432)

        rules = self.ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [gid]}])["SecurityGroupRules"]
        self.assertEqual(len(rules), 5)
        by_id = self.ec2.describe_security_group_rules(
            SecurityGroupRuleIds=[rules[0]["SecurityGroupRuleId"]])["SecurityGroupRules"]
        self.assertEqual(len(by_id), 1)
        revoked = self.ec2.revoke_security_group_ingress(
            GroupId=gid, SecurityGroupRuleIds=[r["SecurityGroupRuleId"] for r in rules
                                               if not r["IsEgress"] and r.get("FromPort") == 22])
        self.assertTrue(revoked["Return"])

        # Filters on names, ids and rule peers.
        got = self.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web", "db"]},
                                                         {"Name": "vpc-id", "Values": [vid]}])
        self.assertEqual(names(got["SecurityGroups"], "GroupName"), ["db", "web"])
        got = self.ec2.describe_security_groups(Filters=[{"Name": "ip-permission.from-port", "Values": ["443"]}])
        self.assertEqual([g["GroupId"] for g in got["SecurityGroups"]], [gid])
        got = self.ec2.describe_security_groups(GroupNames=["db"])
        self.assertEqual([g["GroupId"] for g in got["SecurityGroups"]], [other])

        # A group another group refers to cannot go; the default group never can.
        self.assertAwsError("DependencyViolation", self.ec2.delete_security_group, GroupId=other)
        default = self.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vid]},
                                                             {"Name": "group-name", "Values": ["default"]}])
        self.assertAwsError("CannotDelete", self.ec2.delete_security_group,
                            GroupId=default["SecurityGroups"][0]["GroupId"])
        self.ec2.delete_security_group(GroupId=gid)
        self.ec2.delete_security_group(GroupId=other)
        self.assertAwsError("InvalidGroup.NotFound", self.ec2.describe_security_groups, GroupIds=[gid])
        self.assertAwsError("InvalidGroup.NotFound", self.ec2.delete_security_group, GroupId=gid)
        self.ec2.delete_vpc(VpcId=vid)

    # ---- filters, tags, interfaces ------------------------------------------------

    def test_filters_with_tag_wildcards(self):
        a = self.vpc("10.6.0.0/16", name="filt-prod-1")["VpcId"]
        b = self.vpc("10.7.0.0/16", name="filt-prod-22")["VpcId"]
        c = self.vpc("10.8.0.0/16", name="filt-dev")["VpcId"]
        got = self.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["filt-prod-*"]}])["Vpcs"]
        self.assertEqual(sorted(v["VpcId"] for v in got), sorted([a, b]))
        got = self.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["filt-prod-?"]}])["Vpcs"]
        self.assertEqual([v["VpcId"] for v in got], [a])
        got = self.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["filt-dev", "filt-prod-1"]}])["Vpcs"]
        self.assertEqual(sorted(v["VpcId"] for v in got), sorted([a, c]))
        got = self.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["filt-*"]},
                                              {"Name": "cidr-block", "Values": ["10.8.0.0/16"]}])["Vpcs"]
        self.assertEqual([v["VpcId"] for v in got], [c])
        got = self.ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["false"]},
                                              {"Name": "vpc-id", "Values": [a]}])["Vpcs"]
        self.assertEqual([v["VpcId"] for v in got], [a])
        err = self.assertAwsError("InvalidParameterValue", self.ec2.describe_vpcs,
                                  Filters=[{"Name": "flavour", "Values": ["x"]}])
        self.assertIn("The filter 'flavour' is invalid", err["Error"]["Message"])

        # Tags: add, overwrite, describe, delete.
        self.ec2.create_tags(Resources=[a, c], Tags=[{"Key": "env", "Value": "x"}])
        self.ec2.create_tags(Resources=[a], Tags=[{"Key": "env", "Value": "y"}])
        got = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [a]}])["Tags"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in got), [("Name", "filt-prod-1"), ("env", "y")])
        self.assertEqual(got[0]["ResourceType"], "vpc")
        got = self.ec2.describe_vpcs(Filters=[{"Name": "tag-key", "Values": ["env"]}])["Vpcs"]
        self.assertEqual(sorted(v["VpcId"] for v in got), sorted([a, c]))
        self.ec2.delete_tags(Resources=[a], Tags=[{"Key": "env"}])
        got = self.ec2.describe_vpcs(VpcIds=[a])["Vpcs"][0]
        self.assertEqual(got["Tags"], [{"Key": "Name", "Value": "filt-prod-1"}])
        self.assertAwsError("InvalidVpcID.NotFound", self.ec2.create_tags, Resources=["vpc-00000000000000000"],
                            Tags=[{"Key": "k", "Value": "v"}])
        self.assertAwsError("InvalidID", self.ec2.create_tags, Resources=["bogus-1"],
                            Tags=[{"Key": "k", "Value": "v"}])
        for v in (a, b, c):
            self.ec2.delete_vpc(VpcId=v)

    def test_network_interfaces(self):
        self.assertEqual(self.ec2.describe_network_interfaces(
            Filters=[{"Name": "group-id", "Values": ["sg-0"]},
                     {"Name": "description", "Values": ["AWS Lambda VPC ENI*"]}])["NetworkInterfaces"], [])
        vid = self.vpc("10.9.0.0/16")["VpcId"]
        sub = self.ec2.create_subnet(VpcId=vid, CidrBlock="10.9.0.0/28")["Subnet"]["SubnetId"]
        eni = self.ec2.create_network_interface(SubnetId=sub, Description="task eni")["NetworkInterface"]
        self.assertRegex(eni["NetworkInterfaceId"], r"^eni-[0-9a-f]{17}$")
        self.assertEqual(eni["PrivateIpAddress"], "10.9.0.4")
        self.assertEqual(eni["Groups"][0]["GroupName"], "default")
        self.assertEqual(self.ec2.describe_subnets(SubnetIds=[sub])["Subnets"][0]["AvailableIpAddressCount"], 10)
        got = self.ec2.describe_network_interfaces(
            Filters=[{"Name": "subnet-id", "Values": [sub]}])["NetworkInterfaces"]
        self.assertEqual([e["NetworkInterfaceId"] for e in got], [eni["NetworkInterfaceId"]])
        self.assertAwsError("DependencyViolation", self.ec2.delete_subnet, SubnetId=sub)
        self.ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
        self.assertAwsError("InvalidNetworkInterfaceID.NotFound", self.ec2.describe_network_interfaces,
                            NetworkInterfaceIds=[eni["NetworkInterfaceId"]])
        self.ec2.delete_subnet(SubnetId=sub)
        self.ec2.delete_vpc(VpcId=vid)

    # ---- geography and account --------------------------------------------------------

    def test_zones_regions_account(self):
        zones = self.ec2.describe_availability_zones()["AvailabilityZones"]
        self.assertEqual([z["ZoneName"] for z in zones], ["us-east-1a", "us-east-1b", "us-east-1c"])
        self.assertEqual([z["ZoneId"] for z in zones], ["use1-az1", "use1-az2", "use1-az3"])
        for z in zones:
            self.assertEqual(z["State"], "available")
            self.assertEqual(z["RegionName"], "us-east-1")
            self.assertEqual(z["ZoneType"], "availability-zone")
            self.assertEqual(z["OptInStatus"], "opt-in-not-required")
        west = self.fargo.client("ec2", region="eu-west-1").describe_availability_zones(
            Filters=[{"Name": "zone-id", "Values": ["euw1-az2"]}])["AvailabilityZones"]
        self.assertEqual([z["ZoneName"] for z in west], ["eu-west-1b"])

        regions = self.ec2.describe_regions()["Regions"]
        by_name = {r["RegionName"]: r for r in regions}
        self.assertIn("us-east-1", by_name)
        self.assertIn("eu-central-1", by_name)
        self.assertEqual(by_name["us-west-2"]["Endpoint"], "ec2.us-west-2.amazonaws.com")
        self.assertEqual(by_name["us-west-2"]["OptInStatus"], "opt-in-not-required")
        one = self.ec2.describe_regions(RegionNames=["ap-southeast-2"])["Regions"]
        self.assertEqual([r["RegionName"] for r in one], ["ap-southeast-2"])

        attrs = self.ec2.describe_account_attributes()["AccountAttributes"]
        values = {a["AttributeName"]: [v["AttributeValue"] for v in a["AttributeValues"]] for a in attrs}
        self.assertEqual(values["supported-platforms"], ["VPC"])
        self.assertEqual(values["default-vpc"], ["none"])
        self.assertIn("max-instances", values)

    def test_unknown_ids(self):
        missing = "00000000000000000"
        self.assertAwsError("InvalidVpcID.NotFound", self.ec2.describe_vpcs, VpcIds=["vpc-" + missing])
        self.assertAwsError("InvalidVpcID.NotFound", self.ec2.delete_vpc, VpcId="vpc-" + missing)
        self.assertAwsError("InvalidVpcID.NotFound", self.ec2.describe_vpc_attribute,
                            VpcId="vpc-" + missing, Attribute="enableDnsSupport")
        self.assertAwsError("InvalidSubnetID.NotFound", self.ec2.describe_subnets, SubnetIds=["subnet-" + missing])
        self.assertAwsError("InvalidGroup.NotFound", self.ec2.describe_security_groups, GroupIds=["sg-" + missing])
        self.assertAwsError("InvalidGroup.NotFound", self.ec2.describe_security_groups, GroupNames=["nope"])
        self.assertAwsError("InvalidNetworkAclID.NotFound", self.ec2.describe_network_acls,
                            NetworkAclIds=["acl-" + missing])
        self.assertAwsError("InvalidRouteTableID.NotFound", self.ec2.describe_route_tables,
                            RouteTableIds=["rtb-" + missing])
        self.assertAwsError("InvalidGroup.NotFound", self.ec2.authorize_security_group_ingress,
                            GroupId="sg-" + missing, IpPermissions=[{"IpProtocol": "-1",
                                                                     "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    def test_pagination(self):
        vids = [self.vpc(f"10.{30 + i}.0.0/16", name="paged")["VpcId"] for i in range(7)]
        first = self.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["paged"]}], MaxResults=5)
        self.assertEqual(len(first["Vpcs"]), 5)
        self.assertIn("NextToken", first)
        pages = self.ec2.get_paginator("describe_vpcs").paginate(
            Filters=[{"Name": "tag:Name", "Values": ["paged"]}], PaginationConfig={"PageSize": 5})
        self.assertEqual(sorted(v["VpcId"] for p in pages for v in p["Vpcs"]), sorted(vids))
        self.assertAwsError("InvalidPaginationToken", self.ec2.describe_vpcs, MaxResults=5, NextToken="zz")
        for v in vids:
            self.ec2.delete_vpc(VpcId=v)

    def test_regions_are_separate(self):
        vid = self.vpc("10.10.0.0/16")["VpcId"]
        west = self.fargo.client("ec2", region="us-west-2")
        self.assertAwsError("InvalidVpcID.NotFound", west.describe_vpcs, VpcIds=[vid])
        self.ec2.delete_vpc(VpcId=vid)

    # ---- aws CLI ------------------------------------------------------------------------

    def test_cli(self):
        vpc = self.fargo.aws("ec2", "create-vpc", "--cidr-block", "10.11.0.0/16",
                             "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=cli-vpc}]")["Vpc"]
        vid = vpc["VpcId"]
        sub = self.fargo.aws("ec2", "create-subnet", "--vpc-id", vid, "--cidr-block", "10.11.1.0/24")["Subnet"]
        sg = self.fargo.aws("ec2", "create-security-group", "--group-name", "cli", "--description", "cli sg",
                            "--vpc-id", vid)["GroupId"]
        self.fargo.aws("ec2", "authorize-security-group-ingress", "--group-id", sg, "--protocol", "tcp",
                       "--port", "80", "--cidr", "0.0.0.0/0")
        got = self.fargo.aws("ec2", "describe-security-groups", "--group-ids", sg)["SecurityGroups"][0]
        self.assertEqual(got["IpPermissions"][0]["FromPort"], 80)
        self.assertEqual(got["IpPermissions"][0]["IpRanges"], [{"CidrIp": "0.0.0.0/0"}])
        got = self.fargo.aws("ec2", "describe-vpcs", "--filters", "Name=tag:Name,Values=cli-*")["Vpcs"]
        self.assertEqual([v["VpcId"] for v in got], [vid])
        p = self.fargo.aws("ec2", "create-subnet", "--vpc-id", vid, "--cidr-block", "10.11.1.0/25", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("InvalidSubnet.Conflict", p.stderr)
        self.fargo.aws("ec2", "delete-security-group", "--group-id", sg)
        self.fargo.aws("ec2", "delete-subnet", "--subnet-id", sub["SubnetId"])
        self.fargo.aws("ec2", "delete-vpc", "--vpc-id", vid)
        zones = self.fargo.aws("ec2", "describe-availability-zones", region="eu-central-1")["AvailabilityZones"]
        self.assertEqual([z["ZoneId"] for z in zones], ["euc1-az1", "euc1-az2", "euc1-az3"])

    # ---- durability -------------------------------------------------------------------------

    def test_zz_durability(self):
        vid = self.vpc("10.20.0.0/16", name="durable")["VpcId"]
        sub = self.ec2.create_subnet(VpcId=vid, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
        gid = self.ec2.create_security_group(GroupName="keep", Description="k", VpcId=vid)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        self.ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
        self.ec2.create_tags(Resources=[sub], Tags=[{"Key": "k", "Value": "v"}])

        self.fargo.restart_after_kill9()
        ec2 = self.fargo.client("ec2")
        vpc = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]
        self.assertEqual(vpc["Tags"], [{"Key": "Name", "Value": "durable"}])
        self.assertTrue(ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsHostnames")
                        ["EnableDnsHostnames"]["Value"])
        subnet = ec2.describe_subnets(SubnetIds=[sub])["Subnets"][0]
        self.assertEqual(subnet["Tags"], [{"Key": "k", "Value": "v"}])
        sg = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
        self.assertEqual(sg["IpPermissions"][0]["IpRanges"], [{"CidrIp": "10.0.0.0/8"}])
        self.assertEqual(len(ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vid]}])["RouteTables"]), 1)
        self.assertEqual(len(ec2.describe_network_acls(
            Filters=[{"Name": "vpc-id", "Values": [vid]}])["NetworkAcls"]), 1)
        self.assertAwsError("InvalidSubnet.Conflict", ec2.create_subnet, VpcId=vid, CidrBlock="10.20.1.0/24")


if __name__ == "__main__":
    unittest.main()
