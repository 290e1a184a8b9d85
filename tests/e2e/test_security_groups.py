"""Security groups filter what enters and leaves each task, as on AWS.

A web task answers on ports 80, 8080 and 8081; probe tasks in the same VPC
try to connect to it (bash's /dev/tcp with a one-second limit) about three
times a second and log, per attempt, when it began and whether it connected,
was refused, or timed out. A port no rule admits TIMES OUT (the packets are
dropped), it is not refused. Each probe also asks the task metadata endpoint
(fargo's 169.254.170.2), which security groups never filter.

  * the story's rule (tcp 80 from the VPC's CIDR): 80 answers, 8080 times out;
  * a rule from a source group admits that group's members only;
  * revoking a rule cuts new connections within a second;
  * egress rules are enforced (fargo's endpoints stay reachable);
  * the VPC's default group lets its members reach each other on any port.

Needs a container engine, the story's images and root (network namespaces).
"""
import json
import time
import unittest

from fargo_harness import FargoTestCase, require_vpc_networks, wait_for

DEBIAN = "debian:buster-20230411-slim"
NGINX = "nginx:1.24.0"

# nginx on 80 (its default site), 8080 and 8081.
WEB = ["sh", "-c",
       "for p in 8080 8081; do echo \"server { listen $p; location / { return 200 'port $p'; } }\" "
       "> /etc/nginx/conf.d/p$p.conf; done; exec nginx -g 'daemon off;'"]

# One line per attempt: "PROBE <start> <ip:port> ok|refused|timeout svc=yes|no".
PROBE = ["bash", "-c",
         "while true; do for t in $TARGETS; do s=$(date +%s.%N); "
         "timeout 1 bash -c \"exec 3<>/dev/tcp/${t%:*}/${t#*:}\" 2>/dev/null; rc=$?; "
         "case $rc in 0) r=ok;; 124) r=timeout;; *) r=refused;; esac; "
         "v=no; timeout 2 bash -c 'exec 3<>/dev/tcp/169.254.170.2/80' 2>/dev/null && v=yes; "
         "echo \"PROBE $s $t $r svc=$v\"; done; sleep 0.2; done"]


