"""Tasks really run: the story's first steps through boto3 and the aws CLI.

A Debian container sleeping in a service with its own awsvpc address,
"Hello World!" in its CloudWatch stream, a replacement when the task stops,
a rolling update to a new revision, an init container feeding a shared
volume, exit codes and stop reasons, the task's credentials and metadata
endpoints, environment files read from fargo's S3, and fargo surviving
kill -9 without orphans or duplicates.

Needs a container engine and the story's images (tests/images/build.sh);
both are set up by `make test`.
"""
import ipaddress
import json
import os
import subprocess
import time
import unittest

from fargo_harness import CI, Engine, Fargo, FargoTestCase, repeats_and_gaps, require_engine, wait_for

REGION = "eu-west-1"
DEBIAN = "debian:buster-20230411-slim"


def _octet():
    return 150 + os.getpid() % 50


class TaskWorld:
    """A VPC, a subnet, a cluster, a log group and a task role in one fargo."""

    def __init__(self, fargo, cidr_octet, cluster="story"):
        self.fargo = fargo
        self.ecs = fargo.client("ecs", REGION)
        self.ec2 = fargo.client("ec2", REGION)
        self.logs = fargo.client("logs", REGION)
        self.iam = fargo.client("iam", REGION)
        self.vpc_cidr = f"10.{cidr_octet}.0.0/16"
        self.subnet_cidr = f"10.{cidr_octet}.1.0/24"
        self.vpc = self.ec2.create_vpc(CidrBlock=self.vpc_cidr)["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=self.subnet_cidr,
                                             AvailabilityZone=REGION + "a")["Subnet"]["SubnetId"]
        self.cluster = cluster
        self.ecs.create_cluster(clusterName=cluster)
        self.log_group = "/ecs/story"
        self.logs.create_log_group(logGroupName=self.log_group)
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}
        try:
            self.role_arn = self.iam.create_role(RoleName="story-task",
                                                 AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        except self.iam.exceptions.EntityAlreadyExistsException:
            self.role_arn = self.iam.get_role(RoleName="story-task")["Role"]["Arn"]

    def network(self):
        return {"awsvpcConfiguration": {"subnets": [self.subnet], "assignPublicIp": "DISABLED"}}

    def container(self, name, command, essential=True, image=DEBIAN, logs=True, **extra):
        c = {"name": name, "image": image, "essential": essential, "stopTimeout": 2}
        if command is not None:
            c["command"] = command
        if logs:
            c["logConfiguration"] = {"logDriver": "awslogs", "options": {
                "awslogs-group": self.log_group, "awslogs-region": REGION, "awslogs-stream-prefix": "ecs"}}
        c.update(extra)
        return c

    def register(self, family, containers, **extra):
        return self.ecs.register_task_definition(
            family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512", containerDefinitions=containers, executionRoleArn=self.role_arn, **extra)["taskDefinition"]["taskDefinitionArn"]

    def run(self, td, **extra):
        r = self.ecs.run_task(cluster=self.cluster, taskDefinition=td, launchType="FARGATE",
                              networkConfiguration=self.network(), **extra)
        assert not r["failures"], r["failures"]
        return r["tasks"][0]["taskArn"]

    def task(self, arn):
        return self.ecs.describe_tasks(cluster=self.cluster, tasks=[arn])["tasks"][0]

    def wait_status(self, arn, status, timeout=60):
        return wait_for(lambda: (lambda t: t if t["lastStatus"] == status else None)(self.task(arn)),
                        timeout, what=f"task {arn} {status}")

    def log_text(self, stream):
        try:
            events = self.logs.get_log_events(logGroupName=self.log_group, logStreamName=stream,
                                              startFromHead=True)["events"]
        except self.logs.exceptions.ResourceNotFoundException:
            return ""
        return "\n".join(e["message"] for e in events)

    def wait_log(self, stream, text, timeout=30):
        return wait_for(lambda: text in self.log_text(stream), timeout, what=f"{text!r} in {stream}")

    def stop_everything(self):
        for svc in self.ecs.describe_services(
                cluster=self.cluster, services=self.ecs.list_services(cluster=self.cluster)["serviceArns"] or ["-"]
        )["services"]:
            if svc["status"] == "ACTIVE":  # DRAINING ones are on their way out already
                self.ecs.delete_service(cluster=self.cluster, service=svc["serviceArn"], force=True)
        for arn in self.ecs.list_tasks(cluster=self.cluster)["taskArns"]:
            self.ecs.stop_task(cluster=self.cluster, task=arn)
        wait_for(lambda: not self.ecs.list_tasks(cluster=self.cluster)["taskArns"], 60,
                 what="every task stopped")


def task_id(arn):
    return arn.rsplit("/", 1)[1]


class StoryTasksTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = require_engine()
        super().setUpClass()
        cls.world = TaskWorld(cls.fargo, _octet())

    @classmethod
    def tearDownClass(cls):
        try:
            cls.world.stop_everything()
        finally:
            super().tearDownClass()

    def test_1_debian_service_runs_with_its_own_awsvpc_address(self):
        w = self.world
        td = w.register("story-debian", [w.container("debian", ["sleep", "3600"], logs=False)])
        w.ecs.create_service(cluster=w.cluster, serviceName="debian", taskDefinition=td, desiredCount=1,
                             launchType="FARGATE", networkConfiguration=w.network())
        svc = wait_for(lambda: (lambda s: s if s["runningCount"] == 1 else None)(
            w.ecs.describe_services(cluster=w.cluster, services=["debian"])["services"][0]),
            60, what="the service running one task")
        self.assertEqual(svc["deployments"][0]["runningCount"], 1)
        arns = w.ecs.list_tasks(cluster=w.cluster, serviceName="debian")["taskArns"]
        self.assertEqual(len(arns), 1)
        task = w.task(arns[0])
        self.assertEqual(task["lastStatus"], "RUNNING")
        self.assertEqual(task["launchType"], "FARGATE")
        self.assertTrue(task["startedBy"].startswith("ecs-svc/"))
        self.assertEqual(task["group"], "service:debian")
        for key in ("createdAt", "pullStartedAt", "pullStoppedAt", "startedAt"):
            self.assertIn(key, task)
        details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
        ip = details["privateIPv4Address"]
        self.assertIn(ipaddress.ip_address(ip), ipaddress.ip_network(w.subnet_cidr))
        self.assertEqual(details["subnetId"], w.subnet)
        self.assertTrue(details["networkInterfaceId"].startswith("eni-"))
        self.assertRegex(details["macAddress"], r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
        self.assertEqual(task["containers"][0]["networkInterfaces"][0]["privateIpv4Address"], ip)

        enis = w.ec2.describe_network_interfaces(NetworkInterfaceIds=[details["networkInterfaceId"]])
        self.assertEqual(enis["NetworkInterfaces"][0]["PrivateIpAddress"], ip)
        self.assertEqual(enis["NetworkInterfaces"][0]["SubnetId"], w.subnet)

        # The container really runs, with exactly that one address.
        running = [c for c in self.engine.task_containers(arns[0]) if c["State"] == "running"]
        self.assertEqual(len(running), 2, "the pause container and debian")
        runtime_id = task["containers"][0]["runtimeId"]
        status, inspect = self.engine.call("GET", f"/containers/{runtime_id}/json")
        self.assertEqual(status, 200)
        self.assertEqual(inspect["Config"]["Cmd"], ["sleep", "3600"])
        # The engine gave the sandbox no network: its one interface is the
        # ENI fargo plumbed, with the ENI's address and MAC.
        pause = [c for c in running if c["Labels"].get("fargo.role") == "pause"][0]
        _, pause_inspect = self.engine.call("GET", f"/containers/{pause['Id']}/json")
        self.assertEqual(pause_inspect["HostConfig"]["NetworkMode"], "none")
        addrs = self.engine.exec(runtime_id, ["ip", "-4", "-o", "addr"])
        self.assertIn(f"inet {ip}/24", addrs)
        self.assertIn("eth0", addrs)
        self.assertNotIn("inet 10.", addrs.replace(f"inet {ip}/", ""), "exactly one address")
        mac = self.engine.exec(runtime_id, ["cat", "/sys/class/net/eth0/address"]).strip()
        self.assertEqual(mac, details["macAddress"])

    def test_2_hello_world_reaches_cloudwatch_through_a_rolling_update(self):
        w = self.world
        if not w.ecs.list_tasks(cluster=w.cluster, serviceName="debian")["taskArns"]:
            self.test_1_debian_service_runs_with_its_own_awsvpc_address()
        old = w.ecs.list_tasks(cluster=w.cluster, serviceName="debian")["taskArns"]
        td = w.register("story-debian", [w.container("debian", ["sh", "-c", "echo 'Hello World!' && sleep 3600"])])
        self.assertTrue(td.endswith(":2"), td)
        out = self.fargo.aws("ecs", "update-service", "--cluster", w.cluster, "--service", "debian",
                             "--task-definition", td, region=REGION)
        self.assertEqual(out["service"]["deployments"][0]["taskDefinition"], td)

        def rolled():
            s = w.ecs.describe_services(cluster=w.cluster, services=["debian"])["services"][0]
            d = s["deployments"]
            return s if len(d) == 1 and d[0]["rolloutState"] == "COMPLETED" and d[0]["runningCount"] == 1 else None
        svc = wait_for(rolled, 90, what="the rolling update to complete")
        self.assertEqual(svc["taskDefinition"], td)
        new = w.ecs.list_tasks(cluster=w.cluster, serviceName="debian")["taskArns"]
        self.assertEqual(len(new), 1)
        self.assertNotEqual(new, old)
        self.assertEqual(w.task(new[0])["taskDefinitionArn"], td)
        stopped = w.wait_status(old[0], "STOPPED", 30)
        self.assertEqual(stopped["stopCode"], "ServiceSchedulerInitiated")
        messages = [e["message"] for e in svc["events"]]
        self.assertTrue(any("has started 1 tasks" in m for m in messages), messages)
        self.assertTrue(any("deployment completed" in m or "steady state" in m for m in messages), messages)

        stream = f"ecs/debian/{task_id(new[0])}"
        w.wait_log(stream, "Hello World!")
        # What the user types: the aws CLI reads the same stream.
        events = self.fargo.aws("logs", "get-log-events", "--log-group-name", w.log_group,
                                "--log-stream-name", stream, region=REGION)["events"]
        self.assertEqual(events[0]["message"], "Hello World!")

    def test_3_a_stopped_task_is_replaced(self):
        w = self.world
        arns = wait_for(lambda: w.ecs.list_tasks(cluster=w.cluster, serviceName="debian")["taskArns"], 60,
                        what="a service task")
        victim = arns[0]
        w.ecs.stop_task(cluster=w.cluster, task=victim, reason="testing replacement")
        stopped = w.wait_status(victim, "STOPPED", 30)
        self.assertEqual(stopped["stopCode"], "UserInitiated")
        self.assertEqual(stopped["stoppedReason"], "testing replacement")
        self.assertIn("stoppedAt", stopped)
        self.assertIn("exitCode", stopped["containers"][0])

        def replaced():
            running = w.ecs.list_tasks(cluster=w.cluster, serviceName="debian")["taskArns"]
            return running if running and victim not in running and \
                w.task(running[0])["lastStatus"] == "RUNNING" else None
        fresh = wait_for(replaced, 60, what="a replacement task")
        self.assertEqual(len(fresh), 1)
        self.assertEqual(w.ecs.list_tasks(cluster=w.cluster, serviceName="debian",
                                          desiredStatus="STOPPED")["taskArns"].count(victim), 1)

    def test_4_init_container_feeds_a_shared_volume(self):
        w = self.world
        td = w.register("story-init", [
            w.container("init", ["sh", "-c", "echo 'server_name story;' > /config/app.conf"], essential=False,
                        mountPoints=[{"sourceVolume": "config", "containerPath": "/config"}]),
            w.container("app", ["sh", "-c", "cat /etc/app/app.conf; sleep 3600"],
                        mountPoints=[{"sourceVolume": "config", "containerPath": "/etc/app", "readOnly": True}],
                        dependsOn=[{"containerName": "init", "condition": "SUCCESS"}]),
        ], volumes=[{"name": "config"}])
        arn = w.run(td)
        task = w.wait_status(arn, "RUNNING")
        containers = {c["name"]: c for c in task["containers"]}
        self.assertEqual(containers["init"]["lastStatus"], "STOPPED")
        self.assertEqual(containers["init"]["exitCode"], 0)
        self.assertEqual(containers["app"]["lastStatus"], "RUNNING")
        w.wait_log(f"ecs/app/{task_id(arn)}", "server_name story;")
        w.ecs.stop_task(cluster=w.cluster, task=arn)
        w.wait_status(arn, "STOPPED")

    def test_5_exit_codes_and_stop_reasons(self):
        w = self.world
        td = w.register("story-exit", [w.container("main", ["sh", "-c", "echo bye; exit 7"])])
        arn = w.run(td)
        task = w.wait_status(arn, "STOPPED")
        self.assertEqual(task["stopCode"], "EssentialContainerExited")
        self.assertEqual(task["stoppedReason"], "Essential container in task exited")
        self.assertEqual(task["containers"][0]["exitCode"], 7)
        self.assertEqual(task["desiredStatus"], "STOPPED")
        w.wait_log(f"ecs/main/{task_id(arn)}", "bye")

        td = w.register("story-missing", [w.container("main", ["true"], image="fargo.invalid/no/such:1")])
        arn = w.run(td)
        task = w.wait_status(arn, "STOPPED")
        self.assertEqual(task["stopCode"], "TaskFailedToStart")
        self.assertTrue(task["stoppedReason"].startswith("CannotPullContainerError"), task["stoppedReason"])

        # The aws CLI lists them among the stopped tasks.
        stopped = self.fargo.aws("ecs", "list-tasks", "--cluster", w.cluster, "--desired-status", "STOPPED",
                                 region=REGION)["taskArns"]
        self.assertIn(arn, stopped)

    def test_10_init_process_enabled_runs_the_engines_init_as_pid_1(self):
        # Docker's is docker-init (tini, at /sbin/docker-init), Podman's is
        # catatonit (at /run/podman-init); either passes the exit code on.
        w = self.world
        td = w.register("story-init", [w.container(
            "main", ["sh", "-c", "echo pid1: $(tr '\\0' ' ' </proc/1/cmdline); exit 3"],
            linuxParameters={"initProcessEnabled": True})])
        arn = w.run(td)
        task = w.wait_status(arn, "STOPPED")
        self.assertEqual(task["containers"][0]["exitCode"], 3)
        stream = f"ecs/main/{task_id(arn)}"
        w.wait_log(stream, "pid1:")
        pid1 = w.log_text(stream).split("pid1: ", 1)[1].split()
        self.assertRegex(pid1[0], r"/(docker-init|podman-init)$")
        self.assertIn("sh", pid1[1:], "the task's command runs under the init")

    def test_6_task_role_credentials_and_metadata_endpoints(self):
        w = self.world
        script = ("wget -qO- http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI; echo; "
                  "wget -qO- $ECS_CONTAINER_METADATA_URI_V4/task; echo; sleep 3600")
        td = w.register("story-endpoints", [w.container("probe", ["sh", "-c", script])], taskRoleArn=w.role_arn)
        arn = w.run(td)
        w.wait_status(arn, "RUNNING")
        stream = f"ecs/probe/{task_id(arn)}"
        try:
            w.wait_log(stream, "TaskARN", 30)
        except AssertionError:
            print("LOG:", w.log_text(stream))
            raise
        lines = [l for l in w.log_text(stream).splitlines() if l.startswith("{")]
        creds = json.loads(lines[0])
        meta = json.loads(lines[1])
        self.assertEqual(creds["RoleArn"], w.role_arn)
        for key in ("AccessKeyId", "SecretAccessKey", "Token", "Expiration"):
            self.assertIn(key, creds)
        self.assertEqual(meta["TaskARN"], arn)
        self.assertEqual(meta["Cluster"].rsplit("/", 1)[-1], w.cluster)
        self.assertEqual(meta["Family"], "story-endpoints")
        # An SDK in the task signs as the task role.
        import boto3
        who = boto3.client("sts", endpoint_url=self.fargo.endpoint, region_name=REGION,
                           aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds["Token"]).get_caller_identity()
        self.assertIn(":assumed-role/story-task/", who["Arn"])
        w.ecs.stop_task(cluster=w.cluster, task=arn)

    def test_7_tasks_of_one_vpc_reach_each_other(self):
        w = self.world
        web = w.run(w.register("story-web", [w.container("nginx", None, image="nginx:1.24.0")]))
        ip = w.wait_status(web, "RUNNING")["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
        td = w.register("story-client", [w.container(
            "client", ["sh", "-c", f"for i in 1 2 3 4 5; do wget -qO- http://{ip}/ && break; sleep 1; done; sleep 3600"])])
        client = w.run(td)
        client_ip = w.wait_status(client, "RUNNING")["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
        w.wait_log(f"ecs/client/{task_id(client)}", "Welcome to nginx!")
        # nginx's access log is its container's stdout, as in the official
        # image: the request, from the client's address, is in CloudWatch.
        w.wait_log(f"ecs/nginx/{task_id(web)}", f'{client_ip} - - [')
        self.assertIn('"GET / HTTP/1.1" 200', w.log_text(f"ecs/nginx/{task_id(web)}"))
        for arn in (web, client):
            w.ecs.stop_task(cluster=w.cluster, task=arn)

    def test_8_environment_files_come_from_fargos_s3(self):
        w = self.world
        s3 = self.fargo.client("s3")
        s3.create_bucket(Bucket="story-config")
        s3.put_object(Bucket="story-config", Key="env/app.env",
                      Body=b"# settings\nGREETING=hello from s3\nOTHER=x=y\n")
        td = w.register("story-envfiles", [w.container(
            "app", ["sh", "-c", "echo GREETING=$GREETING; echo OTHER=$OTHER; sleep 3600"],
            environmentFiles=[{"value": "arn:aws:s3:::story-config/env/app.env", "type": "s3"}])])
        arn = w.run(td)
        w.wait_status(arn, "RUNNING")
        stream = f"ecs/app/{task_id(arn)}"
        w.wait_log(stream, "GREETING=hello from s3")
        w.wait_log(stream, "OTHER=x=y")
        w.ecs.stop_task(cluster=w.cluster, task=arn)
        w.wait_status(arn, "STOPPED")

        # A file that is not there: the task fails to start.
        td = w.register("story-envfiles-missing", [w.container(
            "app", ["sleep", "3600"],
            environmentFiles=[{"value": "arn:aws:s3:::story-config/env/gone.env", "type": "s3"}])])
        arn = w.run(td)
        task = w.wait_status(arn, "STOPPED")
        self.assertEqual(task["stopCode"], "TaskFailedToStart")
        self.assertTrue(task["stoppedReason"].startswith(
            "ResourceInitializationError: failed to download env files: "), task["stoppedReason"])
        self.assertIn("NoSuchKey", task["stoppedReason"])

    def test_9_a_service_replaces_a_task_that_fails_its_health_check(self):
        w = self.world
        td = w.register("story-sick", [w.container(
            "app", ["sleep", "3600"], logs=False,
            healthCheck={"command": ["CMD-SHELL", "test -f /tmp/never"], "interval": 5, "timeout": 2, "retries": 1})])
        w.ecs.create_service(cluster=w.cluster, serviceName="sick", taskDefinition=td, desiredCount=1,
                             launchType="FARGATE", networkConfiguration=w.network())
        first = wait_for(lambda: w.ecs.list_tasks(cluster=w.cluster, serviceName="sick")["taskArns"], 30,
                         what="the sick service's task")[0]
        stopped = w.wait_status(first, "STOPPED", 60)
        self.assertEqual(stopped["stoppedReason"], "Task failed container health checks")
        self.assertEqual(stopped["healthStatus"], "UNHEALTHY")
        wait_for(lambda: [a for a in w.ecs.list_tasks(cluster=w.cluster, serviceName="sick")["taskArns"] if a != first],
                 30, what="a replacement")
        events = [e["message"] for e in w.ecs.describe_services(cluster=w.cluster, services=["sick"])["services"][0]["events"]]
        self.assertTrue(any("failed container health checks" in m for m in events), events)
        w.ecs.delete_service(cluster=w.cluster, service="sick", force=True)


class RestartSafetyTest(unittest.TestCase):
    """kill -9 fargo while tasks run: it adopts them, removes orphans, and
    carries on with no duplicates."""

    def service(self, octet, cluster, name, command, desired):
        """A fresh fargo running `command` as service `name`; cleaned up after the test."""
        engine = require_engine()
        fargo = Fargo().start()
        self.addCleanup(fargo.cleanup)
        w = TaskWorld(fargo, octet, cluster=cluster)
        self.addCleanup(lambda: w.stop_everything())
        td = w.register(name, [w.container("main", ["sh", "-c", command])])
        w.ecs.create_service(cluster=w.cluster, serviceName=name, taskDefinition=td, desiredCount=desired,
                             launchType="FARGATE", networkConfiguration=w.network())
        return engine, fargo, w

    def test_kill9_adopts_running_tasks_without_duplicates(self):
        engine, fargo, w = self.service(_octet() - 40, "restart", "web",
                                        "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.1; done", 2)

        def two_running():
            arns = w.ecs.list_tasks(cluster=w.cluster, serviceName="web")["taskArns"]
            tasks = w.ecs.describe_tasks(cluster=w.cluster, tasks=arns)["tasks"] if arns else []
            return sorted(arns) if len(tasks) == 2 and all(t["lastStatus"] == "RUNNING" for t in tasks) else None
        before = wait_for(two_running, 90, what="two running tasks")
        ids_before = {t["containers"][0]["runtimeId"]
                      for t in w.ecs.describe_tasks(cluster=w.cluster, tasks=before)["tasks"]}

        fargo.kill9()
        time.sleep(2)  # the tasks go on printing while fargo is away
        fargo.start()
        w = self._reconnect(fargo)
        time.sleep(3)  # a few scheduler rounds
        after = wait_for(two_running, 60, what="two running tasks after restart")
        self.assertEqual(after, before, "the same tasks, adopted; none started twice")
        tasks = w.ecs.describe_tasks(cluster=w.cluster, tasks=after)["tasks"]
        self.assertEqual({t["containers"][0]["runtimeId"] for t in tasks}, ids_before)
        svc = w.ecs.describe_services(cluster=w.cluster, services=["web"])["services"][0]
        self.assertEqual(svc["runningCount"], 2)
        pauses = [c for c in engine.containers(fargo_cluster="restart", fargo_role="pause")
                  if c["State"] == "running"]
        self.assertEqual(len(pauses), 2, "no duplicate sandboxes in the engine")

        # What a task printed while fargo was away still reaches CloudWatch.
        stream = f"ecs/main/{task_id(after[0])}"
        def numbers():
            return sorted({int(l.split()[1]) for l in w.log_text(stream).splitlines() if l.startswith("line ")})
        seen = wait_for(lambda: (lambda n: n if n and n[-1] >= 60 else None)(numbers()), 30,
                        what="lines from before, during and after the restart")
        self.assertEqual(seen, list(range(seen[0], seen[-1] + 1)), "no line lost across kill -9")

        # A container dying under the restarted fargo is still noticed and replaced.
        victim = after[0]
        runtime_id = tasks[0]["containers"][0]["runtimeId"] if tasks[0]["taskArn"] == victim else \
            tasks[1]["containers"][0]["runtimeId"]
        engine.call("POST", f"/containers/{runtime_id}/kill?signal=KILL")
        stopped = w.wait_status(victim, "STOPPED", 30)
        self.assertEqual(stopped["stopCode"], "EssentialContainerExited")
        self.assertEqual(stopped["containers"][0]["exitCode"], 137)
        wait_for(lambda: (lambda a: a if a and victim not in a and len(a) == 2 else None)(two_running()), 60,
                 what="a replacement after the restart")

    def test_engine_restart_under_fargo(self):
        script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "engine.sh")
        # Only an engine scripts/engine.sh started is restarted: Podman's API
        # service, or the Docker Engine of `docker-start` (live-restore).
        if Engine().socket == "/run/fargo-docker/docker.sock" and os.path.exists("/run/fargo-docker/dockerd.pid"):
            stop, start = "docker-stop", "docker-start"
        elif Engine().socket == "/run/podman/podman.sock" and os.path.exists("/run/podman/fargo-service.pid"):
            stop, start = "stop", "start"
        else:
            if CI:
                raise AssertionError("under CI the engine is started by scripts/engine.sh")
            self.skipTest("*** the engine was not started by scripts/engine.sh: not restarting it ***")
        engine, fargo, w = self.service(_octet() - 41, "engine", "ticker",
                                        "n=0; while true; do n=$((n+1)); echo tick $n; sleep 0.2; done", 1)

        def running():
            arns = w.ecs.list_tasks(cluster=w.cluster, serviceName="ticker")["taskArns"]
            return arns if arns and w.task(arns[0])["lastStatus"] == "RUNNING" else None
        arn = wait_for(running, 60, what="the ticker running")[0]
        stream = f"ecs/main/{task_id(arn)}"
        w.wait_log(stream, "tick")

        subprocess.run([script, stop], check=True)
        time.sleep(1)
        subprocess.run([script, start], check=True)
        self.assertTrue(engine.answers())
        time.sleep(2)
        self.assertEqual(running(), [arn], "the task outlived the engine's restart")
        before = len(w.log_text(stream).splitlines())
        wait_for(lambda: len(w.log_text(stream).splitlines()) >= before + 5, 10,
                 what="its output to keep reaching CloudWatch")
        # Each line once: none lost while the engine was down, none repeated
        # when the pipeline went on from the engine's log.
        ticks = [int(l.split()[1]) for l in w.log_text(stream).splitlines() if l.startswith("tick ")]
        self.assertEqual(repeats_and_gaps(ticks), ([], []), "ticks stored twice / missing")
        w.ecs.stop_task(cluster=w.cluster, task=arn)
        wait_for(lambda: (lambda a: a if a and a[0] != arn else None)(running()), 60,
                 what="a replacement launched on the restarted engine")

    def _reconnect(self, fargo):
        w = TaskWorld.__new__(TaskWorld)
        w.fargo = fargo
        w.ecs = fargo.client("ecs", REGION)
        w.ec2 = fargo.client("ec2", REGION)
        w.logs = fargo.client("logs", REGION)
        w.iam = fargo.client("iam", REGION)
        w.cluster = "restart"
        w.log_group = "/ecs/story"
        return w


if __name__ == "__main__":
    unittest.main()
