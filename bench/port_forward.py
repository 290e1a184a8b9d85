#!/usr/bin/env python3
"""Port forwarding: throughput and added latency of one forwarded TCP stream
through a Session Manager port session (fargo port-forward, multiplexed
mode, to a task's own localhost: the data channel over a WebSocket, smux,
the connection made inside the task's network namespace) against `ssh -L`
(Debian's OpenSSH) to an sshd in a network namespace of its own on this
machine, side by side in one run, the two sides alternating.

Both sides reach the same kind of server, a small Python program inside
the namespace on 127.0.0.1:9000: "D<8-byte size>" makes it send that many
bytes; "U<8-byte size>" makes it read that many and answer "K"; "E" makes
it echo. Throughput: one stream downloads --mb MB, then uploads as many
(timed until the server says it read them all). Latency: --rtts round trips
of 64 bytes on one connection, median and p95.

Usage: bench/port_forward.py [--mb 200] [--rtts 2000] [--runs 3]
Needs root, ssh and sshd (apt-get install openssh-client openssh-server),
the engine and the story's images (scripts/engine.sh start && tests/images/build.sh).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from fargo_harness import AWS_CLI_IMAGE, FARGO_BIN, Fargo, free_port, require_engine, wait_for  # noqa: E402

REGION = "us-east-1"
NETNS = "fargo-bench-ssh"
HOST_IP, NS_IP = "10.254.77.1", "10.254.77.2"

SERVER = r"""
import socket, struct, threading
chunk = b"x" * (1 << 20)
def serve(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            cmd = c.recv(1)
            if not cmd:
                return
            if cmd == b"D":
                n = struct.unpack("!Q", c.recv(8, socket.MSG_WAITALL))[0]
                while n > 0:
                    k = min(n, len(chunk)); c.sendall(chunk[:k]); n -= k
            elif cmd == b"U":
                n = struct.unpack("!Q", c.recv(8, socket.MSG_WAITALL))[0]
                while n > 0:
                    got = c.recv(min(n, 1 << 20))
                    if not got: return
                    n -= len(got)
                c.sendall(b"K")
            elif cmd == b"E":
                while True:
                    d = c.recv(64, socket.MSG_WAITALL)
                    if len(d) < 64: return
                    c.sendall(d)
    finally:
        c.close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9000)); s.listen(64)
print("SERVER READY", flush=True)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


def connect(port, timeout=30):
    deadline = time.time() + timeout
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return s
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def download(port, size):
    s = connect(port)
    t = time.perf_counter()
    s.sendall(b"D" + struct.pack("!Q", size))
    got = 0
    while got < size:
        d = s.recv(1 << 20)
        if not d:
            raise RuntimeError(f"closed after {got} of {size} bytes")
        got += len(d)
    took = time.perf_counter() - t
    s.close()
    return size / took / 1e6


def upload(port, size):
    s = connect(port)
    buf = b"y" * (1 << 20)
    t = time.perf_counter()
    s.sendall(b"U" + struct.pack("!Q", size))
    left = size
    while left > 0:
        k = min(left, len(buf))
        s.sendall(buf[:k])
        left -= k
    if s.recv(1) != b"K":
        raise RuntimeError("no acknowledgement of the upload")
    took = time.perf_counter() - t
    s.close()
    return size / took / 1e6


def rtts(port, n):
    s = connect(port)
    s.sendall(b"E")
    msg = b"z" * 64
    out = []
    for _ in range(n):
        t = time.perf_counter()
        s.sendall(msg)
        got = b""
        while len(got) < 64:
            d = s.recv(64 - len(got))
            if not d:
                raise RuntimeError("echo closed")
            got += d
        out.append((time.perf_counter() - t) * 1000)
    s.close()
    return out


def answers(port):
    """Whether the server answers an echo through `port` now."""
    try:
        rtts(port, 1)
        return True
    except (OSError, RuntimeError):
        return False


def sh(*argv, check=True):
    return subprocess.run(argv, check=check, capture_output=True, text=True)


class SshSide:
    """sshd and the server in a network namespace reached over a veth pair;
    `ssh -N -L` forwards a local port to the server."""

    def __init__(self, tmp):
        sshd = shutil.which("sshd") or "/usr/sbin/sshd"
        if not os.path.exists(sshd) or not shutil.which("ssh"):
            sys.exit("ssh and sshd are needed: apt-get install openssh-client openssh-server")
        sh("ip", "netns", "del", NETNS, check=False)
        sh("ip", "link", "del", "fbssh0", check=False)
        sh("ip", "netns", "add", NETNS)
        sh("ip", "link", "add", "fbssh0", "type", "veth", "peer", "name", "fbssh1")
        sh("ip", "link", "set", "fbssh1", "netns", NETNS)
        sh("ip", "addr", "add", HOST_IP + "/30", "dev", "fbssh0")
        sh("ip", "link", "set", "fbssh0", "up")
        for cmd in (["ip", "addr", "add", NS_IP + "/30", "dev", "fbssh1"], ["ip", "link", "set", "fbssh1", "up"],
                    ["ip", "link", "set", "lo", "up"]):
            sh("ip", "netns", "exec", NETNS, *cmd)
        key = os.path.join(tmp, "id")
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key)
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(tmp, "host"))
        shutil.copy(key + ".pub", os.path.join(tmp, "authorized_keys"))
        os.chmod(os.path.join(tmp, "authorized_keys"), 0o600)
        conf = os.path.join(tmp, "sshd_config")
        with open(conf, "w") as f:
            f.write(f"ListenAddress {NS_IP}\nPort 22\nHostKey {tmp}/host\nAuthorizedKeysFile {tmp}/authorized_keys\n"
                    "PermitRootLogin prohibit-password\nPasswordAuthentication no\nUsePAM no\nStrictModes no\n"
                    "AllowTcpForwarding yes\nPidFile none\n")
        os.makedirs("/run/sshd", exist_ok=True)
        self.sshd = subprocess.Popen(["ip", "netns", "exec", NETNS, sshd, "-D", "-e", "-f", conf],
                                     stderr=subprocess.DEVNULL)
        self.server = subprocess.Popen(["ip", "netns", "exec", NETNS, sys.executable, "-c", SERVER],
                                       stdout=subprocess.PIPE, text=True)
        assert "SERVER READY" in self.server.stdout.readline()
        self.port = free_port()
        time.sleep(0.5)
        self.ssh = subprocess.Popen(["ssh", "-N", "-i", key, "-o", "StrictHostKeyChecking=no", "-o",
                                     "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-L",
                                     f"127.0.0.1:{self.port}:127.0.0.1:9000", f"root@{NS_IP}"])
        wait_for(lambda: answers(self.port), 15, what="ssh -L answering")
        self.cipher = "default (" + sh("ssh", "-G", NS_IP).stdout.split("ciphers ")[1].split(",")[0] + ")"

    def close(self):
        for p in (self.ssh, self.server, self.sshd):
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        sh("ip", "link", "del", "fbssh0", check=False)
        sh("ip", "netns", "del", NETNS, check=False)