class SecurityGroupsCase(FargoTestCase):
    """A VPC with a subnet, a cluster, web and probe task definitions, and
    helpers to run tasks in groups and read what their probes saw."""
    REGION = "eu-west-1"
    PROBE = PROBE

    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        super().setUpClass()

    def setUp(self):
        self.ecs = self.fargo.client("ecs", self.REGION)
        self.ec2 = self.fargo.client("ec2", self.REGION)
        self.logs = self.fargo.client("logs", self.REGION)
        self.vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.0.1.0/24",
                                             AvailabilityZone=self.REGION + "a")["Subnet"]["SubnetId"]
        self.default_group = self.ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [self.vpc]}, {"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"][0]["GroupId"]
        self.cluster = "sg-" + self.id().rsplit(".", 1)[1][-20:]
        self.ecs.create_cluster(clusterName=self.cluster)
        self.log_group = "/ecs/" + self.cluster
        self.logs.create_log_group(logGroupName=self.log_group)
        iam = self.fargo.client("iam", self.REGION)
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        try:
            self.role = iam.create_role(RoleName="sg-test-exec",
                                        AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            self.role = iam.get_role(RoleName="sg-test-exec")["Role"]["Arn"]
        logging = {"logDriver": "awslogs", "options": {
            "awslogs-group": self.log_group, "awslogs-region": self.REGION, "awslogs-stream-prefix": "ecs"}}
        self.web_td = self.task_definition("web", NGINX, WEB, logging)
        self.probe_td = self.task_definition("probe", DEBIAN, self.PROBE, logging)

    def tearDown(self):
        for arn in self.ecs.list_tasks(cluster=self.cluster)["taskArns"]:
            self.ecs.stop_task(cluster=self.cluster, task=arn)
        wait_for(lambda: not self.ecs.list_tasks(cluster=self.cluster)["taskArns"], 60, what="tasks stopped")

    # ---- helpers

    def task_definition(self, family, image, command, logging):
        return self.ecs.register_task_definition(
            family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
            executionRoleArn=self.role, containerDefinitions=[{"name": "main", "image": image, "essential": True, "stopTimeout": 2,
                                   "command": command, "logConfiguration": logging}]
        )["taskDefinition"]["taskDefinitionArn"]

    def group(self, name):
        return self.ec2.create_security_group(GroupName=name, Description=name, VpcId=self.vpc)["GroupId"]

    @staticmethod
    def tcp(port, cidr=None, group=None):
        perm = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
        if cidr:
            perm["IpRanges"] = [{"CidrIp": cidr}]
        if group:
            perm["UserIdGroupPairs"] = [{"GroupId": group}]
        return perm

    def run_task(self, td, groups=None, targets=None):
        """Runs a task (in `groups`, or the default group) and waits until it
        is RUNNING; returns (arn, private IP)."""
        vpc_config = {"subnets": [self.subnet], "assignPublicIp": "DISABLED"}
        if groups:
            vpc_config["securityGroups"] = groups
        kwargs = {}
        if targets:
            kwargs["overrides"] = {"containerOverrides": [{"name": "main", "environment": [
                {"name": "TARGETS", "value": " ".join(targets)}]}]}
        r = self.ecs.run_task(cluster=self.cluster, taskDefinition=td, launchType="FARGATE",
                              networkConfiguration={"awsvpcConfiguration": vpc_config}, **kwargs)
        self.assertFalse(r["failures"], r["failures"])
        arn = r["tasks"][0]["taskArn"]
        t = wait_for(lambda: (lambda t: t if t["lastStatus"] in ("RUNNING", "STOPPED") else None)(
            self.ecs.describe_tasks(cluster=self.cluster, tasks=[arn])["tasks"][0]), 90, what=f"{arn} running")
        self.assertEqual(t["lastStatus"], "RUNNING", t.get("stoppedReason"))
        ip = [d["value"] for a in t["attachments"] for d in a["details"] if d["name"] == "privateIPv4Address"][0]
        return arn, ip

    def attempts(self, arn):
        """Every attempt the probe task logged: (start, target, result, svc)."""
        stream = f"ecs/main/{arn.rsplit('/', 1)[1]}"
        out, token = [], None
        while True:
            kwargs = {"nextToken": token} if token else {}
            try:
                r = self.logs.get_log_events(logGroupName=self.log_group, logStreamName=stream,
                                             startFromHead=True, **kwargs)
            except self.logs.exceptions.ResourceNotFoundException:
                return out
            for e in r["events"]:
                f = e["message"].split()
                if len(f) == 5 and f[0] == "PROBE":
                    out.append((float(f[1]), f[2], f[3], f[4] == "svc=yes"))
            if not r["events"] or r.get("nextForwardToken") == token:
                return out
            token = r["nextForwardToken"]

    def expect(self, arn, target, result, after=None, timeout=40):
        """Waits for two attempts on `target` begun after `after` (now when
        None) and checks that they all had `result`; fargo's endpoint was
        reached in each."""
        after = time.time() if after is None else after

        def seen():
            got = [a for a in self.attempts(arn) if a[1] == target and a[0] >= after]
            return got if len(got) >= 2 else None
        got = wait_for(seen, timeout, what=f"probes of {target} from {arn}")
        self.assertEqual({a[2] for a in got}, {result}, f"{target} from {arn}: {got}")
        self.assertTrue(all(a[3] for a in got), f"fargo's endpoint unreachable from {arn}: {got}")
        return got



class SecurityGroupsTest(SecurityGroupsCase):

    def test_rules_source_groups_and_revocation(self):
        web_group, clients = self.group("web"), self.group("clients")
        # The story's rule, and 8081 for the clients group only.
        self.ec2.authorize_security_group_ingress(GroupId=web_group, IpPermissions=[self.tcp(80, cidr="10.0.0.0/16")])
        self.ec2.authorize_security_group_ingress(GroupId=web_group, IpPermissions=[self.tcp(8081, group=clients)])
        _, web = self.run_task(self.web_td, [web_group])
        targets = [f"{web}:80", f"{web}:8080", f"{web}:8081"]
        member, _ = self.run_task(self.probe_td, [clients], targets)
        outsider, _ = self.run_task(self.probe_td, None, targets)  # the VPC's default group

        self.expect(member, f"{web}:80", "ok")
        self.expect(member, f"{web}:8080", "timeout")  # listening, but no rule: dropped, not refused
        self.expect(member, f"{web}:8081", "ok")
        self.expect(outsider, f"{web}:80", "ok")
        self.expect(outsider, f"{web}:8080", "timeout")
        self.expect(outsider, f"{web}:8081", "timeout")  # not a member of the source group

        # Revoked: new connections are cut within a second.
        self.ec2.revoke_security_group_ingress(GroupId=web_group, IpPermissions=[self.tcp(80, cidr="10.0.0.0/16")])
        revoked = time.time()
        self.expect(member, f"{web}:80", "timeout", after=revoked + 1.0)
        self.expect(member, f"{web}:8081", "ok", after=revoked + 1.0)  # the other rule stays

        # Re-authorized from the clients group: the member is back, the outsider not.
        self.ec2.authorize_security_group_ingress(GroupId=web_group, IpPermissions=[self.tcp(80, group=clients)])
        again = time.time()
        self.expect(member, f"{web}:80", "ok", after=again + 1.0)
        self.expect(outsider, f"{web}:80", "timeout", after=again + 1.0)

    def test_default_group_members_and_egress_rules(self):
        # The web task in the default group and in one open to the VPC.
        open_group, locked = self.group("open"), self.group("locked")
        self.ec2.authorize_security_group_ingress(GroupId=open_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
        # The locked group may only go out to tcp 8080 in the VPC.
        self.ec2.revoke_security_group_egress(GroupId=locked, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.ec2.authorize_security_group_egress(GroupId=locked, IpPermissions=[self.tcp(8080, cidr="10.0.0.0/16")])
        _, web = self.run_task(self.web_td, [self.default_group, open_group])
        targets = [f"{web}:80", f"{web}:8080"]
        member, _ = self.run_task(self.probe_td, None, targets)  # default group: a member of the web's
        restricted, _ = self.run_task(self.probe_td, [locked], targets)

        self.expect(member, f"{web}:80", "ok")
        self.expect(member, f"{web}:8080", "ok")
        self.expect(restricted, f"{web}:8080", "ok")
        self.expect(restricted, f"{web}:80", "timeout")  # no egress rule (fargo's endpoint still answers)

        # Its last egress rule revoked: the locked task reaches nothing.
        self.ec2.revoke_security_group_egress(GroupId=locked, IpPermissions=[self.tcp(8080, cidr="10.0.0.0/16")])
        cut = time.time()
        self.expect(restricted, f"{web}:8080", "timeout", after=cut + 1.0)


if __name__ == "__main__":
    unittest.main()
