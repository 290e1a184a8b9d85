"""The commands for people, against a real `fargo serve` with a real service.

`fargo status`, `fargo ps`, `fargo services`, `fargo logs`, `fargo lbs`,
`fargo pull` and `fargo completion` are run as a person runs them (not on a terminal: no
colours), their tables read, and their --json parsed back and compared with
the same state read with boto3. Needs a container engine and the story's
images (tests/images/build.sh).
"""
import json
import os
import re
import subprocess
import time
import unittest
import urllib.request

from fargo_harness import FARGO_BIN, FargoTestCase, free_port, require_engine, wait_for

REGION = "eu-west-1"
DEBIAN = "debian:buster-20230411-slim"


def task_id(arn):
    return arn.rsplit("/", 1)[1]


class PeopleCommandsTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        require_engine()
        super().setUpClass()
        f = cls.fargo
        cls.ecs = f.client("ecs", REGION)
        cls.ec2 = f.client("ec2", REGION)
        cls.logs = f.client("logs", REGION)
        cls.elb = f.client("elbv2", REGION)
        octet = 100 + os.getpid() % 50
        cls.vpc = cls.ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16")["Vpc"]["VpcId"]
        cls.subnets = [cls.ec2.create_subnet(VpcId=cls.vpc, CidrBlock=f"10.{octet}.{i}.0/24",
                                             AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
                       for i, az in ((1, "a"), (2, "b"))]
        cls.ecs.create_cluster(clusterName="people")
        cls.logs.create_log_group(logGroupName="/ecs/people")
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        role = f.client("iam", REGION).create_role(RoleName="people-execution",
                                                   AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        # Each task prints who it is, then a tick a second (for `logs -f`).
        script = ('echo "hello from $(hostname)"; i=0; '
                  'while true; do i=$((i+1)); echo "tick $i"; sleep 1; done')
        cls.td = cls.ecs.register_task_definition(
            family="people-web", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256",
            memory="512", executionRoleArn=role, containerDefinitions=[{
                "name": "app", "image": DEBIAN, "command": ["sh", "-c", script], "stopTimeout": 2,
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": "/ecs/people", "awslogs-region": REGION,
                    "awslogs-stream-prefix": "web"}}}])["taskDefinition"]["taskDefinitionArn"]
        cls.ecs.create_service(cluster="people", serviceName="web", taskDefinition=cls.td, desiredCount=2,
                               launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
                                   "subnets": cls.subnets[:1], "assignPublicIp": "DISABLED"}})
        wait_for(lambda: cls.service()["runningCount"] == 2 and len(cls.running_tasks()) == 2, 120,
                 what="the service's two tasks RUNNING")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.ecs.delete_service(cluster="people", service="web", force=True)
            wait_for(lambda: not cls.ecs.list_tasks(cluster="people")["taskArns"], 60, what="tasks stopped")
        finally:
            super().tearDownClass()

    @classmethod
    def service(cls):
        return cls.ecs.describe_services(cluster="people", services=["web"])["services"][0]

    @classmethod
    def running_tasks(cls):
        arns = cls.ecs.list_tasks(cluster="people", desiredStatus="RUNNING")["taskArns"]
        tasks = cls.ecs.describe_tasks(cluster="people", tasks=arns)["tasks"] if arns else []
        return [t for t in tasks if t["lastStatus"] == "RUNNING"]

    def fargo_cli(self, *args, ok=True, region=REGION, endpoint=None, timeout=60):
        env = dict(os.environ)
        env.pop("NO_COLOR", None)
        env["AWS_REGION"] = region
        p = subprocess.run([FARGO_BIN, *args, "--endpoint", endpoint or self.fargo.endpoint],
                           capture_output=True, text=True, env=env, timeout=timeout)
        if ok:
            self.assertEqual(p.returncode, 0, f"fargo {' '.join(args)}: {p.stderr}")
        # Not a terminal: never colours.
        self.assertNotIn("\033", p.stdout)
        return p

    @staticmethod
    def table(text):
        """A table as a list of dicts, columns cut at the header's offsets."""
        lines = text.rstrip("\n").split("\n")
        head = lines[0]
        # Columns start at the line's start or after two spaces.
        starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", head)]
        names = [head[s:e].strip() for s, e in zip(starts, starts[1:] + [None])]
        rows = []
        for line in lines[1:]:
            rows.append({n: line[s:e].strip() for n, s, e in zip(names, starts, starts[1:] + [None])})
        return rows

    def test_ps_shows_the_services_tasks(self):
        tasks = {t["taskArn"]: t for t in self.running_tasks()}
        address = {arn: [d["value"] for a in t["attachments"] for d in a["details"]
                         if d["name"] == "privateIPv4Address"][0] for arn, t in tasks.items()}
        rows = self.table(self.fargo_cli("ps").stdout)
        self.assertEqual(sorted(r["TASK"] for r in rows), sorted(task_id(a) for a in tasks))
        for r in rows:
            arn = next(a for a in tasks if task_id(a) == r["TASK"])
            self.assertEqual((r["CLUSTER"], r["SERVICE"], r["STATUS"]), ("people", "web", "RUNNING"))
            self.assertEqual(r["ADDRESS"], address[arn])
            self.assertEqual(r["IMAGE"], tasks[arn]["containers"][0]["image"])
            self.assertRegex(r["AGE"], r"^\d+[smh]$")
        parsed = json.loads(self.fargo_cli("ps", "--json").stdout)
        self.assertEqual({t["TaskArn"] for t in parsed}, set(tasks))
        for t in parsed:
            self.assertEqual(t["Address"], address[t["TaskArn"]])
            self.assertEqual(t["Status"], tasks[t["TaskArn"]]["lastStatus"])
            self.assertEqual(t["TaskDefinition"], "people-web:1")
            self.assertAlmostEqual(t["CreatedAt"], tasks[t["TaskArn"]]["createdAt"].timestamp(), delta=0.01)
        # The region comes from AWS_REGION when not given: nothing in us-east-1.
        self.assertEqual(json.loads(self.fargo_cli("ps", "--json", region="us-east-1").stdout), [])
        self.assertEqual(len(json.loads(self.fargo_cli("ps", "--json", "--cluster", "people").stdout)), 2)

    def test_ps_all_shows_stopped_tasks_too(self):
        arn = self.ecs.run_task(cluster="people", taskDefinition=self.td, launchType="FARGATE",
                                overrides={"containerOverrides": [{"name": "app", "command": ["true"]}]},
                                networkConfiguration={"awsvpcConfiguration": {"subnets": self.subnets[:1]}}
                                )["tasks"][0]["taskArn"]
        wait_for(lambda: self.ecs.describe_tasks(cluster="people", tasks=[arn])["tasks"][0]["lastStatus"]
                 == "STOPPED", 60, what="the one-off task STOPPED")
        running = {t["TaskArn"] for t in json.loads(self.fargo_cli("ps", "--json").stdout)}
        self.assertNotIn(arn, running)
        every = {t["TaskArn"]: t for t in json.loads(self.fargo_cli("ps", "--all", "--json").stdout)}
        self.assertEqual(every[arn]["Status"], "STOPPED")
        self.assertEqual(every[arn]["Service"], "")
        rows = self.table(self.fargo_cli("ps", "-a").stdout)
        self.assertIn((task_id(arn), "-", "STOPPED"), [(r["TASK"], r["SERVICE"], r["STATUS"]) for r in rows])

    def test_services(self):
        svc = wait_for(lambda: (lambda s: s if s["deployments"][0].get("rolloutState") == "COMPLETED" else None)(
            self.service()), 60, what="the deployment COMPLETED")
        rows = self.table(self.fargo_cli("services").stdout)
        self.assertEqual(rows, [{"CLUSTER": "people", "NAME": "web", "DESIRED": "2", "PENDING": "0", "RUNNING": "2",
                                 "ROLLOUT": "PRIMARY COMPLETED", "TASK DEFINITION": "people-web:1"}])
        parsed = json.loads(self.fargo_cli("services", "--json").stdout)
        self.assertEqual(len(parsed), 1)
        s = parsed[0]
        self.assertEqual((s["Name"], s["Desired"], s["Running"], s["Pending"]),
                         (svc["serviceName"], svc["desiredCount"], svc["runningCount"], svc["pendingCount"]))
        self.assertEqual([d["Id"] for d in s["Deployments"]], [d["id"] for d in svc["deployments"]])
        self.assertEqual(s["Deployments"][0]["RolloutState"], svc["deployments"][0]["rolloutState"])

    def test_status(self):
        health = self.fargo.health()
        s = json.loads(self.fargo_cli("status", "--json").stdout)
        self.assertEqual(s["Status"], "running")
        self.assertEqual(s["Endpoint"], self.fargo.endpoint)
        self.assertEqual(os.path.realpath(s["DataDir"]), os.path.realpath(self.fargo.data_dir))
        self.assertEqual(s["Version"], health["version"])
        self.assertEqual(s["Instance"], health["instance"])
        self.assertTrue(s["Engine"]["Reachable"], s["Engine"])
        self.assertIn(s["Engine"]["Name"], ("Podman", "Docker"))
        self.assertGreater(s["Memory"]["RssBytes"], 1 << 20)
        counts = s["Regions"][REGION]
        self.assertEqual(counts["ecs.clusters"], len(self.ecs.list_clusters()["clusterArns"]))
        self.assertEqual(counts["ecs.services"], 1)
        self.assertEqual(counts["ecs.tasks.running"], len(self.running_tasks()))
        self.assertEqual(counts["ecs.taskdefs"], 1)
        self.assertEqual(counts["ec2.subnets"], 2)
        text = self.fargo_cli("status").stdout
        self.assertIn(f"endpoint: {self.fargo.endpoint}\n", text)
        self.assertRegex(text, r"fargo:\s+running \(version ")
        self.assertRegex(text, r"engine:\s+(Podman|Docker) \S+ \(API [\d.]+\) at .*, reachable\n")
        self.assertRegex(text, rf"{REGION}\s+ecs\s+clusters 1, families 1, services 1, taskdefs 1, tasks \d+ \(2 running\)")
        # No fargo there: says so, and fails.
        dead = f"http://127.0.0.1:{free_port()}"
        p = self.fargo_cli("status", ok=False, endpoint=dead)
        self.assertEqual(p.returncode, 1)
        self.assertIn(f"fargo is not running at {dead}", p.stderr)
        self.assertEqual(json.loads(self.fargo_cli("status", "--json", ok=False, endpoint=dead).stdout)["Status"],
                         "not running")

    def test_logs_of_a_service_and_of_a_task(self):
        tasks = self.running_tasks()
        for t in tasks:  # what each container printed first, as CloudWatch Logs has it
            wait_for(lambda: self.logs.filter_log_events(
                logGroupName="/ecs/people", logStreamNames=[f"web/app/{task_id(t['taskArn'])}"],
                filterPattern="hello")["events"], 30, what="the hello line")
        out = self.fargo_cli("logs", "web").stdout
        for t in tasks:
            self.assertRegex(out, rf"app/{task_id(t['taskArn'])[:8]}\s+\| hello from ")
        one = task_id(tasks[0]["taskArn"])
        first = self.logs.get_log_events(logGroupName="/ecs/people", logStreamName=f"web/app/{one}",
                                         startFromHead=True)["events"][0]["message"]
        out = self.fargo_cli("logs", one).stdout
        self.assertEqual(out.split("\n")[0], first)  # one stream: bare lines, oldest first
        lines = [json.loads(line) for line in self.fargo_cli("logs", one, "--json", "-c", "app").stdout.splitlines()]
        self.assertEqual(lines[0]["Message"], first)
        self.assertEqual({(x["Container"], x["TaskId"]) for x in lines}, {("app", one)})
        self.assertEqual([x["Timestamp"] for x in lines], sorted(x["Timestamp"] for x in lines))
        # --since leaves the first line out; a bad duration is refused.
        time.sleep(2)
        self.assertNotIn("hello from", self.fargo_cli("logs", one, "--since", "1s").stdout)
        self.assertEqual(self.fargo_cli("logs", one, "--since", "soon", ok=False).returncode, 2)
        p = self.fargo_cli("logs", "no-such-service", ok=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no-such-service", p.stderr)

    def test_logs_follow_prints_new_lines(self):
        one = task_id(self.running_tasks()[0]["taskArn"])
        ticks = lambda text: [int(n) for n in re.findall(r"^tick (\d+)$", text, re.M)]
        already = max(ticks(self.fargo_cli("logs", one).stdout), default=0)
        env = dict(os.environ, AWS_REGION=REGION)
        p = subprocess.Popen([FARGO_BIN, "logs", "-f", one, "--endpoint", self.fargo.endpoint],
                             stdout=subprocess.PIPE, text=True, env=env)
        try:
            seen = []
            deadline = time.time() + 20
            while time.time() < deadline and max(seen, default=0) < already + 3:
                line = p.stdout.readline()
                seen += ticks(line)
            self.assertGreaterEqual(max(seen, default=0), already + 3, seen)
            self.assertEqual(seen, sorted(set(seen)))  # no repeats, in order
        finally:
            p.kill()
            p.wait()

    def test_lbs(self):
        lb = self.elb.create_load_balancer(Name="people-lb", Type="application", Scheme="internal",
                                           Subnets=self.subnets)["LoadBalancers"][0]
        tg = self.elb.create_target_group(Name="people-tg", Protocol="HTTP", Port=80, VpcId=self.vpc,
                                          TargetType="ip")["TargetGroups"][0]
        self.elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                                 DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
        ip = [d["value"] for a in self.running_tasks()[0]["attachments"] for d in a["details"]
              if d["name"] == "privateIPv4Address"][0]
        self.elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": ip, "Port": 80}])
        health = self.elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
        parsed = json.loads(self.fargo_cli("lbs", "--json").stdout)
        (l,) = parsed["LoadBalancers"]
        self.assertEqual((l["Name"], l["Arn"], l["DNSName"], l["Type"], l["State"]),
                         ("people-lb", lb["LoadBalancerArn"], lb["DNSName"], "application", lb["State"]["Code"]))
        self.assertEqual(l["Listeners"], ["HTTP:80 -> people-tg"])
        (g,) = parsed["TargetGroups"]
        self.assertEqual((g["Name"], g["Protocol"], g["Port"], g["LoadBalancers"]),
                         ("people-tg", "HTTP", 80, ["people-lb"]))
        # (health checks may move a target on between the two reads)
        self.assertEqual([(t["Id"], t["Port"]) for t in g["Targets"]],
                         [(h["Target"]["Id"], h["Target"]["Port"]) for h in health])
        self.assertIn(g["Targets"][0]["State"], ("initial", "healthy", "unhealthy", "unused", "draining", "unavailable"))
        text = self.fargo_cli("lbs").stdout
        lbs, tgs = text.split("\n\n")
        self.assertEqual(self.table(lbs)[0]["NAME"], "people-lb")
        self.assertEqual(self.table(lbs)[0]["LISTENERS"], "HTTP:80 -> people-tg")
        row = self.table(tgs)[0]
        self.assertEqual((row["TARGET GROUP"], row["PROTOCOL"], row["LOAD BALANCERS"]),
                         ("people-tg", "HTTP:80", "people-lb"))
        self.assertRegex(row["TARGETS"], rf"^{re.escape(ip)}:80 (initial|healthy|unhealthy|unused|unavailable)$")

    def test_pull_fails_with_the_engines_message(self):
        # A registry nothing listens at: the pull fails wherever this runs.
        image = "127.0.0.1:1/fargo/nothing:1"
        p = self.fargo_cli("pull", image, ok=False)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertTrue(p.stderr.startswith(f"fargo pull: {image}: "), p.stderr)
        self.assertGreater(len(p.stderr.strip()), len(f"fargo pull: {image}: "), p.stderr)
        self.assertEqual(p.stdout.split("\n")[0], f"pulling {image}")
        self.assertNotIn("pulled", p.stdout)
        # --json: one object per change, the last one the failure.
        j = self.fargo_cli("pull", image, "--json", ok=False)
        self.assertEqual(j.returncode, 1)
        last = json.loads(j.stdout.strip().split("\n")[-1])
        self.assertEqual((last["Image"], last["State"], last["Owner"]), (image, "failed", ""))
        self.assertIn(last["Error"], p.stderr)
        # The daemon lists both pulls, finished.
        with urllib.request.urlopen(self.fargo.endpoint + "/_fargo/pulls", timeout=10) as r:
            pulls = json.load(r)["Pulls"]
        mine = [x for x in pulls if x["Image"] == image]
        self.assertEqual(len(mine), 2)
        self.assertEqual({x["State"] for x in mine}, {"failed"})
        # A malformed reference is refused before any pull.
        bad = self.fargo_cli("pull", "Not An Image", ok=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("invalid reference format", bad.stderr)

    def test_completion_scripts(self):
        bash = subprocess.run([FARGO_BIN, "completion", "bash"], capture_output=True, text=True, check=True).stdout
        subprocess.run(["bash", "-n"], input=bash, text=True, check=True)
        # What bash offers after `fargo p` and `fargo logs --f`.
        probe = bash + '\nCOMP_WORDS=(fargo p); COMP_CWORD=1; _fargo; echo "${COMPREPLY[*]}"\n' \
                       'COMP_WORDS=(fargo logs --f); COMP_CWORD=2; _fargo; echo "${COMPREPLY[*]}"\n'
        out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True).stdout.split("\n")
        self.assertEqual(set(out[0].split()), {"ps", "port-forward", "pull"})
        self.assertEqual(out[1].split(), ["--follow"])
        # Names from this fargo: clusters after --cluster, the service and
        # the running tasks' ids where `fargo logs` takes one.
        names = bash + (f'\nCOMP_WORDS=({FARGO_BIN} ps --endpoint {self.fargo.endpoint} --region {REGION} '
                        f'--cluster peo); COMP_CWORD=7; _fargo; echo "${{COMPREPLY[*]}}"\n'
                        f'COMP_WORDS=({FARGO_BIN} logs --endpoint {self.fargo.endpoint} --region {REGION} ""); '
                        f'COMP_CWORD=6; _fargo; echo "${{COMPREPLY[*]}}"\n')
        out = subprocess.run(["bash", "-c", names], capture_output=True, text=True, check=True).stdout.split("\n")
        self.assertEqual(out[0].split(), ["people"])
        ids = sorted(task_id(t["taskArn"]) for t in self.running_tasks())
        self.assertEqual(len(ids), 2)
        self.assertTrue({"web", *ids} <= set(out[1].split()), out[1])
        self.assertNotIn("__names", bash.split("complete -o")[0].split("case \"$cmd\"")[1])
        zsh = subprocess.run([FARGO_BIN, "completion", "zsh"], capture_output=True, text=True, check=True).stdout
        self.assertTrue(zsh.startswith("#compdef fargo\n"))
        self.assertIn("'lbs:", zsh)
        self.assertNotEqual(subprocess.run([FARGO_BIN, "completion", "fish"], capture_output=True).returncode, 0)


if __name__ == "__main__":
    unittest.main()
