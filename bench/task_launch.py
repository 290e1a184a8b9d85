#!/usr/bin/env python3
"""RunTask -> RUNNING latency: fargo against the engine's own create+start of
the same containers, side by side in one run.

fargo: RunTask through boto3, then DescribeTasks every 10 ms until the task
is RUNNING (what a client can observe). Reference: the Docker Engine API
directly, doing what a task needs at minimum - the VPC's bridge network, a
pause container with the task's address, and the task's container joined to
it - created and started back to back. Both sides remove everything after
each run, so every run starts from the same state; the two sides alternate.

The engine is the one DOCKER_HOST names (else Docker's socket, else
Podman's), as for fargo; its name and version are printed with the figures.
One untimed fargo task first makes sure the engine has fargo's pause image.

fargo's own share is measured too: the time its VPC fabric spends plumbing
each task's ENI (veth into the sandbox, address, MAC, MTU, route), read from
the daemon's /_fargo/stats before and after each run.

With --security-group the task runs in a group of its own with the story's
rule (tcp 80 from the VPC's CIDR) instead of the VPC's default group: both
are enforced in the task's namespace (one iptables-restore each).

Usage: bench/task_launch.py [--runs N] [--security-group]   (needs the engine and the story's
images: scripts/engine.sh start && tests/images/build.sh; for Docker
scripts/engine.sh docker-start && tests/images/build.sh --docker SOCKET)
"""
import argparse
import json
import os
import statistics
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from fargo_harness import Fargo, require_engine  # noqa: E402

IMAGE = "docker.io/library/debian:buster-20230411-slim"
PAUSE = "localhost/fargo/pause:latest"


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


class FargoSide:
    """One fargo with a VPC, a subnet, a cluster and a one-container task definition."""

    def __init__(self, security_group=False):
        self.fargo = Fargo().start()
        self.attach_ms = []
        self.ecs = ecs = self.fargo.client("ecs", "eu-west-1")
        ec2 = self.fargo.client("ec2", "eu-west-1")
        vpc = ec2.create_vpc(CidrBlock="10.241.0.0/16")["Vpc"]["VpcId"]
        self.subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.241.1.0/24")["Subnet"]["SubnetId"]
        self.network = {"subnets": [self.subnet]}
        if security_group:
            sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
                "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.241.0.0/16"}]}])
            self.network["securityGroups"] = [sg]
        ecs.create_cluster(clusterName="bench")
        ecs.register_task_definition(
            family="bench", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
            containerDefinitions=[{"name": "main", "image": IMAGE, "command": ["sleep", "600"], "stopTimeout": 1}])

    def attach_stats(self):
        with urllib.request.urlopen(self.fargo.endpoint + "/_fargo/stats", timeout=10) as r:
            return json.load(r)["EniAttach"]

    def run_once(self):
        ecs = self.ecs
        before = self.attach_stats()
        t0 = time.monotonic()
        arn = ecs.run_task(cluster="bench", taskDefinition="bench", launchType="FARGATE",
                           networkConfiguration={"awsvpcConfiguration": self.network})["tasks"][0]["taskArn"]
        while True:
            t = ecs.describe_tasks(cluster="bench", tasks=[arn])["tasks"][0]
            if t["lastStatus"] == "RUNNING":
                break
            if t["lastStatus"] == "STOPPED":
                raise SystemExit("bench: task stopped: " + t.get("stoppedReason", ""))
            time.sleep(0.01)
        took = time.monotonic() - t0
        after = self.attach_stats()
        assert after["Count"] == before["Count"] + 1, (before, after)
        self.attach_ms.append(after["TotalMs"] - before["TotalMs"])
        ecs.stop_task(cluster="bench", task=arn)
        while ecs.describe_tasks(cluster="bench", tasks=[arn])["tasks"][0]["lastStatus"] != "STOPPED":
            time.sleep(0.05)
        return took

    def close(self):
        self.fargo.cleanup()


