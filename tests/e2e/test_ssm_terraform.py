"""Terraform's AWS provider (5.100) writes SSM parameters (String, StringList,
SecureString, tags, a new version when a value changes) and reads AWS public
parameters the way the community ECS module does (the Fluent Bit image, the
ECS-optimized AMI); the plan after apply is clean, the aws CLI reads back
what Terraform wrote, and destroy removes it.

What the provider sends (TF_LOG=debug): PutParameter (Overwrite=false with
Tags on create, Overwrite=true without Tags on change), and on every refresh
of a parameter GetParameter with WithDecryption=true, DescribeParameters with
ParameterFilters [{Key: Name, Option: Equals}] and ListTagsForResource
(ResourceType Parameter); the data source reads GetParameter only."""
import json
import unittest

from fargo_harness import TerraformTestCase

AWS_V2 = "/usr/bin/aws"

STACK = r'''
provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { project = "fargo-ssm" }
  }
}

variable "db_host" {
  default = "db.internal"
}

# Public parameters, read as the ECS module's container definitions and its
# EC2 capacity examples read them.
data "aws_ssm_parameter" "fluentbit" {
  name = "/aws/service/aws-for-fluent-bit/stable"
}

data "aws_ssm_parameter" "ecs_ami" {
  name = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended"
}

data "aws_ssm_parameter" "ecs_ami_2023" {
  name = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
}

resource "aws_ssm_parameter" "db_host" {
  name        = "/fargo-ssm/db/host"
  description = "database host"
  type        = "String"
  value       = var.db_host
  tags        = { Name = "db-host" }
}

resource "aws_ssm_parameter" "zones" {
  name  = "/fargo-ssm/zones"
  type  = "StringList"
  value = "eu-west-1a,eu-west-1b"
}

resource "aws_ssm_parameter" "password" {
  name   = "/fargo-ssm/db/password"
  type   = "SecureString"
  value  = "s3cr3t-Passw0rd"
  tier   = "Standard"
}

resource "aws_ssm_parameter" "ami" {
  name      = "/fargo-ssm/ami"
  type      = "String"
  data_type = "aws:ec2:image"
  value     = jsondecode(nonsensitive(data.aws_ssm_parameter.ecs_ami.value))["image_id"]
}

data "aws_ssm_parameter" "db_host" {
  name = aws_ssm_parameter.db_host.name
}

output "fluentbit" {
  value = nonsensitive(data.aws_ssm_parameter.fluentbit.value)
}

output "ecs_ami" {
  value = nonsensitive(aws_ssm_parameter.ami.value)
}

output "ecs_ami_2023" {
  value = nonsensitive(data.aws_ssm_parameter.ecs_ami_2023.value)
}

output "db_host_read" {
  value = nonsensitive(data.aws_ssm_parameter.db_host.value)
}

output "password_arn" {
  value = aws_ssm_parameter.password.arn
}
'''


