"""VPCs isolated as on AWS: every VPC is a network of fargo's own.

Two VPCs with the same CIDR (the CIDR of nearly every example), in one region
and in two, each with tasks: all run with addresses of their own subnets,
tasks of one VPC reach each other and nothing of another VPC. A VPC that
overlaps the engine's default network, or the host's own network, works.
After kill -9 with tasks in three VPCs everything is adopted, nothing is
duplicated, and the VPCs' namespaces go with their last tasks.

Needs a container engine, the story's images and root (network namespaces);
`make test` sets them up.
"""
import ipaddress
import json
import os
import subprocess
import unittest

from fargo_harness import FargoTestCase, require_vpc_networks, wait_for

DEBIAN = "debian:buster-20230411-slim"
NGINX = "nginx:1.24.0"


def fnv1a(text):
    h = 14695981039346656037
    for b in text.encode():
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return h


class Vpc:
    """A VPC with one subnet, a cluster and a log group, in one region."""

    def __init__(self, fargo, region, cidr, subnet_cidr, name):
        self.region = region
        self.ecs = fargo.client("ecs", region)
        self.ec2 = fargo.client("ec2", region)
        self.logs = fargo.client("logs", region)
        self.vpc = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        self.cidr = cidr
        self.subnet_cidr = subnet_cidr
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=subnet_cidr,
                                             AvailabilityZone=region + "a")["Subnet"]["SubnetId"]
        self.cluster = name
        self.ecs.create_cluster(clusterName=name)
        self.group = "/ecs/" + name
        self.logs.create_log_group(logGroupName=self.group)
        iam = fargo.client("iam", region)
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        try:
            self.role = iam.create_role(RoleName="vpc-test-task", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            self.role = iam.get_role(RoleName="vpc-test-task")["Role"]["Arn"]

    def run(self, family, image, command=None):
        c = {"name": "main", "image": image, "essential": True, "stopTimeout": 2,
             "logConfiguration": {"logDriver": "awslogs", "options": {
                 "awslogs-group": self.group, "awslogs-region": self.region, "awslogs-stream-prefix": "ecs"}}}
        if command is not None:
            c["command"] = command
        td = self.ecs.register_task_definition(
            family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
            executionRoleArn=self.role, taskRoleArn=self.role, containerDefinitions=[c])["taskDefinition"]["taskDefinitionArn"]
        r = self.ecs.run_task(cluster=self.cluster, taskDefinition=td, launchType="FARGATE", networkConfiguration={
            "awsvpcConfiguration": {"subnets": [self.subnet], "assignPublicIp": "DISABLED"}})
        assert not r["failures"], r["failures"]
        return r["tasks"][0]["taskArn"]

    def admit_vpc(self):
        """Lets the VPC's default group (the tasks') admit TCP and UDP from
        the whole VPC: what targets behind a network load balancer without
        security groups need, as on AWS (its addresses are in no group)."""
        default = self.ec2.describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [self.vpc]}, {"Name": "group-name", "Values": ["default"]}])[
            "SecurityGroups"][0]["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=default, IpPermissions=[
            {"IpProtocol": p, "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": self.cidr}]}
            for p in ("tcp", "udp")])

    def task(self, arn):
        return self.ecs.describe_tasks(cluster=self.cluster, tasks=[arn])["tasks"][0]

    def running(self, arn, timeout=60):
        t = wait_for(lambda: (lambda t: t if t["lastStatus"] in ("RUNNING", "STOPPED") else None)(self.task(arn)),
                     timeout, what=f"task {arn} running")
        assert t["lastStatus"] == "RUNNING", (t.get("stoppedReason"), t.get("containers"))
        ip = t["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
        assert ipaddress.ip_address(ip) in ipaddress.ip_network(self.subnet_cidr), (ip, self.subnet_cidr)
        return ip

    def log(self, arn):
        stream = f"ecs/main/{arn.rsplit('/', 1)[1]}"
        try:
            events = self.logs.get_log_events(logGroupName=self.group, logStreamName=stream,
                                              startFromHead=True)["events"]
        except self.logs.exceptions.ResourceNotFoundException:
            return ""
        return "\n".join(e["message"] for e in events)

    def wait_log(self, arn, text, timeout=40):
        return wait_for(lambda: text in self.log(arn), timeout, what=f"{text!r} in the log of {arn}")

    def delete(self):
        """Deletes the subnet and the VPC once the tasks' interfaces are gone."""
        wait_for(lambda: not self.ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [
            self.subnet]}])["NetworkInterfaces"], 30, what="the tasks' interfaces gone")
        self.ec2.delete_subnet(SubnetId=self.subnet)
        self.ec2.delete_vpc(VpcId=self.vpc)

    def stop_all(self):
        for arn in self.ecs.list_tasks(cluster=self.cluster)["taskArns"]:
            self.ecs.stop_task(cluster=self.cluster, task=arn)
        wait_for(lambda: not self.ecs.list_tasks(cluster=self.cluster)["taskArns"], 60, what="tasks stopped")


