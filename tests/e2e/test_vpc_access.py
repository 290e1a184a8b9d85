"""Reaching a VPC from the host, as a person does: through fargo.

VPC addresses are not on the host's routes (VPCs may overlap each other and
the host). `fargo port-forward` listens on the host's loopback and fargo
relays each connection into the VPC, to an address or to a task's; `fargo
route add` is the opt-in for one VPC that overlaps nothing: the host routes
its CIDR, until `fargo route delete` or the VPC's deletion.

Needs a container engine, the story's images and root (network namespaces).
"""
import ipaddress
import json
import os
import re
import subprocess
import unittest
import urllib.request

import test_vpcs as vpcs
from fargo_harness import FARGO_BIN, FargoTestCase, require_vpc_networks, wait_for


def fetch(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def reachable(url):
    try:
        fetch(url, timeout=2)
        return True
    except OSError:
        return False


def host_routes():
    out = subprocess.run(["ip", "-4", "-j", "route", "show"], capture_output=True, text=True, check=True).stdout
    return [r for r in json.loads(out or "[]") if r.get("dst") and r["dst"] != "default"]


def free_cidr():
    """A /16 of 10/8 that no host route overlaps."""
    taken = [ipaddress.ip_network(r["dst"] if "/" in r["dst"] else r["dst"] + "/32") for r in host_routes()]
    for second in range(213, 256):
        net = ipaddress.ip_network(f"10.{second}.0.0/16")
        if not any(net.overlaps(t) for t in taken):
            return net
    raise AssertionError("no free 10.x.0.0/16 on this host")


class PortForward:
    """`fargo port-forward ...` running; .listen is where it answers."""

    def __init__(self, fargo, *args):
        self.proc = subprocess.Popen([FARGO_BIN, "port-forward", "--endpoint", fargo.endpoint, *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.first_line = self.proc.stdout.readline()
        m = re.match(r"Forwarding from (\S+):(\d+) -> (\S+) in (.*)", self.first_line)
        if not m:
            self.proc.kill()
            raise AssertionError(f"port-forward said {self.first_line!r}, {self.proc.stderr.read()!r}")
        self.url = f"http://{m.group(1)}:{m.group(2)}/"

    def stop(self):
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=15)
        return self.proc.returncode, out


class VpcAccessTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        super().setUpClass()

    def fargo_cli(self, *args):
        return subprocess.run([FARGO_BIN, *args, "--endpoint", self.fargo.endpoint], capture_output=True, text=True,
                              timeout=60)

    def test_port_forward_to_a_task_and_to_an_address(self):
        # Two VPCs with the same CIDR: each forward reaches its own VPC's server.
        a = vpcs.Vpc(self.fargo, "eu-west-1", "10.0.0.0/16", "10.0.1.0/24", "pf-a")
        b = vpcs.Vpc(self.fargo, "us-east-1", "10.0.0.0/16", "10.0.1.0/24", "pf-b")
        web_a = a.run("web", vpcs.NGINX)
        web_b = b.run("web", vpcs.NGINX)
        ip_a, ip_b = a.running(web_a), b.running(web_b)
        fa = PortForward(self.fargo, "--region", "eu-west-1", "--task", web_a.rsplit("/", 1)[1], "--port", "80")
        fb = PortForward(self.fargo, "--region", "us-east-1", "--vpc", b.vpc, "--remote", f"{ip_b}:80")
        try:
            self.assertIn(f"-> {ip_a}:80 in task {web_a} in {a.vpc} (eu-west-1)", fa.first_line)
            self.assertIn(f"-> {ip_b}:80 in {b.vpc} (us-east-1)", fb.first_line)
            self.assertIn("Welcome to nginx", fetch(fa.url))
            self.assertIn("Welcome to nginx", fetch(fb.url))
            # The two servers are two: nginx's access log shows whose got which.
            c = self.engine.task_containers(web_a)
            main_a = [x for x in c if x["Labels"].get("fargo.role") != "pause"][0]["Id"]
            self.engine.exec(main_a, ["sh", "-c", "echo only-in-a > /usr/share/nginx/html/which.html"])
            self.assertEqual(fetch(fa.url + "which.html").strip(), "only-in-a")
            with self.assertRaises(urllib.error.HTTPError):
                fetch(fb.url + "which.html")
            # The host itself has no route to either address.
            self.assertFalse([r for r in host_routes() if r.get("dev", "").startswith("fu")
                              and ipaddress.ip_network(r["dst"], strict=False).overlaps(
                                  ipaddress.ip_network("10.0.0.0/16"))])
        finally:
            code_a, out_a = fa.stop()
            code_b, _ = fb.stop()
        self.assertEqual((code_a, code_b), (0, 0))
        self.assertIn("Stopped forwarding", out_a)
        self.assertFalse(reachable(fa.url), "the listener is gone with the command")
        # What cannot be reached is said clearly.
        r = self.fargo_cli("port-forward", "--region", "eu-west-1", "--vpc", a.vpc, "--remote", "192.168.7.7:80")
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not an address of " + a.vpc, r.stderr)
        r = self.fargo_cli("port-forward", "--region", "eu-west-1", "--task", "0123456789abcdef", "--port", "80")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no task 0123456789abcdef in eu-west-1", r.stderr)
        a.stop_all()
        b.stop_all()

    def test_opt_in_route_for_one_vpc(self):
        cidr = free_cidr()
        subnet = str(next(cidr.subnets(new_prefix=24)))
        a = vpcs.Vpc(self.fargo, "eu-west-1", str(cidr), subnet, "rt-a")
        web = a.run("web", vpcs.NGINX)
        ip = a.running(web)
        self.assertFalse(reachable(f"http://{ip}/"), "not routed before the opt-in")
        r = self.fargo_cli("route", "add", a.vpc, "--region", "eu-west-1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(str(cidr), r.stdout)
        self.assertIn("Welcome to nginx", fetch(f"http://{ip}/"))
        self.assertIn(a.vpc, self.fargo_cli("route", "list").stdout)
        # A second VPC with the same CIDR cannot be routed too.
        b = vpcs.Vpc(self.fargo, "us-east-1", str(cidr), subnet, "rt-b")
        r = self.fargo_cli("route", "add", b.vpc, "--region", "us-east-1")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"overlaps {cidr}, routed to {a.vpc} already", r.stderr)
        # Nor one that overlaps a network of the host's.
        host_net = vpcs.host_network()
        h = vpcs.Vpc(self.fargo, "eu-west-1", str(host_net), str(next(host_net.subnets(new_prefix=max(
            host_net.prefixlen, 24)))), "rt-h")
        r = self.fargo_cli("route", "add", h.vpc, "--region", "eu-west-1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("overlaps the host's route", r.stderr)
        # Removed on request ...
        r = self.fargo_cli("route", "delete", a.vpc)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(reachable(f"http://{ip}/"))
        self.assertNotIn(a.vpc, self.fargo_cli("route", "list").stdout)
        # ... and with the VPC: routed again, then the VPC goes.
        self.assertEqual(self.fargo_cli("route", "add", a.vpc, "--region", "eu-west-1").returncode, 0)
        self.assertIn("Welcome to nginx", fetch(f"http://{ip}/"))
        a.stop_all()
        ns = self.fargo_namespace(a.vpc)
        self.assertTrue(os.path.exists("/run/netns/" + ns), "a routed VPC keeps its namespace without tasks")
        a.delete()
        wait_for(lambda: not os.path.exists("/run/netns/" + ns), 15, what="the VPC's namespace gone with it")
        self.assertFalse(any(ipaddress.ip_network(r["dst"]) == cidr for r in host_routes() if "/" in r["dst"]))

    def fargo_namespace(self, vpc_id):
        return "fargo-%08x-%s" % (vpcs.fnv1a(self.fargo.health()["instance"]) & 0xffffffff, vpc_id)


if __name__ == "__main__":
    unittest.main()
