"""TLS on the load balancers with ACM's certificates, as on AWS.

ACM issues certificates from fargo's CA (RequestCertificate with DNS
validation answers at once, PENDING_VALIDATION; ISSUED moments later, its
validation records shown). An internal ALB gets an
HTTPS listener on 443 whose default certificate is for another name and
whose load balancer's own name comes from a certificate added for SNI
(AddListenerCertificates); an NLB gets a TLS listener on 443 relaying plain
TCP to the same nginx task, and a TLS listener on 8443 with the TLS 1.3-only
security policy. A container in the VPC curls both by their DNS
names over HTTPS, verifying them against fargo's CA (which every task
trusts): the ALB's answer comes from the target with X-Forwarded-Proto
https and X-Forwarded-Port 443, the NLB's straight from nginx. The
default policy (ELBSecurityPolicy-2016-08) takes a TLS 1.2 client offering
only ECDHE-RSA-AES128-GCM-SHA256; the TLS 1.3-only listener refuses a
TLS 1.2 client and serves a TLS 1.3 one. DescribeSSLPolicies lists the
policies, and an unknown one is SSLPolicyNotFound. ACM refuses
to delete a certificate in use; unknown certificates are CertificateNotFound.

Needs a container engine, the story's images and root; `make test` sets
them up.
"""
import re
import unittest

from fargo_harness import FargoTestCase, require_vpc_networks, wait_for
from test_vpcs import NGINX, Vpc

# nginx answering "<uri> proto=... port=..." for every path.
ECHO = ["sh", "-c", "echo 'server { listen 80; location / { default_type text/plain; "
        "return 200 \"web $request_uri proto=$http_x_forwarded_proto port=$http_x_forwarded_port\\n\"; } }' "
        "> /etc/nginx/conf.d/default.conf && exec nginx -g 'daemon off;'"]

# Asks both load balancers over HTTPS (the CA from CURL_CA_BUNDLE), once a second.
CLIENT = r"""
while true; do
  echo "ALB $(curl -sS -m 5 https://$1/alb-page 2>&1)"
  echo "NLB $(curl -sS -m 5 https://$2/nlb-page 2>&1)"
  echo "DEF12 $(curl -sS -m 5 --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 \
       -w ' %{http_code}' https://$2/def12 2>&1 | tr '\n' ' ')"
  echo "T13ONLY-12 $(curl -sS -m 5 --tlsv1.2 --tls-max 1.2 https://$2:8443/t12 2>&1 | tr '\n' ' ')"
  echo "T13ONLY-13 $(curl -sS -m 5 --tlsv1.3 https://$2:8443/t13 2>&1 | tr '\n' ' ')"
  echo ROUND
  sleep 1
done
"""


class LoadBalancerTlsTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        super().setUpClass()

    def last(self, v, client, key):
        found = re.findall(rf"^{key} (.*)$", v.log(client), re.M)
        return found[-1] if found else None

    def test_https_and_tls_listeners_serve_acm_certificates(self):
        region = "eu-west-1"
        v = Vpc(self.fargo, region, "10.0.0.0/16", "10.0.1.0/24", "lbtls")
        second = v.ec2.create_subnet(VpcId=v.vpc, CidrBlock="10.0.2.0/24",
                                     AvailabilityZone=region + "b")["Subnet"]["SubnetId"]
        elb = self.fargo.client("elbv2", region)
        acm = self.fargo.client("acm", region)
        web_ip = v.running(v.run("web", NGINX, ECHO))

        alb = elb.create_load_balancer(Name="tls-alb", Type="application", Scheme="internal",
                                       Subnets=[v.subnet, second])["LoadBalancers"][0]
        nlb = elb.create_load_balancer(Name="tls-nlb", Type="network", Scheme="internal",
                                       Subnets=[v.subnet])["LoadBalancers"][0]
        v.admit_vpc()  # the NLB has no security groups: the web task admits the VPC
        alb_name, nlb_name = alb["DNSName"].lower(), nlb["DNSName"].lower()

        def request(domain, *sans):
            arn = acm.request_certificate(DomainName=domain, ValidationMethod="DNS",
                                          SubjectAlternativeNames=[domain, *sans])["CertificateArn"]
            acm.get_waiter("certificate_validated").wait(CertificateArn=arn,
                                                         WaiterConfig={"Delay": 1, "MaxAttempts": 30})
            cert = acm.describe_certificate(CertificateArn=arn)["Certificate"]
            self.assertEqual(cert["Status"], "ISSUED")
            record = cert["DomainValidationOptions"][0]["ResourceRecord"]
            self.assertEqual(record["Type"], "CNAME")
            self.assertTrue(record["Name"].endswith("." + domain.lstrip("*.") + "."), record)
            return arn

        default_cert = request("app.example.com")
        alb_cert = request(alb_name)
        nlb_cert = request("*." + nlb_name.split(".", 1)[1])  # a wildcard over the NLB's name

        def group(name, protocol):
            tg = elb.create_target_group(Name=name, Protocol=protocol, Port=80, VpcId=v.vpc, TargetType="ip",
                                         HealthCheckProtocol="HTTP", HealthCheckPath="/",
                                         HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                                         HealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
            elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": web_ip}])
            return tg

        alb_tg, nlb_tg = group("alb-tg", "HTTP"), group("nlb-tg", "TCP")
        missing = default_cert[:-12] + "000000000000"
        self.assertAwsError("CertificateNotFound", elb.create_listener, LoadBalancerArn=alb["LoadBalancerArn"],
                            Protocol="HTTPS", Port=443, Certificates=[{"CertificateArn": missing}],
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": alb_tg}])
        https = elb.create_listener(LoadBalancerArn=alb["LoadBalancerArn"], Protocol="HTTPS", Port=443,
                                    Certificates=[{"CertificateArn": default_cert}],
                                    DefaultActions=[{"Type": "forward", "TargetGroupArn": alb_tg}])["Listeners"][0]
        self.assertEqual(https["SslPolicy"], "ELBSecurityPolicy-2016-08")
        elb.add_listener_certificates(ListenerArn=https["ListenerArn"], Certificates=[{"CertificateArn": alb_cert}])
        listed = elb.describe_listener_certificates(ListenerArn=https["ListenerArn"])["Certificates"]
        self.assertEqual({(c["CertificateArn"], c["IsDefault"]) for c in listed},
                         {(default_cert, True), (alb_cert, False)})
        elb.create_listener(LoadBalancerArn=nlb["LoadBalancerArn"], Protocol="TLS", Port=443,
                            Certificates=[{"CertificateArn": nlb_cert}],
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": nlb_tg}])
        nlb_tls = dict(LoadBalancerArn=nlb["LoadBalancerArn"], Protocol="TLS", Port=8443,
                       Certificates=[{"CertificateArn": nlb_cert}],
                       DefaultActions=[{"Type": "forward", "TargetGroupArn": nlb_tg}])
        self.assertAwsError("SSLPolicyNotFound", elb.create_listener, SslPolicy="ELBSecurityPolicy-Nope",
                            status=400, **nlb_tls)
        strict = elb.create_listener(SslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06", **nlb_tls)["Listeners"][0]
        self.assertEqual(strict["SslPolicy"], "ELBSecurityPolicy-TLS13-1-3-2021-06")
        policies = elb.describe_ssl_policies(Names=["ELBSecurityPolicy-TLS13-1-3-2021-06",
                                                    "ELBSecurityPolicy-2016-08"])["SslPolicies"]
        by_name = {p["Name"]: p for p in policies}
        self.assertEqual(by_name["ELBSecurityPolicy-TLS13-1-3-2021-06"]["SslProtocols"], ["TLSv1.3"])
        self.assertEqual(by_name["ELBSecurityPolicy-2016-08"]["SslProtocols"], ["TLSv1", "TLSv1.1", "TLSv1.2"])
        self.assertIn({"Name": "ECDHE-RSA-AES128-GCM-SHA256", "Priority": 2},
                      by_name["ELBSecurityPolicy-2016-08"]["Ciphers"])
        self.assertAwsError("ResourceInUseException", acm.delete_certificate, CertificateArn=alb_cert)
        self.assertEqual(acm.describe_certificate(CertificateArn=alb_cert)["Certificate"]["InUseBy"],
                         [alb["LoadBalancerArn"]])
        for tg in (alb_tg, nlb_tg):
            wait_for(lambda: [h for h in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
                              if h["TargetHealth"]["State"] == "healthy"], 60, what="a healthy target")

        client = v.run("client", NGINX, ["sh", "-c", CLIENT, "sh", alb_name, nlb_name])
        v.running(client)
        wait_for(lambda: (self.last(v, client, "ALB") or "").startswith("web")
                 and (self.last(v, client, "NLB") or "").startswith("web"), 90,
                 what="answers through both load balancers over HTTPS")
        self.assertEqual(self.last(v, client, "ALB"), "web /alb-page proto=https port=443")
        self.assertEqual(self.last(v, client, "NLB"), "web /nlb-page proto= port=")
        wait_for(lambda: (self.last(v, client, "T13ONLY-13") or "").startswith("web"), 30,
                 what="a TLS 1.3 client served by the TLS 1.3-only listener")
        self.assertEqual(self.last(v, client, "DEF12").split(), ["web", "/def12", "proto=", "port=", "200"])
        self.assertEqual(self.last(v, client, "T13ONLY-13").strip(), "web /t13 proto= port=")
        refused = self.last(v, client, "T13ONLY-12")
        self.assertIn("curl: (35)", refused)  # the handshake failed
        self.assertNotIn("web", refused)

        v.stop_all()
        elb.delete_load_balancer(LoadBalancerArn=alb["LoadBalancerArn"])
        elb.delete_load_balancer(LoadBalancerArn=nlb["LoadBalancerArn"])
        acm.delete_certificate(CertificateArn=alb_cert)
        self.assertAwsError("ResourceNotFoundException", acm.describe_certificate, CertificateArn=alb_cert)


if __name__ == "__main__":
    unittest.main()
