"""The story's last step: the internal NLB reached from this machine through
the bastion with Session Manager port forwarding.

Built with boto3: a VPC and subnet, an nginx task behind an internal NLB, a
bulk-data task, and the bastion (an instance whose profile's role has
AmazonSSMManagedInstanceCore, a security group). Then:
  * `aws ssm start-session --document-name AWS-StartPortForwardingSessionToRemoteHost`
    with the story's parameters (host = the NLB's DNS name, resolved by the
    VPC's DNS from the bastion) and fargo installed as session-manager-plugin:
    curl on the local port gets the nginx page; DescribeSessions lists the
    session Active, then in History once it ended;
  * `fargo port-forward <bastion> --host H --port P --local-port L`: 10
    parallel 10 MB downloads arrive intact (checksummed), several local
    connections at once;
  * a task as the target (ecs:<cluster>_<task>_<runtime id>,
    AWS-StartPortForwardingSession: the task's own localhost);
  * the bastion's security group applies: without egress its connections
    fail, with it back they work;
  * AWS's errors: a target that is not managed or not running
    (TargetNotConnected), an unknown document (InvalidDocument), bad
    parameters (InvalidParameters).

Needs a container engine, the story's images and root; `make test` sets
them up.
"""
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from fargo_harness import (AWS_CLI_IMAGE, FARGO_BIN, FargoTestCase, require, require_vpc_networks, wait_for)
from test_vpcs import NGINX, Vpc

REGION = "eu-west-1"

# Serves GET /blob/<n>: 10 MB of random bytes with their SHA-256 in X-Sha256.
BULK_SERVER = r"""
import hashlib, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = os.urandom(10 * 1024 * 1024)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Sha256", hashlib.sha256(body).hexdigest())
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
print("BULK READY", flush=True)
ThreadingHTTPServer(("0.0.0.0", 8000), H).serve_forever()
"""


def get(url, timeout=20):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.headers, r.read()