def host_network():
    """The network of the host's default interface (a /16../28, as a VPC's)."""
    route = subprocess.run(["ip", "-4", "-j", "route", "show", "default"], capture_output=True, text=True)
    dev = json.loads(route.stdout)[0]["dev"] if route.returncode == 0 and route.stdout.strip() != "[]" else "lo"
    addrs = json.loads(subprocess.run(["ip", "-4", "-j", "addr", "show", dev], capture_output=True,
                                      text=True).stdout)
    host = ipaddress.ip_interface(f"{addrs[0]['addr_info'][0]['local']}/{addrs[0]['addr_info'][0]['prefixlen']}")
    return host.network if 16 <= host.network.prefixlen <= 28 else ipaddress.ip_network(f"{host.ip}/24", strict=False)


def probe(ip):
    """A client that says whether http://ip/ answers within a few seconds."""
    return ["sh", "-c", f"if timeout 5 wget -qO- http://{ip}/ >/dev/null 2>&1; then echo REACHED {ip}; "
                        f"else echo UNREACHABLE {ip}; fi; sleep 3600"]


class VpcIsolationTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        super().setUpClass()

    def namespaces(self):
        instance = self.fargo.health()["instance"]
        prefix = "fargo-%08x-" % (fnv1a(instance) & 0xffffffff)
        return sorted(n for n in os.listdir("/run/netns") if n.startswith(prefix)) if os.path.isdir(
            "/run/netns") else []

    def test_same_cidr_in_two_vpcs_and_two_regions(self):
        a = Vpc(self.fargo, "eu-west-1", "10.0.0.0/16", "10.0.1.0/24", "iso-a")
        b = Vpc(self.fargo, "eu-west-1", "10.0.0.0/16", "10.0.1.0/24", "iso-b")
        c = Vpc(self.fargo, "us-east-1", "10.0.0.0/16", "10.0.1.0/24", "iso-c")
        webs = {v.cluster: v.run("web", NGINX) for v in (a, b, c)}
        ips = {name: vpc.running(webs[name]) for name, vpc in (("iso-a", a), ("iso-b", b), ("iso-c", c))}
        # A client in A reaches A's web server; one in B does not reach A's
        # address unless B has a task there itself (then it reaches B's own).
        in_a = a.run("client", DEBIAN, probe(ips["iso-a"]))
        a.running(in_a)
        a.wait_log(in_a, f"REACHED {ips['iso-a']}")
        target = ips["iso-a"]
        while target in (ips["iso-b"], ips["iso-c"]):  # B or C holds that address itself: take another
            target = a.running(a.run("web", NGINX))
        for v in (b, c):
            probe_task = v.run("client", DEBIAN, probe(target))
            v.running(probe_task)
            v.wait_log(probe_task, f"UNREACHABLE {target}")
        # ... and each VPC's own server is reachable from inside it.
        in_c = c.run("client2", DEBIAN, probe(ips["iso-c"]))
        c.running(in_c)
        c.wait_log(in_c, f"REACHED {ips['iso-c']}")
        for v in (a, b, c):
            v.stop_all()
        wait_for(lambda: not self.namespaces(), 30, what="the VPCs' namespaces gone with their last tasks")

    def test_vpcs_overlapping_the_engines_and_the_hosts_networks(self):
        host_net = host_network()
        for name, cidr in (("podman-default", "10.88.0.0/16"), ("host", str(host_net))):
            net = ipaddress.ip_network(cidr)
            subnet = str(next(net.subnets(new_prefix=max(net.prefixlen, 24))))
            v = Vpc(self.fargo, "eu-west-1", cidr, subnet, "over-" + name)
            arn = v.run("meta", DEBIAN, ["sh", "-c", "wget -qO- $ECS_CONTAINER_METADATA_URI_V4/task; echo; sleep 3600"])
            v.running(arn)
            v.wait_log(arn, arn)  # the task's own metadata names it: the endpoints answered
            v.stop_all()

    def test_kill9_with_tasks_in_three_vpcs(self):
        vpcs = [Vpc(self.fargo, "eu-west-1", "10.0.0.0/16", "10.0.1.0/24", f"k9-{i}") for i in range(3)]
        arns = {v.cluster: v.run("sleeper", DEBIAN, ["sleep", "3600"]) for v in vpcs}
        ips = {v.cluster: v.running(arns[v.cluster]) for v in vpcs}
        before = self.namespaces()
        self.assertEqual(len(before), 3)
        self.fargo.kill9()
        self.fargo.restart_after_kill9()
        for v in vpcs:
            t = v.task(arns[v.cluster])
            self.assertEqual(t["lastStatus"], "RUNNING")
            self.assertEqual(t["containers"][0]["networkInterfaces"][0]["privateIpv4Address"], ips[v.cluster])
            self.assertEqual(v.ecs.list_tasks(cluster=v.cluster)["taskArns"], [arns[v.cluster]])
            pauses = [c for c in self.engine.task_containers(arns[v.cluster])
                      if c["Labels"].get("fargo.role") == "pause"]
            self.assertEqual(len(pauses), 1)
        self.assertEqual(self.namespaces(), before)
        # A VPC is not deleted while its tasks' interfaces remain, as on AWS.
        for v in vpcs:
            with self.assertRaises(v.ec2.exceptions.ClientError) as e:
                v.ec2.delete_vpc(VpcId=v.vpc)
            self.assertEqual(e.exception.response["Error"]["Code"], "DependencyViolation")
        for v in vpcs:
            v.stop_all()
            v.delete()
        wait_for(lambda: not self.namespaces(), 30, what="no namespace left after the VPCs are deleted")

    def test_restart_removes_only_its_own_orphans(self):
        """After kill -9 fargo removes the namespaces of its own that no VPC
        task uses any more, and leaves another fargo instance's alone."""
        v = Vpc(self.fargo, "eu-west-1", "10.0.0.0/16", "10.0.1.0/24", "orph")
        arn = v.run("sleeper", DEBIAN, ["sleep", "3600"])
        v.running(arn)
        mine = self.namespaces()
        self.assertEqual(len(mine), 1)
        prefix = mine[0][: -len(v.vpc)]
        own_orphan = prefix + "vpc-0000000000000dead"
        other = "fargo-%08x-%s" % ((fnv1a("another instance") & 0xffffffff), v.vpc)
        self.assertNotEqual(other[:15], prefix[:15])
        subprocess.run(["ip", "netns", "add", other], check=True)
        try:
            self.fargo.kill9()
            subprocess.run(["ip", "netns", "add", own_orphan], check=True)
            self.fargo.restart_after_kill9()
            wait_for(lambda: own_orphan not in self.namespaces(), 30, what="fargo's own orphan removed")
            self.assertEqual(self.namespaces(), mine)  # the running task's VPC is adopted
            self.assertTrue(os.path.exists("/run/netns/" + other), "another instance's namespace is left alone")
            self.assertEqual(v.task(arn)["lastStatus"], "RUNNING")
        finally:
            subprocess.run(["ip", "netns", "del", other])
            subprocess.run(["ip", "netns", "del", own_orphan], stderr=subprocess.DEVNULL)
        v.stop_all()
        wait_for(lambda: not self.namespaces(), 30, what="no namespace left")


if __name__ == "__main__":
    unittest.main()
