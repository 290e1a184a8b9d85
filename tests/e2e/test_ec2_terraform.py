"""Terraform's AWS provider (5.100) creates, re-plans without drift and
destroys a network stack against fargo: a VPC with DNS hostnames, subnets
spread over the zones, security groups with CIDR and group-referencing rules,
and data sources that find them by tag filters."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from fargo_harness import FargoTestCase, FARGO_BIN, require

TF_MIRROR = os.environ.get("FARGO_TF_MIRROR", "/opt/tf-plugins")

STACK = r'''
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { project = "fargo-net" }
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "main" {
  cidr_block           = "10.40.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "tf-main" }
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags              = { Name = "tf-private-${count.index}" }
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.40.100.0/24"
  map_public_ip_on_launch = true
}

resource "aws_security_group" "lb" {
  name        = "tf-lb"
  description = "load balancer"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "http"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "app" {
  name_prefix = "tf-app-"
  description = "app tasks"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port       = 8080
    to_port         = 8080
    protocol        = "tcp"
    security_groups = [aws_security_group.lb.id]
  }

  egress {
    from_port        = 443
    to_port          = 443
    protocol         = "tcp"
    cidr_blocks      = ["10.0.0.0/8"]
    ipv6_cidr_blocks = ["::/0"]
  }
}

data "aws_vpc" "by_tag" {
  filter {
    name   = "tag:Name"
    values = ["tf-m*"]
  }
  depends_on = [aws_vpc.main]
}

data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [aws_vpc.main.id]
  }
  tags       = { Name = "tf-private-*" }
  depends_on = [aws_subnet.private]
}

output "vpc_by_tag" {
  value = data.aws_vpc.by_tag.id
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "private_subnets" {
  value = sort(data.aws_subnets.private.ids)
}

output "default_sg" {
  value = aws_vpc.main.default_security_group_id
}
'''


class Ec2TerraformTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        require(shutil.which("terraform") is not None, "terraform")
        require(os.path.isdir(TF_MIRROR), f"the Terraform provider mirror ({TF_MIRROR})")
        super().setUpClass()
        cls.work = tempfile.mkdtemp(prefix="fargo-tf-ec2-")
        cls.stack = os.path.join(cls.work, "stack")
        os.makedirs(cls.stack)
        with open(os.path.join(cls.stack, "main.tf"), "w") as f:
            f.write(STACK)
        override = subprocess.run([FARGO_BIN, "terraform-override", "--endpoint", cls.fargo.endpoint],
                                  capture_output=True, text=True, check=True).stdout
        with open(os.path.join(cls.stack, "fargo_override.tf"), "w") as f:
            f.write(override)
        cls.cli_config = os.path.join(cls.work, "terraformrc")
        with open(cls.cli_config, "w") as f:
            f.write('provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n'
                    '    include = ["registry.terraform.io/*/*"]\n  }\n'
                    '  direct { exclude = ["registry.terraform.io/*/*"] }\n}\n' % TF_MIRROR)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.work, ignore_errors=True)

    def tf(self, *args, ok_codes=(0,)):
        env = dict(os.environ, TF_CLI_CONFIG_FILE=self.cli_config, TF_IN_AUTOMATION="1",
                   CHECKPOINT_DISABLE="1", TF_INPUT="0",
                   AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        p = subprocess.run(["terraform", *args, "-no-color"], cwd=self.stack, env=env,
                           capture_output=True, text=True, timeout=600)
        if p.returncode not in ok_codes:
            self.fail(f"terraform {' '.join(args)} exited {p.returncode}\n{p.stdout[-6000:]}\n{p.stderr[-6000:]}")
        return p

    def test_apply_replan_destroy(self):
        self.tf("init", "-input=false")
        self.tf("apply", "-auto-approve", "-input=false")
        plan = self.tf("plan", "-detailed-exitcode", "-input=false", ok_codes=(0, 2))
        self.assertEqual(plan.returncode, 0, "second plan shows drift:\n" + plan.stdout[-8000:])

        out = {k: v["value"] for k, v in json.loads(self.tf("output", "-json").stdout).items()}
        self.assertEqual(out["vpc_by_tag"], out["vpc_id"])
        self.assertEqual(len(out["private_subnets"]), 2)
        ec2 = self.fargo.client("ec2", region="eu-west-1")
        vpc = ec2.describe_vpcs(VpcIds=[out["vpc_id"]])["Vpcs"][0]
        self.assertIn({"Key": "project", "Value": "fargo-net"}, vpc["Tags"])
        self.assertTrue(ec2.describe_vpc_attribute(VpcId=out["vpc_id"], Attribute="enableDnsHostnames")
                        ["EnableDnsHostnames"]["Value"])
        zones = sorted(s["AvailabilityZone"] for s in ec2.describe_subnets(SubnetIds=out["private_subnets"])["Subnets"])
        self.assertEqual(zones, ["eu-west-1a", "eu-west-1b"])
        groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [out["vpc_id"]]}])
        self.assertEqual(len(groups["SecurityGroups"]), 3)
        self.assertIn(out["default_sg"], [g["GroupId"] for g in groups["SecurityGroups"]])

        self.tf("destroy", "-auto-approve", "-input=false")
        self.assertEqual(ec2.describe_vpcs()["Vpcs"], [])
        self.assertEqual(ec2.describe_security_groups()["SecurityGroups"], [])


if __name__ == "__main__":
    unittest.main()
