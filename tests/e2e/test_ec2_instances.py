"""EC2 instances as containers: the story's bastion (examples/bastion-stack,
an Ubuntu 20.04 AMI found by data "aws_ami", a security group, an IAM role
with AmazonSSMManagedInstanceCore and its instance profile, an instance with
IMDSv2 required in a private subnet) applies with Terraform, re-plans with no
changes and destroys. The instance is a running container with an address
from its subnet; inside it IMDSv1 is refused, IMDSv2 gives the role's
credentials, and the unmodified AWS CLI finds them and is the role; SSM
lists it as a managed instance. Bad AMIs, instance types and subnets get
EC2's errors.

Needs a container engine, the story's images (the AWS CLI image runs as the
AMI here, FARGO_INSTANCE_IMAGE) and root; `make test` sets them up.
"""
import ipaddress
import json
import os
import unittest

from fargo_harness import (AWS_CLI_IMAGE, ROOT, TerraformTestCase, require, require_vpc_networks, wait_for)

STACK_DIR = os.path.join(ROOT, "examples", "bastion-stack")
REGION = "eu-west-1"

# Run inside the instance with python3 (the AWS CLI image has it, not curl).
IMDS_PROBE = r'''
import json, urllib.request, urllib.error
base = "http://169.254.169.254/latest"
def get(path, token=None):
    req = urllib.request.Request(base + path, headers={"X-aws-ec2-metadata-token": token} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""
out = {"v1": get("/meta-data/instance-id")[0]}
req = urllib.request.Request(base + "/api/token", method="PUT",
                             headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
token = urllib.request.urlopen(req, timeout=5).read().decode()
for key in ("instance-id", "local-ipv4", "placement/availability-zone", "iam/security-credentials/"):
    out[key] = get("/meta-data/" + key, token)[1]
role = out["iam/security-credentials/"]
out["credentials"] = json.loads(get("/meta-data/iam/security-credentials/" + role, token)[1])
out["document"] = json.loads(get("/dynamic/instance-identity/document", token)[1])
print("PROBE" + json.dumps(out))
'''


