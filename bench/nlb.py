#!/usr/bin/env python3
"""fargo's Network Load Balancer against HAProxy, side by side in one run.

Two nginx:1.24.0 tasks in one VPC; fargo's internal NLB (TCP 80 listener,
target group of type ip) in front of them, and HAProxy (mode tcp,
roundrobin, one thread, as fargo relays a VPC's listeners on one thread)
in front of the same two targets, in the same VPC namespace. The load
generator (wrk, one thread) runs in that namespace too, so the only
difference between the two paths is the proxy. Both proxies are measured
in turn, alternating, for:

- keep-alive: N connections, many requests each (bytes relayed);
- a connection per request (`Connection: close`): the proxy's accept,
  target pick and connect on every request, as most NLB traffic is;

and the direct path to one target, for the floor. Printed: requests/s and
latency p50/p99 of each, and fargo / HAProxy (for requests/s higher is
better; for latency lower).

Then memory per idle connection: --idle connections (9,000) held open
through each proxy in turn, to a third task that only accepts and holds
them (a second listener, port 81); the proxy's resident memory before and
after, per connection (AWS's NLB keeps idle flows for 350 s).

Usage: bench/nlb.py [--seconds 10] [--connections 16] [--rounds 2] [--idle 9000]
(root, the engine, the story's images: tests/images/build.sh, wrk and
haproxy: apt-get install wrk haproxy)
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from fargo_harness import AWS_CLI_IMAGE, Fargo, require_vpc_networks, wait_for  # noqa: E402
from test_vpcs import NGINX, Vpc  # noqa: E402

HAPROXY_PORT = 8080
HOLD_PORT = 81

# Accepts connections and holds them, reading nothing (the idle phase's target).
HOLDER = r'''
import resource, selectors, socket
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 81)); s.listen(4096)
held = []
while True:
    c, _ = s.accept(); held.append(c)
'''

# Opens N connections to host:port from the VPC's namespace, says how many
# stand, then holds them until its stdin closes.
OPENER = r'''
import resource, socket, sys, time
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conns = []
for i in range(n):
    c = socket.create_connection((host, port), timeout=10); conns.append(c)
time.sleep(1)
alive = 0
for c in conns:
    c.setblocking(False)
    try:
        alive += c.recv(1) != b""
    except BlockingIOError:
        alive += 1
    except OSError:
        pass
print(alive, flush=True)
sys.stdin.read()
'''


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def hold(ns, host, port, n, pid):
    """Memory of process `pid` per connection while n idle ones stand through it."""
    before = rss_kb(pid)
    p = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", OPENER, host, str(port), str(n)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    alive = int(p.stdout.readline() or 0)
    time.sleep(1)
    after = rss_kb(pid)
    p.stdin.close()
    p.wait(60)
    time.sleep(2)  # the proxy closes them before the next one is measured
    return alive, (after - before) * 1024 / max(alive, 1)


def wrk(ns, url, seconds, conns, close):
    cmd = ["ip", "netns", "exec", ns, "wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", url]
    if close:
        cmd[6:6] = ["-H", "Connection: close"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout

    def ms(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    return {"rps": float(rps.group(1)) if rps else float("nan"), "p50": ms("50"), "p99": ms("99"),
            "errors": errors.group(0) if errors else ""}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=2)
    # A relayed connection takes two descriptors in the proxy: 9,000 fit
    # under a hard limit of 20,000 descriptors per process.
    ap.add_argument("--idle", type=int, default=9000)
    args = ap.parse_args()
    for tool in ("wrk", "haproxy"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is not installed (apt-get install {tool})")
    require_vpc_networks()
    fargo = Fargo().start()
    work = tempfile.mkdtemp(prefix="fargo-bench-nlb-")
    haproxy = None
    try:
        region = "eu-west-1"
        v = Vpc(fargo, region, "10.0.0.0/16", "10.0.1.0/24", "bench-nlb")
        v.admit_vpc()  # the NLB has no security groups: the targets admit the VPC
        td = v.ecs.register_task_definition(
            family="bench-web", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256",
            memory="512", containerDefinitions=[{"name": "main", "image": NGINX, "essential": True,
                                                 "stopTimeout": 2}])["taskDefinition"]["taskDefinitionArn"]
        arns = [v.ecs.run_task(cluster=v.cluster, taskDefinition=td, launchType="FARGATE", networkConfiguration={
            "awsvpcConfiguration": {"subnets": [v.subnet]}})["tasks"][0]["taskArn"] for _ in range(2)]
        ips = [v.running(a, timeout=90) for a in arns]
        elb = fargo.client("elbv2", region)
        lb = elb.create_load_balancer(Name="bench-nlb", Type="network", Scheme="internal",
                                      Subnets=[v.subnet])["LoadBalancers"][0]
        addr = lb["AvailabilityZones"][0]["LoadBalancerAddresses"][0]["PrivateIPv4Address"]
        tg = elb.create_target_group(Name="bench-tg", Protocol="TCP", Port=80, VpcId=v.vpc, TargetType="ip",
                                     HealthCheckProtocol="HTTP", HealthCheckPath="/", HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                                     HealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ip} for ip in ips])
        elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        # The idle phase's target: a task that accepts and holds.
        hold_td = v.ecs.register_task_definition(
            family="bench-hold", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256",
            memory="512", containerDefinitions=[{"name": "main", "image": AWS_CLI_IMAGE, "essential": True,
                                                 "entryPoint": ["python3", "-c", HOLDER], "stopTimeout": 2}])[
            "taskDefinition"]["taskDefinitionArn"]
        hold_ip = v.running(v.ecs.run_task(cluster=v.cluster, taskDefinition=hold_td, launchType="FARGATE",
                                           networkConfiguration={"awsvpcConfiguration": {"subnets": [v.subnet]}})[
            "tasks"][0]["taskArn"], timeout=90)
        hold_tg = elb.create_target_group(Name="bench-hold", Protocol="TCP", Port=HOLD_PORT, VpcId=v.vpc,
                                          TargetType="ip", HealthCheckProtocol="TCP", HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                                          HealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        elb.register_targets(TargetGroupArn=hold_tg, Targets=[{"Id": hold_ip}])
        elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=HOLD_PORT,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": hold_tg}])
        wait_for(lambda: {h["TargetHealth"]["State"] for h in elb.describe_target_health(
            TargetGroupArn=tg)["TargetHealthDescriptions"]} == {"healthy"}, 60, what="both targets healthy")

        ns = [n.split()[0] for n in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
              .stdout.splitlines() if n.split()[0].endswith(v.vpc)][0]
        gateway = "10.0.1.1"  # the VPC router's address in the subnet: HAProxy listens there
        cfg = os.path.join(work, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(f"global\n  maxconn {args.idle + 600}\n  nbthread 1\n"
                    "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 350s\n  timeout server 350s\n"
                    f"frontend nlb\n  bind {gateway}:{HAPROXY_PORT}\n  default_backend targets\n"
                    "backend targets\n  balance roundrobin\n" +
                    "".join(f"  server t{i} {ip}:80\n" for i, ip in enumerate(ips)) +
                    f"frontend hold\n  bind {gateway}:{HAPROXY_PORT + 1}\n  maxconn {args.idle + 100}\n"
                    f"  default_backend holder\nbackend holder\n  server h {hold_ip}:{HOLD_PORT}\n")
        haproxy_log = open(os.path.join(work, "haproxy.log"), "w")
        haproxy = subprocess.Popen(["ip", "netns", "exec", ns, "haproxy", "-db", "-f", cfg],
                                   stdout=haproxy_log, stderr=subprocess.STDOUT)
        paths = {"fargo NLB": f"http://{addr}/", "HAProxy": f"http://{gateway}:{HAPROXY_PORT}/",
                 "direct": f"http://{ips[0]}/"}
        for name, url in paths.items():  # each answers before it is measured
            try:
                wait_for(lambda: subprocess.run(["ip", "netns", "exec", ns, "curl", "-sf", "-o", "/dev/null", url])
                         .returncode == 0, 20, what=f"{name} answering")
            except AssertionError:
                print(open(os.path.join(work, "haproxy.log")).read(), file=sys.stderr)
                raise

        results = {}
        for rnd in range(args.rounds):
            for close in (False, True):
                for name, url in paths.items():
                    r = wrk(ns, url, args.seconds, args.connections, close)
                    results.setdefault((close, name), []).append(r)
                    print(f"round {rnd + 1} {'conn/request' if close else 'keep-alive':12s} {name:10s} "
                          f"{r['rps']:9.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms {r['errors']}",
                          flush=True)
        idle = {}
        if args.idle:
            wait_for(lambda: {h["TargetHealth"]["State"] for h in elb.describe_target_health(
                TargetGroupArn=hold_tg)["TargetHealthDescriptions"]} == {"healthy"}, 60, what="the holder healthy")
            for name, host, port, pid in (("fargo NLB", addr, HOLD_PORT, fargo.proc.pid),
                                          ("HAProxy", gateway, HAPROXY_PORT + 1, haproxy.pid)):
                idle[name] = hold(ns, host, port, args.idle, pid)
                print(f"idle {name:10s} {idle[name][0]} connections standing, "
                      f"{idle[name][1]:.0f} bytes of resident memory each", flush=True)
    finally:
        if haproxy:
            haproxy.terminate()
            haproxy.wait()
        fargo.cleanup()
        shutil.rmtree(work, ignore_errors=True)

    def med(close, name, k):
        return statistics.median(r[k] for r in results[(close, name)])
    print()
    print(f"NLB, {args.connections} connections, {args.seconds} s x {args.rounds} rounds (medians)")
    print(f"{'':24s} {'fargo':>10s} {'HAProxy':>10s} {'direct':>10s} {'fargo/HAProxy':>14s}")
    for close in (False, True):
        mode = "conn/request" if close else "keep-alive"
        for k, unit in (("rps", "req/s"), ("p50", "p50 ms"), ("p99", "p99 ms")):
            f, h, d = (med(close, n, k) for n in ("fargo NLB", "HAProxy", "direct"))
            fmt = "{:10.0f}" if k == "rps" else "{:10.2f}"
            print(f"{mode + ' ' + unit:24s} {fmt.format(f)} {fmt.format(h)} {fmt.format(d)} {f / h:13.2f}x")
    if idle:
        (fn, fb), (hn, hb) = idle["fargo NLB"], idle["HAProxy"]
        print(f"{'idle, bytes/connection':24s} {fb:10.0f} {hb:10.0f} {'':>10s} {fb / max(hb, 1):13.2f}x"
              f"   ({fn} and {hn} of {args.idle} standing; goal < 2048 bytes)")


if __name__ == "__main__":
    main()
