variable "name" {
  description = "Name prefix of the security groups (<name>-web, <name>-app, <name>-db, <name>-bastion)."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC the security groups belong to."
  type        = string
}

variable "admin_cidrs" {
  description = "IPv4 CIDR blocks allowed to reach the bastion over SSH (port 22)."
  type        = list(string)

  validation {
    condition     = length([for c in var.admin_cidrs : c if !can(cidrhost(c, 0))]) == 0
    error_message = "Every entry of admin_cidrs must be a valid IPv4 CIDR block, e.g. 203.0.113.0/24."
  }
}

variable "app_port" {
  description = "TCP port the app tier listens on (reachable from the web tier only)."
  type        = number
  default     = 8000
}

variable "db_port" {
  description = "TCP port of the database (reachable from the app tier only)."
  type        = number
  default     = 5432
}

variable "tags" {
  description = "Tags added to every security group and rule."
  type        = map(string)
  default     = {}
}
