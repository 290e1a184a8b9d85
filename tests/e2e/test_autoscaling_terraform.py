"""Application Auto Scaling through Terraform's AWS provider (5.100) the way
the community ECS module's service uses it: a scalable target on an ECS
service's desired count, target-tracking policies on CPU and memory, a step
policy, and scheduled actions. The service asks for no tasks, so no
container engine is needed. Apply, re-plan without drift, read back with the
aws CLI, destroy."""
import json
import unittest

from fargo_harness import TerraformTestCase


STACK = r'''
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.62.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.62.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_security_group" "app" {
  name   = "app"
  vpc_id = aws_vpc.main.id
}

resource "aws_ecs_cluster" "main" {
  name = "scaling"
}

resource "aws_ecs_task_definition" "app" {
  family                   = "app"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([{
    name      = "app"
    image     = "nginx:1.24.0"
    essential = true
  }])
}

resource "aws_ecs_service" "app" {
  name            = "app"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 0
  launch_type     = "FARGATE"

  network_configuration {
    subnets         = [aws_subnet.a.id]
    security_groups = [aws_security_group.app.id]
  }

  lifecycle {
    ignore_changes = [desired_count]
  }
}

resource "aws_appautoscaling_target" "app" {
  min_capacity       = 0
  max_capacity       = 4
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.app.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  service_namespace  = "ecs"
  tags               = { team = "shop" }
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "cpu"
  policy_type        = "TargetTrackingScaling"
  resource_id        = aws_appautoscaling_target.app.resource_id
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension
  service_namespace  = aws_appautoscaling_target.app.service_namespace

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    target_value       = 75
  }
}

resource "aws_appautoscaling_policy" "memory" {
  name               = "memory"
  policy_type        = "TargetTrackingScaling"
  resource_id        = aws_appautoscaling_target.app.resource_id
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension
  service_namespace  = aws_appautoscaling_target.app.service_namespace

  target_tracking_scaling_policy_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageMemoryUtilization"
    }
    disable_scale_in   = true
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    target_value       = 80
  }
}

resource "aws_appautoscaling_policy" "queue" {
  name               = "queue-depth"
  policy_type        = "StepScaling"
  resource_id        = aws_appautoscaling_target.app.resource_id
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension
  service_namespace  = aws_appautoscaling_target.app.service_namespace

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 60
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = -1
    }

    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = 10
      scaling_adjustment          = 1
    }

    step_adjustment {
      metric_interval_lower_bound = 10
      scaling_adjustment          = 3
    }
  }
}

resource "aws_appautoscaling_scheduled_action" "night" {
  name               = "night"
  service_namespace  = aws_appautoscaling_target.app.service_namespace
  resource_id        = aws_appautoscaling_target.app.resource_id
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension
  schedule           = "cron(0 22 * * ? *)"
  timezone           = "Europe/Paris"

  scalable_target_action {
    min_capacity = 0
    max_capacity = 1
  }
}

resource "aws_appautoscaling_scheduled_action" "launch" {
  name               = "launch-day"
  service_namespace  = aws_appautoscaling_target.app.service_namespace
  resource_id        = aws_appautoscaling_target.app.resource_id
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension
  schedule           = "at(2031-03-01T08:00:00)"
  start_time         = "2031-02-28T00:00:00Z"
  end_time           = "2031-03-02T00:00:00Z"

  scalable_target_action {
    min_capacity = 2
    max_capacity = 4
  }

  depends_on = [aws_appautoscaling_scheduled_action.night]
}

output "target" {
  value = { arn = aws_appautoscaling_target.app.arn, role_arn = aws_appautoscaling_target.app.role_arn }
}

output "cpu" {
  value = { arn = aws_appautoscaling_policy.cpu.arn, alarms = aws_appautoscaling_policy.cpu.alarm_arns }
}

output "memory_alarms" {
  value = aws_appautoscaling_policy.memory.alarm_arns
}

output "night_arn" {
  value = aws_appautoscaling_scheduled_action.night.arn
}
'''

RESOURCE = "service/scaling/app"


