# ECS Fargate: the API behind an HTTPS load balancer, and the workers; both autoscale.
resource "aws_ecs_cluster" "main" {
  name = local.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "HTTPS from the internet to the load balancer"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "HTTPS"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = 3000
  to_port                      = 3000
  description                  = "to the API tasks"
}

resource "aws_security_group" "tasks" {
  name        = "${local.name}-tasks"
  description = "API and worker tasks"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 3000
  to_port                      = 3000
  description                  = "from the load balancer"
}

resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  security_group_id = aws_security_group.tasks.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "AWS APIs, the LLM endpoint and Langfuse over HTTPS"
}

resource "aws_vpc_security_group_egress_rule" "tasks_db" {
  security_group_id            = aws_security_group.tasks.id
  referenced_security_group_id = aws_security_group.db.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "PostgreSQL"
}

resource "aws_lb" "api" {
  name                       = local.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.environment == "production"
  access_logs {
    bucket  = aws_s3_bucket.access_logs.id
    prefix  = "alb"
    enabled = true
  }
  #checkov:skip=CKV2_AWS_28:a WAF is an account-wide choice; attach one with aws_wafv2_web_acl_association
  #checkov:skip=CKV_AWS_150:deletion protection is on in production (var.environment); staging is disposable
}

resource "aws_lb_target_group" "api" {
  name        = local.name
  port        = 3000
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id
  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 15
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

locals {
  environment = [
    { name = "RAGWORKS_ENV", value = "production" },
    { name = "RAGWORKS_HOST", value = "0.0.0.0" },
    { name = "RAGWORKS_BLOB_STORE", value = "s3://${aws_s3_bucket.documents.id}/docs" },
    { name = "RAGWORKS_S3_KMS_KEY_ID", value = aws_kms_key.main.arn },
    { name = "RAGWORKS_RECORD_STORE", value = "dynamodb://${local.name}" },
    { name = "RAGWORKS_TRACE_STORE", value = "dynamodb://${local.name}" },
    { name = "RAGWORKS_JOB_QUEUE", value = "sqs://${aws_sqs_queue.jobs.name}" },
    { name = "RAGWORKS_DB_HOST", value = aws_rds_cluster.main.endpoint },
    { name = "AWS_REGION", value = var.region },
  ]
  secrets = [for key in ["RAGWORKS_OPENAI_API_KEY", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "RAGWORKS_BOOTSTRAP_API_KEY", "RAGWORKS_SESSION_SECRET"] :
    { name = key, valueFrom = "${aws_secretsmanager_secret.app.arn}:${key}::" }
  ]
  db_secret = [{ name = "RAGWORKS_DB_CREDENTIALS", valueFrom = aws_rds_cluster.main.master_user_secret[0].secret_arn }]
}

# The API and the workers: one image, two roles.
locals {
  roles = {
    api = {
      command = ["ragworks", "serve"]
      # alert passes and retention come as jobs from the scheduler, done by the workers
      environment = concat(local.environment, [{ name = "RAGWORKS_ALERT_INTERVAL_S", value = "0" }])
      extra = {
        portMappings = [{ containerPort = 3000, protocol = "tcp" }]
        healthCheck = {
          command  = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz')"]
          interval = 30
          timeout  = 5
          retries  = 3
        }
      }
      min_tasks = var.api_min_tasks
      max_tasks = var.api_max_tasks
    }
    worker = {
      command     = ["ragworks", "worker"]
      environment = local.environment
      extra       = {}
      min_tasks   = var.worker_min_tasks
      max_tasks   = var.worker_max_tasks
    }
  }
}

resource "aws_ecs_task_definition" "role" {
  for_each                 = local.roles
  family                   = "${local.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 1024
  memory                   = 2048
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions = jsonencode([merge({
    name                   = each.key
    image                  = var.image
    essential              = true
    command                = each.value.command
    environment            = each.value.environment
    secrets                = concat(local.secrets, local.db_secret)
    readonlyRootFilesystem = true
    mountPoints            = [{ sourceVolume = "data", containerPath = "/data" }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.app.name
        awslogs-region        = var.region
        awslogs-stream-prefix = each.key
      }
    }
  }, each.value.extra)])
  volume {
    name = "data"
  }
}

resource "aws_ecs_service" "role" {
  for_each        = local.roles
  name            = each.key
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.role[each.key].arn
  desired_count   = each.value.min_tasks
  launch_type     = "FARGATE"
  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }
  dynamic "load_balancer" {
    for_each = each.key == "api" ? [1] : []
    content {
      target_group_arn = aws_lb_target_group.api.arn
      container_name   = "api"
      container_port   = 3000
    }
  }
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  lifecycle {
    ignore_changes = [desired_count]
  }
  depends_on = [aws_lb_listener.https]
}

# Autoscaling: the API on CPU, the workers on the queue's depth.
resource "aws_appautoscaling_target" "role" {
  for_each           = local.roles
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.role[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = each.value.min_tasks
  max_capacity       = each.value.max_tasks
}

resource "aws_appautoscaling_policy" "api_cpu" {
  name               = "${local.name}-api-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.role["api"].service_namespace
  resource_id        = aws_appautoscaling_target.role["api"].resource_id
  scalable_dimension = aws_appautoscaling_target.role["api"].scalable_dimension
  target_tracking_scaling_policy_configuration {
    target_value = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "worker_queue" {
  name               = "${local.name}-worker-queue"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.role["worker"].service_namespace
  resource_id        = aws_appautoscaling_target.role["worker"].resource_id
  scalable_dimension = aws_appautoscaling_target.role["worker"].scalable_dimension
  target_tracking_scaling_policy_configuration {
    target_value = 20
    customized_metric_specification {
      metric_name = "ApproximateNumberOfMessagesVisible"
      namespace   = "AWS/SQS"
      statistic   = "Average"
      dimensions {
        name  = "QueueName"
        value = aws_sqs_queue.jobs.name
      }
    }
  }
}