def engine_once(engine, i):
    labels = {"fargo.managed": "true", "fargo.role": "bench"}
    t0 = time.monotonic()
    status, net = engine.call("POST", "/networks/create", {
        "Name": "fargo-bench-ref", "Driver": "bridge", "Labels": labels,
        "IPAM": {"Driver": "default", "Config": [{"Subnet": "10.242.0.0/16", "Gateway": "10.242.0.1"}]}})
    assert status == 201, net
    status, pause = engine.call("POST", "/containers/create?name=fargo-bench-ref-pause", {
        "Image": PAUSE, "Labels": labels, "HostConfig": {"NetworkMode": "fargo-bench-ref"},
        "NetworkingConfig": {"EndpointsConfig": {"fargo-bench-ref": {
            "IPAMConfig": {"IPv4Address": f"10.242.1.{10 + i}"}}}}})
    assert status == 201, pause
    assert engine.call("POST", f"/containers/{pause['Id']}/start")[0] == 204
    status, main = engine.call("POST", "/containers/create?name=fargo-bench-ref-main", {
        "Image": IMAGE, "Cmd": ["sleep", "600"], "Labels": labels,
        "HostConfig": {"NetworkMode": "container:" + pause["Id"]}})
    assert status == 201, main
    assert engine.call("POST", f"/containers/{main['Id']}/start")[0] == 204
    took = time.monotonic() - t0
    engine.call("DELETE", f"/containers/{main['Id']}?force=true")
    engine.call("DELETE", f"/containers/{pause['Id']}?force=true")
    engine.call("DELETE", "/networks/fargo-bench-ref")
    return took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--security-group", action="store_true", help="a group with tcp 80 from the VPC, not the default")
    args = ap.parse_args()
    engine = require_engine()
    runs = max(2, min(args.runs, 50))
    status, version = engine.call("GET", "/version")
    names = [c.get("Name", "") for c in version.get("Components", [])] if status == 200 else []
    kind = "Podman" if any("Podman" in n for n in names) else "Docker Engine"
    print(f"engine: {kind} {version.get('Version', '?')} (API {version.get('ApiVersion', '?')}) at {engine.socket}")
    side = FargoSide(args.security_group)
    print("security groups: " + ("a group with tcp 80 from the VPC" if args.security_group else "the VPC's default group"))
    ref, got = [], []
    try:
        side.run_once()  # untimed: imports the pause image the reference uses too
        side.attach_ms.clear()
        for i in range(runs):  # interleaved, so both see the same machine
            ref.append(engine_once(engine, i))
            got.append(side.run_once())
    finally:
        side.close()
    f50, f95 = pct(got, 50) * 1000, pct(got, 95) * 1000
    e50, e95 = pct(ref, 50) * 1000, pct(ref, 95) * 1000
    print(f"RunTask -> RUNNING over {runs} runs (ms):")
    print(f"  fargo  p50 {f50:7.0f}  p95 {f95:7.0f}  mean {statistics.mean(got) * 1000:7.0f}")
    print(f"  engine p50 {e50:7.0f}  p95 {e95:7.0f}  mean {statistics.mean(ref) * 1000:7.0f}  (network + pause + container, create+start)")
    print(f"  ratio  p50 {f50 / e50:.2f}x  p95 {f95 / e95:.2f}x  (target <= 1.3x)")
    a50, a95 = pct(side.attach_ms, 50), pct(side.attach_ms, 95)
    print(f"fargo's per-task ENI plumbing (VpcFabric::AttachEni, inside the above) (ms):")
    print(f"  p50 {a50:7.1f}  p95 {a95:7.1f}  max {max(side.attach_ms):7.1f}  = {a50 / f50 * 100:.1f}% of RunTask -> RUNNING (p50)")
    print(json.dumps({"engine": f"{kind} {version.get('Version', '?')}", "fargo_p50_ms": round(f50), "fargo_p95_ms": round(f95),
                      "engine_p50_ms": round(e50), "engine_p95_ms": round(e95),
                      "eni_attach_p50_ms": round(a50, 1), "eni_attach_p95_ms": round(a95, 1)}))


if __name__ == "__main__":
    main()
