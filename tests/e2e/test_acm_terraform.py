"""Terraform's AWS provider (5.100) requests an ACM certificate with DNS
validation and waits for it (aws_acm_certificate + aws_acm_certificate_validation):
fargo's CA issues it within moments (PENDING_VALIDATION while its key is
made), so the validation resource completes without DNS records; the plan after apply is clean, boto3 reads back the names,
tags and validation records Terraform shows, and destroy deletes it.

What the provider sends (TF_LOG=debug): RequestCertificate (DomainName,
SubjectAlternativeNames, ValidationMethod DNS, an IdempotencyToken "tf...",
Tags), DescribeCertificate (polled until the validation records and then
ISSUED show; the validation resource polls it too), ListTagsForCertificate
on every refresh, and DeleteCertificate (retried while ResourceInUseException)."""
import json
import unittest

from fargo_harness import TerraformTestCase

STACK = r'''
provider "aws" {
  region = "eu-west-1"
}

resource "aws_acm_certificate" "app" {
  domain_name               = "app.example.com"
  subject_alternative_names = ["*.app.example.com"]
  validation_method         = "DNS"
  tags                      = { Name = "app" }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_acm_certificate_validation" "app" {
  certificate_arn = aws_acm_certificate.app.arn
}

output "arn" {
  value = aws_acm_certificate_validation.app.certificate_arn
}

output "records" {
  value = [for o in aws_acm_certificate.app.domain_validation_options : o.resource_record_name]
}
'''


class AcmTerraformTest(TerraformTestCase):
    STACK = STACK

    def test_certificate_with_dns_validation_applies_replans_clean_and_destroys(self):
        self.apply_and_replan_clean()
        out = json.loads(self.tf("output", "-json").stdout)
        arn = out["arn"]["value"]
        acm = self.fargo.client("acm", "eu-west-1")
        cert = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        self.assertEqual(cert["Status"], "ISSUED")
        self.assertEqual(cert["SubjectAlternativeNames"], ["app.example.com", "*.app.example.com"])
        names = {o["ResourceRecord"]["Name"] for o in cert["DomainValidationOptions"]}
        self.assertEqual(set(out["records"]["value"]), names)
        self.assertEqual(acm.list_tags_for_certificate(CertificateArn=arn)["Tags"], [{"Key": "Name", "Value": "app"}])
        self.tf("destroy", "-auto-approve", "-input=false")
        self.assertAwsError("ResourceNotFoundException", acm.describe_certificate, CertificateArn=arn)


if __name__ == "__main__":
    unittest.main()
