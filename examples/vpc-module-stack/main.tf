# A VPC written the way the community VPC module (terraform-aws-modules/vpc
# 5.x) writes one: three zones of public and private subnets with IPv6, an
# internet gateway, one NAT gateway per zone with its Elastic IP, public and
# private route tables, the VPC's default network ACL, route table and
# security group adopted, a dedicated network ACL for the public subnets, a
# DHCP options set, an egress-only internet gateway, and a flow log into a
# CloudWatch log group through an IAM role.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "enable_ipv6" {
  description = "An Amazon-provided IPv6 block for the VPC and its subnets, routed to the gateways"
  type        = bool
  default     = true
}

locals {
  name            = "vpcmod"
  cidr            = "10.60.0.0/16"
  azs             = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  public_subnets  = [for i in range(3) : cidrsubnet(local.cidr, 8, 101 + i)]
  private_subnets = [for i in range(3) : cidrsubnet(local.cidr, 8, 1 + i)]
  tags            = { Example = local.name }
}

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

resource "aws_vpc" "this" {
  cidr_block                       = local.cidr
  enable_dns_hostnames             = true
  enable_dns_support               = true
  assign_generated_ipv6_cidr_block = var.enable_ipv6
  tags                             = merge({ Name = local.name }, local.tags)
}

resource "aws_vpc_dhcp_options" "this" {
  domain_name         = "service.internal"
  domain_name_servers = ["AmazonProvidedDNS"]
  ntp_servers         = ["169.254.169.123"]
  tags                = merge({ Name = local.name }, local.tags)
}

resource "aws_vpc_dhcp_options_association" "this" {
  vpc_id          = aws_vpc.this.id
  dhcp_options_id = aws_vpc_dhcp_options.this.id
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge({ Name = local.name }, local.tags)
}

resource "aws_egress_only_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge({ Name = local.name }, local.tags)
}

resource "aws_subnet" "public" {
  count                           = 3
  vpc_id                          = aws_vpc.this.id
  cidr_block                      = local.public_subnets[count.index]
  availability_zone               = local.azs[count.index]
  ipv6_cidr_block                 = var.enable_ipv6 ? cidrsubnet(aws_vpc.this.ipv6_cidr_block, 8, count.index) : null
  assign_ipv6_address_on_creation = var.enable_ipv6
  tags                            = merge({ Name = "${local.name}-public-${local.azs[count.index]}" }, local.tags)
}

resource "aws_subnet" "private" {
  count                           = 3
  vpc_id                          = aws_vpc.this.id
  cidr_block                      = local.private_subnets[count.index]
  availability_zone               = local.azs[count.index]
  ipv6_cidr_block                 = var.enable_ipv6 ? cidrsubnet(aws_vpc.this.ipv6_cidr_block, 8, 10 + count.index) : null
  assign_ipv6_address_on_creation = var.enable_ipv6
  tags                            = merge({ Name = "${local.name}-private-${local.azs[count.index]}" }, local.tags)
}

# Public routing: one table, the internet gateway for both families.
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  tags   = merge({ Name = "${local.name}-public" }, local.tags)
}

