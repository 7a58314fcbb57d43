output "vpc_id" {
  description = "ID of the VPC."
  value       = module.network.vpc_id
}

output "vpc_cidr" {
  description = "CIDR block of the VPC."
  value       = module.network.vpc_cidr
}

output "ami_id" {
  description = "Ubuntu AMI the hosts boot from."
  value       = data.aws_ami.ubuntu.id
}

output "bastion_public_ip" {
  description = "Public IP of the bastion (SSH entry point)."
  value       = module.bastion.public_ips[0]
}

output "web_private_ips" {
  description = "Private IPs of the web hosts."
  value       = module.web.private_ips
}

output "app_private_ips" {
  description = "Private IPs of the app hosts."
  value       = module.app.private_ips
}

output "db_endpoint" {
  description = "Database endpoint (host:port); the password is not an output."
  value       = module.database.endpoint
}

output "ssh_to_app" {
  description = "SSH command reaching the first app host through the bastion."
  value       = format("ssh -J ubuntu@%s ubuntu@%s", module.bastion.public_ips[0], module.app.private_ips[0])
}
