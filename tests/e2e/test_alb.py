"""An Application Load Balancer routes HTTP by its listener's rules.

An internal ALB in two subnets with an HTTP 80 listener: rules made with
boto3 send /api/* to one task (its own target group) and the host
web.example.com to another, /old/* gets AWS's redirect and everything else
the default rule's fixed response. A container in the VPC asks through the
load balancer's DNS name with curl: each answer comes from the rule's
target, which sees X-Forwarded-For/-Proto/-Port, and one curl's two
requests share one connection (keep-alive). A rule changed with the aws CLI
applies to the next request. Rules keep AWS's errors.

Needs a container engine, the story's images and root; `make test` sets
them up.
"""
import re
import time
import unittest

from fargo_harness import FargoTestCase, require_vpc_networks, wait_for
from test_vpcs import NGINX, Vpc

# nginx answering "<name> <uri> xff=... proto=... port=..." for every path.
def echo_server(name):
    conf = ("server { listen 80; location / { default_type text/plain; "
            f"return 200 \"{name} $request_uri xff=$http_x_forwarded_for proto=$http_x_forwarded_proto "
            "port=$http_x_forwarded_port\\n\"; } }")
    return ["sh", "-c", f"echo '{conf}' > /etc/nginx/conf.d/default.conf && exec nginx -g 'daemon off;'"]

# Asks the load balancer $1, one line per answer, until told to stop.
CLIENT = r"""
ask() { echo "$1 $(curl -s -m 5 $2)"; }
while true; do
  ask API "http://$1/api/users"
  ask WEB "-H Host:web.example.com http://$1/"
  ask DEFAULT "-w :%{http_code}:%{content_type} http://$1/other"
  ask REDIRECT "-o /dev/null -w %{http_code}:%{redirect_url} http://$1/old/x?y=1"
  ask TWICE "-w %{num_connects}, -o /dev/null http://$1/api/a -o /dev/null http://$1/api/b"
  echo ROUND
  sleep 1
done
"""


class ApplicationLoadBalancerTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        super().setUpClass()

    def last(self, v, client, key, after=0):
        """The last answer of the client to `key` after its `after`-th round."""
        log = v.log(client)
        rounds = log.split("ROUND")
        if len(rounds) <= after + 1:
            return None
        found = re.findall(rf"^{key} (.*)$", "ROUND".join(rounds[after:-1]), re.M)
        return found[-1] if found else None

    def test_rules_route_by_path_and_host_fixed_response_and_redirect(self):
        region = "eu-west-1"
        v = Vpc(self.fargo, region, "10.0.0.0/16", "10.0.1.0/24", "alb")
        second = v.ec2.create_subnet(VpcId=v.vpc, CidrBlock="10.0.2.0/24",
                                     AvailabilityZone=region + "b")["Subnet"]["SubnetId"]
        elb = self.fargo.client("elbv2", region)
        api_task, web_task = v.run("api", NGINX, echo_server("api")), v.run("web", NGINX, echo_server("web"))
        api_ip, web_ip = v.running(api_task), v.running(web_task)

        lb = elb.create_load_balancer(Name="story-alb", Type="application", Scheme="internal",
                                      Subnets=[v.subnet, second])["LoadBalancers"][0]
        lb_arn = lb["LoadBalancerArn"]

        def group(name, ip):
            tg = elb.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=v.vpc, TargetType="ip",
                                         HealthCheckPath="/", HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                                         HealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
            elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ip}])
            return tg

        api, web = group("api-tg", api_ip), group("web-tg", web_ip)
        listener = elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=80, DefaultActions=[{
            "Type": "fixed-response", "FixedResponseConfig": {
                "StatusCode": "404", "ContentType": "text/plain", "MessageBody": "nothing here"}}])["Listeners"][0]
        larn = listener["ListenerArn"]
        api_rule = elb.create_rule(ListenerArn=larn, Priority=10, Conditions=[
            {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
            Actions=[{"Type": "forward", "TargetGroupArn": api}])["Rules"][0]
        elb.create_rule(ListenerArn=larn, Priority=20, Conditions=[
            {"Field": "host-header", "HostHeaderConfig": {"Values": ["web.example.com"]}}],
            Actions=[{"Type": "forward", "TargetGroupArn": web}])
        elb.create_rule(ListenerArn=larn, Priority=30, Conditions=[
            {"Field": "path-pattern", "Values": ["/old/*"]}],
            Actions=[{"Type": "redirect", "RedirectConfig": {
                "Protocol": "HTTPS", "Port": "443", "Path": "/new/#{path}", "StatusCode": "HTTP_301"}}])
        rules = elb.describe_rules(ListenerArn=larn)["Rules"]
        self.assertEqual([r["Priority"] for r in rules], ["10", "20", "30", "default"])
        self.assertEqual(rules[2]["Actions"][0]["RedirectConfig"]["Query"], "#{query}")
        for tg in (api, web):
            wait_for(lambda: [h for h in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
                              if h["TargetHealth"]["State"] == "healthy"], 60, what="a healthy target")

        # Bad input: AWS's errors.
        self.assertAwsError("PriorityInUse", elb.create_rule, ListenerArn=larn, Priority=10,
                            Conditions=[{"Field": "path-pattern", "Values": ["/x"]}],
                            Actions=[{"Type": "forward", "TargetGroupArn": web}])
        self.assertAwsError("ValidationError", elb.create_rule, ListenerArn=larn, Priority=40,
                            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {
                                "Values": ["/1", "/2", "/3", "/4", "/5", "/6"]}}],
                            Actions=[{"Type": "forward", "TargetGroupArn": web}])
        self.assertAwsError("OperationNotPermitted", elb.delete_rule, RuleArn=rules[-1]["RuleArn"])

        client = v.run("client", NGINX, ["sh", "-c", CLIENT, "sh", lb["DNSName"]])
        client_ip = v.running(client)
        wait_for(lambda: self.last(v, client, "API"), 60, what="the client's first round")
        api_answer = self.last(v, client, "API")
        self.assertEqual(api_answer, f"api /api/users xff={client_ip} proto=http port=80")
        self.assertTrue(self.last(v, client, "WEB").startswith("web / xff="), self.last(v, client, "WEB"))
        self.assertEqual(self.last(v, client, "DEFAULT"), "nothing here:404:text/plain; charset=utf-8")
        self.assertEqual(self.last(v, client, "REDIRECT"), f"301:https://{lb['DNSName']}/new/old/x?y=1")
        self.assertEqual(self.last(v, client, "TWICE"), "1,0,")  # the second request reused the connection

        # A rule changed with the aws CLI applies to the next requests.
        self.fargo.aws("elbv2", "modify-rule", "--rule-arn", api_rule["RuleArn"], "--actions",
                       f"Type=forward,TargetGroupArn={web}", cli="/usr/bin/aws", region=region)
        # It applies within a second: a round begun after that (not the one
        # then under way) is answered by the new action.
        time.sleep(1.0)
        rounds = v.log(client).count("ROUND") + 1
        wait_for(lambda: self.last(v, client, "API", after=rounds), 30, what="a round after the change")
        self.assertTrue(self.last(v, client, "API", after=rounds).startswith("web /api/users"),
                        self.last(v, client, "API", after=rounds))
        described = self.fargo.aws("elbv2", "describe-rules", "--rule-arns", api_rule["RuleArn"],
                                   cli="/usr/bin/aws", region=region)
        self.assertEqual(described["Rules"][0]["Actions"][0]["TargetGroupArn"], web)

        v.stop_all()
        elb.delete_load_balancer(LoadBalancerArn=lb_arn)
        for tg in (api, web):
            elb.delete_target_group(TargetGroupArn=tg)


if __name__ == "__main__":
    unittest.main()
