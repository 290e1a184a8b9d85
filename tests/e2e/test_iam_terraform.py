"""Terraform's AWS provider (5.100) creates, re-plans without drift and
destroys an IAM-only stack against fargo: roles with inline policies, managed
policies, attachments of local and AWS managed policies, instance profiles."""
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
    tags = { project = "fargo-iam" }
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "task" {
  name                 = "tf-task-role"
  path                 = "/apps/"
  description          = "task role"
  max_session_duration = 7200
  assume_role_policy   = data.aws_iam_policy_document.assume.json

  inline_policy {
    name = "app-access"
    policy = jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::bucket/a+b c/*" }]
    })
  }
  tags = { Name = "task" }
}

resource "aws_iam_role" "exec" {
  name               = "tf-exec-role"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "exec_logs" {
  name = "logs"
  role = aws_iam_role.exec.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "*" }]
  })
}

resource "aws_iam_policy" "custom" {
  name        = "tf-custom-policy"
  path        = "/custom/"
  description = "custom policy"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "exec_managed" {
  role       = aws_iam_role.exec.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy_attachment" "exec_custom" {
  role       = aws_iam_role.exec.name
  policy_arn = aws_iam_policy.custom.arn
}

resource "aws_iam_role_policy_attachment" "task_ssm" {
  role       = aws_iam_role.task.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "node" {
  name = "tf-node-profile"
  role = aws_iam_role.task.name
}

data "aws_iam_policy" "admin" {
  arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

output "admin_name" {
  value = data.aws_iam_policy.admin.name
}
'''


class IamTerraformTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        require(shutil.which("terraform") is not None, "terraform")
        require(os.path.isdir(TF_MIRROR), f"the Terraform provider mirror ({TF_MIRROR})")
        super().setUpClass()
        cls.work = tempfile.mkdtemp(prefix="fargo-tf-iam-")
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

        iam = self.fargo.client("iam")
        task = iam.get_role(RoleName="tf-task-role")["Role"]
        self.assertEqual((task["Path"], task["Description"], task["MaxSessionDuration"]),
                         ("/apps/", "task role", 7200))
        self.assertIn({"Key": "project", "Value": "fargo-iam"}, task["Tags"])
        doc = iam.get_role_policy(RoleName="tf-task-role", PolicyName="app-access")["PolicyDocument"]
        self.assertEqual(doc["Statement"][0]["Resource"], "arn:aws:s3:::bucket/a+b c/*")
        attached = sorted(a["PolicyName"] for a in
                          iam.list_attached_role_policies(RoleName="tf-exec-role")["AttachedPolicies"])
        self.assertEqual(attached, ["AmazonECSTaskExecutionRolePolicy", "tf-custom-policy"])
        profile = iam.get_instance_profile(InstanceProfileName="tf-node-profile")["InstanceProfile"]
        self.assertEqual([r["RoleName"] for r in profile["Roles"]], ["tf-task-role"])
        out = json.loads(self.tf("output", "-json").stdout)
        self.assertEqual(out["admin_name"]["value"], "AdministratorAccess")

        self.tf("destroy", "-auto-approve", "-input=false")
        self.assertEqual([r["RoleName"] for r in iam.list_roles()["Roles"]], [])
        self.assertEqual(iam.list_policies(Scope="Local")["Policies"], [])
        self.assertEqual(iam.list_instance_profiles()["InstanceProfiles"], [])


if __name__ == "__main__":
    unittest.main()