resource "aws_route_table_association" "public" {
  count          = 3
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route" "public_internet_gateway" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route" "public_internet_gateway_ipv6" {
  count                       = var.enable_ipv6 ? 1 : 0
  route_table_id              = aws_route_table.public.id
  destination_ipv6_cidr_block = "::/0"
  gateway_id                  = aws_internet_gateway.this.id
}

# One NAT gateway per zone, each with its Elastic IP.
resource "aws_eip" "nat" {
  count      = 3
  domain     = "vpc"
  tags       = merge({ Name = "${local.name}-${local.azs[count.index]}" }, local.tags)
  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count         = 3
  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id
  tags          = merge({ Name = "${local.name}-${local.azs[count.index]}" }, local.tags)
  depends_on    = [aws_internet_gateway.this]
}

# Private routing: one table per zone, through the zone's NAT gateway (IPv4)
# and the egress-only internet gateway (IPv6).
resource "aws_route_table" "private" {
  count  = 3
  vpc_id = aws_vpc.this.id
  tags   = merge({ Name = "${local.name}-private-${local.azs[count.index]}" }, local.tags)
}

resource "aws_route_table_association" "private" {
  count          = 3
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

resource "aws_route" "private_nat_gateway" {
  count                  = 3
  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[count.index].id
  timeouts {
    create = "5m"
  }
}

resource "aws_route" "private_ipv6_egress" {
  count                       = var.enable_ipv6 ? 3 : 0
  route_table_id              = aws_route_table.private[count.index].id
  destination_ipv6_cidr_block = "::/0"
  egress_only_gateway_id      = aws_egress_only_internet_gateway.this.id
}

# The VPC's defaults, adopted.
resource "aws_default_network_acl" "this" {
  default_network_acl_id = aws_vpc.this.default_network_acl_id

  ingress {
    rule_no    = 100
    action     = "allow"
    from_port  = 0
    to_port    = 0
    protocol   = "-1"
    cidr_block = "0.0.0.0/0"
  }
  ingress {
    rule_no         = 101
    action          = "allow"
    from_port       = 0
    to_port         = 0
    protocol        = "-1"
    ipv6_cidr_block = "::/0"
  }
  egress {
    rule_no    = 100
    action     = "allow"
    from_port  = 0
    to_port    = 0
    protocol   = "-1"
    cidr_block = "0.0.0.0/0"
  }
  egress {
    rule_no         = 101
    action          = "allow"
    from_port       = 0
    to_port         = 0
    protocol        = "-1"
    ipv6_cidr_block = "::/0"
  }

  tags = merge({ Name = "${local.name}-default" }, local.tags)

  lifecycle {
    ignore_changes = [subnet_ids]
  }
}

resource "aws_default_route_table" "default" {
  default_route_table_id = aws_vpc.this.default_route_table_id
  tags                   = merge({ Name = "${local.name}-default" }, local.tags)
  timeouts {
    create = "5m"
    update = "5m"
  }
}

resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge({ Name = "${local.name}-default" }, local.tags)
}

# A dedicated network ACL for the public subnets, rules as separate resources.
resource "aws_network_acl" "public" {
  vpc_id     = aws_vpc.this.id
  subnet_ids = aws_subnet.public[*].id
  tags       = merge({ Name = "${local.name}-public" }, local.tags)
}

resource "aws_network_acl_rule" "public_inbound" {
  for_each = {
    100 = { protocol = "6", from = 443, to = 443, cidr = "0.0.0.0/0", action = "allow" }
    110 = { protocol = "6", from = 1024, to = 65535, cidr = "0.0.0.0/0", action = "allow" }
    120 = { protocol = "-1", from = 0, to = 0, cidr = "10.99.0.0/16", action = "deny" }
  }
  network_acl_id = aws_network_acl.public.id
  egress         = false
  rule_number    = tonumber(each.key)
  rule_action    = each.value.action
  protocol       = each.value.protocol
  from_port      = each.value.from
  to_port        = each.value.to
  cidr_block     = each.value.cidr
}

resource "aws_network_acl_rule" "public_outbound" {
  network_acl_id = aws_network_acl.public.id
  egress         = true
  rule_number    = 100
  rule_action    = "allow"
  protocol       = "-1"
  from_port      = 0
  to_port        = 0
  cidr_block     = "0.0.0.0/0"
}

# The flow log: a log group, the role the service assumes, its policy.
resource "aws_cloudwatch_log_group" "flow_log" {
  name              = "/aws/vpc-flow-log/${aws_vpc.this.id}"
  retention_in_days = 7
  tags              = local.tags
}

data "aws_iam_policy_document" "flow_log_assume" {
  statement {
    sid     = "AWSVPCFlowLogsAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "flow_log" {
  statement {
    sid    = "AWSVPCFlowLogsPushToCloudWatch"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
    ]
    resources = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:${aws_cloudwatch_log_group.flow_log.name}:*"]
  }
}

resource "aws_iam_role" "flow_log" {
  name_prefix        = "vpc-flow-log-role-"
  assume_role_policy = data.aws_iam_policy_document.flow_log_assume.json
  tags               = local.tags
}

resource "aws_iam_policy" "flow_log" {
  name_prefix = "vpc-flow-log-to-cloudwatch-"
  policy      = data.aws_iam_policy_document.flow_log.json
  tags        = local.tags
}

resource "aws_iam_role_policy_attachment" "flow_log" {
  role       = aws_iam_role.flow_log.name
  policy_arn = aws_iam_policy.flow_log.arn
}

resource "aws_flow_log" "this" {
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_log.arn
  iam_role_arn             = aws_iam_role.flow_log.arn
  traffic_type             = "ALL"
  vpc_id                   = aws_vpc.this.id
  max_aggregation_interval = 60
  tags                     = local.tags
}

output "vpc_id" {
  value = aws_vpc.this.id
}
output "public_subnets" {
  value = aws_subnet.public[*].id
}
output "private_subnets" {
  value = aws_subnet.private[*].id
}
output "nat_gateway_ids" {
  value = aws_nat_gateway.this[*].id
}
output "nat_public_ips" {
  value = aws_eip.nat[*].public_ip
}
output "igw_id" {
  value = aws_internet_gateway.this.id
}
output "eigw_id" {
  value = aws_egress_only_internet_gateway.this.id
}
output "default_network_acl_id" {
  value = aws_default_network_acl.this.id
}
output "public_network_acl_id" {
  value = aws_network_acl.public.id
}
output "dhcp_options_id" {
  value = aws_vpc_dhcp_options.this.id
}
output "flow_log_id" {
  value = aws_flow_log.this.id
}
output "flow_log_group" {
  value = aws_cloudwatch_log_group.flow_log.name
}
output "flow_log_role_arn" {
  value = aws_iam_role.flow_log.arn
}
