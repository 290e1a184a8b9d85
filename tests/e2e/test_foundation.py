"""The daemon itself: health, routing by every addressing style, request ids,
AWS-shaped errors for bad input, and STS."""
import json
import unittest
import urllib.request
import urllib.error

from fargo_harness import FargoTestCase, ClientError


def raw(fargo, body, headers, method="POST", path="/"):
    req = urllib.request.Request(fargo.endpoint + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


SIG = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/{region}/{svc}/aws4_request, "
       "SignedHeaders=host, Signature=0")


class FoundationTest(FargoTestCase):
    def test_health_lists_services(self):
        h = self.fargo.health()
        self.assertEqual(h["status"], "running")
        for svc in ("sts", "iam", "logs", "ec2"):
            self.assertIn(svc, h["services"])

    def test_sts_identity_and_assume_role(self):
        sts = self.fargo.client("sts")
        ident = sts.get_caller_identity()
        self.assertEqual(ident["Account"], "000000000000")
        self.assertTrue(ident["ResponseMetadata"]["RequestId"])
        creds = sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/app", RoleSessionName="s1",
                                DurationSeconds=900)
        self.assertTrue(creds["Credentials"]["AccessKeyId"].startswith("ASIA"))
        self.assertEqual(creds["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::000000000000:assumed-role/app/s1")
        import boto3
        assumed = boto3.client("sts", endpoint_url=self.fargo.endpoint, region_name="us-east-1",
                               aws_access_key_id=creds["Credentials"]["AccessKeyId"],
                               aws_secret_access_key=creds["Credentials"]["SecretAccessKey"],
                               aws_session_token=creds["Credentials"]["SessionToken"])
        self.assertEqual(assumed.get_caller_identity()["Arn"],
                         "arn:aws:sts::000000000000:assumed-role/app/s1")

    def test_sts_missing_required_member(self):
        status, _, body = raw(self.fargo, b"Action=AssumeRole&Version=2011-06-15&RoleSessionName=x",
                              {"Content-Type": "application/x-www-form-urlencoded",
                               "Authorization": SIG.format(region="us-east-1", svc="sts")})
        self.assertEqual(status, 400)
        self.assertIn("<Code>ValidationError</Code>", body)
        self.assertIn("roleArn", body.replace("RoleArn", "roleArn"))

    def test_unknown_json_operation(self):
        status, headers, body = raw(self.fargo, b"{}", {
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.Explode"})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["__type"], "UnknownOperationException")
        self.assertTrue(headers.get("x-amzn-RequestId"))

    def test_malformed_json(self):
        status, _, body = raw(self.fargo, b"{not json", {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "Logs_20140328.DescribeLogGroups"})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["__type"], "SerializationException")

    def test_unknown_query_action(self):
        status, _, body = raw(self.fargo, b"Action=Explode&Version=2010-05-08",
                              {"Content-Type": "application/x-www-form-urlencoded",
                               "Authorization": SIG.format(region="us-east-1", svc="iam")})
        self.assertEqual(status, 400)
        self.assertIn("<Code>InvalidAction</Code>", body)

    def test_ec2_missing_parameter(self):
        status, _, body = raw(self.fargo, b"Action=CreateSubnet&Version=2016-11-15",
                              {"Content-Type": "application/x-www-form-urlencoded",
                               "Authorization": SIG.format(region="us-east-1", svc="ec2")})
        self.assertEqual(status, 400)
        self.assertIn("<Errors><Error><Code>", body)
        self.assertIn("<RequestID>", body)

    def test_daemon_survives_garbage(self):
        for body, headers in [
            (b"\xff\xfe\x00garbage", {"Content-Type": "application/x-amz-json-1.1",
                                      "X-Amz-Target": "Logs_20140328.PutLogEvents"}),
            (b'{"logGroupName": 5}', {"Content-Type": "application/x-amz-json-1.1",
                                      "X-Amz-Target": "Logs_20140328.CreateLogGroup"}),
            (b"Action=CreateRole&Version=2010-05-08&RoleName.member.1=x",
             {"Content-Type": "application/x-www-form-urlencoded"}),
        ]:
            status, _, _ = raw(self.fargo, body, headers)
            self.assertGreaterEqual(status, 400)
            self.assertLess(status, 500)
        self.assertEqual(self.fargo.health()["status"], "running")


if __name__ == "__main__":
    unittest.main()
