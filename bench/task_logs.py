#!/usr/bin/env python3
"""Task log throughput through the whole of fargo: a task's container prints
LINES lines (`seq 1 LINES`) with the awslogs driver; we time, through boto3,
how fast the lines become readable with GetLogEvents, and how long after it
was printed a final marker line is visible. Side by side in the same run, the
reference is the engine's own log endpoint reading the same container's
output back (what `docker logs` does).

Usage: bench/task_logs.py [--lines N]   (engine + story images needed)
"""
import argparse
import os
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from fargo_harness import Fargo, require_engine  # noqa: E402

IMAGE = "docker.io/library/debian:buster-20230411-slim"
GROUP = "/bench/logs"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200000)
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    lines = max(1000, min(args.lines, 1000000))
    engine = require_engine()
    fargo = Fargo().start()
    try:
        ecs = fargo.client("ecs", "eu-west-1")
        ec2 = fargo.client("ec2", "eu-west-1")
        logs = fargo.client("logs", "eu-west-1")
        iam = fargo.client("iam", "eu-west-1")
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        vpc = ec2.create_vpc(CidrBlock="10.243.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.243.1.0/24")["Subnet"]["SubnetId"]
        ecs.create_cluster(clusterName="bench")
        script = f"seq 1 {lines}; sleep 1; echo mark $(cut -d\" \" -f1 /proc/uptime); sleep 600"
        ecs.register_task_definition(
            family="logs", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
            executionRoleArn=role,
            containerDefinitions=[{
                "name": "printer", "image": IMAGE, "command": ["sh", "-c", script], "stopTimeout": 1,
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": GROUP, "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "b",
                    "awslogs-create-group": "true"}}}])
        arn = ecs.run_task(cluster="bench", taskDefinition="logs", launchType="FARGATE",
                           networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]
        stream = "b/printer/" + arn.rsplit("/", 1)[1]
        deadline = time.time() + args.timeout
        task = None
        while time.time() < deadline:
            task = ecs.describe_tasks(cluster="bench", tasks=[arn])["tasks"][0]
            if task["lastStatus"] in ("RUNNING", "STOPPED"):
                break
            time.sleep(0.01)
        if task["lastStatus"] != "RUNNING":
            raise SystemExit("bench: the task did not run: " + task.get("stoppedReason", ""))
        t_run = task["startedAt"].timestamp()  # the container started printing then
        last = None
        while time.time() < deadline:
            try:
                ev = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=False,
                                         limit=2)["events"]
            except logs.exceptions.ResourceNotFoundException:
                ev = []
            msgs = [e["message"] for e in ev]
            if str(lines) in msgs or any(m.startswith("mark ") for m in msgs):
                last = time.time()
                break
            time.sleep(0.005)
        if last is None:
            raise SystemExit(f"bench: line {lines} never became visible within {args.timeout}s")
        # From the first line's arrival (its event time: when the pipeline read
        # it) to the last line being readable.
        first = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True,
                                    limit=1)["events"][0]["timestamp"] / 1000.0
        fargo_rate = lines / (last - min(first, t_run))
        mark_ns = None
        while time.time() < deadline:
            ev = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=False,
                                     limit=1)["events"]
            if ev and ev[-1]["message"].startswith("mark "):
                # Container and host share the kernel's uptime clock (10 ms steps).
                with open("/proc/uptime") as f:
                    seen = float(f.read().split()[0])
                mark_ns = (seen - float(ev[-1]["message"].split()[1])) * 1e9
                break
            time.sleep(0.005)
        stored = 0
        token = None
        while True:  # every line arrived, in order
            kw = {"nextToken": token} if token else {}
            page = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True, **kw)
            stored += sum(1 for e in page["events"] if not e["message"].startswith("mark "))
            if page["nextForwardToken"] == token or not page["events"]:
                break
            token = page["nextForwardToken"]

        # Reference: the engine reads the same output back from its own log.
        runtime_id = ecs.describe_tasks(cluster="bench", tasks=[arn])["tasks"][0]["containers"][0]["runtimeId"]
        t0 = time.time()
        status, body = engine.call("GET", f"/containers/{runtime_id}/logs?stdout=true&stderr=true")
        engine_s = time.time() - t0
        engine_rate = lines / engine_s if status == 200 else float("nan")
        ecs.stop_task(cluster="bench", task=arn)
        while ecs.describe_tasks(cluster="bench", tasks=[arn])["tasks"][0]["lastStatus"] != "STOPPED":
            time.sleep(0.05)
        print(f"task logs: {lines} lines printed by a container")
        print(f"  fargo  {fargo_rate:10.0f} lines/s into GetLogEvents ({stored} stored; target >= 50,000)")
        print(f"  marker visible {mark_ns / 1e6 if mark_ns else float('nan'):.0f} ms after it was printed (target < 1,000)")
        print(f"  engine {engine_rate:10.0f} lines/s reading its own log back (docker logs)")
        print(f"  ratio  {fargo_rate / engine_rate:.2f}x")
    finally:
        fargo.cleanup()


if __name__ == "__main__":
    main()
