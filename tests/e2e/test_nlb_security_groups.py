"""A network load balancer's security groups are enforced as on AWS.

The story's internal NLB (a TCP 80 listener forwarding to a target group of
type ip: an nginx task), made with a security group of its own ("nlb"); the
task's group admits port 80 from "nlb" only. Probe tasks in the VPC ask the
load balancer by its DNS name, and the task directly (an HTTP GET through
bash's /dev/tcp, two-second limit), about three times a second, and log per
attempt the HTTP status or that it timed out:

  * with no ingress rule nobody gets through; a rule admitting one client's
    address lets that client get nginx's page, another client times out
    (dropped, not refused);
  * the task is reached through the load balancer (its addresses are members
    of "nlb") but not directly;
  * revoking the rule cuts new connections within a second; SetSecurityGroups
    to a group without ingress rules does too;
  * health checks leave through the load balancer's egress rules (AWS:
    "health checks are subject to outbound rules"): with an egress rule to
    the targets they are healthy, without one they go unhealthy
    (DescribeTargetHealth), and healthy again once a rule (to the targets'
    group) is back; a task joining that group later is healthy too.

And a UDP listener: a task echoing UDP behind the load balancer, its group
admitting UDP (and the TCP health check) from "nlb"; a client sending a
datagram from a fresh socket (a flow of its own) each time gets the echo
through the load balancer while "nlb" admits UDP from it, and none directly
nor once the rule is revoked.

Needs a container engine, the story's images and root (network namespaces).
"""
import time
import unittest

from fargo_harness import AWS_CLI_IMAGE, wait_for
from test_lb_security_groups import HTTP_PROBE
from test_nlb import UDP_SERVER
from test_security_groups import SecurityGroupsCase

# One line per attempt, as HTTP_PROBE's: "PROBE <start> <host:port>
# echo|other|timeout|error svc=yes|no"; each datagram from a socket (a flow)
# of its own.
UDP_PROBE = """
import os, socket, time
while True:
    for t in os.environ["TARGETS"].split():
        host, port = t.rsplit(":", 1)
        start = time.time()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        try:
            s.sendto(b"ping", (host, int(port)))
            d, _ = s.recvfrom(65535)
            r = "echo" if d.startswith(b"ping seen from ") else "other"
        except socket.timeout:
            r = "timeout"
        except OSError:
            r = "error"
        s.close()
        v = "no"
        try:
            socket.create_connection(("169.254.170.2", 80), 2).close()
            v = "yes"
        except OSError:
            pass
        print("PROBE %.6f %s %s svc=%s" % (start, t, r, v), flush=True)
    time.sleep(0.2)
"""


