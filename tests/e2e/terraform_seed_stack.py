"""Terraform applies the seed stack against fargo, re-plans with no changes,
and destroys it — offline, with the provider from the filesystem mirror."""
import os
import shutil
import subprocess
import tempfile
import unittest

from fargo_harness import FargoTestCase, FARGO_BIN, ROOT, require

TF_MIRROR = os.environ.get("FARGO_TF_MIRROR", "/opt/tf-plugins")


class TerraformSeedStackTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        require(shutil.which("terraform") is not None, "terraform")
        require(os.path.isdir(TF_MIRROR), f"the Terraform provider mirror ({TF_MIRROR})")
        super().setUpClass()
        cls.work = tempfile.mkdtemp(prefix="fargo-tf-")
        shutil.copytree(os.path.join(ROOT, "examples", "seed-stack"), os.path.join(cls.work, "stack"))
        cls.stack = os.path.join(cls.work, "stack")
        override = subprocess.run([FARGO_BIN, "terraform-override", "--endpoint", cls.fargo.endpoint],
                                  capture_output=True, text=True, check=True).stdout
        with open(os.path.join(cls.stack, "fargo_override.tf"), "w") as f:
            f.write(override)
        cls.cli_config = os.path.join(cls.work, "terraformrc")
        with open(cls.cli_config, "w") as f:
            f.write('provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n'
                    '    include = ["registry.terraform.io/*/*"]\n  }\n  direct { exclude = ["registry.terraform.io/*/*"] }\n}\n'
                    % TF_MIRROR)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.work, ignore_errors=True)

    def tf(self, *args, ok_codes=(0,)):
        env = dict(os.environ, TF_CLI_CONFIG_FILE=self.cli_config, TF_IN_AUTOMATION="1",
                   CHECKPOINT_DISABLE="1", TF_INPUT="0",
                   AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        p = subprocess.run(["terraform", *args, "-no-color"], cwd=self.stack, env=env,
                           capture_output=True, text=True, timeout=600)
        if p.returncode not in ok_codes:
            self.fail(f"terraform {' '.join(args)} exited {p.returncode}\n{p.stdout[-6000:]}\n{p.stderr[-6000:]}")
        return p

    def test_apply_replan_destroy(self):
        self.tf("init", "-input=false")
        self.tf("apply", "-auto-approve", "-input=false")
        plan = self.tf("plan", "-detailed-exitcode", "-input=false", ok_codes=(0, 2))
        self.assertEqual(plan.returncode, 0, "second plan shows drift:\n" + plan.stdout[-8000:])

        # The aws CLI reads back what Terraform wrote.
        ecs = self.fargo.client("ecs", region="eu-west-1")
        c = ecs.describe_clusters(clusters=["ecsWithTf-dev"], include=["CONFIGURATIONS"])["clusters"][0]
        self.assertEqual(c["configuration"]["executeCommandConfiguration"]["logging"], "OVERRIDE")
        svc = ecs.describe_services(cluster="ecsWithTf-dev", services=["ecsWithTf-dev-myapp"])["services"][0]
        self.assertTrue(svc["enableExecuteCommand"])
        s3 = self.fargo.client("s3", region="eu-west-1")
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="ecswithtf-dev-cdp-ecs-artifacts")["Contents"])
        self.assertEqual(keys, ["myapp/conf.d/default.conf", "myapp/html/50x.html", "myapp/html/index.html"])

        self.tf("destroy", "-auto-approve", "-input=false")
        self.assertEqual(ecs.list_services(cluster="ecsWithTf-dev")["serviceArns"], [])
        self.assertEqual(self.fargo.client("ec2", region="eu-west-1").describe_vpcs(
            Filters=[{"Name": "tag:Name", "Values": ["ecsWithTf-dev"]}])["Vpcs"], [])


if __name__ == "__main__":
    unittest.main()
