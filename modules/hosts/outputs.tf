output "ids" {
  description = "Instance IDs, in host order."
  value       = aws_instance.this[*].id
}

output "private_ips" {
  description = "Private IPv4 addresses, in host order."
  value       = aws_instance.this[*].private_ip
}

output "public_ips" {
  description = "Public IPv4 addresses, in host order (empty strings for hosts without one)."
  value       = aws_instance.this[*].public_ip
}