class AutoScalingTerraformTest(TerraformTestCase):
    STACK = STACK

    def aas(self, *args):
        return self.fargo.aws("application-autoscaling", *args, "--service-namespace", "ecs",
                              cli="/usr/bin/aws", region="eu-west-1")

    def test_apply_replan_read_back_destroy(self):
        self.apply_and_replan_clean()
        out = {k: v["value"] for k, v in json.loads(self.tf("output", "-json").stdout).items()}

        targets = self.aas("describe-scalable-targets", "--resource-ids", RESOURCE)["ScalableTargets"]
        self.assertEqual(len(targets), 1)
        t = targets[0]
        self.assertEqual((t["MinCapacity"], t["MaxCapacity"], t["ScalableDimension"]),
                         (0, 4, "ecs:service:DesiredCount"))
        self.assertEqual(t["RoleARN"], "arn:aws:iam::000000000000:role/aws-service-role/"
                         "ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService")
        self.assertEqual(t["RoleARN"], out["target"]["role_arn"])
        self.assertRegex(out["target"]["arn"],
                         r"^arn:aws:application-autoscaling:eu-west-1:000000000000:scalable-target/[0-9a-f]{36}$")
        self.assertEqual(t["SuspendedState"], {"DynamicScalingInSuspended": False,
                                               "DynamicScalingOutSuspended": False,
                                               "ScheduledScalingSuspended": False})
        # The CLI's model predates target ARNs and tags; the SDK reads them.
        sdk = self.fargo.client("application-autoscaling", region="eu-west-1")
        arns = [x["ScalableTargetARN"] for x in sdk.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]]
        self.assertEqual(arns, [out["target"]["arn"]])
        self.assertEqual(sdk.list_tags_for_resource(ResourceARN=out["target"]["arn"])["Tags"], {"team": "shop"})

        policies = {p["PolicyName"]: p for p in self.aas("describe-scaling-policies", "--resource-id", RESOURCE,
                                                         "--scalable-dimension", "ecs:service:DesiredCount")
                    ["ScalingPolicies"]}
        self.assertEqual(sorted(policies), ["cpu", "memory", "queue-depth"])
        cpu = policies["cpu"]
        self.assertEqual(cpu["PolicyARN"], out["cpu"]["arn"])
        self.assertRegex(cpu["PolicyARN"], r"^arn:aws:autoscaling:eu-west-1:000000000000:scalingPolicy:[0-9a-f-]{36}:"
                                           r"resource/ecs/service/scaling/app:policyName/cpu$")
        tt = cpu["TargetTrackingScalingPolicyConfiguration"]
        self.assertEqual((tt["TargetValue"], tt["ScaleInCooldown"], tt["ScaleOutCooldown"]), (75.0, 300, 60))
        self.assertEqual(tt["PredefinedMetricSpecification"]["PredefinedMetricType"], "ECSServiceAverageCPUUtilization")
        names = sorted(a["AlarmName"] for a in cpu["Alarms"])
        self.assertEqual(len(names), 2)
        self.assertRegex(names[0], r"^TargetTracking-service/scaling/app-AlarmHigh-[0-9a-f-]{36}$")
        self.assertRegex(names[1], r"^TargetTracking-service/scaling/app-AlarmLow-[0-9a-f-]{36}$")
        self.assertEqual(sorted(out["cpu"]["alarms"]), sorted(a["AlarmARN"] for a in cpu["Alarms"]))
        # Scale-in off: only the high alarm.
        self.assertEqual(len(out["memory_alarms"]), 1)
        self.assertIn("-AlarmHigh-", out["memory_alarms"][0])
        step = policies["queue-depth"]["StepScalingPolicyConfiguration"]
        self.assertEqual(step["AdjustmentType"], "ChangeInCapacity")
        self.assertEqual(sorted(s["ScalingAdjustment"] for s in step["StepAdjustments"]), [-1, 1, 3])
        self.assertEqual(policies["queue-depth"]["Alarms"], [])

        actions = {a["ScheduledActionName"]: a for a in self.aas("describe-scheduled-actions", "--resource-id",
                                                                 RESOURCE)["ScheduledActions"]}
        self.assertEqual(sorted(actions), ["launch-day", "night"])
        self.assertEqual(actions["night"]["ScheduledActionARN"], out["night_arn"])
        self.assertEqual(actions["night"]["Schedule"], "cron(0 22 * * ? *)")
        self.assertEqual(actions["night"]["Timezone"], "Europe/Paris")
        self.assertEqual(actions["night"]["ScalableTargetAction"], {"MinCapacity": 0, "MaxCapacity": 1})
        self.assertTrue(actions["launch-day"]["StartTime"].startswith("2031-02-28T00:00:00"))
        self.assertEqual(self.aas("describe-scaling-activities", "--resource-id", RESOURCE)["ScalingActivities"], [])

        # AWS's validation, as the CLI shows it.
        p = self.fargo.aws("application-autoscaling", "register-scalable-target", "--service-namespace", "ecs",
                           "--resource-id", "scaling/app", "--scalable-dimension", "ecs:service:DesiredCount",
                           "--min-capacity", "1", "--max-capacity", "2", cli="/usr/bin/aws", region="eu-west-1",
                           check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ValidationException", p.stderr)
        p = self.fargo.aws("application-autoscaling", "register-scalable-target", "--service-namespace", "ecs",
                           "--resource-id", RESOURCE, "--scalable-dimension", "ecs:service:DesiredCount",
                           "--min-capacity", "5", "--max-capacity", "2", cli="/usr/bin/aws", region="eu-west-1",
                           check=False)
        self.assertIn("ValidationException", p.stderr)

        self.tf("destroy", "-auto-approve", "-input=false")
        self.assertEqual(self.aas("describe-scalable-targets")["ScalableTargets"], [])
        self.assertEqual(self.aas("describe-scaling-policies")["ScalingPolicies"], [])
        self.assertEqual(self.aas("describe-scheduled-actions")["ScheduledActions"], [])


if __name__ == "__main__":
    unittest.main()
