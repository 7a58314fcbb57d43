output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, in the order of var.azs."
  value       = aws_subnet.public[*].id
}

output "app_subnet_ids" {
  description = "IDs of the private app subnets, in the order of var.azs."
  value       = aws_subnet.app[*].id
}

output "db_subnet_ids" {
  description = "IDs of the private db subnets, in the order of var.azs."
  value       = aws_subnet.db[*].id
}

output "public_subnet_cidrs" {
  description = "CIDR blocks of the public subnets, in the order of var.azs."
  value       = aws_subnet.public[*].cidr_block
}

output "app_subnet_cidrs" {
  description = "CIDR blocks of the app subnets, in the order of var.azs."
  value       = aws_subnet.app[*].cidr_block
}

output "db_subnet_cidrs" {
  description = "CIDR blocks of the db subnets, in the order of var.azs."
  value       = aws_subnet.db[*].cidr_block
}

output "nat_public_ips" {
  description = "Public (Elastic) IPs of the NAT gateways."
  value       = aws_eip.nat[*].public_ip
}
