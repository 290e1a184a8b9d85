"""Terraform's AWS provider (5.100) applies, re-plans without drift and
destroys a VPC written as the community VPC module writes it
(examples/vpc-module-stack): three zones of public and private subnets, an
internet gateway, a NAT gateway per zone with its Elastic IP, route tables
and associations, the VPC's default network ACL / route table / security
group adopted, a dedicated network ACL, DHCP options, an egress-only internet
gateway and a flow log into CloudWatch Logs. The aws CLI reads back what
Terraform wrote."""
import json
import os
import unittest

from fargo_harness import TerraformTestCase

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class VpcModuleTerraformTest(TerraformTestCase):
    STACK_DIR = os.path.join(ROOT, "examples", "vpc-module-stack")
    REGION = "eu-west-1"

    def cli(self, *args):
        return self.fargo.aws("ec2", *args, cli="/usr/bin/aws", region=self.REGION)

    def test_apply_replan_read_back_destroy(self):
        self.apply_and_replan_clean()
        out = {k: v["value"] for k, v in json.loads(self.tf("output", "-json").stdout).items()}
        vpc = out["vpc_id"]
        by_vpc = ["--filters", f"Name=vpc-id,Values={vpc}"]

        # NAT gateways: one per zone, available, each in its public subnet
        # with its Elastic IP on a nat_gateway interface.
        nats = self.cli("describe-nat-gateways", "--nat-gateway-ids", *out["nat_gateway_ids"])["NatGateways"]
        self.assertEqual(sorted(n["State"] for n in nats), ["available"] * 3)
        self.assertEqual(sorted(n["SubnetId"] for n in nats), sorted(out["public_subnets"]))
        self.assertEqual(sorted(n["NatGatewayAddresses"][0]["PublicIp"] for n in nats), sorted(out["nat_public_ips"]))
        enis = self.cli("describe-network-interfaces", "--filters", "Name=interface-type,Values=nat_gateway",
                        f"Name=vpc-id,Values={vpc}")["NetworkInterfaces"]
        self.assertEqual(len(enis), 3)
        self.assertEqual(sorted(e["Association"]["PublicIp"] for e in enis), sorted(out["nat_public_ips"]))
        addresses = self.cli("describe-addresses")["Addresses"]
        self.assertEqual(len(addresses), 3)
        self.assertTrue(all(a["Domain"] == "vpc" and a.get("AssociationId") for a in addresses))

        # Each private subnet routes through its own zone's NAT gateway and
        # the egress-only gateway; the public ones through the internet gateway.
        for subnet, nat in zip(out["private_subnets"], out["nat_gateway_ids"]):
            table = self.cli("describe-route-tables", "--filters",
                             f"Name=association.subnet-id,Values={subnet}")["RouteTables"][0]
            routes = {r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock"): r for r in table["Routes"]}
            self.assertEqual(routes["0.0.0.0/0"]["NatGatewayId"], nat)
            self.assertEqual(routes["::/0"]["EgressOnlyInternetGatewayId"], out["eigw_id"])
            self.assertTrue(all(r["State"] == "active" for r in table["Routes"]))
        public = self.cli("describe-route-tables", "--filters", f"Name=route.gateway-id,Values={out['igw_id']}")
        self.assertEqual(len(public["RouteTables"]), 1)
        self.assertEqual(sorted(a["SubnetId"] for a in public["RouteTables"][0]["Associations"]),
                         sorted(out["public_subnets"]))
        main = self.cli("describe-route-tables", "--filters", *by_vpc[1:],
                        "Name=association.main,Values=true")["RouteTables"]
        self.assertEqual(len(main), 1)
        self.assertIn({"Key": "Name", "Value": "vpcmod-default"}, main[0]["Tags"])
        self.assertEqual({r["GatewayId"] for r in main[0]["Routes"]}, {"local"})

        igw = self.cli("describe-internet-gateways", "--internet-gateway-ids", out["igw_id"])["InternetGateways"][0]
        self.assertEqual(igw["Attachments"], [{"State": "available", "VpcId": vpc}])

        # Network ACLs: the default one as the module sets it (IPv4 and IPv6
        # allow-all plus the deny-all defaults), the public one with its rules
        # and the public subnets.
        default_acl = self.cli("describe-network-acls", "--network-acl-ids",
                               out["default_network_acl_id"])["NetworkAcls"][0]
        self.assertTrue(default_acl["IsDefault"])
        rules = sorted((e["Egress"], e["RuleNumber"], e["RuleAction"]) for e in default_acl["Entries"])
        self.assertEqual(rules, sorted([(eg, n, a) for eg in (False, True)
                                        for n, a in ((100, "allow"), (101, "allow"), (32767, "deny"), (32768, "deny"))]))
        self.assertEqual(sorted(a["SubnetId"] for a in default_acl["Associations"]), sorted(out["private_subnets"]))
        public_acl = self.cli("describe-network-acls", "--network-acl-ids",
                              out["public_network_acl_id"])["NetworkAcls"][0]
        self.assertEqual(sorted(a["SubnetId"] for a in public_acl["Associations"]), sorted(out["public_subnets"]))
        https = [e for e in public_acl["Entries"] if e["RuleNumber"] == 100 and not e["Egress"]][0]
        self.assertEqual((https["Protocol"], https["PortRange"]), ("6", {"From": 443, "To": 443}))

        default_sg = self.cli("describe-security-groups", "--filters", *by_vpc[1:],
                              "Name=group-name,Values=default")["SecurityGroups"][0]
        self.assertEqual(default_sg["IpPermissions"], [])
        self.assertEqual(default_sg["IpPermissionsEgress"], [])

        dhcp = self.cli("describe-dhcp-options", "--dhcp-options-ids", out["dhcp_options_id"])["DhcpOptions"][0]
        config = {c["Key"]: [v["Value"] for v in c["Values"]] for c in dhcp["DhcpConfigurations"]}
        self.assertEqual(config["domain-name"], ["service.internal"])
        self.assertEqual(self.cli("describe-vpcs", "--vpc-ids", vpc)["Vpcs"][0]["DhcpOptionsId"], out["dhcp_options_id"])

        flow = self.cli("describe-flow-logs", "--flow-log-ids", out["flow_log_id"])["FlowLogs"][0]
        self.assertEqual((flow["ResourceId"], flow["TrafficType"], flow["LogDestinationType"]),
                         (vpc, "ALL", "cloud-watch-logs"))
        self.assertEqual(flow["LogGroupName"], out["flow_log_group"])
        self.assertEqual(flow["DeliverLogsPermissionArn"], out["flow_log_role_arn"])
        self.assertEqual(flow["MaxAggregationInterval"], 60)

        tags = self.cli("describe-tags", "--filters", "Name=key,Values=Example")["Tags"]
        kinds = {t["ResourceType"] for t in tags}
        for kind in ("vpc", "subnet", "route-table", "internet-gateway", "egress-only-internet-gateway",
                     "elastic-ip", "natgateway", "network-acl", "dhcp-options", "vpc-flow-log", "security-group"):
            self.assertIn(kind, kinds)

        self.tf("destroy", "-auto-approve", "-input=false")
        self.assertEqual(self.cli("describe-vpcs")["Vpcs"], [])
        self.assertEqual(self.cli("describe-internet-gateways")["InternetGateways"], [])
        self.assertEqual(self.cli("describe-egress-only-internet-gateways")["EgressOnlyInternetGateways"], [])
        self.assertEqual(self.cli("describe-addresses")["Addresses"], [])
        self.assertEqual(self.cli("describe-network-interfaces")["NetworkInterfaces"], [])
        self.assertEqual(self.cli("describe-route-tables")["RouteTables"], [])
        self.assertEqual(self.cli("describe-network-acls")["NetworkAcls"], [])
        self.assertEqual(self.cli("describe-flow-logs")["FlowLogs"], [])
        self.assertEqual({n["State"] for n in self.cli("describe-nat-gateways")["NatGateways"]}, {"deleted"})
        self.assertNotIn(out["dhcp_options_id"],
                         [d["DhcpOptionsId"] for d in self.cli("describe-dhcp-options")["DhcpOptions"]])


if __name__ == "__main__":
    unittest.main()
