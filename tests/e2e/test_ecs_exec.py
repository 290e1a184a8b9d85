"""ECS Exec: a shell in a task's container, as the story opens it.

The cluster logs exec sessions (executeCommandConfiguration OVERRIDE into a
log group); a task run with enableExecuteCommand (an init container copies a
config file into nginx's conf.d) shows its exec agent and runtimeId; then
shells through three clients of the same data channel:
  * `aws ecs execute-command` (the aws CLI's ExecuteCommand and DescribeTasks
    calls) with fargo installed as session-manager-plugin (fargo's own client,
    the plugin's command line; no packaged plugin exists here),
  * `fargo exec` (the same client; the command's exit status is its own),
  * the npm package ssm-session (an independent third-party client).
`echo` comes back, `ls /etc/nginx/conf.d` shows the copied file, `exit 3`
ends the session, and the transcript lands in the exec log group under the
session id. AWS's refusals: exec not enabled, a stopped task, a missing
container, no --interactive. A session ends when its task stops (the client
exits, the transcript is logged).

Needs a container engine, the story's images and the npm clients
(scripts/setup.sh --test).
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest.mock
import unittest

from ssm_raw_client import POLICY, PROTOCOL, TOO_BIG, RawDataChannel
from fargo_harness import CI, FARGO_BIN, FargoTestCase, require_engine, wait_for

REGION = "eu-west-1"
DEBIAN = "debian:buster-20230411-slim"
NGINX = "nginx:1.24.0"
HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS = os.path.join(HERE, "node")
NOT_ENABLED = ("The execute command failed because execute command was not enabled when the task was run or the "
               "execute command agent isn\u2019t running. Wait and try again or run a new task with execute command "
               "enabled and try again.")


class ExecTaskCase(FargoTestCase):
    """The story's exec-enabled task (and one without exec) in a cluster that
    logs sessions to a log group; fargo installed as session-manager-plugin."""
    @classmethod
    def setUpClass(cls):
        cls.engine = require_engine()
        super().setUpClass()
        f = cls.fargo
        cls.ecs = f.client("ecs", REGION)
        ec2 = f.client("ec2", REGION)
        logs = f.client("logs", REGION)
        iam = f.client("iam", REGION)
        octet = 100 + os.getpid() % 50
        vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16")["Vpc"]["VpcId"]
        cls.subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{octet}.1.0/24",
                                       AvailabilityZone=REGION + "a")["Subnet"]["SubnetId"]
        cls.cluster = "ecsWithTf-dev"
        cls.exec_group = "/ecs/ecsWithTf-dev/exec"
        logs.create_log_group(logGroupName=cls.exec_group)
        logs.create_log_group(logGroupName="/ecs/app")
        cls.logs = logs
        cls.ecs.create_cluster(clusterName=cls.cluster, configuration={"executeCommandConfiguration": {
            "logging": "OVERRIDE", "logConfiguration": {"cloudWatchLogGroupName": cls.exec_group}}})
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        role = iam.create_role(RoleName="exec-task", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        iam.put_role_policy(RoleName="exec-task", PolicyName="ssm", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
                "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]}]}))
        cls.td = cls.ecs.register_task_definition(
            family="myapp", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
            taskRoleArn=role, executionRoleArn=role, volumes=[{"name": "conf"}],
            containerDefinitions=[
                {"name": "init", "image": DEBIAN, "essential": False,
                 "command": ["sh", "-c", "echo 'server { listen 8080; }' > /conf/story.conf"],
                 "mountPoints": [{"sourceVolume": "conf", "containerPath": "/conf"}]},
                {"name": "myapp", "image": NGINX, "essential": True,
                 "mountPoints": [{"sourceVolume": "conf", "containerPath": "/etc/nginx/conf.d"}],
                 "dependsOn": [{"containerName": "init", "condition": "SUCCESS"}],
                 "logConfiguration": {"logDriver": "awslogs", "options": {
                     "awslogs-group": "/ecs/app", "awslogs-region": REGION, "awslogs-stream-prefix": "app"}}},
            ])["taskDefinition"]["taskDefinitionArn"]
        cls.task = cls.run_task(enable=True)
        cls.plain_task = cls.run_task(enable=False)
        for arn in (cls.task, cls.plain_task):
            wait_for(lambda: cls.describe(arn)["lastStatus"] == "RUNNING", 90, what=f"{arn} RUNNING")
        cls.task_id = cls.task.rsplit("/", 1)[1]
        # fargo as session-manager-plugin, first on PATH for the aws CLI.
        cls.bin_dir = tempfile.mkdtemp(prefix="fargo-plugin-")
        os.symlink(os.path.abspath(FARGO_BIN), os.path.join(cls.bin_dir, "session-manager-plugin"))

    @classmethod
    def tearDownClass(cls):
        try:
            for arn in cls.ecs.list_tasks(cluster=cls.cluster)["taskArns"]:
                cls.ecs.stop_task(cluster=cls.cluster, task=arn)
            shutil.rmtree(cls.bin_dir, ignore_errors=True)
        finally:
            super().tearDownClass()

    @classmethod
    def run_task(cls, enable):
        r = cls.ecs.run_task(cluster=cls.cluster, taskDefinition=cls.td, launchType="FARGATE",
                             enableExecuteCommand=enable, networkConfiguration={"awsvpcConfiguration": {
                                 "subnets": [cls.subnet], "assignPublicIp": "DISABLED"}})
        return r["tasks"][0]["taskArn"]

    @classmethod
    def describe(cls, arn):
        return cls.ecs.describe_tasks(cluster=cls.cluster, tasks=[arn])["tasks"][0]

    def fargo_exec(self, *command, stdin=b"", container="myapp"):
        args = [FARGO_BIN, "exec", self.task_id, "--cluster", self.cluster, "--endpoint", self.fargo.endpoint,
                "--region", REGION]
        if container:
            args += ["--container", container]
        if command:
            args += ["--"] + list(command)
        return subprocess.run(args, input=stdin, capture_output=True, timeout=60)

    def exec_log(self, session_id):
        def text():
            try:
                ev = self.logs.get_log_events(logGroupName=self.exec_group, logStreamName=session_id,
                                              startFromHead=True)["events"]
            except self.logs.exceptions.ResourceNotFoundException:
                return None
            return "\n".join(e["message"] for e in ev) or None
        return wait_for(text, 20, what=f"the transcript of {session_id}")

    def logged(self, text):
        """The exec log group's events that contain `text` (waits for one)."""
        return wait_for(lambda: self.logs.filter_log_events(logGroupName=self.exec_group,
                                                            filterPattern=f'"{text}"')["events"], 20,
                        what=f"{text!r} in {self.exec_group}")


