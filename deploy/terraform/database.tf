# Aurora PostgreSQL Serverless v2; the pgvector extension is created by the application
# (CREATE EXTENSION IF NOT EXISTS vector) on first start.
resource "aws_db_subnet_group" "main" {
  name       = local.name
  subnet_ids = var.private_subnet_ids
}

resource "aws_security_group" "db" {
  name        = "${local.name}-db"
  description = "PostgreSQL from the ragworks tasks only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "db_from_tasks" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  description                  = "PostgreSQL from the API and worker tasks"
}

resource "aws_rds_cluster_parameter_group" "main" {
  name   = local.name
  family = "aurora-postgresql16"
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }
  parameter {
    name  = "log_connections"
    value = "1"
  }
}

resource "aws_rds_cluster" "main" {
  #checkov:skip=CKV_AWS_139:deletion protection is on in production (var.environment); staging is disposable
  #checkov:skip=CKV2_AWS_8:Aurora's own continuous backups (14 days in production, point in time) instead of an AWS Backup plan
  #checkov:skip=CKV2_AWS_27:statements slower than 1 s are logged; logging every statement would log documents' text
  db_cluster_parameter_group_name     = aws_rds_cluster_parameter_group.main.name
  cluster_identifier                  = local.name
  engine                              = "aurora-postgresql"
  engine_mode                         = "provisioned"
  engine_version                      = "16.4"
  database_name                       = "ragworks"
  master_username                     = "ragworks"
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = aws_kms_key.main.key_id
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.main.arn
  db_subnet_group_name                = aws_db_subnet_group.main.name
  vpc_security_group_ids              = [aws_security_group.db.id]
  backup_retention_period             = var.environment == "production" ? 14 : 3
  preferred_backup_window             = "02:00-03:00"
  copy_tags_to_snapshot               = true
  deletion_protection                 = var.environment == "production"
  skip_final_snapshot                 = var.environment != "production"
  final_snapshot_identifier           = "${local.name}-final"
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql"]

  serverlessv2_scaling_configuration {
    min_capacity = var.db_min_acu
    max_capacity = var.db_max_acu
  }
}

resource "aws_rds_cluster_instance" "main" {
  count                           = var.environment == "production" ? 2 : 1
  identifier                      = "${local.name}-${count.index}"
  cluster_identifier              = aws_rds_cluster.main.id
  instance_class                  = "db.serverless"
  engine                          = aws_rds_cluster.main.engine
  engine_version                  = aws_rds_cluster.main.engine_version
  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.main.arn
  monitoring_interval             = 60
  monitoring_role_arn             = aws_iam_role.rds_monitoring.arn
  auto_minor_version_upgrade      = true
  db_subnet_group_name            = aws_db_subnet_group.main.name
}

resource "aws_iam_role" "rds_monitoring" {
  name = "${local.name}-rds-monitoring"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# LLM and Langfuse keys: values are set out of band (aws secretsmanager put-secret-value).
resource "aws_secretsmanager_secret" "app" {
  name                    = "${local.name}/app"
  description             = "RAGWORKS_OPENAI_API_KEY, LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY, RAGWORKS_BOOTSTRAP_API_KEY, RAGWORKS_SESSION_SECRET"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 7
  #checkov:skip=CKV2_AWS_57:API keys of third parties cannot be rotated by a Lambda here
}