class SsmTerraformTest(TerraformTestCase):
    STACK = STACK

    def aws2(self, *args):
        return self.fargo.aws(*args, cli=AWS_V2, region="eu-west-1")

    def test_apply_replan_change_destroy(self):
        self.apply_and_replan_clean()
        out = {k: v["value"] for k, v in json.loads(self.tf("output", "-json").stdout).items()}
        self.assertEqual(out["fluentbit"], "906394416424.dkr.ecr.eu-west-1.amazonaws.com/aws-for-fluent-bit:2.32.4")
        self.assertRegex(out["ecs_ami"], r"^ami-[0-9a-f]{17}$")
        self.assertRegex(out["ecs_ami_2023"], r"^ami-[0-9a-f]{17}$")
        self.assertEqual(out["db_host_read"], "db.internal")
        self.assertEqual(out["password_arn"], "arn:aws:ssm:eu-west-1:000000000000:parameter/fargo-ssm/db/password")

        # The aws CLI reads back what Terraform wrote.
        p = self.aws2("ssm", "get-parameter", "--name", "/fargo-ssm/db/password", "--with-decryption")["Parameter"]
        self.assertEqual((p["Type"], p["Value"], p["Version"]), ("SecureString", "s3cr3t-Passw0rd", 1))
        enc = self.aws2("ssm", "get-parameter", "--name", "/fargo-ssm/db/password")["Parameter"]
        self.assertNotEqual(enc["Value"], "s3cr3t-Passw0rd")
        zones = self.aws2("ssm", "get-parameter", "--name", "/fargo-ssm/zones")["Parameter"]
        self.assertEqual((zones["Type"], zones["Value"]), ("StringList", "eu-west-1a,eu-west-1b"))
        by_path = self.aws2("ssm", "get-parameters-by-path", "--path", "/fargo-ssm", "--recursive")
        self.assertEqual(sorted(p["Name"] for p in by_path["Parameters"]),
                         ["/fargo-ssm/ami", "/fargo-ssm/db/host", "/fargo-ssm/db/password", "/fargo-ssm/zones"])
        one_level = self.aws2("ssm", "get-parameters-by-path", "--path", "/fargo-ssm")
        self.assertEqual(sorted(p["Name"] for p in one_level["Parameters"]), ["/fargo-ssm/ami", "/fargo-ssm/zones"])
        meta = self.aws2("ssm", "describe-parameters", "--parameter-filters",
                         "Key=Name,Option=Equals,Values=/fargo-ssm/db/password")["Parameters"]
        self.assertEqual(len(meta), 1)
        self.assertEqual((meta[0]["KeyId"], meta[0]["Tier"]), ("alias/aws/ssm", "Standard"))
        ami = self.aws2("ssm", "describe-parameters", "--parameter-filters",
                        "Key=DataType,Values=aws:ec2:image")["Parameters"]
        self.assertEqual([m["Name"] for m in ami], ["/fargo-ssm/ami"])
        tags = self.aws2("ssm", "list-tags-for-resource", "--resource-type", "Parameter",
                         "--resource-id", "/fargo-ssm/db/host")["TagList"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                         [("Name", "db-host"), ("project", "fargo-ssm")])
        host = self.aws2("ssm", "get-parameter", "--name", "/fargo-ssm/db/host")["Parameter"]
        self.assertEqual(host["Version"], 1)
        # The public parameters Terraform read, through the CLI too.
        fb = self.aws2("ssm", "get-parameter", "--name", "/aws/service/aws-for-fluent-bit/stable")["Parameter"]
        self.assertEqual(fb["Value"], out["fluentbit"])
        rec = self.aws2("ssm", "get-parameters-by-path",
                        "--path", "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended")["Parameters"]
        self.assertIn(("/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id", out["ecs_ami"]),
                      [(p["Name"], p["Value"]) for p in rec])
        refused = self.fargo.aws("ssm", "put-parameter", "--name", "/aws/service/mine", "--value", "x",
                                 "--type", "String", cli=AWS_V2, region="eu-west-1", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("AccessDeniedException", refused.stderr)

        # A changed value is a new version of the same parameter (PutParameter with Overwrite).
        self.tf("apply", "-auto-approve", "-input=false", "-var", "db_host=db2.internal")
        host = self.aws2("ssm", "get-parameter", "--name", "/fargo-ssm/db/host")["Parameter"]
        self.assertEqual((host["Value"], host["Version"]), ("db2.internal", 2))
        history = self.aws2("ssm", "get-parameter-history", "--name", "/fargo-ssm/db/host")["Parameters"]
        self.assertEqual([h["Value"] for h in history], ["db.internal", "db2.internal"])
        tags = self.aws2("ssm", "list-tags-for-resource", "--resource-type", "Parameter",
                         "--resource-id", "/fargo-ssm/db/host")["TagList"]
        self.assertIn({"Key": "Name", "Value": "db-host"}, tags)
        plan = self.tf("plan", "-detailed-exitcode", "-input=false", "-var", "db_host=db2.internal", ok_codes=(0, 2))
        self.assertEqual(plan.returncode, 0, "plan after the change shows drift:\n" + plan.stdout[-8000:])

        self.tf("destroy", "-auto-approve", "-input=false", "-var", "db_host=db2.internal")
        self.assertEqual(self.aws2("ssm", "describe-parameters")["Parameters"], [])


if __name__ == "__main__":
    unittest.main()
