variable "name" {
  description = "Name of the tier; hosts are tagged Name = <name>-01, <name>-02, ..."
  type        = string
}

variable "ami" {
  description = "AMI ID the hosts boot from."
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type of every host."
  type        = string
  default     = "t3.micro"
}

variable "subnet_ids" {
  description = "Subnets to place the hosts in, round-robin (host i goes to subnet_ids[i % length(subnet_ids)])."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "At least one subnet ID is required."
  }
}

variable "security_group_ids" {
  description = "Security groups attached to every host."
  type        = list(string)
}

variable "host_count" {
  description = "Number of hosts in the tier."
  type        = number
  default     = 1

  validation {
    condition     = var.host_count >= 0 && floor(var.host_count) == var.host_count
    error_message = "The host_count must be a whole number, 0 or more."
  }
}

variable "key_name" {
  description = "Name of the EC2 key pair for SSH access; null for none."
  type        = string
  default     = null
}

variable "user_data" {
  description = "Cloud-init user data (plain text, e.g. a shell script) run at first boot; null for none."
  type        = string
  default     = null
}

variable "root_volume_size" {
  description = "Size of the encrypted gp3 root volume, in GiB."
  type        = number
  default     = 20
}

variable "tags" {
  description = "Tags added to every host."
  type        = map(string)
  default     = {}
}
