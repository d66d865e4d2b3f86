variable "environment" {
  description = "staging or production"
  type        = string
  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "vpc_id" {
  type = string
}

variable "private_subnet_ids" {
  description = "subnets of the tasks and the database"
  type        = list(string)
}

variable "public_subnet_ids" {
  description = "subnets of the load balancer"
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener"
  type        = string
}

variable "image" {
  description = "container image, e.g. ACCOUNT.dkr.ecr.REGION.amazonaws.com/ragworks:TAG"
  type        = string
}

variable "api_min_tasks" {
  type    = number
  default = 2
}

variable "api_max_tasks" {
  type    = number
  default = 6
}

variable "worker_min_tasks" {
  type    = number
  default = 1
}

variable "worker_max_tasks" {
  type    = number
  default = 4
}

variable "db_min_acu" {
  type    = number
  default = 0.5
}

variable "db_max_acu" {
  type    = number
  default = 4
}

variable "alarm_email" {
  description = "who gets the CloudWatch alarms"
  type        = string
}

variable "log_retention_days" {
  type    = number
  default = 365
}
