"""Cloud Map through Terraform's AWS provider (5.100) the way the community
ECS module's stacks use it: an HTTP namespace for Service Connect, a private
DNS namespace on a VPC, and DNS services with A and SRV records and custom
health checks. Apply (the provider waits on each namespace's operation),
re-plan without drift, read back with the aws CLI, register and discover
an instance as ECS would, destroy."""
import json
import unittest

import boto3
import botocore.config

from fargo_harness import TerraformTestCase


STACK = r'''
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block           = "10.61.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
}

resource "aws_service_discovery_http_namespace" "connect" {
  name        = "shop"
  description = "CloudMap namespace for shop"
  tags        = { Name = "shop" }
}

resource "aws_service_discovery_private_dns_namespace" "internal" {
  name        = "shop.internal"
  description = "service discovery for shop"
  vpc         = aws_vpc.main.id
}

resource "aws_service_discovery_service" "api" {
  name = "api"

  dns_config {
    namespace_id = aws_service_discovery_private_dns_namespace.internal.id

    dns_records {
      ttl  = 10
      type = "A"
    }

    dns_records {
      ttl  = 10
      type = "SRV"
    }

    routing_policy = "MULTIVALUE"
  }

  health_check_custom_config {
    failure_threshold = 1
  }

  tags = { tier = "api" }
}

resource "aws_service_discovery_service" "worker" {
  name         = "worker"
  namespace_id = aws_service_discovery_http_namespace.connect.id
  description  = "found through DiscoverInstances only"
}

output "http_namespace" {
  value = {
    id        = aws_service_discovery_http_namespace.connect.id
    arn       = aws_service_discovery_http_namespace.connect.arn
    http_name = aws_service_discovery_http_namespace.connect.http_name
  }
}

output "private_namespace" {
  value = {
    id          = aws_service_discovery_private_dns_namespace.internal.id
    hosted_zone = aws_service_discovery_private_dns_namespace.internal.hosted_zone
  }
}

output "api" {
  value = { id = aws_service_discovery_service.api.id, arn = aws_service_discovery_service.api.arn }
}

output "worker" {
  value = { id = aws_service_discovery_service.worker.id, type = aws_service_discovery_service.worker.type }
}
'''


class CloudMapTerraformTest(TerraformTestCase):
    STACK = STACK

    def sd(self, *args):
        return self.fargo.aws("servicediscovery", *args, cli="/usr/bin/aws", region="eu-west-1")

    def test_apply_replan_read_back_destroy(self):
        self.apply_and_replan_clean()
        out = {k: v["value"] for k, v in json.loads(self.tf("output", "-json").stdout).items()}

        http = out["http_namespace"]
        self.assertRegex(http["id"], r"^ns-[a-z0-9]{16}$")
        self.assertEqual(http["http_name"], "shop")
        got = self.sd("get-namespace", "--id", http["id"])["Namespace"]
        self.assertEqual((got["Name"], got["Type"], got["Description"]), ("shop", "HTTP", "CloudMap namespace for shop"))
        self.assertEqual(got["Arn"], http["arn"])
        self.assertEqual(got["ServiceCount"], 1)
        tags = self.sd("list-tags-for-resource", "--resource-arn", http["arn"])["Tags"]
        self.assertEqual(tags, [{"Key": "Name", "Value": "shop"}])

        private = out["private_namespace"]
        got = self.sd("get-namespace", "--id", private["id"])["Namespace"]
        self.assertEqual((got["Name"], got["Type"]), ("shop.internal", "DNS_PRIVATE"))
        self.assertEqual(got["Properties"]["DnsProperties"]["HostedZoneId"], private["hosted_zone"])
        self.assertTrue(private["hosted_zone"].startswith("Z"))
        listed = self.sd("list-namespaces", "--filters", "Name=TYPE,Values=DNS_PRIVATE,Condition=EQ")["Namespaces"]
        self.assertEqual([n["Id"] for n in listed], [private["id"]])
        # Every namespace operation the provider waited on has succeeded.
        ops = self.sd("list-operations")["Operations"]
        self.assertEqual(len(ops), 2)
        self.assertEqual({o["Status"] for o in ops}, {"SUCCESS"})

        api = self.sd("get-service", "--id", out["api"]["id"])["Service"]
        self.assertEqual(api["Arn"], out["api"]["arn"])
        self.assertEqual(api["NamespaceId"], private["id"])
        self.assertEqual(api["Type"], "DNS_HTTP")
        self.assertEqual(api["DnsConfig"]["RoutingPolicy"], "MULTIVALUE")
        self.assertEqual(api["DnsConfig"]["DnsRecords"], [{"Type": "A", "TTL": 10}, {"Type": "SRV", "TTL": 10}])
        self.assertEqual(api["HealthCheckCustomConfig"], {"FailureThreshold": 1})
        self.assertEqual(out["worker"]["type"], "HTTP")
        services = self.sd("list-services", "--filters", f"Name=NAMESPACE_ID,Values={http['id']},Condition=EQ")
        self.assertEqual([s["Name"] for s in services["Services"]], ["worker"])

        # ECS registers a task the same way; discovery finds it by name.
        op = self.sd("register-instance", "--service-id", out["api"]["id"], "--instance-id", "task-1",
                     "--attributes", "AWS_INSTANCE_IPV4=10.61.1.7,AWS_INSTANCE_PORT=8080,AVAILABILITY_ZONE=eu-west-1a")
        self.assertIn("OperationId", op)
        # DiscoverInstances is addressed to data-<endpoint host>: a local
        # endpoint needs the SDK's host prefix off.
        data = boto3.client("servicediscovery", endpoint_url=self.fargo.endpoint, region_name="eu-west-1",
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=botocore.config.Config(inject_host_prefix=False, retries={"max_attempts": 1}))
        found = data.discover_instances(NamespaceName="shop.internal", ServiceName="api")
        self.assertEqual([(i["InstanceId"], i["Attributes"]["AWS_INSTANCE_IPV4"], i["HealthStatus"])
                          for i in found["Instances"]], [("task-1", "10.61.1.7", "HEALTHY")])
        # A service with instances cannot go; the namespace neither, while it has services.
        p = self.fargo.aws("servicediscovery", "delete-service", "--id", out["api"]["id"], cli="/usr/bin/aws",
                           region="eu-west-1", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ResourceInUse", p.stderr)
        self.sd("deregister-instance", "--service-id", out["api"]["id"], "--instance-id", "task-1")

        self.tf("destroy", "-auto-approve", "-input=false")
        self.assertEqual(self.sd("list-namespaces")["Namespaces"], [])
        self.assertEqual(self.sd("list-services")["Services"], [])


if __name__ == "__main__":
    unittest.main()
