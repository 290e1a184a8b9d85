locals {
  prefix                   = "${var.project_prefix}-${var.env}"
  app_name                 = "myapp"
  init_container_sync_path = "/tmp/sync"

  myapp_config_fileset = fileset("${path.module}/artifacts", "{conf.d,html}/*")
  myapp_config_hash = sha256(join("-", [
    for file in local.myapp_config_fileset : filesha256("${path.module}/artifacts/${file}")
  ]))
}

resource "aws_cloudwatch_log_group" "ecs_cluster" {
  name = "${local.prefix}-ecs-cluster"
}

resource "aws_cloudwatch_log_group" "myapp" {
  name              = "${local.prefix}-ecs-${local.app_name}"
  retention_in_days = 90
}

resource "aws_ecs_cluster" "this" {
  name = local.prefix

  configuration {
    execute_command_configuration {
      logging = "OVERRIDE"

      log_configuration {
        cloud_watch_log_group_name = aws_cloudwatch_log_group.ecs_cluster.name
      }
    }
  }
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "ecs_task_role_myapp" {
  name               = "${local.prefix}-ecs-task-role-${local.app_name}"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  inline_policy {
    name = "app-access"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = ["s3:*"]
        Resource = "*"
      }]
    })
  }

  inline_policy {
    name = "requirements-for-ecs-exec"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect = "Allow"
        Action = [
          "ssmmessages:CreateControlChannel",
          "ssmmessages:CreateDataChannel",
          "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel",
        ]
        Resource = "*"
      }]
    })
  }
}

resource "aws_iam_role" "ecs_execution_role_myapp" {
  name               = "${local.prefix}-ecs-execution-role-${local.app_name}"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  inline_policy {
    name = "requirements-for-log-driver"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "*"
      }]
    })
  }
}

resource "aws_lb" "this" {
  name               = local.prefix
  internal           = true
  load_balancer_type = "network"
  subnets            = aws_subnet.private[*].id

  enable_deletion_protection = false
}

resource "aws_lb_target_group" "myapp" {
  name        = "${local.prefix}-ecs${local.app_name}-80"
  port        = 80
  protocol    = "TCP"
  target_type = "ip"
  vpc_id      = aws_vpc.this.id

  health_check {
    healthy_threshold   = "3"
    interval            = "300"
    protocol            = "HTTP"
    matcher             = "200"
    timeout             = "3"
    path                = "/"
    unhealthy_threshold = "2"
  }
}

resource "aws_lb_listener" "myapp" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.myapp.arn
  }
}

resource "aws_s3_bucket" "ecs_artifacts" {
  bucket        = lower("${local.prefix}-cdp-ecs-artifacts")
  force_destroy = true
}

resource "aws_s3_bucket_versioning" "ecs_artifacts" {
  bucket = aws_s3_bucket.ecs_artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_object" "myapp_config" {
  for_each = local.myapp_config_fileset

  bucket = aws_s3_bucket.ecs_artifacts.id
  key    = "${local.app_name}/${each.value}"
  source = "${path.module}/artifacts/${each.value}"
  etag   = filemd5("${path.module}/artifacts/${each.value}")

  depends_on = [aws_s3_bucket_versioning.ecs_artifacts]
}

resource "aws_ecs_task_definition" "myapp" {
  family                   = "${local.prefix}-${local.app_name}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 1024
  memory                   = 2048
  task_role_arn            = aws_iam_role.ecs_task_role_myapp.arn
  execution_role_arn       = aws_iam_role.ecs_execution_role_myapp.arn

  volume {
    name = "config"
  }
  volume {
    name = "source"
  }

  container_definitions = jsonencode([
    {
      name      = local.app_name
      image     = "nginx:1.24.0"
      essential = true
      portMappings = [{
        containerPort = 80
        hostPort      = 80
        protocol      = "tcp"
      }]
      environment = [
        { name = "CONFIG_HASH", value = local.myapp_config_hash }
      ]
      mountPoints = [
        { containerPath = "/etc/nginx/conf.d", sourceVolume = "config" },
        { containerPath = "/usr/share/nginx/html", sourceVolume = "source" },
      ]
      dependsOn = [{
        containerName = "${local.app_name}-init-container"
        condition     = "COMPLETE"
      }]
      linuxParameters = {
        initProcessEnabled = true
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group"         = aws_cloudwatch_log_group.myapp.name
          "awslogs-region"        = var.region
          "awslogs-stream-prefix" = local.app_name
        }
      }
    },
    {
      name      = "${local.app_name}-init-container"
      image     = "amazon/aws-cli:2.11.13"
      essential = false
      command = ["s3", "cp", "s3://${aws_s3_bucket.ecs_artifacts.id}/${local.app_name}/",
      "${local.init_container_sync_path}/", "--recursive"]
      mountPoints = [
        { containerPath = "${local.init_container_sync_path}/conf.d", sourceVolume = "config" },
        { containerPath = "${local.init_container_sync_path}/html", sourceVolume = "source" },
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group"         = aws_cloudwatch_log_group.myapp.name
          "awslogs-region"        = var.region
          "awslogs-stream-prefix" = local.app_name
        }
      }
    },
  ])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }
}

resource "aws_ecs_service" "myapp" {
  name                   = "${local.prefix}-${local.app_name}"
  cluster                = aws_ecs_cluster.this.id
  task_definition        = aws_ecs_task_definition.myapp.arn
  desired_count          = 1
  enable_execute_command = true
  launch_type            = "FARGATE"

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.myapp.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.myapp.arn
    container_name   = local.app_name
    container_port   = 80
  }

  wait_for_steady_state = false
  depends_on            = [aws_lb_listener.myapp]
}

output "cluster_name" {
  value = aws_ecs_cluster.this.name
}

output "lb_dns_name" {
  value = aws_lb.this.dns_name
}

output "bucket" {
  value = aws_s3_bucket.ecs_artifacts.id
}
