output "id" {
  description = "ID of the DB instance."
  value       = aws_db_instance.this.id
}

output "arn" {
  description = "ARN of the DB instance."
  value       = aws_db_instance.this.arn
}

output "address" {
  description = "Host name of the DB instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the DB instance."
  value       = aws_db_instance.this.port
}

output "endpoint" {
  description = "Connection endpoint, host:port."
  value       = aws_db_instance.this.endpoint
}

output "db_name" {
  description = "Name of the database."
  value       = aws_db_instance.this.db_name
}

output "username" {
  description = "Master user name."
  value       = aws_db_instance.this.username
}
