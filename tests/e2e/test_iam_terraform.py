"""Terraform's AWS provider (5.100) creates, re-plans without drift and
destroys an IAM-only stack against fargo: roles with inline policies, managed
policies, attachments of local and AWS managed policies, instance profiles."""
import json
import unittest

from fargo_harness import TerraformTestCase


STACK = r'''
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


class IamTerraformTest(TerraformTestCase):
    STACK = STACK

    def test_apply_replan_destroy(self):
        self.apply_and_replan_clean()

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
