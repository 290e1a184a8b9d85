"""The resolver every VPC gets, as AWS's (base + 2 and 169.254.169.253).

A task's containers use it (their /etc/resolv.conf names it, with the
region's private zone as search domain): the AWS names fargo serves resolve
to fargo's address in the VPC and lead to this fargo's API, EC2's private
names resolve to their addresses, unknown names come back NXDOMAIN or
SERVFAIL quickly (the host's resolvers may reach nothing), and a VPC with
enableDnsSupport off gets no answers at all. Two fargos on one host: each
task reaches its own fargo at 169.254.170.2 and by the AWS names.

Needs a container engine, the story's images and root; `make test` sets
them up.
"""
import os
import re
import unittest

from fargo_harness import Fargo, FargoTestCase, require_vpc_networks, wait_for
from test_vpcs import DEBIAN, Vpc

AWS_ADDRESS = "169.254.170.3"


def timed(cmd):
    """A shell line that prints `cmd`'s output, then ELAPSED <seconds> <label>."""
    return f"s=$(date +%s); {cmd} 2>&1; echo ELAPSED $(( $(date +%s) - s ))"


class VpcDnsTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        super().setUpClass()

    def script_task(self, vpc, family, script):
        arn = vpc.run(family, DEBIAN, ["sh", "-c", script + "; echo DONE; sleep 3600"])
        vpc.running(arn)
        vpc.wait_log(arn, "DONE", timeout=90)
        out = vpc.log(arn)
        if os.environ.get("FARGO_E2E_SHOW"):
            print(out)
        return out

    def test_a_task_resolves_aws_and_private_names(self):
        v = Vpc(self.fargo, "eu-west-1", "10.0.0.0/16", "10.0.1.0/24", "dns-on")
        out = self.script_task(v, "dns", "; ".join([
            "cat /etc/resolv.conf",
            "nslookup s3.amazonaws.com",
            "nslookup my-bucket.s3.eu-west-1.amazonaws.com",
            "nslookup sts.eu-west-1.amazonaws.com 169.254.169.253",
            "nslookup ip-10-0-1-77.eu-west-1.compute.internal",
            "nslookup 10.0.1.77",
            "echo HEALTH $(wget -qO- http://s3.amazonaws.com/_fargo/health)",
            "echo META $(wget -qO- $ECS_CONTAINER_METADATA_URI_V4/task | head -c 300)",
            timed("nslookup no-such-name.invalid"),
        ]))
        # The VPC's resolver, and AWS's DHCP options' search domain.
        self.assertIn("nameserver 10.0.0.2", out)
        self.assertIn("search eu-west-1.compute.internal", out)
        # Every AWS name (from either address) leads to fargo's address...
        for name in ("s3.amazonaws.com", "my-bucket.s3.eu-west-1.amazonaws.com", "sts.eu-west-1.amazonaws.com"):
            self.assertRegex(out, re.escape(name) + r"\s+Address:\s*" + re.escape(AWS_ADDRESS), out)
        # ... where this fargo answers.
        self.assertIn('"instance":"%s"' % self.fargo.instance, out)
        # The task endpoints still at 169.254.170.2.
        self.assertRegex(out, r"META .*TaskARN")
        # EC2's private names, both ways.
        self.assertRegex(out, r"ip-10-0-1-77\.eu-west-1\.compute\.internal\s+Address:\s*10\.0\.1\.77")
        self.assertRegex(out, r"77\.1\.0\.10\.in-addr\.arpa\s+name = ip-10-0-1-77\.eu-west-1\.compute\.internal")
        # An unknown name: an answer that says so, quickly.
        tail = out[out.rfind("no-such-name.invalid") - 200:]
        self.assertRegex(tail, r"NXDOMAIN|SERVFAIL", out)
        elapsed = int(re.search(r"ELAPSED (\d+)", out).group(1))
        self.assertLess(elapsed, 8, out)
        v.stop_all()

    def test_a_vpc_without_dns_support_gets_no_answer(self):
        v = Vpc(self.fargo, "eu-west-1", "10.1.0.0/16", "10.1.1.0/24", "dns-off")
        v.ec2.modify_vpc_attribute(VpcId=v.vpc, EnableDnsSupport={"Value": False})
        out = self.script_task(v, "nodns", "; ".join([
            "cat /etc/resolv.conf",
            timed("timeout 6 nslookup s3.amazonaws.com"),
            timed("timeout 6 nslookup s3.amazonaws.com 169.254.169.253"),
        ]))
        self.assertIn("nameserver 10.1.0.2", out)
        self.assertNotIn(AWS_ADDRESS, out)
        self.assertNotRegex(out, r"NXDOMAIN|SERVFAIL")  # nobody answered at all
        v.stop_all()

    def test_two_fargos_each_task_reaches_its_own(self):
        other = Fargo().start()
        try:
            a = Vpc(self.fargo, "eu-west-1", "10.2.0.0/16", "10.2.1.0/24", "own-a")
            b = Vpc(other, "eu-west-1", "10.2.0.0/16", "10.2.1.0/24", "own-b")
            script = "; ".join([
                "echo EP $(wget -qO- http://169.254.170.2:4566/_fargo/health)",
                "echo DNS $(wget -qO- http://s3.amazonaws.com/_fargo/health)",
                "echo CREDS $(wget -qO- http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)",
            ])
            out_a = self.script_task(a, "own", script)
            out_b = self.script_task(b, "own", script)
            for out, mine, theirs in ((out_a, self.fargo.instance, other.instance),
                                      (out_b, other.instance, self.fargo.instance)):
                self.assertRegex(out, r'EP .*"instance":"%s"' % mine, out)
                self.assertRegex(out, r'DNS .*"instance":"%s"' % mine, out)
                self.assertNotIn(theirs, out)
                self.assertIn("AccessKeyId", out)
            a.stop_all()
            b.stop_all()
        finally:
            other.cleanup()


if __name__ == "__main__":
    unittest.main()