class BastionStackTest(TerraformTestCase):
    STACK_DIR = STACK_DIR

    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        require(cls.engine.has_image(AWS_CLI_IMAGE), f"the test image {AWS_CLI_IMAGE} (run tests/images/build.sh)")
        before = os.environ.get("FARGO_INSTANCE_IMAGE")
        os.environ["FARGO_INSTANCE_IMAGE"] = AWS_CLI_IMAGE
        try:
            super().setUpClass()
        finally:
            if before is None:
                os.environ.pop("FARGO_INSTANCE_IMAGE", None)
            else:
                os.environ["FARGO_INSTANCE_IMAGE"] = before

    def container_of(self, arn):
        found = [c for c in self.engine.task_containers(arn)
                 if (c.get("Labels") or {}).get("fargo.role") == "container"]
        return found[0] if found else None

    def test_bastion_applies_runs_serves_imds_and_destroys(self):
        self.apply_and_replan_clean()
        outputs = json.loads(self.tf("output", "-json").stdout)
        instance_id = outputs["bastion_id"]["value"]
        ec2 = self.fargo.client("ec2", region=REGION)

        inst = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        self.assertEqual(inst["State"]["Name"], "running")
        self.assertEqual(inst["MetadataOptions"]["HttpTokens"], "required")
        subnet = ec2.describe_subnets(SubnetIds=[inst["SubnetId"]])["Subnets"][0]
        ip = inst["PrivateIpAddress"]
        self.assertIn(ipaddress.ip_address(ip), ipaddress.ip_network(subnet["CidrBlock"]))
        self.assertEqual(inst["PrivateDnsName"], "ip-" + ip.replace(".", "-") + f".{REGION}.compute.internal")
        image = ec2.describe_images(ImageIds=[inst["ImageId"]])["Images"][0]
        self.assertTrue(image["Name"].startswith("ubuntu/images/hvm-ssd/ubuntu-focal-20.04-amd64-server-"))
        # Its primary interface, as describe-network-interfaces shows it.
        eni = ec2.describe_network_interfaces(
            Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}])["NetworkInterfaces"]
        self.assertEqual([e["PrivateIpAddress"] for e in eni], [ip])

        # A running container on that address.
        arn = f"arn:aws:ec2:{REGION}:000000000000:instance/{instance_id}"
        pause = [c for c in self.engine.task_containers(arn)
                 if (c.get("Labels") or {}).get("fargo.role") == "pause"]
        self.assertEqual(len(pause), 1, self.engine.task_containers(arn))
        self.assertEqual(pause[0]["Labels"]["fargo.ip"], ip)
        box = self.container_of(arn)
        self.assertIsNotNone(box)
        self.assertEqual(box["State"], "running")

        # User data ran at first boot.
        wait_for(lambda: "bastion ready" in self.engine.exec(box["Id"], ["cat", "/var/tmp/bastion-ready"]),
                 timeout=30, what="the user data's marker")

        # IMDS from inside: v1 refused (tokens required), v2 answers.
        out = self.engine.exec(box["Id"], ["python3", "-c", IMDS_PROBE])
        self.assertIn("PROBE", out, out)
        probe = json.loads(out[out.index("PROBE") + 5:].strip().splitlines()[0])
        self.assertEqual(probe["v1"], 401)
        self.assertEqual(probe["instance-id"], instance_id)
        self.assertEqual(probe["local-ipv4"], ip)
        self.assertEqual(probe["placement/availability-zone"], subnet["AvailabilityZone"])
        self.assertEqual(probe["iam/security-credentials/"], "ecsWithTf-dev-bastion")
        self.assertEqual(probe["credentials"]["Code"], "Success")
        self.assertTrue(probe["credentials"]["AccessKeyId"])
        self.assertEqual(probe["document"]["instanceId"], instance_id)
        self.assertEqual(probe["document"]["region"], REGION)

        # The unmodified AWS CLI in the instance finds the role's credentials.
        who = self.engine.exec(box["Id"], ["aws", "--no-cli-pager", "sts", "get-caller-identity", "--region", REGION, "--output", "json"])
        self.assertIn("assumed-role/ecsWithTf-dev-bastion/", who, who)

        # A managed instance for SSM.
        ssm = self.fargo.client("ssm", region=REGION)
        info = ssm.describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [instance_id]}])["InstanceInformationList"]
        self.assertEqual(len(info), 1)
        self.assertEqual(info[0]["PingStatus"], "Online")
        self.assertEqual(info[0]["PlatformType"], "Linux")
        self.assertEqual(info[0]["ResourceType"], "EC2Instance")
        self.assertEqual(info[0]["IPAddress"], ip)
        doc = ssm.get_document(Name="AWS-StartPortForwardingSessionToRemoteHost")
        self.assertIn("host", json.loads(doc["Content"])["parameters"])

        self.tf("destroy", "-auto-approve", "-input=false")
        inst = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        self.assertEqual(inst["State"]["Name"], "terminated")
        wait_for(lambda: not self.engine.task_containers(arn), timeout=60, what="the instance's containers to go")

    def test_bad_launches_get_ec2s_errors(self):
        ec2 = self.fargo.client("ec2", region=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.71.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.71.1.0/24")["Subnet"]["SubnetId"]
        ami = ec2.describe_images(Owners=["099720109477"], Filters=[
            {"Name": "name", "Values": ["ubuntu/images/hvm-ssd/ubuntu-focal-20.04-amd64-server-*"]}])["Images"][0]
        base = dict(MinCount=1, MaxCount=1, InstanceType="t3.micro", ImageId=ami["ImageId"], SubnetId=subnet)
        self.assertAwsError("InvalidAMIID.NotFound", ec2.run_instances, **dict(base, ImageId="ami-0123456789abcdef0"))
        self.assertAwsError("InvalidParameterValue", ec2.run_instances, **dict(base, InstanceType="t9.huge"))
        self.assertAwsError("InvalidSubnetID.NotFound", ec2.run_instances,
                            **dict(base, SubnetId="subnet-0000000000000dead"))
        self.assertAwsError("InvalidInstanceID.NotFound", ec2.describe_instances, InstanceIds=["i-0000000000000dead"])
        ec2.delete_subnet(SubnetId=subnet)
        ec2.delete_vpc(VpcId=vpc)


if __name__ == "__main__":
    unittest.main()
