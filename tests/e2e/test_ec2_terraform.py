"""Terraform's AWS provider (5.100) creates, re-plans without drift and
destroys a network stack against fargo: a VPC with DNS hostnames, subnets
spread over the zones, security groups with CIDR and group-referencing rules,
and data sources that find them by tag filters."""
import json
import unittest

from fargo_harness import TerraformTestCase


STACK = r'''
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


class Ec2TerraformTest(TerraformTestCase):
    STACK = STACK

    def test_apply_replan_destroy(self):
        self.apply_and_replan_clean()

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
