"""HTTPS for the AWS names inside tasks, with certificates of fargo's CA.

A task calls AWS by its public names over TLS, as on Fargate: the VPC
resolver leads them to fargo's address, fargo answers on port 443 with a
leaf for the name asked (SNI) signed by its CA, made on first start in the
data directory, and every container trusts that CA through a read-only
bundle and the variables SDKs and runtimes read. The real AWS CLI v2
(Debian's awscli 2.9, which ignores AWS_ENDPOINT_URL) lists a bucket and
names the task role's assumed role; curl fetches a public object by its
virtual-hosted name; an unmodified boto3 puts and gets an object over
https://<bucket>.s3.<region>.amazonaws.com. The CA is the same after kill -9 and a restart, and an
unknown name (or no SNI) gets a handshake failure, never a crash.

Needs a container engine, the story's images (tests/images/build.sh: the
AWS CLI image is Debian's awscli) and root.
"""
import json
import os
import re
import socket
import ssl
import subprocess
import tempfile
import unittest

from fargo_harness import AWS_CLI_IMAGE, FargoTestCase, require_vpc_networks, wait_for
from test_vpcs import NGINX, Vpc

def handshake(address, port, name, cafile):
    """'ok <subject>' or 'failed <reason>' for a TLS handshake with SNI `name` (None: no SNI)."""
    ctx = ssl.create_default_context(cafile=cafile)
    if name is None:
        ctx.check_hostname = False
    try:
        with socket.create_connection((address, port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=name) as s:
                return "ok " + json.dumps(s.getpeercert().get("subjectAltName"))
    except (ssl.SSLError, ConnectionError, OSError) as e:
        return "failed " + str(e)


# Run by python3 inside the task: boto3 as any program would use it (the
# region, credentials and CA from the environment fargo gives the task),
# printing each request's method and URL as sent.
BOTO3_SCRIPT = """
import os, boto3, botocore
print('BOTO3', boto3.__version__, 'ENDPOINT_URL', os.environ.get('AWS_ENDPOINT_URL'), 'CA', os.environ.get('AWS_CA_BUNDLE'))
s3 = boto3.client('s3')
s3.meta.events.register('before-send', lambda request, **kw: print('URL', request.method, request.url.split('?')[0]))
s3.put_object(Bucket='boto3-bucket', Key='from-task.txt', Body=b'put by the task\\n')
print('GOT', s3.get_object(Bucket='boto3-bucket', Key='from-task.txt')['Body'].read().decode().strip())
print('OUTSIDE', s3.get_object(Bucket='boto3-bucket', Key='from-outside.txt')['Body'].read().decode().strip())
print('ROLE', boto3.client('sts').get_caller_identity()['Arn'])
"""


class VpcTlsTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = require_vpc_networks()
        super().setUpClass()

    def run_script(self, v, family, image, script, environment=()):
        c = {"name": "main", "image": image, "essential": True, "stopTimeout": 2,
             "entryPoint": ["sh", "-c"], "command": [script + "; echo DONE; sleep 3600"],
             "environment": [{"name": k, "value": val} for k, val in environment],
             "logConfiguration": {"logDriver": "awslogs", "options": {
                 "awslogs-group": v.group, "awslogs-region": v.region, "awslogs-stream-prefix": "ecs"}}}
        td = v.ecs.register_task_definition(
            family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
            executionRoleArn=v.role, taskRoleArn=v.role, containerDefinitions=[c])["taskDefinition"]["taskDefinitionArn"]
        r = v.ecs.run_task(cluster=v.cluster, taskDefinition=td, launchType="FARGATE", networkConfiguration={
            "awsvpcConfiguration": {"subnets": [v.subnet], "assignPublicIp": "DISABLED"}})
        self.assertFalse(r["failures"], r["failures"])
        arn = r["tasks"][0]["taskArn"]
        v.running(arn)
        v.wait_log(arn, "DONE", timeout=120)
        out = v.log(arn)
        if os.environ.get("FARGO_E2E_SHOW"):
            print(out)
        return out

    def test_real_aws_cli_in_a_task_over_https(self):
        region = "eu-west-1"
        v = Vpc(self.fargo, region, "10.0.0.0/16", "10.0.1.0/24", "tls")
        s3 = self.fargo.client("s3", region)
        s3.create_bucket(Bucket="tls-bucket", CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_object(Bucket="tls-bucket", Key="conf.d/site.conf", Body=b"server {}\n")
        s3.put_object(Bucket="tls-bucket", Key="html/index.html", Body=b"hello over tls\n", ACL="public-read")
        out = self.run_script(v, "awscli-tls", AWS_CLI_IMAGE, "; ".join([
            "aws --version",
            "echo BUNDLE $AWS_CA_BUNDLE $SSL_CERT_FILE $REQUESTS_CA_BUNDLE $NODE_EXTRA_CA_CERTS $CURL_CA_BUNDLE",
            "aws s3 ls --recursive s3://tls-bucket",
            "aws sts get-caller-identity",
            # Where the CLI sent them: the public names, over https.
            "aws --debug s3 ls s3://tls-bucket 2>&1 | grep -o 'https://[a-z0-9.-]*amazonaws.com' | sort -u | sed 's/^/URL /'",
        ]), environment=[("AWS_ENDPOINT_URL", "")])
        self.assertRegex(out, r"aws-cli/2\.", out)
        self.assertIn("BUNDLE" + " /etc/fargo/ca-bundle.pem" * 5, out)
        self.assertRegex(out, r"\d+ conf\.d/site\.conf", out)
        self.assertRegex(out, r"\d+ html/index\.html", out)
        self.assertRegex(out, r'"Arn": "arn:aws:sts::\d+:assumed-role/vpc-test-task/', out)
        self.assertRegex(out, r"URL https://tls-bucket\.s3\.eu-west-1\.amazonaws\.com|URL https://s3\.eu-west-1\.amazonaws\.com", out)
        self.assertNotIn("SSL", out)

        # curl (OpenSSL, through CURL_CA_BUNDLE) fetches a public object by its virtual-hosted name;
        # a definition's own CURL_CA_BUNDLE wins.
        out = self.run_script(v, "curl-tls", NGINX, "; ".join([
            "echo GOT $(curl -sS https://tls-bucket.s3.eu-west-1.amazonaws.com/html/index.html 2>&1)",
            "echo PATH $(curl -sS https://s3.amazonaws.com/tls-bucket/html/index.html 2>&1)",
            "echo OWN $CURL_CA_BUNDLE $AWS_CA_BUNDLE",
        ]), environment=[("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")])
        self.assertIn("OWN /etc/ssl/certs/ca-certificates.crt /etc/fargo/ca-bundle.pem", out)
        self.assertIn("GOT curl:", out)  # its own bundle lacks fargo's CA: refused
        self.assertIn("PATH curl:", out)
        out = self.run_script(v, "curl-tls2", NGINX, "; ".join([
            "echo GOT $(curl -sS https://tls-bucket.s3.eu-west-1.amazonaws.com/html/index.html 2>&1)",
            "echo PATH $(curl -sS https://s3.amazonaws.com/tls-bucket/html/index.html 2>&1)",
            "ls -l /etc/fargo/ca-bundle.pem; echo x >> /etc/fargo/ca-bundle.pem || echo READONLY",
        ]))
        self.assertIn("GOT hello over tls", out)
        self.assertIn("PATH hello over tls", out)
        self.assertIn("READONLY", out)
        v.stop_all()

    def test_boto3_in_a_task_over_https(self):
        """An unmodified boto3 (Debian's 1.26) with the task role's credentials puts and gets an
        object by the bucket's virtual-hosted name over https, trusting fargo's CA through
        AWS_CA_BUNDLE; AWS_ENDPOINT_URL is unset in the container, so nothing else leads it."""
        region = "eu-west-1"
        v = Vpc(self.fargo, region, "10.0.0.0/16", "10.0.1.0/24", "boto3")
        s3 = self.fargo.client("s3", region)
        s3.create_bucket(Bucket="boto3-bucket", CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_object(Bucket="boto3-bucket", Key="from-outside.txt", Body=b"put by the host\n")
        out = self.run_script(v, "boto3-tls", AWS_CLI_IMAGE, "unset AWS_ENDPOINT_URL; python3 -c \"$BOTO3_SCRIPT\"",
                              environment=[("BOTO3_SCRIPT", BOTO3_SCRIPT)])
        self.assertRegex(out, r"BOTO3 1\.\d+\.\d+ ENDPOINT_URL None CA /etc/fargo/ca-bundle\.pem", out)
        # Every request: https, the bucket's virtual-hosted name in the task's region.
        urls = re.findall(r"^URL (\S+) (\S+)$", out, re.M)
        self.assertGreaterEqual(len(urls), 3, out)
        for method, url in urls:
            self.assertRegex(url, r"^https://boto3-bucket\.s3\.eu-west-1\.amazonaws\.com/", out)
        self.assertIn(("PUT", "https://boto3-bucket.s3.eu-west-1.amazonaws.com/from-task.txt"), urls)
        self.assertIn("GOT put by the task", out)
        self.assertIn("OUTSIDE put by the host", out)
        self.assertRegex(out, r"ROLE arn:aws:sts::\d+:assumed-role/vpc-test-task/", out)
        self.assertNotIn("Traceback", out)
        # The object is in fargo's S3, written with the task role's credentials.
        self.assertEqual(s3.get_object(Bucket="boto3-bucket", Key="from-task.txt")["Body"].read(), b"put by the task\n")
        v.stop_all()

    def test_ca_persists_and_unknown_names_are_refused(self):
        ca_path = os.path.join(self.fargo.data_dir, "tls", "ca.pem")
        self.assertEqual(os.stat(os.path.join(self.fargo.data_dir, "tls", "ca.key")).st_mode & 0o777, 0o600)
        with open(ca_path) as f:
            before = f.read()
        printed = subprocess.run([self.fargo_bin(), "ca", "--data-dir", self.fargo.data_dir],
                                 capture_output=True, text=True, check=True).stdout
        self.assertEqual(printed, before)
        self.assertIn("BEGIN CERTIFICATE", printed)
        # The HTTPS listener, on this instance's own address.
        log = self.read_log()
        m = re.search(r"over HTTPS at https://([\d.]+):(\d+)", log)
        self.assertTrue(m, log)
        address, port = m.group(1), int(m.group(2))
        self.assertRegex(handshake(address, port, "sts.us-east-1.amazonaws.com", ca_path),
                         r"^ok .*sts\.us-east-1\.amazonaws\.com")
        self.assertRegex(handshake(address, port, "example.com", ca_path), r"^failed .*UNRECOGNIZED_NAME|^failed .*unrecognized")
        self.assertRegex(handshake(address, port, None, ca_path), r"^failed ")
        # Not TLS at all: closed.
        with socket.create_connection((address, port), timeout=5) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            raw.settimeout(5)
            try:
                data = raw.recv(100)
            except ConnectionError:
                data = b""
            self.assertNotIn(b"HTTP/1.1 200", data)
        # Still serving after all that.
        self.assertRegex(handshake(address, port, "s3.amazonaws.com", ca_path), r"^ok ")
        self.fargo.kill9()
        self.fargo.restart_after_kill9()
        with open(ca_path) as f:
            self.assertEqual(f.read(), before)
        log = self.read_log()
        m = list(re.finditer(r"over HTTPS at https://([\d.]+):(\d+)", log))[-1]
        self.assertRegex(handshake(m.group(1), int(m.group(2)), "logs.eu-west-1.amazonaws.com", ca_path), r"^ok ")

    def read_log(self):
        with open(self.fargo.log_path) as f:
            return f.read()

    @staticmethod
    def fargo_bin():
        from fargo_harness import FARGO_BIN
        return FARGO_BIN


if __name__ == "__main__":
    unittest.main()