class NetworkLoadBalancerSecurityGroupsTest(SecurityGroupsCase):
    REGION = "eu-west-1"
    PROBE = HTTP_PROBE

    def setUp(self):
        super().setUp()
        self.elb = self.fargo.client("elbv2", self.REGION)

    # ---- helpers

    def python_td(self, family, script):
        """A task definition running `script` with the AWS CLI image's python3."""
        return self.ecs.register_task_definition(
            family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
            executionRoleArn=self.role, containerDefinitions=[{
                "name": "main", "image": AWS_CLI_IMAGE, "essential": True, "stopTimeout": 2,
                "entryPoint": ["python3", "-c", script],
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": self.log_group, "awslogs-region": self.REGION,
                    "awslogs-stream-prefix": "ecs"}}}])["taskDefinition"]["taskDefinitionArn"]

    @staticmethod
    def rule(protocol, port, cidr=None, group=None):
        perm = {"IpProtocol": protocol, "FromPort": port, "ToPort": port}
        if cidr:
            perm["IpRanges"] = [{"CidrIp": cidr}]
        if group:
            perm["UserIdGroupPairs"] = [{"GroupId": group}]
        return perm

    def only_egress(self, group, perm):
        """Replaces a new group's egress rule (all traffic anywhere) with `perm`."""
        self.ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[perm])

    def nlb(self, name, groups):
        """An internal NLB in the subnet with `groups`: (arn, DNS name)."""
        lb = self.elb.create_load_balancer(Name=name, Type="network", Scheme="internal", Subnets=[self.subnet],
                                           SecurityGroups=groups)["LoadBalancers"][0]
        self.assertEqual(lb["SecurityGroups"], groups)
        return lb["LoadBalancerArn"], lb["DNSName"]

    def forward(self, lb_arn, name, protocol, port, target, health_protocol, health_path=None):
        """A target group of type ip with `target`, and a listener forwarding
        to it (checks every 5 s, 2 to be healthy or unhealthy)."""
        kwargs = {"HealthCheckPath": health_path} if health_path else {}
        tg = self.elb.create_target_group(
            Name=name, Protocol=protocol, Port=port, VpcId=self.vpc, TargetType="ip",
            HealthCheckProtocol=health_protocol, HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
            HealthyThresholdCount=2, UnhealthyThresholdCount=2, **kwargs)["TargetGroups"][0]["TargetGroupArn"]
        self.elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": target}])
        self.elb.create_listener(LoadBalancerArn=lb_arn, Protocol=protocol, Port=port,
                                 DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        return tg

    def health(self, tg):
        return [h["TargetHealth"] for h in self.elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]]

    def wait_health(self, tg, state, count=1, timeout=60):
        """Waits until the group's `count` targets are all in `state`; the first's health."""
        return wait_for(lambda: (lambda hs: hs if [h["State"] for h in hs] == [state] * count else None)(
            self.health(tg)), timeout, what=f"{count} target(s) {state}")[0]

    # ---- tests

    def test_tcp_listener_ingress_source_group_revocation_set_groups_and_health_checks(self):
        nlb_group, web_group, closed = self.group("nlb"), self.group("web"), self.group("closed")
        # The load balancer may reach the subnet on 80 only; the task admits
        # port 80 from the load balancer's group only.
        self.only_egress(nlb_group, self.rule("tcp", 80, cidr="10.0.1.0/24"))
        self.ec2.authorize_security_group_ingress(GroupId=web_group, IpPermissions=[self.rule("tcp", 80, group=nlb_group)])
        lb_arn, dns = self.nlb("guarded-nlb", [nlb_group])
        _, web = self.run_task(self.web_td, [web_group])
        tg = self.forward(lb_arn, "guarded-web", "TCP", 80, web, "HTTP", "/")
        # Health checks leave from the load balancer's address (a member of
        # "nlb") through its egress rule.
        self.wait_health(tg, "healthy")

        lb, direct = f"{dns}:80", f"{web}:80"
        client, client_ip = self.run_task(self.probe_td, None, [lb, direct])
        stranger, _ = self.run_task(self.probe_td, None, [lb, direct])
        # No ingress rule yet. The first probes also wait out the probe's
        # start and its first lookups of the load balancer's name.
        self.expect(client, lb, "timeout", timeout=90)

        admit_client = self.rule("tcp", 80, cidr=client_ip + "/32")
        self.ec2.authorize_security_group_ingress(GroupId=nlb_group, IpPermissions=[admit_client])
        allowed = time.time()
        self.expect(client, lb, "200", after=allowed + 1.0)
        self.expect(stranger, lb, "timeout", after=allowed + 1.0)  # dropped, not refused
        self.expect(client, direct, "timeout")  # the task admits the load balancer only
        self.expect(stranger, direct, "timeout")

        # Revoked: new connections are cut within a second.
        self.ec2.revoke_security_group_ingress(GroupId=nlb_group, IpPermissions=[admit_client])
        revoked = time.time()
        self.expect(client, lb, "timeout", after=revoked + 1.0)

        # The subnet admitted: both clients through the load balancer.
        self.ec2.authorize_security_group_ingress(GroupId=nlb_group,
                                                  IpPermissions=[self.rule("tcp", 80, cidr="10.0.1.0/24")])
        allowed = time.time()
        self.expect(client, lb, "200", after=allowed + 1.0)
        self.expect(stranger, lb, "200", after=allowed + 1.0)

        # No egress rule to the target: health checks fail, the target goes
        # unhealthy; an egress rule to the task's group brings it back.
        self.ec2.revoke_security_group_egress(GroupId=nlb_group,
                                              IpPermissions=[self.rule("tcp", 80, cidr="10.0.1.0/24")])
        bad = self.wait_health(tg, "unhealthy")
        self.assertIn(bad["Reason"], ("Target.Timeout", "Target.FailedHealthChecks"), bad)
        self.ec2.authorize_security_group_egress(GroupId=nlb_group,
                                                 IpPermissions=[self.rule("tcp", 80, group=web_group)])
        self.wait_health(tg, "healthy")
        self.expect(client, lb, "200")
        # A task that joins the group later is reached too (the rule follows
        # the group's members).
        _, later = self.run_task(self.web_td, [web_group])
        self.elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": later}])
        self.wait_health(tg, "healthy", count=2)

        # Another group, without ingress rules: new connections are cut.
        self.ec2.authorize_security_group_ingress(GroupId=web_group, IpPermissions=[self.rule("tcp", 80, group=closed)])
        r = self.elb.set_security_groups(LoadBalancerArn=lb_arn, SecurityGroups=[closed])
        self.assertEqual(r["SecurityGroupIds"], [closed])
        switched = time.time()
        self.expect(client, lb, "timeout", after=switched + 1.0)
        self.expect(stranger, lb, "timeout", after=switched + 1.0)
        # Its egress (all traffic) and the task's rule for it keep the target healthy.
        self.assertEqual([h["State"] for h in self.health(tg)], ["healthy", "healthy"])

        self.elb.delete_load_balancer(LoadBalancerArn=lb_arn)
        self.elb.delete_target_group(TargetGroupArn=tg)

    def test_udp_listener_admits_datagrams_by_rule(self):
        nlb_group, echo_group = self.group("nlb-udp"), self.group("echo")
        # The echo task admits UDP 7000 and its TCP health check from the
        # load balancer's group only.
        self.ec2.authorize_security_group_ingress(GroupId=echo_group, IpPermissions=[
            self.rule("udp", 7000, group=nlb_group), self.rule("tcp", 7000, group=nlb_group)])
        lb_arn, dns = self.nlb("udp-nlb", [nlb_group])
        _, echo = self.run_task(self.python_td("udp-echo", UDP_SERVER), [echo_group])
        tg = self.forward(lb_arn, "udp-echo", "UDP", 7000, echo, "TCP")
        self.wait_health(tg, "healthy")

        lb, direct = f"{dns}:7000", f"{echo}:7000"
        client, client_ip = self.run_task(self.python_td("udp-probe", UDP_PROBE), None, [lb, direct])
        # No ingress rule yet. The first probes also wait out the probe's
        # start and its first lookups of the load balancer's name.
        self.expect(client, lb, "timeout", timeout=90)

        admit_client = self.rule("udp", 7000, cidr=client_ip + "/32")
        self.ec2.authorize_security_group_ingress(GroupId=nlb_group, IpPermissions=[admit_client])
        allowed = time.time()
        self.expect(client, lb, "echo", after=allowed + 1.0)
        self.expect(client, direct, "timeout")  # the task admits the load balancer only

        # Revoked: new flows get no answer.
        self.ec2.revoke_security_group_ingress(GroupId=nlb_group, IpPermissions=[admit_client])
        revoked = time.time()
        self.expect(client, lb, "timeout", after=revoked + 1.0)

        self.elb.delete_load_balancer(LoadBalancerArn=lb_arn)
        self.elb.delete_target_group(TargetGroupArn=tg)


if __name__ == "__main__":
    unittest.main()
