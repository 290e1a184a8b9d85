"""Load balancers' security groups are enforced as on AWS.

An internal ALB in two subnets, in a group of its own ("lb"), forwards HTTP
80 to a web task whose group admits port 80 from the "lb" group only (the
common pattern). Probe tasks in the VPC ask the load balancer and the web
task directly (an HTTP GET through bash's /dev/tcp, two-second limit) about
three times a second and log, per attempt, when it began and the HTTP status
it got, or that it timed out:

  * a client the load balancer's group admits by CIDR gets 200 through it;
    another client times out (dropped, not refused);
  * the web task is reached through the load balancer (its addresses are
    members of the "lb" group) but not directly from the client;
  * revoking the load balancer's ingress rule cuts new connections within a
    second.

And the control plane: DescribeLoadBalancers and the load balancer's
network interfaces show its group, which cannot be deleted while in use; an
ALB without groups gets the VPC's default group; an NLB made without groups
cannot get any later; a group of another VPC or an unknown one is
InvalidSecurityGroup.

Needs a container engine, the story's images and root (network namespaces).
"""
import time
import unittest

from fargo_harness import wait_for
from test_security_groups import SecurityGroupsCase

# One line per attempt: "PROBE <start> <ip:port> <status>|timeout|refused svc=yes|no".
HTTP_PROBE = ["bash", "-c", r"""
while true; do for t in $TARGETS; do s=$(date +%s.%N)
  r=$(timeout 2 bash -c 'exec 3<>/dev/tcp/$0/$1 || exit 3; printf "GET / HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n" >&3; read -r v c rest <&3; echo $c' "${t%:*}" "${t#*:}" 2>/dev/null)
  case $? in 0) ;; 124) r=timeout;; *) r=refused;; esac; [ -n "$r" ] || r=none
  v=no; timeout 2 bash -c 'exec 3<>/dev/tcp/169.254.170.2/80' 2>/dev/null && v=yes
  echo "PROBE $s $t $r svc=$v"
done; sleep 0.2; done
"""]


