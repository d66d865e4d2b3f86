# ragworks on AWS: S3 (documents), DynamoDB (records), Aurora PostgreSQL Serverless v2 with
# pgvector (chunk index), SQS with a dead-letter queue (jobs), ECS Fargate (API behind an
# ALB, workers), Secrets Manager, CloudWatch. Networking (VPC, subnets) is an input.

terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }
  backend "s3" {}
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      Project     = "ragworks"
      Environment = var.environment
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  name = "ragworks-${var.environment}"
}

resource "aws_kms_key" "main" {
  description             = "${local.name}: documents, records, queues, secrets, logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdmin"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
      }
    ]
  })
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.main.key_id
}
