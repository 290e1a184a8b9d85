# The story's bastion: an Ubuntu 20.04 instance in a private subnet, reached
# with Session Manager (its role has AmazonSSMManagedInstanceCore), IMDSv2
# only. On fargo the instance is a container on its own ENI in the subnet.
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

resource "aws_vpc" "main" {
  cidr_block           = "10.70.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = "bastion-vpc" }
}

resource "aws_subnet" "private" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.70.1.0/24"
  availability_zone = "eu-west-1a"
  tags              = { Name = "bastion-private" }
}

module "bastion" {
  source    = "./modules/bastion"
  name      = "ecsWithTf-dev"
  vpc_id    = aws_vpc.main.id
  subnet_id = aws_subnet.private.id
}

output "bastion_id" {
  value = module.bastion.instance_id
}

output "bastion_private_ip" {
  value = module.bastion.private_ip
}

output "bastion_role" {
  value = module.bastion.role_name
}

output "ssm_command" {
  value = "aws ssm start-session --target ${module.bastion.instance_id}"
}