class EcsExecTest(ExecTaskCase):
    def test_1_describe_tasks_shows_the_exec_agent_and_runtime_ids(self):
        t = self.describe(self.task)
        self.assertTrue(t["enableExecuteCommand"])
        app = [c for c in t["containers"] if c["name"] == "myapp"][0]
        self.assertTrue(app["runtimeId"])
        self.assertEqual([(a["name"], a["lastStatus"]) for a in app["managedAgents"]],
                         [("ExecuteCommandAgent", "RUNNING")])
        plain = self.describe(self.plain_task)
        self.assertFalse(plain["enableExecuteCommand"])
        self.assertNotIn("managedAgents", [c for c in plain["containers"] if c["name"] == "myapp"][0])

    def test_2_fargo_exec_runs_the_shell_and_exits_with_its_status(self):
        r = self.fargo_exec("/bin/sh", stdin=b"echo hello-$((40+2))\nls /etc/nginx/conf.d\nexit 3\n")
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 3, out + r.stderr.decode(errors="replace"))
        self.assertIn("hello-42", out)
        self.assertIn("story.conf", out)
        r = self.fargo_exec("sh", "-c", "echo $TERM; exit 5")
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("xterm-256color", r.stdout.decode())

    def test_3_aws_cli_execute_command_with_the_plugin_command_line(self):
        env = dict(self.fargo.aws_env(REGION))
        env["PATH"] = self.bin_dir + os.pathsep + env.get("PATH", os.environ["PATH"])
        r = subprocess.run(["aws", "--endpoint-url", self.fargo.endpoint, "ecs", "execute-command",
                            "--cluster", self.cluster, "--task", self.task_id, "--container", "myapp",
                            "--interactive", "--command", "/bin/sh"],
                           input=b"echo via-$((1+1))-cli\nls /etc/nginx/conf.d\nexit 3\n", capture_output=True,
                           env=env, timeout=90)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 0, out + r.stderr.decode(errors="replace"))
        self.assertIn("via-2-cli", out)
        self.assertIn("story.conf", out)
        self.assertRegex(out, r"Starting session with SessionId: ecs-execute-command-0[0-9a-f]{16}")
        session_id = out.split("Starting session with SessionId: ")[1].split()[0]
        self.assertIn(f"Exiting session with sessionId: {session_id}.", out)
        # The transcript, in the cluster's exec log group, under the session id.
        log = self.exec_log(session_id)
        self.assertIn("via-2-cli", log)
        self.assertIn("story.conf", log)

    def test_3b_a_real_session_manager_plugin_under_a_terminal(self):
        """`aws ecs execute-command` with the session-manager-plugin installed on
        PATH (AWS's, not fargo's), in a tmux pseudo-terminal: type, read the
        screen. No package of the plugin exists here: without one installed
        this test cannot run (the one exception CI allows)."""
        plugin = shutil.which("session-manager-plugin")
        if not plugin or os.path.realpath(plugin) == os.path.realpath(FARGO_BIN):
            raise unittest.SkipTest("no session-manager-plugin installed (none is packaged for this machine)")
        self.assertIsNotNone(shutil.which("tmux"), "tmux drives the terminal")
        env = dict(self.fargo.aws_env(REGION))
        session = f"fargo-exec-{os.getpid()}"
        command = " ".join(["aws", "--endpoint-url", self.fargo.endpoint, "ecs", "execute-command", "--cluster",
                            self.cluster, "--task", self.task_id, "--container", "myapp", "--interactive",
                            "--command", "/bin/sh", ";", "echo", "AWS-EXIT=$?", ";", "sleep", "60"])
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "40", command], env=env,
                       check=True)
        self.addCleanup(subprocess.run, ["tmux", "kill-session", "-t", session], stderr=subprocess.DEVNULL)

        def screen():
            return subprocess.run(["tmux", "capture-pane", "-p", "-J", "-S", "-200", "-t", session],
                                  capture_output=True, text=True).stdout

        wait_for(lambda: "Starting session with SessionId" in screen(), 60, what="the plugin's session")
        time.sleep(1)  # the shell's prompt
        subprocess.run(["tmux", "send-keys", "-t", session, "echo real-$((6*7)); ls /etc/nginx/conf.d", "Enter"],
                       check=True)
        wait_for(lambda: "real-42" in screen() and "story.conf" in screen(), 20, what="the command's output")
        subprocess.run(["tmux", "send-keys", "-t", session, "exit 3", "Enter"], check=True)
        wait_for(lambda: "AWS-EXIT=" in screen(), 30, what="the plugin exiting")
        out = screen()
        session_id = re.search(r"Starting session with SessionId: (\S+)", out).group(1)
        self.assertIn(f"Exiting session with sessionId: {session_id}.", out)
        self.assertIn("AWS-EXIT=0", out)
        self.assertIn("real-42", self.exec_log(session_id))

    def test_4_ssm_session_npm_client(self):
        if not os.path.isdir(os.path.join(CLIENTS, "node_modules", "ssm-session")):
            if CI:
                self.fail("the npm clients are not installed: scripts/setup.sh --test")
            self.skipTest("the npm clients are not installed: scripts/setup.sh --test")
        s = self.ecs.execute_command(cluster=self.cluster, task=self.task_id, container="myapp",
                                     command="/bin/sh", interactive=True)
        self.assertEqual(s["containerName"], "myapp")
        self.assertTrue(s["interactive"])
        self.assertEqual(s["taskArn"], self.task)
        sess = s["session"]
        self.assertRegex(sess["sessionId"], r"^ecs-execute-command-0[0-9a-f]{16}$")
        self.assertTrue(sess["streamUrl"].startswith("ws://"))
        r = subprocess.run(["node", os.path.join(CLIENTS, "ssm_session_shell.js"), sess["streamUrl"],
                            sess["tokenValue"], "echo npm-$((3*3))", "ls /etc/nginx/conf.d", "exit 3"],
                           capture_output=True, timeout=60, cwd=CLIENTS)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 0, out + r.stderr.decode(errors="replace"))
        self.assertIn("npm-9", out)
        self.assertIn("story.conf", out)
        self.assertIn("npm-9", self.exec_log(sess["sessionId"]))

    def test_5_wrong_tokens_are_refused_and_the_session_survives(self):
        s = self.ecs.execute_command(cluster=self.cluster, task=self.task_id, container="myapp",
                                     command="/bin/sh", interactive=True)["session"]
        r = subprocess.run(["node", os.path.join(CLIENTS, "ssm_session_shell.js"), s["streamUrl"], "wrong",
                            "echo nope"], capture_output=True, timeout=60, cwd=CLIENTS)
        self.assertNotIn("nope", r.stdout.decode(errors="replace"))
        r = subprocess.run(["node", os.path.join(CLIENTS, "ssm_session_shell.js"), s["streamUrl"],
                            s["tokenValue"], "echo still-$((2+2))", "exit"], capture_output=True, timeout=60,
                           cwd=CLIENTS)
        self.assertIn("still-4", r.stdout.decode(errors="replace"))

    def test_6_aws_refusals(self):
        def err(**kw):
            args = dict(cluster=self.cluster, task=self.task_id, container="myapp", command="/bin/sh",
                        interactive=True)
            args.update(kw)
            with self.assertRaises(self.ecs.exceptions.InvalidParameterException) as cm:
                self.ecs.execute_command(**args)
            return cm.exception.response["Error"]["Message"]
        self.assertEqual(err(task=self.plain_task), NOT_ENABLED)
        self.assertEqual(err(interactive=False), "Interactive is the only mode supported currently.")
        self.assertIn("nope", err(container="nope"))
        stopped = self.run_task(enable=True)
        wait_for(lambda: self.describe(stopped)["lastStatus"] == "RUNNING", 90, what="a second task")
        self.ecs.stop_task(cluster=self.cluster, task=stopped)
        wait_for(lambda: self.describe(stopped)["lastStatus"] == "STOPPED", 60, what="it stopped")
        self.assertEqual(err(task=stopped), NOT_ENABLED)
        # The aws CLI says it the same way.
        env = dict(self.fargo.aws_env(REGION))
        env["PATH"] = self.bin_dir + os.pathsep + env.get("PATH", os.environ["PATH"])
        r = subprocess.run(["aws", "--endpoint-url", self.fargo.endpoint, "ecs", "execute-command",
                            "--cluster", self.cluster, "--task", self.plain_task, "--container", "myapp",
                            "--interactive", "--command", "/bin/sh"], capture_output=True, env=env, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: "
                      + NOT_ENABLED, r.stderr.decode())

    def start_fargo_exec(self, task_id, *command):
        """`fargo exec` left running, stdin open; its output gathered as it comes."""
        args = [FARGO_BIN, "exec", task_id, "--cluster", self.cluster, "--endpoint", self.fargo.endpoint,
                "--region", REGION, "--container", "myapp", "--"] + list(command or ["/bin/sh"])
        p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.out = bytearray()
        p.err = bytearray()
        for stream, into in ((p.stdout, p.out), (p.stderr, p.err)):
            threading.Thread(target=lambda s=stream, b=into: [b.extend(c) for c in iter(lambda: s.read1(4096), b"")],
                             daemon=True).start()
        self.addCleanup(lambda: p.poll() is None and p.kill())
        return p

    def type_and_see(self, p, line, expect):
        p.stdin.write(line.encode() + b"\n")
        p.stdin.flush()
        wait_for(lambda: expect.encode() in p.out, 20, what=f"{expect!r} from {line!r}")

    def test_7_the_session_ends_when_the_task_stops(self):
        arn = self.run_task(enable=True)
        wait_for(lambda: self.describe(arn)["lastStatus"] == "RUNNING", 90, what="a task to stop")
        p = self.start_fargo_exec(arn.rsplit("/", 1)[1], "/bin/sh")
        self.type_and_see(p, "echo before-$((6*7))", "before-42")
        waiting = self.ecs.execute_command(cluster=self.cluster, task=arn, container="myapp", command="/bin/sh",
                                           interactive=True)["session"]
        self.ecs.stop_task(cluster=self.cluster, task=arn)
        stopped_at = time.monotonic()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.fail("fargo exec still runs 30 s after StopTask: " + p.err.decode(errors="replace"))
        took = time.monotonic() - stopped_at
        err = p.err.decode(errors="replace")
        # The session ended (channel_closed), not a dropped connection.
        self.assertNotIn("closed without ending the session", err)
        self.assertLess(took, 15, err)
        wait_for(lambda: self.describe(arn)["lastStatus"] == "STOPPED", 60, what="the task STOPPED")
        # The transcript was flushed to the exec log group when the session ended.
        self.assertTrue(self.logged("before-42"))
        # A session nobody had connected to ended with the task: no token to resume it.
        ssm = self.fargo.client("ssm", REGION)
        wait_for(lambda: "TokenValue" not in ssm.resume_session(SessionId=waiting["sessionId"]), 5,
                 what="the waiting session gone with its task")

    def raw_session(self):
        """A new session's stream URL and token, and a raw client connected to it."""
        s = self.ecs.execute_command(cluster=self.cluster, task=self.task_id, container="myapp",
                                     command="/bin/sh", interactive=True)["session"]
        return s, RawDataChannel(s["streamUrl"])

    def test_8_bad_clients_are_refused_and_other_sessions_go_on(self):
        # B: a shell through fargo exec, open through all of this.
        b = self.start_fargo_exec(self.task_id, "/bin/sh")
        self.type_and_see(b, "echo b-$((1+0))", "b-1")
        s, c = self.raw_session()
        # A wrong token, or no OpenDataChannel at all: that connection is
        # closed with 1008, nothing else changes.
        bad = RawDataChannel(s["streamUrl"])
        bad.open("0" * 64)
        self.assertEqual(bad.wait_closed(), POLICY)
        bad = RawDataChannel(s["streamUrl"])
        bad.send_frame(2, b"\x00" * 200)
        self.assertEqual(bad.wait_closed(), POLICY)
        # C with its token: garbage frames are dropped (as the SSM agent
        # drops what it cannot parse), a wrong digest is taken (the agent does
        # not check it, and the npm client sends a bogus one), the shell goes on.
        c.open(s["tokenValue"])
        c.read_until("# ")
        for junk in (b"", b"garbage", os.urandom(119), os.urandom(4000),
                     b"\x00\x00\x00\x74" + os.urandom(200), b"\xff\xff\xff\xff" + b"x" * 130):
            c.send_frame(2, junk)
        c.send_frame(1, b"{not json")
        c.send_input(b"echo c-$((5+5))\r", digest=b"\x00" * 32)
        c.read_until("c-10")
        bad = RawDataChannel(s["streamUrl"])  # a wrong token while C is connected
        bad.open(s["tokenValue"][::-1])
        self.assertEqual(bad.wait_closed(), POLICY)
        c.send_input(b"echo c-$((5+6))\r")
        c.read_until("c-11")
        # An oversize frame (over 64 KiB) closes C's connection with 1009;
        # C's session waits for its client, which resumes with the same token.
        c.send_frame(2, b"x" * (70 * 1024))
        self.assertEqual(c.wait_closed(), TOO_BIG)
        c2 = RawDataChannel(s["streamUrl"])
        c2.open(s["tokenValue"])
        c2.in_seq = c.in_seq
        c2.send_input(b"echo c-$((6+6))\r")
        c2.read_until("c-12")
        # A frame that breaks WebSocket itself (unmasked from a client): 1002.
        c2.send_frame(2, b"x" * 10, mask=False)
        self.assertEqual(c2.wait_closed(), PROTOCOL)
        # B never noticed.
        self.type_and_see(b, "echo b-$((1+1))", "b-2")
        b.stdin.write(b"exit 4\n")
        b.stdin.flush()
        self.assertEqual(b.wait(timeout=20), 4, b.err.decode(errors="replace"))

    def test_9_terminate_session_ends_a_live_session(self):
        env = dict(self.fargo.aws_env(REGION))
        env["PATH"] = self.bin_dir + os.pathsep + env.get("PATH", os.environ["PATH"])
        p = subprocess.Popen(["aws", "--endpoint-url", self.fargo.endpoint, "ecs", "execute-command",
                              "--cluster", self.cluster, "--task", self.task_id, "--container", "myapp",
                              "--interactive", "--command", "/bin/sh"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        p.out, p.err = bytearray(), bytearray()
        for stream, into in ((p.stdout, p.out), (p.stderr, p.err)):
            threading.Thread(target=lambda s=stream, b=into: [b.extend(c) for c in iter(lambda: s.read1(4096), b"")],
                             daemon=True).start()
        self.addCleanup(lambda: p.poll() is None and p.kill())
        self.type_and_see(p, "echo live-$((2*4))", "live-8")
        session_id = p.out.decode().split("Starting session with SessionId: ")[1].split()[0]
        ssm = self.fargo.client("ssm", REGION)
        self.assertEqual(ssm.terminate_session(SessionId=session_id)["SessionId"], session_id)
        self.assertEqual(p.wait(timeout=15), 0, p.err.decode(errors="replace"))
        self.assertIn(f"Exiting session with sessionId: {session_id}.", p.out.decode())
        self.assertIn("live-8", self.exec_log(session_id))

    def test_10_override_logging_to_s3(self):
        # A cluster whose exec sessions go to CloudWatch Logs and S3, as the
        # SSM agent uploads them: s3://<bucket>/<s3KeyPrefix>/<session id>.log.
        s3 = self.fargo.client("s3", REGION)
        s3.create_bucket(Bucket="exec-audit", CreateBucketConfiguration={"LocationConstraint": REGION})
        self.ecs.create_cluster(clusterName="exec-s3", configuration={"executeCommandConfiguration": {
            "logging": "OVERRIDE", "logConfiguration": {
                "cloudWatchLogGroupName": self.exec_group, "cloudWatchEncryptionEnabled": False,
                "s3BucketName": "exec-audit", "s3KeyPrefix": "sessions/", "s3EncryptionEnabled": True}}})
        r = self.ecs.run_task(cluster="exec-s3", taskDefinition=self.td, launchType="FARGATE",
                              enableExecuteCommand=True, networkConfiguration={"awsvpcConfiguration": {
                                  "subnets": [self.subnet], "assignPublicIp": "DISABLED"}})
        arn = r["tasks"][0]["taskArn"]
        self.addCleanup(lambda: self.ecs.stop_task(cluster="exec-s3", task=arn))
        wait_for(lambda: self.ecs.describe_tasks(cluster="exec-s3", tasks=[arn])["tasks"][0]["lastStatus"]
                 == "RUNNING", 90, what="a task in exec-s3")
        s = self.ecs.execute_command(cluster="exec-s3", task=arn, container="myapp", command="/bin/sh",
                                     interactive=True)["session"]
        c = RawDataChannel(s["streamUrl"])
        c.open(s["tokenValue"])
        c.read_until("# ")
        c.send_input(b"echo s3-$((7*6)); exit\r")
        self.assertEqual(c.read_until("\0never"), {"MessageId": unittest.mock.ANY, "CreatedDate": unittest.mock.ANY,
                                                     "DestinationId": unittest.mock.ANY, "SessionId": s["sessionId"],
                                                     "MessageType": "channel_closed", "SchemaVersion": 1,
                                                     "Output": ""})
        key = f"sessions/{s['sessionId']}.log"

        def body():
            try:
                return s3.get_object(Bucket="exec-audit", Key=key)["Body"].read().decode()
            except s3.exceptions.NoSuchKey:
                return None
        text = wait_for(body, 20, what=f"s3://exec-audit/{key}")
        self.assertIn("s3-42", text)
        self.assertEqual([o["Key"] for o in s3.list_objects_v2(Bucket="exec-audit")["Contents"]], [key])
        self.assertIn("s3-42", self.exec_log(s["sessionId"]))

    def test_11_a_dropped_connection_resumes_with_resume_session(self):
        s, c = self.raw_session()
        c.open(s["tokenValue"])
        c.read_until("# ")
        c.send_input(b"sleep 1; echo late-$((3*3))\r")
        c.close()  # dropped, no close frame; the output comes while nobody is connected
        time.sleep(2)
        ssm = self.fargo.client("ssm", REGION)
        r = ssm.resume_session(SessionId=s["sessionId"])
        self.assertEqual(r["SessionId"], s["sessionId"])
        self.assertNotEqual(r["TokenValue"], s["tokenValue"])
        self.assertEqual(r["StreamUrl"], s["streamUrl"])
        # The old token is no longer good; the new one resumes where it was.
        old = RawDataChannel(s["streamUrl"])
        old.open(s["tokenValue"])
        self.assertEqual(old.wait_closed(), POLICY)
        c2 = RawDataChannel(r["StreamUrl"])
        c2.open(r["TokenValue"])
        c2.in_seq = c.in_seq
        c2.read_until("late-9")
        c2.send_input(b"echo again-$((4*4)); exit\r")
        c2.read_until("again-16")
        self.assertIsNotNone(c2.read_until("\0never"))  # channel_closed
        # A session that has ended resumes no more: no token (the plugin says "timed out").
        self.assertNotIn("TokenValue", wait_for(
            lambda: (lambda x: x if "TokenValue" not in x else None)(ssm.resume_session(SessionId=s["sessionId"])),
            10, what="the ended session refused"))


class EcsExecOverTlsTest(ExecTaskCase):
    """With FARGO_EXEC_STREAM_URL, ExecuteCommand hands out Session Manager's
    own name, wss://ssmmessages.<region>.amazonaws.com/... (what plugins
    1.2.889.0 and later insist on), and fargo serves the data channel there
    over TLS with a leaf of its CA, as a person would reach it: the name
    mapped to fargo's HTTPS address, fargo's CA trusted."""
    URL = "wss://ssmmessages.{region}.amazonaws.com/v1/data-channel/{id}?role=publish_subscribe"

    @classmethod
    def setUpClass(cls):
        with unittest.mock.patch.dict(os.environ, {"FARGO_EXEC_STREAM_URL": cls.URL}):
            super().setUpClass()

    def test_the_data_channel_at_session_managers_name_over_tls(self):
        s = self.ecs.execute_command(cluster=self.cluster, task=self.task, container="myapp", interactive=True,
                                     command="/bin/sh")["session"]
        self.assertEqual(s["streamUrl"], f"wss://ssmmessages.{REGION}.amazonaws.com/v1/data-channel/"
                                         f"{s['sessionId']}?role=publish_subscribe")
        m = re.search(r"over HTTPS at https://([\d.]+):(\d+) \(CA: ([^)]+)\)", open(self.fargo.log_path).read())
        self.assertIsNotNone(m, "fargo's HTTPS address in its log")
        c = RawDataChannel(s["streamUrl"], connect=(m.group(1), int(m.group(2))), cafile=m.group(3))
        try:
            c.open(s["tokenValue"])
            c.send_input(b"echo over-tls-$((6*7))\r")
            self.assertIsNone(c.read_until("over-tls-42"))  # None: the session still open
        finally:
            c.close()


if __name__ == "__main__":
    unittest.main()
