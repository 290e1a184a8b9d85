"""Cloud Map private DNS namespaces answer through the VPC's resolver.

As with AWS's Route 53 private hosted zone behind a namespace: a task in the
namespace's VPC resolves `<service>.<namespace>` to the registered
instances' AWS_INSTANCE_IPV4, SRV queries answer the port and the
instance's name, a name of the namespace with no such service is NXDOMAIN,
a load balancer's DNS name is known in its VPC (no addresses yet: NODATA),
a service with a CNAME record answers its instance's AWS_INSTANCE_CNAME
(followed by the target's addresses when the resolver knows it), a
namespace of another VPC is not seen, and a deregistered instance is gone
from the answers within a couple of seconds.

The task asks with the tools of the test image: glibc's resolver
(`getent`), `dig` for the CNAME's chain, and a raw SRV query written in
core Perl.

Needs a container engine, the story's images and root; `make test` sets
them up.
"""
import os
import re
import time
import unittest

from fargo_harness import FargoTestCase, require_vpc_networks, wait_for
from test_vpcs import DEBIAN, Vpc

# One SRV query (UDP) to the resolver of /etc/resolv.conf; prints
# "SRV rcode=<n> answers=<n>" and "SRV <priority> <weight> <port> <target> ttl=<ttl>".
SRV_QUERY = r'''
use IO::Socket::INET;
my $name = shift;
my ($ns) = `cat /etc/resolv.conf` =~ /nameserver\s+(\S+)/;
my $q = pack("n6", 0x1234, 0x0100, 1, 0, 0, 0) . join("", map { chr(length $_) . $_ } split /\./, $name)
      . "\0" . pack("nn", 33, 1);
my $s = IO::Socket::INET->new(PeerAddr => $ns, PeerPort => 53, Proto => "udp") or die "socket: $!";
$s->send($q);
my $rin = ''; vec($rin, fileno($s), 1) = 1;
select($rin, undef, undef, 5) or die "SRV timeout\n";
my $r; $s->recv($r, 4096);
sub name {
  my ($off) = @_; my @l;
  while (1) {
    my $len = ord substr($r, $off, 1);
    if ($len == 0) { $off++; last }
    if ($len >= 192) { my ($rest) = name(unpack("n", substr($r, $off, 2)) & 0x3fff); push @l, $rest; $off += 2; last }
    push @l, substr($r, $off + 1, $len); $off += 1 + $len;
  }
  return (join(".", @l), $off);
}
my (undef, $flags, undef, $an) = unpack("n4", $r);
my (undef, $off) = name(12); $off += 4;
printf "SRV rcode=%d answers=%d\n", $flags & 15, $an;
for (1 .. $an) {
  (undef, $off) = name($off);
  my ($type, $class, $ttl, $len) = unpack("nnNn", substr($r, $off, 10)); $off += 10;
  if ($type == 33) { my ($p, $w, $port) = unpack("n3", substr($r, $off, 6)); my ($t) = name($off + 6);
                     print "SRV $p $w $port $t ttl=$ttl\n" }
  $off += $len;
}
'''

SCRIPT = "; ".join([
    'perl -e "$1" api.corp.local',
    'echo "A $(getent ahostsv4 api.corp.local | awk \'{print $1}\' | sort -u | tr \'\\n\' \' \')"',
    'getent ahostsv4 web.corp.local; echo "NX rc=$?"',
    'perl -e "$1" web.corp.local | sed "s/^/NX /"',
    'getent ahostsv4 api.other.local; echo "OTHER rc=$?"',
    'perl -e "$1" "$2" | sed "s/^/LB /"',
    # A CNAME service: dig shows the chain, glibc follows it.
    'echo "CN $(dig +noall +answer www.corp.local A | awk \'{print $4, $5, $2}\' | tr \'\\n\' \' \')"',
    'echo "CNG $(getent ahostsv4 www.corp.local | awk \'{print $1}\' | sort -u | tr \'\\n\' \' \')"',
    'echo "CNC $(dig +short www.corp.local CNAME)"',
    'echo READY',
    # Then the answer every 0.3 s, with the time it was asked.
    'while true; do echo "T $(date +%s.%N) $(getent ahostsv4 api.corp.local | awk \'{print $1}\' | sort -u | tr \'\\n\' \' \')."; '
    'sleep 0.3; done',
])


class CloudMapDnsTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        super().setUpClass()

    def test_a_task_resolves_the_registered_instances(self):
        region = "eu-west-1"
        v = Vpc(self.fargo, region, "10.0.0.0/16", "10.0.1.0/24", "cloudmap-dns")
        other = self.fargo.client("ec2", region).create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        sd = self.fargo.client("servicediscovery", region)
        ns = self.namespace(sd, "corp.local", v.vpc)
        other_ns = self.namespace(sd, "other.local", other)
        svc = sd.create_service(Name="api", NamespaceId=ns, DnsConfig={
            "RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "A", "TTL": 10}, {"Type": "SRV", "TTL": 15}]})["Service"]["Id"]
        for iid, ip in (("task-1", "10.0.1.200"), ("task-2", "10.0.1.201")):
            sd.register_instance(ServiceId=svc, InstanceId=iid, Attributes={
                "AWS_INSTANCE_IPV4": ip, "AWS_INSTANCE_PORT": "8080"})
        # A CNAME service (WEIGHTED, as AWS requires): its instance's AWS_INSTANCE_CNAME.
        www = sd.create_service(Name="www", NamespaceId=ns, DnsConfig={
            "RoutingPolicy": "WEIGHTED", "DnsRecords": [{"Type": "CNAME", "TTL": 30}]})["Service"]["Id"]
        sd.register_instance(ServiceId=www, InstanceId="alias", Attributes={"AWS_INSTANCE_CNAME": "api.corp.local"})
        o = sd.create_service(Name="api", NamespaceId=other_ns, DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 10}]})
        sd.register_instance(ServiceId=o["Service"]["Id"], InstanceId="x", Attributes={"AWS_INSTANCE_IPV4": "10.9.0.9"})

        # A load balancer in the VPC: its name is known there (no addresses yet).
        second = v.ec2.create_subnet(VpcId=v.vpc, CidrBlock="10.0.2.0/24", AvailabilityZone=region + "b")
        lb = self.fargo.client("elbv2", region).create_load_balancer(
            Name="web", Subnets=[v.subnet, second["Subnet"]["SubnetId"]], Scheme="internal")["LoadBalancers"][0]

        arn = v.run("cloudmap-dns", DEBIAN, ["sh", "-c", SCRIPT, "sh", SRV_QUERY, lb["DNSName"]])
        v.running(arn)
        v.wait_log(arn, "READY", timeout=90)
        out = v.log(arn)
        if os.environ.get("FARGO_E2E_SHOW"):
            print(out)
        # A: every registered instance's address.
        self.assertRegex(out, r"A 10\.0\.1\.200 10\.0\.1\.201 ", out)
        # SRV: the port and the instance's name, the DnsConfig's TTL.
        self.assertIn("SRV rcode=0 answers=2", out)
        self.assertIn("SRV 1 1 8080 task-1.api.corp.local ttl=15", out)
        self.assertIn("SRV 1 1 8080 task-2.api.corp.local ttl=15", out)
        # CNAME: the alias (the DnsConfig's TTL), then the target's addresses.
        self.assertRegex(out, r"CN CNAME api\.corp\.local\. 30 A 10\.0\.1\.20[01] 10 A 10\.0\.1\.20[01] 10 ", out)
        self.assertIn("CNG 10.0.1.200 10.0.1.201 ", out)
        self.assertIn("CNC api.corp.local.", out)
        # A name of the namespace without such a service: not found (getent: 2).
        self.assertIn("NX rc=2", out)
        self.assertIn("NX SRV rcode=3 answers=0", out)  # NXDOMAIN
        # The load balancer's name: an answer without records (NODATA), not NXDOMAIN.
        self.assertIn("LB SRV rcode=0 answers=0", out)
        # The other VPC's namespace is not seen from this one.
        self.assertIn("OTHER rc=2", out)
        self.assertNotIn("10.9.0.9", out)

        # Deregistering takes the address out of the answers within seconds.
        sd.deregister_instance(ServiceId=svc, InstanceId="task-1")
        gone_at = time.time()

        def first_without():
            for m in re.finditer(r"^T (\d+\.\d+) (.*)\.$", v.log(arn), re.M):
                if float(m.group(1)) > gone_at and "10.0.1.200" not in m.group(2) and "10.0.1.201" in m.group(2):
                    return float(m.group(1))
            return None
        seen = wait_for(first_without, 30, what="an answer without the deregistered instance")
        if os.environ.get("FARGO_E2E_SHOW"):
            print(f"deregistered -> gone from the task's answers: {seen - gone_at:.2f} s")
        self.assertLess(seen - gone_at, 2.5)
        v.stop_all()

    @staticmethod
    def namespace(sd, name, vpc):
        op = sd.create_private_dns_namespace(Name=name, Vpc=vpc)["OperationId"]
        done = wait_for(lambda: (lambda o: o if o["Status"] == "SUCCESS" else None)(
            sd.get_operation(OperationId=op)["Operation"]), 10, what=f"namespace {name}")
        return done["Targets"]["NAMESPACE"]


if __name__ == "__main__":
    unittest.main()
