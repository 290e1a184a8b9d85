variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "project_prefix" {
  type    = string
  default = "ecsWithTf"
}

variable "env" {
  type    = string
  default = "dev"
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}
