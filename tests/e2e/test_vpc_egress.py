"""Egress decided by route tables and gateways, as on AWS.

A subnet whose route table sends 0.0.0.0/0 to an internet gateway gives its
tasks with a public IP (assignPublicIp ENABLED) egress, and its tasks without
one none; a subnet routed to a NAT gateway gives its (private) tasks egress;
a subnet with neither has none. fargo's own services (the task endpoints on
169.254.170.2) are reachable from every task regardless. Route changes reach
running tasks within seconds.

"Outside" is a network namespace this test makes, reached from the host by a
veth with documentation addresses (198.51.100.0/24) and serving one page;
nothing beyond the machine is ever asked. Tasks probe it (and fargo's task
endpoints) every second and log what they reached.

Needs a container engine, the story's images and root (network namespaces);
`make test` sets them up.
"""
import json
import os
import subprocess
import unittest

from fargo_harness import FargoTestCase, require_vpc_networks, wait_for

DEBIAN = "debian:buster-20230411-slim"
OUTSIDE_IP = "198.51.100.1"  # TEST-NET-2
HOST_IP = "198.51.100.2"
OUTSIDE_PORT = 18093

# Every second: whether the outside page and fargo's task endpoints answered.
PROBE = ["sh", "-c",
         "i=0; while true; do i=$((i+1)); o=no; s=no; "
         f"timeout 2 wget -qO- http://{OUTSIDE_IP}:{OUTSIDE_PORT}/ 2>/dev/null | grep -q OUTSIDE && o=yes; "
         "timeout 2 wget -qO- $ECS_CONTAINER_METADATA_URI_V4/task >/dev/null 2>&1 && s=yes; "
         "echo \"PROBE $i out=$o svc=$s\"; sleep 1; done"]


def sh(*args, check=True):
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


class Outside:
    """A namespace on the host's side serving a page at OUTSIDE_IP."""

    def __init__(self):
        self.ns = f"fgtest-outside-{os.getpid()}"
        self.veth = f"fgto{os.getpid() % 100000}"
        self.server = None

    def start(self):
        sh("ip", "netns", "add", self.ns)
        sh("ip", "link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", self.ns)
        sh("ip", "addr", "add", f"{HOST_IP}/24", "dev", self.veth)
        sh("ip", "link", "set", self.veth, "up")
        sh("ip", "-n", self.ns, "addr", "add", f"{OUTSIDE_IP}/24", "dev", "eth0")
        sh("ip", "-n", self.ns, "link", "set", "eth0", "up")
        sh("ip", "-n", self.ns, "link", "set", "lo", "up")
        page = ("import http.server\n"
                "class H(http.server.BaseHTTPRequestHandler):\n"
                "    def do_GET(self):\n"
                "        b = b'OUTSIDE\\n'\n"
                "        self.send_response(200); self.send_header('Content-Length', str(len(b))); self.end_headers()\n"
                "        self.wfile.write(b)\n"
                "    def log_message(self, *a): pass\n"
                f"http.server.ThreadingHTTPServer(('{OUTSIDE_IP}', {OUTSIDE_PORT}), H).serve_forever()\n")
        self.server = subprocess.Popen(["ip", "netns", "exec", self.ns, "python3", "-c", page])
        # The host itself reaches it (as it would reach any network of its own).
        wait_for(lambda: sh("python3", "-c", f"import urllib.request; print(urllib.request.urlopen("
                                             f"'http://{OUTSIDE_IP}:{OUTSIDE_PORT}/', timeout=2).read())",
                            check=False).returncode == 0, 10, what="the outside page")
        return self

    def stop(self):
        if self.server:
            self.server.kill()
            self.server.wait()
        sh("ip", "link", "del", self.veth, check=False)
        sh("ip", "netns", "del", self.ns, check=False)


