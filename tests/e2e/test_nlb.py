"""A Network Load Balancer carries traffic, as the story's internal NLB does.

The story's stack built with boto3 (a VPC and subnet, nginx:1.24.0 tasks,
an internal NLB, a TCP 80 listener forwarding to a target group of type ip
with an HTTP health check on /): the load balancer has an address in its
subnet, shown in DescribeLoadBalancers and as ELB's network interface; its
targets go initial -> healthy (DescribeTargetHealth, boto3 and the AWS CLI
v2); a container in the VPC gets the page with curl through the load
balancer's DNS name; the target sees the load balancer's address; the host
reaches the listener with `fargo port-forward` to that address; a target
that stops answering goes unhealthy and gets no new connections; bad input
gets AWS's errors. An ECS service registers its tasks, drains them before
they stop, and rolls out a new revision without one failed request.

Needs a container engine, the story's images and root; `make test` sets
them up.
"""
import ipaddress
import os
import re
import time
import unittest

from fargo_harness import AWS_CLI_IMAGE, FargoTestCase, require_vpc_networks, wait_for
from test_vpc_access import PortForward, fetch
from test_vpcs import NGINX, Vpc

# Every 0.3 s one request through the load balancer's name: "C <time> <status>".
CLIENT = ('echo "PAGE $(curl -s -m 5 http://$1/ | grep -o "Welcome to nginx" | head -1)"; '
          'while true; do echo "C $(date +%s.%N) $(curl -s -m 2 -o /dev/null -w %{http_code} http://$1/)"; '
          'sleep 0.3; done')

# A UDP echo server on 7000 (answering "<datagram> seen from <source>") with
# a TCP listener on the same port for the target group's health check.
UDP_SERVER = """
import socket, threading
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(("0.0.0.0", 7000)); t.listen()
threading.Thread(target=lambda: [c.close() for c, _ in iter(t.accept, None)], daemon=True).start()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 7000))
while True:
    d, a = u.recvfrom(65535)
    print("FROM", a[0], flush=True)
    u.sendto(d + b" seen from " + a[0].encode(), a)
"""
# 40 datagrams to $1:7000, each from a socket (a flow) of its own: "R <answer's source> <answer>".
UDP_CLIENT = """
import socket, sys, time
for i in range(40):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.sendto(b"ping %d" % i, (sys.argv[1], 7000))
    try:
        d, a = s.recvfrom(65535); print("R", a[0], d.decode(), flush=True)
    except OSError as e:
        print("X", e, flush=True)
    s.close(); time.sleep(0.1)
print("DONE", flush=True)
"""


class NetworkLoadBalancerTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        super().setUpClass()

    def health(self, elb, tg):
        return {h["Target"]["Id"]: h["TargetHealth"]
                for h in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]}

    def service_nlb(self, v, name):
        """An internal NLB with a TCP 80 listener forwarding to a target group
        of type ip (HTTP checks every 5 s, healthy after 2, 5 s drain)."""
        elb = self.fargo.client("elbv2", v.region)
        lb = elb.create_load_balancer(Name=f"{name}-nlb", Type="network", Scheme="internal",
                                      Subnets=[v.subnet])["LoadBalancers"][0]
        tg = elb.create_target_group(Name=f"{name}-tg", Protocol="TCP", Port=80, VpcId=v.vpc, TargetType="ip",
                                     HealthCheckProtocol="HTTP", HealthCheckPath="/", HealthCheckIntervalSeconds=5,
                                     HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
        elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        return elb, lb, tg

    def test_story_nlb_forwards_to_healthy_targets(self):
        region = "eu-west-1"
        v = Vpc(self.fargo, region, "10.0.0.0/16", "10.0.1.0/24", "nlb")
        v.admit_vpc()  # the NLB has no security groups: targets admit the VPC
        elb = self.fargo.client("elbv2", region)
        webs = [v.run("web", NGINX) for _ in range(2)]
        ips = [v.running(a) for a in webs]

        lb = elb.create_load_balancer(Name="story-nlb", Type="network", Scheme="internal",
                                      Subnets=[v.subnet])["LoadBalancers"][0]
        lb_arn = lb["LoadBalancerArn"]
        addr = lb["AvailabilityZones"][0]["LoadBalancerAddresses"][0]["PrivateIPv4Address"]
        self.assertIn(ipaddress.ip_address(addr), ipaddress.ip_network("10.0.1.0/24"))
        self.assertNotIn(addr, ips)
        # ELB's interface in the subnet, as AWS shows it.
        lb_id = lb_arn.split(":loadbalancer/")[1]
        enis = [e for e in v.ec2.describe_network_interfaces()["NetworkInterfaces"]
                if e.get("Description") == f"ELB {lb_id}"]
        self.assertEqual(len(enis), 1, enis)
        self.assertEqual((enis[0]["InterfaceType"], enis[0]["RequesterId"], enis[0]["RequesterManaged"],
                          enis[0]["PrivateIpAddress"], enis[0]["SubnetId"]),
                         ("network_load_balancer", "amazon-elb", True, addr, v.subnet))

        tg = elb.create_target_group(Name="story-tg", Protocol="TCP", Port=80, VpcId=v.vpc, TargetType="ip",
                                     HealthCheckProtocol="HTTP", HealthCheckPath="/", HealthCheckIntervalSeconds=5,
                                     HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2,
                                     UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ip} for ip in ips])
        self.assertEqual({h["Reason"] for h in self.health(elb, tg).values()}, {"Target.NotInUse"})
        elb.create_listener(LoadBalancerArn=lb_arn, Protocol="TCP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        first = self.health(elb, tg)
        self.assertEqual({h["State"] for h in first.values()}, {"initial"}, first)
        wait_for(lambda: {h["State"] for h in self.health(elb, tg).values()} == {"healthy"}, 60,
                 what="both targets healthy")
        cli = self.fargo.aws("elbv2", "describe-target-health", "--target-group-arn", tg,
                             cli="/usr/bin/aws", region=region)
        self.assertEqual(sorted((d["Target"]["Id"], d["TargetHealth"]["State"]) for d in cli["TargetHealthDescriptions"]),
                         sorted((ip, "healthy") for ip in ips))

        # Bad input: AWS's errors (the same listener again is the same listener).
        other = elb.create_target_group(Name="other-tg", Protocol="TCP", Port=80, VpcId=v.vpc,
                                        TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        self.assertAwsError("DuplicateListener", elb.create_listener, LoadBalancerArn=lb_arn, Protocol="TCP",
                            Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": other}])
        self.assertAwsError("ValidationError", elb.create_listener, LoadBalancerArn=lb_arn, Protocol="TCP",
                            Port=70000, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        err = self.assertAwsError("ValidationError", elb.register_targets, TargetGroupArn=tg,
                                  Targets=[{"Id": "192.168.77.7"}])
        self.assertIn("because it is not in the VPC", err["Error"]["Message"])
        self.assertAwsError("ValidationError", elb.register_targets, TargetGroupArn=tg,
                            Targets=[{"Id": ips[0], "Port": 70000}])

        # A container in the VPC, through the load balancer's DNS name.
        client = v.run("client", NGINX, ["sh", "-c", CLIENT, "sh", lb["DNSName"]])
        v.running(client)
        v.wait_log(client, "PAGE Welcome to nginx", timeout=60)
        # The targets see the load balancer's address as the source.
        wait_for(lambda: any(addr + " - -" in v.log(w) for w in webs), 30, what="the NLB's address in nginx's log")

        # From the host: a port forward to the load balancer's address.
        pf = PortForward(self.fargo, "--region", region, "--vpc", v.vpc, "--remote", f"{addr}:80")
        try:
            self.assertIn("Welcome to nginx", fetch(pf.url))
        finally:
            pf.stop()

        # A target that stops answering goes unhealthy and gets no new connections.
        v.ecs.stop_task(cluster=v.cluster, task=webs[0])
        bad = wait_for(lambda: (lambda h: h if h["State"] == "unhealthy" else None)(self.health(elb, tg)[ips[0]]),
                       60, what="the stopped target unhealthy")
        self.assertIn(bad["Reason"], ("Target.Timeout", "Target.FailedHealthChecks"))
        self.assertEqual(self.health(elb, tg)[ips[1]]["State"], "healthy")
        since = time.time()
        time.sleep(4)
        codes = [m.group(2) for m in re.finditer(r"^C (\d+\.\d+) (\d+)$", v.log(client), re.M)
                 if float(m.group(1)) > since]
        if os.environ.get("FARGO_E2E_SHOW"):
            print("after unhealthy:", codes)
        self.assertGreaterEqual(len(codes), 5, v.log(client)[-500:])
        self.assertEqual(set(codes), {"200"})

        # Deregistering drains; deleting the load balancer takes its interface.
        elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "2"}])
        elb.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": ips[1]}])
        self.assertEqual(self.health(elb, tg)[ips[1]]["State"], "draining")
        v.stop_all()
        elb.delete_load_balancer(LoadBalancerArn=lb_arn)
        self.assertFalse([e for e in v.ec2.describe_network_interfaces()["NetworkInterfaces"]
                          if e.get("Description") == f"ELB {lb_id}"])
        elb.delete_target_group(TargetGroupArn=tg)

    def test_service_tasks_are_registered_and_drain_before_they_stop(self):
        region = "us-east-1"
        v = Vpc(self.fargo, region, "10.0.0.0/16", "10.0.1.0/24", "nlb-svc")
        v.admit_vpc()  # the NLB has no security groups: targets admit the VPC
        elb, lb, tg = self.service_nlb(v, "svc")
        td = v.ecs.register_task_definition(
            family="svc-web", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
            containerDefinitions=[{"name": "nginx", "image": NGINX, "essential": True, "stopTimeout": 2,
                                   "portMappings": [{"containerPort": 80}]}])["taskDefinition"]["taskDefinitionArn"]
        v.ecs.create_service(cluster=v.cluster, serviceName="web", taskDefinition=td, desiredCount=1,
                             launchType="FARGATE", healthCheckGracePeriodSeconds=30,
                             loadBalancers=[{"targetGroupArn": tg, "containerName": "nginx", "containerPort": 80}],
                             networkConfiguration={"awsvpcConfiguration": {"subnets": [v.subnet]}})
        task_arn = wait_for(lambda: v.ecs.list_tasks(cluster=v.cluster)["taskArns"], 30, what="a task")[0]
        ip = v.running(task_arn, timeout=90)
        wait_for(lambda: [h for h in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
                          if h["Target"] == {"Id": ip, "Port": 80} and h["TargetHealth"]["State"] == "healthy"],
                 60, what="the service's task a healthy target")
        # Scaled in: the task drains (DEACTIVATING) before its containers stop.
        v.ecs.update_service(cluster=v.cluster, service="web", desiredCount=0)
        wait_for(lambda: v.task(task_arn)["lastStatus"] == "DEACTIVATING", 15, what="the task DEACTIVATING")
        states = {h["TargetHealth"]["State"] for h in
                  elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]}
        self.assertEqual(states, {"draining"})
        wait_for(lambda: v.task(task_arn)["lastStatus"] == "STOPPED", 60, what="the task stopped after draining")
        self.assertEqual(elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"], [])
        v.ecs.delete_service(cluster=v.cluster, service="web")
        elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])

    def test_a_rolling_deployment_behind_the_load_balancer_fails_no_request(self):
        # Two tasks behind the NLB, a client requesting every 0.3 s, and a new
        # revision rolled out (100 % minimum healthy, 200 % maximum): the new
        # tasks take traffic once healthy, the old ones drain before they stop,
        # and not one request fails.
        region = "eu-central-1"
        v = Vpc(self.fargo, region, "10.0.0.0/16", "10.0.1.0/24", "nlb-roll")
        v.admit_vpc()  # the NLB has no security groups: targets admit the VPC
        elb, lb, tg = self.service_nlb(v, "roll")

        def revision(version):
            return v.ecs.register_task_definition(
                family="roll-web", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256",
                memory="512", containerDefinitions=[{
                    "name": "nginx", "image": NGINX, "essential": True, "stopTimeout": 2,
                    "environment": [{"name": "VERSION", "value": version}],
                    "portMappings": [{"containerPort": 80}]}])["taskDefinition"]["taskDefinitionArn"]

        def healthy():
            return sorted(h["Target"]["Id"] for h in elb.describe_target_health(TargetGroupArn=tg)[
                "TargetHealthDescriptions"] if h["TargetHealth"]["State"] == "healthy")

        def serving(td):
            arns = v.ecs.list_tasks(cluster=v.cluster, serviceName="web")["taskArns"]
            tasks = v.ecs.describe_tasks(cluster=v.cluster, tasks=arns)["tasks"] if arns else []
            ips = sorted(t["containers"][0]["networkInterfaces"][0]["privateIpv4Address"] for t in tasks
                         if t["lastStatus"] == "RUNNING")
            done = len(tasks) == 2 and all(t["taskDefinitionArn"] == td for t in tasks) and healthy() == ips
            return ips if done else None

        first = revision("1")
        v.ecs.create_service(cluster=v.cluster, serviceName="web", taskDefinition=first, desiredCount=2,
                             launchType="FARGATE", healthCheckGracePeriodSeconds=30,
                             deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200},
                             loadBalancers=[{"targetGroupArn": tg, "containerName": "nginx", "containerPort": 80}],
                             networkConfiguration={"awsvpcConfiguration": {"subnets": [v.subnet]}})
        old_ips = wait_for(lambda: serving(first), 120, what="two healthy tasks of the first revision")
        client = v.run("client", NGINX, ["sh", "-c", CLIENT, "sh", lb["DNSName"]])
        v.running(client)
        v.wait_log(client, "PAGE Welcome to nginx", timeout=60)

        since = time.time()
        second = revision("2")
        v.ecs.update_service(cluster=v.cluster, service="web", taskDefinition=second)
        new_ips = wait_for(lambda: serving(second), 180, what="the second revision serving alone")
        self.assertFalse(set(new_ips) & set(old_ips))
        # The old tasks drained and stopped: the window covers their going.
        old_tasks = [t for t in v.ecs.describe_tasks(cluster=v.cluster, tasks=v.ecs.list_tasks(
            cluster=v.cluster, desiredStatus="STOPPED")["taskArns"])["tasks"] if t["taskDefinitionArn"] == first]
        self.assertEqual(len(old_tasks), 2)
        for t in old_tasks:
            wait_for(lambda: v.task(t["taskArn"])["lastStatus"] == "STOPPED", 60, what="an old task stopped")
        wait_for(lambda: [d["taskDefinition"] for d in v.ecs.describe_services(
            cluster=v.cluster, services=["web"])["services"][0]["deployments"]] == [second], 30,
                 what="one deployment left")
        until = time.time()
        wait_for(lambda: any(float(m.group(1)) > until + 1 for m in re.finditer(
            r"^C (\d+\.\d+) ", v.log(client), re.M)), 30, what="the client's log past the rollout")
        codes = [m.group(2) for m in re.finditer(r"^C (\d+\.\d+) (\d+)$", v.log(client), re.M)
                 if since < float(m.group(1)) < until]
        if os.environ.get("FARGO_E2E_SHOW"):
            print(f"rollout {until - since:.1f} s, {len(codes)} requests")
        self.assertGreaterEqual(len(codes), 15)
        self.assertEqual([c for c in codes if c != "200"], [])
        v.ecs.update_service(cluster=v.cluster, service="web", desiredCount=0)
        v.ecs.delete_service(cluster=v.cluster, service="web", force=True)
        v.stop_all()
        elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])

    def test_udp_listener_answers_each_flow_from_a_healthy_target(self):
        region = "ap-southeast-2"
        v = Vpc(self.fargo, region, "10.0.0.0/16", "10.0.1.0/24", "nlb-udp")
        v.admit_vpc()  # the NLB has no security groups: targets admit the VPC
        elb = self.fargo.client("elbv2", region)

        def python_task(family, script, *args):
            td = v.ecs.register_task_definition(
                family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
                executionRoleArn=v.role, containerDefinitions=[{
                    "name": "main", "image": AWS_CLI_IMAGE, "essential": True, "stopTimeout": 2,
                    "entryPoint": ["python3", "-c", script, *args],
                    "logConfiguration": {"logDriver": "awslogs", "options": {
                        "awslogs-group": v.group, "awslogs-region": region, "awslogs-stream-prefix": "ecs"}}}],
            )["taskDefinition"]["taskDefinitionArn"]
            return v.ecs.run_task(cluster=v.cluster, taskDefinition=td, launchType="FARGATE", networkConfiguration={
                "awsvpcConfiguration": {"subnets": [v.subnet]}})["tasks"][0]["taskArn"]

        servers = [python_task("udp-echo", UDP_SERVER) for _ in range(2)]
        ips = [v.running(a, timeout=90) for a in servers]
        lb = elb.create_load_balancer(Name="udp-nlb", Type="network", Scheme="internal",
                                      Subnets=[v.subnet])["LoadBalancers"][0]
        addr = lb["AvailabilityZones"][0]["LoadBalancerAddresses"][0]["PrivateIPv4Address"]
        tg = elb.create_target_group(Name="udp-tg", Protocol="UDP", Port=7000, VpcId=v.vpc, TargetType="ip",
                                     HealthCheckProtocol="TCP", HealthCheckIntervalSeconds=5,
                                     HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ip} for ip in ips])
        elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="UDP", Port=7000,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        wait_for(lambda: {h["TargetHealth"]["State"] for h in elb.describe_target_health(
            TargetGroupArn=tg)["TargetHealthDescriptions"]} == {"healthy"}, 60, what="both UDP targets healthy")

        client = python_task("udp-client", UDP_CLIENT, lb["DNSName"])
        v.running(client)
        log = v.wait_log(client, "DONE", timeout=60) and v.log(client)
        answers = re.findall(r"^R (\S+) ping (\d+) seen from (\S+)$", log, re.M)
        # Every datagram answered, from the listener's address, and the
        # targets saw the load balancer's address.
        self.assertEqual(len(answers), 40, log[-800:])
        self.assertEqual({(src, seen) for src, _, seen in answers}, {(addr, addr)})
        # Flows spread over both targets.
        for s in servers:
            self.assertIn(f"FROM {addr}", v.log(s))
        v.stop_all()
        elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        elb.delete_target_group(TargetGroupArn=tg)


if __name__ == "__main__":
    unittest.main()
