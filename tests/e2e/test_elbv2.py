"""ELBv2 control plane: the seed's internal NLB, TCP target group and
listener, read back as a user (or Terraform) reads them."""
import time
import unittest

from fargo_harness import FargoTestCase


class Elbv2Test(FargoTestCase):
    def setUp(self):
        self.ec2 = self.fargo.client("ec2")
        self.elb = self.fargo.client("elbv2")
        self.vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        self.subnets = [self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"10.20.{i}.0/24",
                                               AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
                        for i, z in ((1, "a"), (2, "b"))]

    def make_stack(self, name):
        lb = self.elb.create_load_balancer(Name=name, Type="network", Scheme="internal",
                                           Subnets=self.subnets)["LoadBalancers"][0]
        tg = self.elb.create_target_group(Name=f"{name}-80", Protocol="TCP", Port=80, VpcId=self.vpc,
                                          TargetType="ip", HealthCheckProtocol="HTTP", HealthCheckPath="/",
                                          Matcher={"HttpCode": "200"}, HealthyThresholdCount=3,
                                          HealthCheckIntervalSeconds=300,
                                          HealthCheckTimeoutSeconds=3)["TargetGroups"][0]
        ls = self.elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=80,
                                      DefaultActions=[{"Type": "forward",
                                                       "TargetGroupArn": tg["TargetGroupArn"]}])["Listeners"][0]
        return lb, tg, ls

    def test_seed_load_balancer_reads_back(self):
        lb, tg, ls = self.make_stack("seed")
        self.assertEqual((lb["Type"], lb["Scheme"], lb["VpcId"]), ("network", "internal", self.vpc))
        self.assertTrue(lb["DNSName"].startswith("internal-seed-"), lb["DNSName"])
        self.assertIn(":loadbalancer/net/seed/", lb["LoadBalancerArn"])
        self.assertEqual(sorted((z["SubnetId"], z["ZoneName"]) for z in lb["AvailabilityZones"]),
                         sorted(zip(self.subnets, ["us-east-1a", "us-east-1b"])))
        self.assertEqual(lb["State"]["Code"], "provisioning")
        time.sleep(0.7)
        got = self.elb.describe_load_balancers(Names=["seed"])["LoadBalancers"][0]
        self.assertEqual(got["State"]["Code"], "active")

        self.assertEqual((tg["Protocol"], tg["Port"], tg["TargetType"]), ("TCP", 80, "ip"))
        self.assertEqual((tg["HealthCheckProtocol"], tg["HealthCheckPath"], tg["Matcher"]["HttpCode"]),
                         ("HTTP", "/", "200"))
        self.assertEqual((tg["HealthyThresholdCount"], tg["HealthCheckIntervalSeconds"]), (3, 300))
        tg_now = self.elb.describe_target_groups(TargetGroupArns=[tg["TargetGroupArn"]])["TargetGroups"][0]
        self.assertEqual(tg_now["LoadBalancerArns"], [lb["LoadBalancerArn"]])

        action = ls["DefaultActions"][0]
        self.assertEqual(action["TargetGroupArn"], tg["TargetGroupArn"])
        self.assertEqual(action["ForwardConfig"]["TargetGroups"][0]["TargetGroupArn"], tg["TargetGroupArn"])
        listeners = self.elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        self.assertEqual([(x["Protocol"], x["Port"]) for x in listeners], [("TCP", 80)])

        # The CLI reads the same.
        out = self.fargo.aws("elbv2", "describe-load-balancers", "--names", "seed")
        self.assertEqual(out["LoadBalancers"][0]["LoadBalancerArn"], lb["LoadBalancerArn"])

    def test_attributes_defaults_and_changes(self):
        lb, tg, ls = self.make_stack("attrs")
        attrs = {a["Key"]: a["Value"] for a in self.elb.describe_load_balancer_attributes(
            LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
        self.assertEqual(attrs["deletion_protection.enabled"], "false")
        self.assertEqual(attrs["load_balancing.cross_zone.enabled"], "false")
        self.elb.modify_load_balancer_attributes(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Attributes=[{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}])
        attrs = {a["Key"]: a["Value"] for a in self.elb.describe_load_balancer_attributes(
            LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
        self.assertEqual(attrs["load_balancing.cross_zone.enabled"], "true")
        self.assertAwsError("ValidationError", self.elb.modify_load_balancer_attributes,
                            LoadBalancerArn=lb["LoadBalancerArn"],
                            Attributes=[{"Key": "no.such.key", "Value": "1"}], status=400)
        tga = {a["Key"]: a["Value"] for a in self.elb.describe_target_group_attributes(
            TargetGroupArn=tg["TargetGroupArn"])["Attributes"]}
        self.assertEqual(tga["deregistration_delay.timeout_seconds"], "300")
        la = self.elb.describe_listener_attributes(ListenerArn=ls["ListenerArn"])["Attributes"]
        self.assertIn({"Key": "tcp.idle_timeout.seconds", "Value": "350"}, la)
        cap = self.elb.describe_capacity_reservation(LoadBalancerArn=lb["LoadBalancerArn"])
        self.assertEqual(len(cap["CapacityReservationState"]), 2)

    def test_errors_users_hit(self):
        lb, tg, ls = self.make_stack("errs")
        # Same name and settings is idempotent, as on AWS; other settings collide.
        again = self.elb.create_load_balancer(Name="errs", Type="network", Scheme="internal",
                                              Subnets=self.subnets)["LoadBalancers"][0]
        self.assertEqual(again["LoadBalancerArn"], lb["LoadBalancerArn"])
        self.assertAwsError("DuplicateLoadBalancerName", self.elb.create_load_balancer, Name="errs",
                            Type="network", Scheme="internet-facing", Subnets=self.subnets)
        self.assertAwsError("DuplicateTargetGroupName", self.elb.create_target_group, Name="errs-80",
                            Protocol="TCP", Port=80, VpcId=self.vpc, TargetType="ip")
        other = self.elb.create_target_group(Name="errs-other", Protocol="TCP", Port=8080, VpcId=self.vpc,
                                             TargetType="ip")["TargetGroups"][0]
        self.assertAwsError("DuplicateListener", self.elb.create_listener,
                            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": other["TargetGroupArn"]}])
        self.assertAwsError("ResourceInUse", self.elb.delete_target_group, TargetGroupArn=tg["TargetGroupArn"])
        self.assertAwsError("LoadBalancerNotFound", self.elb.describe_load_balancers, Names=["nope"])
        self.assertAwsError("TargetGroupNotFound", self.elb.describe_target_groups, Names=["nope"])
        self.assertAwsError("ListenerNotFound", self.elb.describe_listeners,
                            ListenerArns=[ls["ListenerArn"] + "0"])
        self.elb.delete_listener(ListenerArn=ls["ListenerArn"])
        self.elb.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
        self.elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        self.assertAwsError("LoadBalancerNotFound", self.elb.describe_load_balancers, Names=["errs"])

    def test_tags_and_targets(self):
        lb, tg, ls = self.make_stack("tags")
        self.elb.add_tags(ResourceArns=[lb["LoadBalancerArn"], tg["TargetGroupArn"]],
                          Tags=[{"Key": "env", "Value": "dev"}])
        desc = self.elb.describe_tags(ResourceArns=[lb["LoadBalancerArn"], tg["TargetGroupArn"]])
        self.assertEqual([d["Tags"] for d in desc["TagDescriptions"]], [[{"Key": "env", "Value": "dev"}]] * 2)
        self.elb.remove_tags(ResourceArns=[lb["LoadBalancerArn"]], TagKeys=["env"])
        desc = self.elb.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])
        self.assertEqual(desc["TagDescriptions"][0]["Tags"], [])

        self.elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "10.20.1.10", "Port": 80}])
        health = self.elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
        self.assertEqual([(h["Target"]["Id"], h["TargetHealth"]["State"]) for h in health],
                         [("10.20.1.10", "initial")])
        self.elb.deregister_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "10.20.1.10", "Port": 80}])
        health = self.elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
        self.assertIn([h["TargetHealth"]["State"] for h in health], ([], ["draining"]))

    def test_survives_kill9(self):
        lb, tg, ls = self.make_stack("durable")
        self.fargo.restart_after_kill9()
        elb = self.fargo.client("elbv2")
        self.assertEqual(elb.describe_load_balancers(Names=["durable"])["LoadBalancers"][0]["LoadBalancerArn"],
                         lb["LoadBalancerArn"])
        self.assertEqual(elb.describe_listeners(ListenerArns=[ls["ListenerArn"]])["Listeners"][0]
                         ["DefaultActions"][0]["TargetGroupArn"], tg["TargetGroupArn"])


if __name__ == "__main__":
    unittest.main()