class LoadBalancerSecurityGroupsTest(SecurityGroupsCase):
    PROBE = HTTP_PROBE

    def setUp(self):
        super().setUp()
        self.elb = self.fargo.client("elbv2", self.REGION)
        self.second = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.0.2.0/24",
                                             AvailabilityZone=self.REGION + "b")["Subnet"]["SubnetId"]

    def lb_interfaces(self, lb_arn):
        short = lb_arn.split(":loadbalancer/", 1)[1]
        return [e for e in self.ec2.describe_network_interfaces(
            Filters=[{"Name": "vpc-id", "Values": [self.vpc]}])["NetworkInterfaces"]
            if e.get("Description") == "ELB " + short]

    def test_listener_filtered_targets_admit_the_lb_group_and_revocation(self):
        lb_group, web_group = self.group("lb"), self.group("web")
        self.ec2.authorize_security_group_ingress(GroupId=web_group, IpPermissions=[self.tcp(80, group=lb_group)])
        lb = self.elb.create_load_balancer(Name="guarded", Type="application", Scheme="internal",
                                           Subnets=[self.subnet, self.second],
                                           SecurityGroups=[lb_group])["LoadBalancers"][0]
        lb_arn = lb["LoadBalancerArn"]
        self.assertEqual(lb["SecurityGroups"], [lb_group])
        enis = self.lb_interfaces(lb_arn)
        self.assertEqual(len(enis), 2, enis)
        for e in enis:
            self.assertEqual([g["GroupId"] for g in e["Groups"]], [lb_group])
        lb_ip = [e["PrivateIpAddress"] for e in enis if e["SubnetId"] == self.subnet][0]
        self.assertAwsError("DependencyViolation", self.ec2.delete_security_group, GroupId=lb_group)

        _, web = self.run_task(self.web_td, [web_group])
        tg = self.elb.create_target_group(Name="guarded-web", Protocol="HTTP", Port=80, VpcId=self.vpc,
                                          TargetType="ip", HealthCheckPath="/", HealthCheckIntervalSeconds=5,
                                          HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2,
                                          )["TargetGroups"][0]["TargetGroupArn"]
        self.elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": web}])
        self.elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=80,
                                 DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        # Health checks come from the load balancer's addresses: members of "lb".
        wait_for(lambda: [h for h in self.elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
                          if h["TargetHealth"]["State"] == "healthy"], 60, what="the web task healthy")

        targets = [f"{lb_ip}:80", f"{web}:80"]
        client, client_ip = self.run_task(self.probe_td, None, targets)
        stranger, _ = self.run_task(self.probe_td, None, targets)
        # The load balancer admits the client's address only.
        self.ec2.authorize_security_group_ingress(GroupId=lb_group,
                                                  IpPermissions=[self.tcp(80, cidr=client_ip + "/32")])
        allowed = time.time()
        self.expect(client, f"{lb_ip}:80", "200", after=allowed + 1.0)
        self.expect(stranger, f"{lb_ip}:80", "timeout", after=allowed + 1.0)  # dropped, not refused
        self.expect(client, f"{web}:80", "timeout")  # the web task admits the load balancer only

        # Revoked: new connections to the listener are cut within a second.
        self.ec2.revoke_security_group_ingress(GroupId=lb_group,
                                               IpPermissions=[self.tcp(80, cidr=client_ip + "/32")])
        revoked = time.time()
        self.expect(client, f"{lb_ip}:80", "timeout", after=revoked + 1.0)

        self.elb.delete_load_balancer(LoadBalancerArn=lb_arn)
        wait_for(lambda: not self.lb_interfaces(lb_arn), 30, what="the load balancer's interfaces gone")
        self.ec2.revoke_security_group_ingress(GroupId=web_group, IpPermissions=[self.tcp(80, group=lb_group)])
        self.ec2.delete_security_group(GroupId=lb_group)  # no longer in use

    def test_default_groups_network_load_balancers_and_invalid_groups(self):
        alb = self.elb.create_load_balancer(Name="plain-alb", Type="application", Scheme="internal",
                                            Subnets=[self.subnet, self.second])["LoadBalancers"][0]
        self.assertEqual(alb["SecurityGroups"], [self.default_group])
        for e in self.lb_interfaces(alb["LoadBalancerArn"]):
            self.assertEqual([g["GroupId"] for g in e["Groups"]], [self.default_group])

        nlb = self.elb.create_load_balancer(Name="plain-nlb", Type="network", Scheme="internal",
                                            Subnets=[self.subnet])["LoadBalancers"][0]
        self.assertNotIn("SecurityGroups", nlb)
        for e in self.lb_interfaces(nlb["LoadBalancerArn"]):
            self.assertEqual(e["Groups"], [])
        self.assertAwsError("InvalidConfigurationRequest", self.elb.set_security_groups,
                            LoadBalancerArn=nlb["LoadBalancerArn"], SecurityGroups=[self.default_group])

        edge = self.group("edge")
        guarded = self.elb.create_load_balancer(Name="guarded-nlb", Type="network", Scheme="internal",
                                                Subnets=[self.subnet], SecurityGroups=[edge])["LoadBalancers"][0]
        self.assertEqual(guarded["SecurityGroups"], [edge])
        r = self.elb.set_security_groups(LoadBalancerArn=guarded["LoadBalancerArn"],
                                         SecurityGroups=[edge, self.default_group],
                                         EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic="off")
        self.assertEqual(r["SecurityGroupIds"], [edge, self.default_group])
        self.assertEqual(r["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"], "off")
        described = self.elb.describe_load_balancers(LoadBalancerArns=[guarded["LoadBalancerArn"]])["LoadBalancers"][0]
        self.assertEqual(described["SecurityGroups"], [edge, self.default_group])
        self.assertEqual(described["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"], "off")
        for e in self.lb_interfaces(guarded["LoadBalancerArn"]):
            self.assertEqual(sorted(g["GroupId"] for g in e["Groups"]), sorted([edge, self.default_group]))

        other_vpc = self.ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        foreign = self.ec2.create_security_group(GroupName="foreign", Description="x", VpcId=other_vpc)["GroupId"]
        self.assertAwsError("InvalidSecurityGroup", self.elb.create_load_balancer, Name="bad", Type="application",
                            Scheme="internal", Subnets=[self.subnet, self.second], SecurityGroups=[foreign])
        self.assertAwsError("InvalidSecurityGroup", self.elb.set_security_groups,
                            LoadBalancerArn=alb["LoadBalancerArn"], SecurityGroups=["sg-0123456789abcdef0"])
        for lb in (alb, nlb, guarded):
            self.elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])


if __name__ == "__main__":
    unittest.main()
