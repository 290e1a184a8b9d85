"""A client of an AWS service fargo does not serve gets a clean AWS error in
that service's own protocol (JSON 1.0, query, REST-JSON, REST-XML), naming
the service: the aws CLI prints it as it prints any AWS error, never a parse
failure. And `fargo terraform-override` names exactly the services fargo
serves."""
import json
import re
import subprocess
import unittest

from fargo_harness import FARGO_BIN, FargoTestCase

AWS_V2 = "/usr/bin/aws"


class UnservedServicesTest(FargoTestCase):
    def test_cli_shows_a_clean_not_implemented_error(self):
        for args, service, op in [(["dynamodb", "list-tables"], "DynamoDB (dynamodb)", "ListTables"),
                                  (["sns", "list-topics"], "SNS (sns)", "ListTopics"),
                                  (["lambda", "list-functions"], "Lambda (lambda)", "ListFunctions"),
                                  (["route53", "list-hosted-zones"], "Route 53 (route53)", "ListHostedZones")]:
            for cli in (None, AWS_V2):
                p = self.fargo.aws(*args, cli=cli, check=False)
                self.assertNotEqual(p.returncode, 0, args)
                self.assertRegex(p.stderr, r"An error occurred \(NotImplemented\) when calling the %s operation( \(reached max retries: 0\))?: "
                                           r"fargo does not serve %s" % (op, re.escape(service)), (cli, args))

    def test_boto3_reads_the_error_code_and_status(self):
        err = self.assertAwsError("NotImplemented", self.fargo.client("kafka").list_clusters, status=501)
        self.assertIn("fargo does not serve Kafka (kafka)", err["Error"]["Message"])
        err = self.assertAwsError("NotImplemented", self.fargo.client("kinesis").list_streams, status=501)
        self.assertIn("Kinesis (kinesis)", err["Error"]["Message"])

    def test_terraform_override_lists_the_served_services(self):
        text = subprocess.run([FARGO_BIN, "terraform-override", "--endpoint", "http://x:1"],
                              capture_output=True, text=True, check=True).stdout
        keys = set(re.findall(r"^\s+([a-z0-9]+)\s+= \"http://x:1\"$", text, re.M))
        served = set(self.fargo.health()["services"])
        rename = {"logs": "cloudwatchlogs", "application-autoscaling": "appautoscaling"}
        self.assertEqual(keys, {rename.get(s, s.replace("-", "")) for s in served})
        self.assertIn("ssm", keys)


if __name__ == "__main__":
    unittest.main()