class Forward:
    """A port-forwarding client running (fargo port-forward or aws ssm
    start-session); .port is its local port once it says it is open."""

    def __init__(self, argv, env=None):
        # A session of its own: Ctrl-C reaches the whole group (the aws CLI
        # and the plugin it runs), as a terminal's does.
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     start_new_session=True)
        self.lines = []
        self.port = None
        opened = threading.Event()

        def read():
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))
                m = re.search(r"Port (\d+) opened for sessionId (\S+)\.", line)
                if m:
                    self.port, self.session_id = int(m.group(1)), m.group(2)
                    opened.set()
            opened.set()

        threading.Thread(target=read, daemon=True).start()
        opened.wait(30)
        if self.port is None:
            self.stop()
            raise AssertionError(f"{argv} did not open a port: {self.lines}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class BastionPortForwardTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        require(cls.engine.has_image(AWS_CLI_IMAGE), f"the test image {AWS_CLI_IMAGE} (run tests/images/build.sh)")
        os.environ["FARGO_INSTANCE_IMAGE"] = AWS_CLI_IMAGE
        try:
            super().setUpClass()
        finally:
            os.environ.pop("FARGO_INSTANCE_IMAGE", None)
        # fargo as session-manager-plugin, first on PATH for the aws CLI.
        cls.bin_dir = tempfile.mkdtemp(prefix="fargo-plugin-")
        os.symlink(os.path.abspath(FARGO_BIN), os.path.join(cls.bin_dir, "session-manager-plugin"))

    def bastion(self, v, sg):
        iam = self.fargo.client("iam", REGION)
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        iam.create_role(RoleName="pf-bastion", AssumeRolePolicyDocument=json.dumps(trust))
        iam.attach_role_policy(RoleName="pf-bastion",
                               PolicyArn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")
        iam.create_instance_profile(InstanceProfileName="pf-bastion")
        iam.add_role_to_instance_profile(InstanceProfileName="pf-bastion", RoleName="pf-bastion")
        image = v.ec2.describe_images(Owners=["099720109477"], Filters=[
            {"Name": "name", "Values": ["ubuntu/images/hvm-ssd/ubuntu-focal-20.04-amd64-server-*"]}])["Images"][0]
        inst = v.ec2.run_instances(ImageId=image["ImageId"], InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                   SubnetId=v.subnet, SecurityGroupIds=[sg],
                                   IamInstanceProfile={"Name": "pf-bastion"})["Instances"][0]
        iid = inst["InstanceId"]
        ssm = self.fargo.client("ssm", REGION)
        wait_for(lambda: ssm.describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [iid]}])["InstanceInformationList"], 90,
            what="the bastion managed")
        return iid

    def nlb(self, v, web_ip):
        elb = self.fargo.client("elbv2", REGION)
        lb = elb.create_load_balancer(Name="pf-nlb", Type="network", Scheme="internal",
                                      Subnets=[v.subnet])["LoadBalancers"][0]
        tg = elb.create_target_group(Name="pf-tg", Protocol="TCP", Port=80, VpcId=v.vpc, TargetType="ip",
                                     HealthCheckProtocol="HTTP", HealthCheckPath="/", HealthCheckIntervalSeconds=5,
                                     HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2)["TargetGroups"][0]
        elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": web_ip}])
        elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
        wait_for(lambda: [h["TargetHealth"]["State"] for h in elb.describe_target_health(
            TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]] == ["healthy"], 60,
            what="the nginx target healthy")
        return lb["DNSName"]

    def run_bulk(self, v):
        """The bulk-data server in a task of the AWS CLI image (its python3)."""
        td = v.ecs.register_task_definition(
            family="bulk", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="512", memory="1024",
            executionRoleArn=v.role, taskRoleArn=v.role, containerDefinitions=[{
                "name": "main", "image": AWS_CLI_IMAGE, "essential": True, "stopTimeout": 2,
                "entryPoint": ["python3", "-c", BULK_SERVER],
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": v.group, "awslogs-region": v.region, "awslogs-stream-prefix": "ecs"}}}])
        r = v.ecs.run_task(cluster=v.cluster, taskDefinition=td["taskDefinition"]["taskDefinitionArn"],
                           launchType="FARGATE",
                           networkConfiguration={"awsvpcConfiguration": {"subnets": [v.subnet]}})
        return r["tasks"][0]["taskArn"]

    def port_forward(self, *args):
        return Forward([FARGO_BIN, "port-forward", *args, "--endpoint", self.fargo.endpoint, "--region", REGION])

    def test_story_bastion_forwards_to_the_internal_nlb(self):
        v = Vpc(self.fargo, REGION, "10.72.0.0/16", "10.72.1.0/24", "pf")
        v.admit_vpc()  # the NLB has no security groups: the web task admits the VPC
        sg = v.ec2.create_security_group(GroupName="pf-bastion", Description="bastion",
                                         VpcId=v.vpc)["GroupId"]
        web = v.run("web", NGINX)
        bulk = self.run_bulk(v)
        web_ip, bulk_ip = v.running(web), v.running(bulk)
        v.wait_log(bulk, "BULK READY")
        dns = self.nlb(v, web_ip)
        # The tasks are in the VPC's default group: it admits the bastion's to the bulk server.
        default_sg = v.ec2.describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [v.vpc]}, {"Name": "group-name", "Values": ["default"]}])[
            "SecurityGroups"][0]["GroupId"]
        v.ec2.authorize_security_group_ingress(GroupId=default_sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000, "UserIdGroupPairs": [{"GroupId": sg}]}])
        iid = self.bastion(v, sg)
        ssm = self.fargo.client("ssm", REGION)

        # The story's command, with fargo as the session-manager-plugin.
        env = self.fargo.aws_env(REGION)
        env["PATH"] = self.bin_dir + os.pathsep + env["PATH"]
        params = json.dumps({"host": [dns], "portNumber": ["80"], "localPortNumber": ["0"]})
        story = Forward(["/usr/bin/aws", "--endpoint-url", self.fargo.endpoint, "ssm", "start-session",
                         "--target", iid, "--document-name", "AWS-StartPortForwardingSessionToRemoteHost",
                         "--parameters", params], env=env)
        try:
            status, _, body = get(f"http://127.0.0.1:{story.port}/")
            self.assertEqual(status, 200)
            self.assertIn(b"Welcome to nginx", body)
            # Again, on a new connection of the same session.
            self.assertIn(b"Welcome to nginx", get(f"http://127.0.0.1:{story.port}/")[2])
            active = ssm.describe_sessions(State="Active")["Sessions"]
            mine = [s for s in active if s["SessionId"] == story.session_id]
            self.assertEqual(len(mine), 1, active)
            self.assertEqual((mine[0]["Target"], mine[0]["DocumentName"], mine[0]["Status"]),
                             (iid, "AWS-StartPortForwardingSessionToRemoteHost", "Connected"))
        finally:
            self.assertEqual(story.stop(), 0, story.lines)
        wait_for(lambda: [s["Status"] for s in ssm.describe_sessions(State="History", Filters=[
            {"key": "SessionId", "value": story.session_id}])["Sessions"]] == ["Terminated"], 15,
            what="the session in History")

        # 10 parallel 10 MB transfers through one multiplexed session, intact.
        fwd = self.port_forward(iid, "--host", bulk_ip, "--port", "8000", "--local-port", "0")
        try:
            results = [None] * 10

            def fetch(i):
                try:
                    _, headers, body = get(f"http://127.0.0.1:{fwd.port}/blob/{i}", timeout=120)
                    results[i] = (len(body), hashlib.sha256(body).hexdigest() == headers["X-Sha256"])
                except Exception as e:  # noqa: BLE001 - reported below
                    results[i] = repr(e)

            threads = [threading.Thread(target=fetch, args=(i,)) for i in range(10)]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(180)
            took = time.monotonic() - started
            self.assertEqual(results, [(10 * 1024 * 1024, True)] * 10, fwd.lines)
            print(f"10 x 10 MB through the bastion in {took:.1f} s")
        finally:
            fwd.stop()

        # A task as the target: its own localhost (ECS Exec enabled).
        td = v.ecs.describe_tasks(cluster=v.cluster, tasks=[web])["tasks"][0]["taskDefinitionArn"]
        run = v.ecs.run_task(cluster=v.cluster, taskDefinition=td, launchType="FARGATE", enableExecuteCommand=True,
                             networkConfiguration={"awsvpcConfiguration": {"subnets": [v.subnet]}})["tasks"][0]
        v.running(run["taskArn"])
        task = wait_for(lambda: (lambda t: t if t["containers"][0].get("runtimeId") and any(
            a["lastStatus"] == "RUNNING" for a in t["containers"][0].get("managedAgents", [])) else None)(
            v.task(run["taskArn"])), 60, what="the exec agent running")
        target = f"ecs:{v.cluster}_{run['taskArn'].rsplit('/', 1)[1]}_{task['containers'][0]['runtimeId']}"
        fwd = self.port_forward(target, "--port", "80")
        try:
            self.assertIn(b"Welcome to nginx", get(f"http://127.0.0.1:{fwd.port}/")[2])
        finally:
            fwd.stop()
        # A task run without ECS Exec is not a target.
        plain = v.task(web)
        self.assertAwsError("TargetNotConnected", ssm.start_session,
                            Target=f"ecs:{v.cluster}_{web.rsplit('/', 1)[1]}_{plain['containers'][0]['runtimeId']}",
                            DocumentName="AWS-StartPortForwardingSession")

        # The bastion's security group applies to what it connects to.
        sg_rules = v.ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissionsEgress"]
        v.ec2.revoke_security_group_egress(GroupId=sg, IpPermissions=sg_rules)
        fwd = self.port_forward(iid, "--host", dns, "--port", "80")
        try:
            def blocked():
                try:
                    get(f"http://127.0.0.1:{fwd.port}/", timeout=5)
                    return False
                except Exception:  # noqa: BLE001 - refused, reset or timed out: blocked
                    return True
            wait_for(blocked, 20, what="egress blocked by the bastion's group")
            v.ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=sg_rules)
            wait_for(lambda: not blocked(), 20, what="egress allowed again")
        finally:
            fwd.stop()

        # AWS's errors.
        self.assertAwsError("TargetNotConnected", ssm.start_session, Target="i-0123456789abcdef0")
        self.assertAwsError("InvalidDocument", ssm.start_session, Target=iid, DocumentName="AWS-NoSuchDocument")
        self.assertAwsError("InvalidParameters", ssm.start_session, Target=iid,
                            DocumentName="AWS-StartPortForwardingSession", Parameters={"portNumber": ["http"]})
        self.assertAwsError("InvalidParameters", ssm.start_session, Target=iid,
                            DocumentName="AWS-StartPortForwardingSessionToRemoteHost",
                            Parameters={"portNumber": ["80"]})  # no host
        v.ec2.stop_instances(InstanceIds=[iid])
        wait_for(lambda: v.ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0][
            "State"]["Name"] == "stopped", 60, what="the bastion stopped")
        self.assertAwsError("TargetNotConnected", ssm.start_session, Target=iid,
                            DocumentName="AWS-StartPortForwardingSession")


if __name__ == "__main__":
    unittest.main()
