"""Terraform's AWS provider (5.100) creates, re-plans without drift, changes
and destroys an application load balancer's listener rules against fargo:
aws_lb_listener_rule with each condition type (path, host, header, method,
query string, source IP) and each action (forward to one group, weighted
forward with stickiness, fixed response, redirect)."""
import json
import unittest

from fargo_harness import TerraformTestCase


STACK = r'''
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.2.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_lb" "alb" {
  name               = "tf-alb"
  internal           = true
  load_balancer_type = "application"
  subnets            = [aws_subnet.a.id, aws_subnet.b.id]
}

resource "aws_lb_target_group" "api" {
  name        = "tf-api"
  port        = 80
  protocol    = "HTTP"
  vpc_id      = aws_vpc.main.id
  target_type = "ip"
}

resource "aws_lb_target_group" "web" {
  name        = "tf-web"
  port        = 80
  protocol    = "HTTP"
  vpc_id      = aws_vpc.main.id
  target_type = "ip"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.alb.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "nothing here"
      status_code  = "404"
    }
  }
}

resource "aws_lb_listener_rule" "api" {
  listener_arn = aws_lb_listener.http.arn
  priority     = var.api_priority
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
  condition {
    path_pattern {
      values = ["/api/*", "/v?/*"]
    }
  }
  condition {
    http_request_method {
      values = ["GET", "POST"]
    }
  }
  tags = { team = "api" }
}

resource "aws_lb_listener_rule" "canary" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 20
  action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.web.arn
        weight = 90
      }
      target_group {
        arn    = aws_lb_target_group.api.arn
        weight = 10
      }
      stickiness {
        enabled  = true
        duration = 600
      }
    }
  }
  condition {
    host_header {
      values = ["*.example.com"]
    }
  }
  condition {
    http_header {
      http_header_name = "X-Canary"
      values           = ["yes"]
    }
  }
}

resource "aws_lb_listener_rule" "moved" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 30
  action {
    type = "redirect"
    redirect {
      path        = "/new/#{path}"
      status_code = "HTTP_302"
    }
  }
  condition {
    query_string {
      key   = "legacy"
      value = "true"
    }
  }
  condition {
    source_ip {
      values = ["10.0.0.0/8"]
    }
  }
}

resource "aws_lb_listener_rule" "maintenance" {
  listener_arn = aws_lb_listener.http.arn
  depends_on   = [aws_lb_listener_rule.api, aws_lb_listener_rule.canary, aws_lb_listener_rule.moved]
  action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/json"
      message_body = "{\"down\":true}"
      status_code  = "503"
    }
  }
  condition {
    path_pattern {
      values = ["/maintenance"]
    }
  }
}

variable "api_priority" {
  default = 10
}

output "listener" {
  value = aws_lb_listener.http.arn
}

output "maintenance_priority" {
  value = aws_lb_listener_rule.maintenance.priority
}
'''


class AlbRulesTerraformTest(TerraformTestCase):
    STACK = STACK

    def test_apply_replan_change_destroy(self):
        self.apply_and_replan_clean()
        out = {k: v["value"] for k, v in json.loads(self.tf("output", "-json").stdout).items()}
        elb = self.fargo.client("elbv2", region="eu-west-1")
        rules = elb.describe_rules(ListenerArn=out["listener"])["Rules"]
        # A rule without a priority gets the next free one after the highest, as AWS gives it.
        self.assertEqual(out["maintenance_priority"], 31)
        self.assertEqual([r["Priority"] for r in rules], ["10", "20", "30", "31", "default"])
        canary = rules[1]["Actions"][0]["ForwardConfig"]
        self.assertEqual(sorted(g["Weight"] for g in canary["TargetGroups"]), [10, 90])
        self.assertEqual(canary["TargetGroupStickinessConfig"], {"Enabled": True, "DurationSeconds": 600})
        tags = elb.describe_tags(ResourceArns=[rules[0]["RuleArn"]])["TagDescriptions"][0]["Tags"]
        self.assertIn({"Key": "team", "Value": "api"}, tags)

        # A new priority is SetRulePriorities, in place.
        self.tf("apply", "-auto-approve", "-input=false", "-var", "api_priority=40")
        rules = elb.describe_rules(ListenerArn=out["listener"])["Rules"]
        self.assertEqual([r["Priority"] for r in rules], ["20", "30", "31", "40", "default"])
        plan = self.tf("plan", "-detailed-exitcode", "-input=false", "-var", "api_priority=40", ok_codes=(0, 2))
        self.assertEqual(plan.returncode, 0, "plan after the change shows drift:\n" + plan.stdout[-8000:])

        self.tf("destroy", "-auto-approve", "-input=false", "-var", "api_priority=40")
        self.assertEqual(elb.describe_load_balancers()["LoadBalancers"], [])


if __name__ == "__main__":
    unittest.main()
