#!/usr/bin/env python3
"""ECS Exec: time to the first prompt and keystroke round trip, fargo's
session (ExecuteCommand, the data channel over a WebSocket, the engine's
exec with a TTY) against `podman exec -it` on the same container, side by
side in one run, the two sides alternating.

Each side runs in a pseudo-terminal, as a user would: `fargo exec <task>
-- /bin/sh` (the ExecuteCommand request is part of what is timed) and
`podman exec -it <container> /bin/sh`. First prompt: from the start of the
command to the first output byte. Round trip: one keystroke written to the
terminal until its echo comes back, 50 times per session.

Then N sessions held at once (--concurrent, 50 by default): DescribeTasks
latency with them open against without, the API must not slow down.

Usage: bench/ecs_exec.py [--runs N] [--concurrent N]  (needs Podman, the engine and the
story's images: scripts/engine.sh start && tests/images/build.sh)
"""
import argparse
import json
import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from fargo_harness import FARGO_BIN, Fargo, require_engine, wait_for  # noqa: E402

REGION = "us-east-1"
IMAGE = "debian:buster-20230411-slim"


def spawn(argv):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    return pid, fd


def read_some(fd, timeout):
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return b""
    try:
        return os.read(fd, 4096)
    except OSError:
        return b""


def measure(argv, keystrokes=50):
    t0 = time.perf_counter()
    pid, fd = spawn(argv)
    first = None
    while time.perf_counter() - t0 < 30:
        if read_some(fd, 0.5):
            first = time.perf_counter() - t0
            break
    # Let the prompt settle, then drain.
    end = time.perf_counter() + 0.3
    while time.perf_counter() < end:
        read_some(fd, 0.05)
    rtts = []
    for i in range(keystrokes):
        ch = b"abcdefghij"[i % 10:i % 10 + 1]
        t = time.perf_counter()
        os.write(fd, ch)
        got = b""
        while ch not in got and time.perf_counter() - t < 2:
            got += read_some(fd, 2)
        rtts.append((time.perf_counter() - t) * 1000)
    os.write(fd, b"\x15exit\r")
    deadline = time.time() + 10
    while time.time() < deadline:
        if not read_some(fd, 0.2):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(fd)
    return first * 1000 if first else float("nan"), rtts


def api_latency(ecs, arn, n=50):
    """Median and p95 of DescribeTasks, ms."""
    t = []
    for _ in range(n):
        t0 = time.perf_counter()
        ecs.describe_tasks(cluster="bench", tasks=[arn])
        t.append((time.perf_counter() - t0) * 1000)
    t.sort()
    return statistics.median(t), t[int(0.95 * (len(t) - 1))]


def hold_sessions(cmd, n):
    """n sessions of `cmd` open at once, each with its prompt shown; returns
    them (stdin open) and the seconds it took."""
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
             for _ in range(n)]
    for p in procs:
        os.set_blocking(p.stdout.fileno(), False)
    ready = set()
    while len(ready) < n and time.perf_counter() - t0 < 120:
        for i, p in enumerate(procs):
            if i not in ready and select.select([p.stdout], [], [], 0)[0] and p.stdout.read():
                ready.add(i)
        time.sleep(0.01)
    if len(ready) < n:
        sys.exit(f"only {len(ready)} of {n} sessions showed a prompt")
    return procs, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--concurrent", type=int, default=50)
    args = ap.parse_args()
    require_engine()
    podman = shutil.which("podman")
    if not podman:
        sys.exit("podman is needed for the reference side")
    fargo = Fargo().start()
    try:
        ecs = fargo.client("ecs", REGION)
        ec2 = fargo.client("ec2", REGION)
        iam = fargo.client("iam", REGION)
        vpc = ec2.create_vpc(CidrBlock="10.201.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.201.1.0/24")["Subnet"]["SubnetId"]
        ecs.create_cluster(clusterName="bench")
        role = iam.create_role(RoleName="bench-task", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
                "Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        td = ecs.register_task_definition(
            family="bench", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
            taskRoleArn=role, containerDefinitions=[{"name": "app", "image": IMAGE, "essential": True,
                                                     "command": ["sleep", "3600"]}])["taskDefinition"]["taskDefinitionArn"]
        arn = ecs.run_task(cluster="bench", taskDefinition=td, launchType="FARGATE", enableExecuteCommand=True,
                           networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]
        task = wait_for(lambda: (lambda t: t if t["lastStatus"] == "RUNNING" else None)(
            ecs.describe_tasks(cluster="bench", tasks=[arn])["tasks"][0]), 90, what="the task RUNNING")
        cid = task["containers"][0]["runtimeId"]
        fargo_cmd = [FARGO_BIN, "exec", arn.rsplit("/", 1)[1], "--cluster", "bench", "--endpoint",
                     fargo.endpoint, "--", "/bin/sh"]
        podman_cmd = [podman, "exec", "-it", cid, "/bin/sh"]
        results = {"fargo": ([], []), "podman": ([], [])}
        for _ in range(args.runs):
            for name, cmd in (("fargo", fargo_cmd), ("podman", podman_cmd)):
                first, rtts = measure(cmd)
                results[name][0].append(first)
                results[name][1].extend(rtts)
        print(f"runs: {args.runs} sessions per side, 50 keystrokes each")
        for name in ("fargo", "podman"):
            firsts, rtts = results[name]
            print(f"{name:7s} first prompt: median {statistics.median(firsts):7.1f} ms  "
                  f"round trip: median {statistics.median(rtts):5.2f} ms  p95 "
                  f"{sorted(rtts)[int(0.95 * (len(rtts) - 1))]:5.2f} ms")
        ratio = statistics.median(results["fargo"][0]) / statistics.median(results["podman"][0])
        print(f"first prompt ratio fargo/podman: {ratio:.2f}x (goal <= 1.2x); "
              f"fargo round trip median {statistics.median(results['fargo'][1]):.2f} ms (goal < 5 ms)")
        if args.concurrent:
            idle = api_latency(ecs, arn)
            procs, took = hold_sessions(fargo_cmd, args.concurrent)
            busy = api_latency(ecs, arn)
            for p in procs:
                p.stdin.write(b"exit\n")
                p.stdin.flush()
            ended = sum(1 for p in procs if p.wait(timeout=60) == 0)
            print(f"{args.concurrent} sessions held at once (all prompts in {took:.1f} s, {ended} ended with exit 0): "
                  f"DescribeTasks median {idle[0]:.2f} -> {busy[0]:.2f} ms, p95 {idle[1]:.2f} -> {busy[1]:.2f} ms")
        ecs.stop_task(cluster="bench", task=arn)
    finally:
        fargo.cleanup() if hasattr(fargo, "cleanup") else fargo.stop()


if __name__ == "__main__":
    main()