class FargoSide:
    """The server in a task (ECS Exec enabled); `fargo port-forward` to the
    task's own port 9000 through a multiplexed port session."""

    def __init__(self):
        self.fargo = Fargo().start()
        ecs = self.fargo.client("ecs", REGION)
        ec2 = self.fargo.client("ec2", REGION)
        iam = self.fargo.client("iam", REGION)
        vpc = ec2.create_vpc(CidrBlock="10.202.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.202.1.0/24")["Subnet"]["SubnetId"]
        ecs.create_cluster(clusterName="bench")
        role = iam.create_role(RoleName="bench-task", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
                "Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        td = ecs.register_task_definition(
            family="bench", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="1024", memory="2048",
            taskRoleArn=role, containerDefinitions=[{"name": "app", "image": AWS_CLI_IMAGE, "essential": True,
                                                     "entryPoint": ["python3", "-c", SERVER]}])[
            "taskDefinition"]["taskDefinitionArn"]
        arn = ecs.run_task(cluster="bench", taskDefinition=td, launchType="FARGATE", enableExecuteCommand=True,
                           networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]["taskArn"]
        task = wait_for(lambda: (lambda t: t if t["lastStatus"] == "RUNNING" and any(
            a["lastStatus"] == "RUNNING" for a in t["containers"][0].get("managedAgents", [])) else None)(
            ecs.describe_tasks(cluster="bench", tasks=[arn])["tasks"][0]), 90, what="the task RUNNING")
        target = f"ecs:bench_{arn.rsplit('/', 1)[1]}_{task['containers'][0]['runtimeId']}"
        self.port = free_port()
        self.proc = subprocess.Popen([FARGO_BIN, "port-forward", target, "--port", "9000", "--local-port",
                                      str(self.port), "--endpoint", self.fargo.endpoint, "--region", REGION],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seen = []
        for line in self.proc.stdout:  # a blank line and "Starting session ..." come first
            seen.append(line)
            if re.search(r"Port \d+ opened", line) or len(seen) > 5:
                break
        if not re.search(r"Port \d+ opened", seen[-1] if seen else ""):
            sys.exit(f"fargo port-forward did not open its port: {seen}")
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        wait_for(lambda: answers(self.port), 30, what="the server answering through fargo")

    def close(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        try:
            self.fargo.cleanup()
        except OSError as e:  # a busy engine: scripts/engine.sh clean removes what is left
            print(f"cleanup: {e}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--rtts", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (network namespaces)")
    require_engine()
    tmp = tempfile.mkdtemp(prefix="fargo-bench-pf-")
    ssh = fargo = None
    try:
        ssh = SshSide(tmp)
        fargo = FargoSide()
        size = args.mb * 1000 * 1000
        res = {name: {"down": [], "up": [], "rtt": []} for name in ("fargo", "ssh")}
        for _ in range(args.runs):
            for name, port in (("fargo", fargo.port), ("ssh", ssh.port)):
                res[name]["down"].append(download(port, size))
                res[name]["up"].append(upload(port, size))
                res[name]["rtt"].extend(rtts(port, args.rtts))
        print(f"{args.runs} runs per side: {args.mb} MB down and up on one stream, {args.rtts} round trips of 64 B")
        print(f"ssh cipher: {ssh.cipher}")
        for name in ("fargo", "ssh"):
            r = res[name]
            rt = sorted(r["rtt"])
            print(f"{name:6s} download {statistics.median(r['down']):8.1f} MB/s  upload "
                  f"{statistics.median(r['up']):8.1f} MB/s  round trip median {statistics.median(rt):6.3f} ms  "
                  f"p95 {rt[int(0.95 * (len(rt) - 1))]:6.3f} ms")
        down = statistics.median(res["fargo"]["down"]) / statistics.median(res["ssh"]["down"])
        up = statistics.median(res["fargo"]["up"]) / statistics.median(res["ssh"]["up"])
        lat = statistics.median(res["fargo"]["rtt"]) / statistics.median(res["ssh"]["rtt"])
        print(f"throughput ratio fargo/ssh: download {down:.2f}x, upload {up:.2f}x (goal >= 0.8x); "
              f"round trip ratio {lat:.2f}x")
    finally:
        if fargo:
            fargo.close()
        if ssh:
            ssh.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