class EgressTestBase(FargoTestCase):
    REGION = "eu-west-1"

    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        super().setUpClass()
        cls.outside = Outside()
        try:
            cls.outside.start()
        except Exception:
            cls.outside.stop()
            cls.fargo.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.outside.stop()
        super().tearDownClass()

    def setUp(self):
        self.ecs = self.fargo.client("ecs", self.REGION)
        self.ec2 = self.fargo.client("ec2", self.REGION)
        self.logs = self.fargo.client("logs", self.REGION)
        self.vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.public = self.subnet("10.0.1.0/24")
        self.private = self.subnet("10.0.2.0/24")
        self.cluster = "egress-" + self.id().rsplit(".", 1)[1][-20:]
        self.ecs.create_cluster(clusterName=self.cluster)
        self.group = "/ecs/" + self.cluster
        self.logs.create_log_group(logGroupName=self.group)
        iam = self.fargo.client("iam", self.REGION)
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        try:
            role = iam.create_role(RoleName="egress-test-exec", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            role = iam.get_role(RoleName="egress-test-exec")["Role"]["Arn"]
        self.td = self.ecs.register_task_definition(
            family="probe", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
            executionRoleArn=role,
            containerDefinitions=[{
                "name": "main", "image": DEBIAN, "essential": True, "stopTimeout": 2, "command": PROBE,
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": self.group, "awslogs-region": self.REGION,
                    "awslogs-stream-prefix": "ecs"}}}])["taskDefinition"]["taskDefinitionArn"]

    def tearDown(self):
        for arn in self.ecs.list_tasks(cluster=self.cluster)["taskArns"]:
            self.ecs.stop_task(cluster=self.cluster, task=arn)
        wait_for(lambda: not self.ecs.list_tasks(cluster=self.cluster)["taskArns"], 60, what="tasks stopped")

    def subnet(self, cidr):
        return self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=cidr,
                                      AvailabilityZone=self.REGION + "a")["Subnet"]["SubnetId"]

    def run_task(self, subnet, public_ip):
        r = self.ecs.run_task(cluster=self.cluster, taskDefinition=self.td, launchType="FARGATE",
                              networkConfiguration={"awsvpcConfiguration": {
                                  "subnets": [subnet], "assignPublicIp": "ENABLED" if public_ip else "DISABLED"}})
        self.assertFalse(r["failures"], r["failures"])
        arn = r["tasks"][0]["taskArn"]
        t = wait_for(lambda: (lambda t: t if t["lastStatus"] in ("RUNNING", "STOPPED") else None)(
            self.ecs.describe_tasks(cluster=self.cluster, tasks=[arn])["tasks"][0]), 60, what=f"{arn} running")
        self.assertEqual(t["lastStatus"], "RUNNING", t.get("stoppedReason"))
        return arn

    def last_probe(self, arn):
        stream = f"ecs/main/{arn.rsplit('/', 1)[1]}"
        try:
            events = self.logs.get_log_events(logGroupName=self.group, logStreamName=stream,
                                              startFromHead=False, limit=1)["events"]
        except self.logs.exceptions.ResourceNotFoundException:
            return None
        if not events or not events[-1]["message"].startswith("PROBE "):
            return None
        n, out, svc = events[-1]["message"].split()[1:4]
        return int(n), out == "out=yes", svc == "svc=yes"

    def expect(self, arn, out, timeout=30, what=""):
        """Waits until the task's probes say `out` (after at least one probe
        that began after this call), with fargo's services reachable."""
        start = (self.last_probe(arn) or (0,))[0]
        got = wait_for(lambda: (lambda p: p if p and p[0] > start + 1 and p[1] == out else None)(self.last_probe(arn)),
                       timeout, what=f"{what}: egress {'on' if out else 'off'} for {arn}")
        self.assertTrue(got[2], f"{what}: fargo's task endpoints unreachable from {arn}")


class NoGatewayTest(EgressTestBase):
    """Runs today: without gateways (a new VPC's main table has only its
    local route) no task has egress, whatever its assignPublicIp, and every
    task reaches fargo's services."""

    def test_a_vpc_without_gateways_has_no_egress(self):
        public_ip = self.run_task(self.public, True)
        private = self.run_task(self.private, False)
        self.expect(public_ip, False, what="no internet gateway, public IP")
        self.expect(private, False, what="no NAT gateway")
        # ... and it stays so (no probe ever reached outside).
        for arn in (public_ip, private):
            self.assertFalse(self.last_probe(arn)[1])


class RouteTablesDecideEgressTest(EgressTestBase):
    """Internet gateway, NAT gateway, route changes on running tasks. Uses
    EC2's gateway and route operations (CreateInternetGateway,
    AttachInternetGateway, CreateRouteTable, CreateRoute,
    AssociateRouteTable, AllocateAddress, CreateNatGateway, DeleteRoute)."""

    def test_route_tables_decide_egress(self):
        # Tasks first: what they may reach changes while they run.
        with_ip = self.run_task(self.public, True)
        without_ip = self.run_task(self.public, False)
        private = self.run_task(self.private, False)
        for arn in (with_ip, without_ip, private):
            self.expect(arn, False, what="before any gateway")

        # Internet gateway for the public subnet: only the task with a public IP.
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=self.vpc)
        public_rtb = self.ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        self.ec2.create_route(RouteTableId=public_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        self.ec2.associate_route_table(RouteTableId=public_rtb, SubnetId=self.public)
        self.expect(with_ip, True, what="internet gateway, public IP")
        self.expect(without_ip, False, what="internet gateway, no public IP")
        self.expect(private, False, what="private subnet on the main table")

        # A NAT gateway in the public subnet for the private subnet's table.
        eip = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = self.ec2.create_nat_gateway(SubnetId=self.public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
        wait_for(lambda: self.ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"] == "available",
                 60, what="the NAT gateway available")
        private_rtb = self.ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        self.ec2.create_route(RouteTableId=private_rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        self.ec2.associate_route_table(RouteTableId=private_rtb, SubnetId=self.private)
        self.expect(private, True, what="NAT gateway")
        self.expect(with_ip, True, what="internet gateway still")

        # A task started now gets it from the start.
        late = self.run_task(self.private, False)
        self.expect(late, True, what="NAT gateway at launch")

        # The internet route goes: the running public task loses egress.
        self.ec2.delete_route(RouteTableId=public_rtb, DestinationCidrBlock="0.0.0.0/0")
        self.expect(with_ip, False, what="internet route deleted")


if __name__ == "__main__":
    unittest.main()
