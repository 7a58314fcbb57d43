terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

locals {
  az_count = length(var.azs)

  # One NAT gateway (in the first public subnet) or one per AZ.
  nat_count = var.single_nat_gateway ? 1 : local.az_count
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, {
    Name = var.name
  })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, {
    Name = format("%s-igw", var.name)
  })
}

# Subnets: the VPC is cut into equal blocks of `subnet_newbits` extra bits.
# Netnums 0..n-1 are the public subnets, n..2n-1 the app subnets and
# 2n..3n-1 the db subnets, where n is the number of AZs.

resource "aws_subnet" "public" {
  count = local.az_count

  vpc_id                  = aws_vpc.this.id
  availability_zone       = var.azs[count.index]
  cidr_block              = cidrsubnet(var.cidr, var.subnet_newbits, count.index)
  map_public_ip_on_launch = true

  tags = merge(var.tags, {
    Name = format("%s-public-%s", var.name, var.azs[count.index])
    Tier = "public"
  })
}

resource "aws_subnet" "app" {
  count = local.az_count

  vpc_id            = aws_vpc.this.id
  availability_zone = var.azs[count.index]
  cidr_block        = cidrsubnet(var.cidr, var.subnet_newbits, local.az_count + count.index)

  tags = merge(var.tags, {
    Name = format("%s-app-%s", var.name, var.azs[count.index])
    Tier = "app"
  })
}

resource "aws_subnet" "db" {
  count = local.az_count

  vpc_id            = aws_vpc.this.id
  availability_zone = var.azs[count.index]
  cidr_block        = cidrsubnet(var.cidr, var.subnet_newbits, 2 * local.az_count + count.index)

  tags = merge(var.tags, {
    Name = format("%s-db-%s", var.name, var.azs[count.index])
    Tier = "db"
  })
}

# NAT

resource "aws_eip" "nat" {
  count = local.nat_count

  domain = "vpc"

  tags = merge(var.tags, {
    Name = format("%s-nat-%s", var.name, var.azs[count.index])
  })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.nat_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id

  tags = merge(var.tags, {
    Name = format("%s-nat-%s", var.name, var.azs[count.index])
  })

  depends_on = [aws_internet_gateway.this]
}

# Routing

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }

  tags = merge(var.tags, {
    Name = format("%s-public", var.name)
  })
}

resource "aws_route_table" "private" {
  count = local.nat_count

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, {
    Name = format("%s-private-%s", var.name, var.azs[count.index])
  })
}

resource "aws_route" "private_nat" {
  count = local.nat_count

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[count.index].id
}

resource "aws_route_table_association" "public" {
  count = local.az_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# With a single NAT gateway every private subnet uses private route table 0;
# otherwise each AZ uses the table whose NAT gateway lives in the same AZ.

resource "aws_route_table_association" "app" {
  count = local.az_count

  subnet_id      = aws_subnet.app[count.index].id
  route_table_id = aws_route_table.private[var.single_nat_gateway ? 0 : count.index].id
}

resource "aws_route_table_association" "db" {
  count = local.az_count

  subnet_id      = aws_subnet.db[count.index].id
  route_table_id = aws_route_table.private[var.single_nat_gateway ? 0 : count.index].id
}
