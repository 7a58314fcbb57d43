variable "name" {
  description = "Name prefix for every resource of the network (used in Name tags)."
  type        = string
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC, e.g. 10.20.0.0/16."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "The cidr must be a valid IPv4 CIDR block, e.g. 10.20.0.0/16."
  }
}

variable "azs" {
  description = "Availability zones to spread the subnets over; one public, one app and one db subnet is created in each."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 1 && length(distinct(var.azs)) == length(var.azs)
    error_message = "The azs list must hold at least one availability zone and no duplicates."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix length for each subnet (8 turns a /16 VPC into /24 subnets). The VPC must hold 3 * length(azs) such subnets."
  type        = number
  default     = 8

  validation {
    condition     = var.subnet_newbits >= 1 && var.subnet_newbits <= 12
    error_message = "The subnet_newbits must be between 1 and 12."
  }
}

variable "single_nat_gateway" {
  description = "Create one NAT gateway in the first public subnet shared by all AZs (cheaper). When false, one NAT gateway and private route table is created per AZ (AZ-independent egress)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
