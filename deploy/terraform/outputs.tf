output "url" {
  value = "https://${aws_lb.api.dns_name}"
}

output "documents_bucket" {
  value = aws_s3_bucket.documents.id
}

output "records_table" {
  value = aws_dynamodb_table.records.name
}

output "jobs_queue_url" {
  value = aws_sqs_queue.jobs.url
}

output "database_endpoint" {
  value = aws_rds_cluster.main.endpoint
}

output "cluster" {
  value = aws_ecs_cluster.main.name
}
