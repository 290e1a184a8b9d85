"""The story's stack applied twice side by side, as two environments of one
project: dev in eu-west-1 and prd in us-east-1, both with the story's VPC
CIDR 10.0.0.0/16. Both services' tasks run, each in its own VPC, and each
serves its own page, fetched from the host as a person would: through
`fargo port-forward`. Both destroy cleanly."""
import os
import re
import shutil
import subprocess
import unittest
import urllib.request

from fargo_harness import CI, Engine, FARGO_BIN, STORY_IMAGES, TerraformTestCase, ROOT, wait_for

ENVS = (("dev", "eu-west-1"), ("prd", "us-east-1"))


class TerraformSeedStackTwiceTest(TerraformTestCase):
    # The story's target group drains for 300 s as on AWS; scaled so that
    # destroy waits 3 s (the drain itself is tested by test_nlb).
    FARGO_ARGS = ("--scale-waits", "0.01")
    STACK_DIR = os.path.join(ROOT, "examples", "seed-stack")

    @classmethod
    def setUpClass(cls):
        engine = Engine()
        ready = engine.answers() and all(engine.has_image(i) for i in STORY_IMAGES) and os.geteuid() == 0
        if not ready:
            if CI:
                raise AssertionError("needs the engine, the story's images and root")
            raise unittest.SkipTest("needs the engine, the story's images and root")
        super().setUpClass()
        # One working directory per environment, each with a page of its own.
        cls.dirs = {}
        for env, _ in ENVS:
            d = os.path.join(cls.work, env)
            shutil.copytree(cls.stack, d)
            with open(os.path.join(d, "artifacts", "html", "index.html"), "w") as f:
                f.write(f"<!DOCTYPE html><html><body><h1>Hello from fargo, {env}</h1></body></html>\n")
            cls.dirs[env] = d

    def tf_all(self, *args):
        """Runs terraform in both environments at once (the provider's fixed
        waits dominate); fails with the output of any that fails."""
        env = dict(os.environ, TF_CLI_CONFIG_FILE=self.cli_config, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
                   TF_INPUT="0", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        procs = {}
        for name, region in ENVS:
            extra = [] if args[0] == "init" else ["-var", f"env={name}", "-var", f"region={region}"]
            procs[name] = subprocess.Popen(["terraform", *args, *extra, "-no-color"], cwd=self.dirs[name], env=env,
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name, p in procs.items():
            out, _ = p.communicate(timeout=900)
            if p.returncode != 0:
                self.fail(f"terraform {' '.join(args)} ({name}) exited {p.returncode}\n{out[-6000:]}")

    def page_through_port_forward(self, region, task_arn):
        proc = subprocess.Popen([FARGO_BIN, "port-forward", "--endpoint", self.fargo.endpoint, "--region", region,
                                 "--task", task_arn, "--port", "80"], stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            m = re.match(r"Forwarding from (\S+) -> ", line)
            self.assertTrue(m, line)
            with urllib.request.urlopen(f"http://{m.group(1)}/", timeout=10) as r:
                return r.read().decode()
        finally:
            proc.terminate()
            proc.wait(15)

    def test_two_environments_same_cidr(self):
        self.tf_all("init", "-input=false")
        self.tf_all("apply", "-auto-approve", "-input=false")
        tasks = {}
        for name, region in ENVS:
            ecs = self.fargo.client("ecs", region=region)
            cluster, service = f"ecsWithTf-{name}", f"ecsWithTf-{name}-myapp"

            def running():
                arns = ecs.list_tasks(cluster=cluster, serviceName=service)["taskArns"]
                ts = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
                return ts[0] if ts and ts[0]["lastStatus"] == "RUNNING" else None
            tasks[name] = wait_for(running, 120, what=f"{name}'s task running")
            vpc = self.fargo.client("ec2", region=region).describe_vpcs(
                Filters=[{"Name": "tag:Name", "Values": [f"ecsWithTf-{name}"]}])["Vpcs"][0]
            self.assertEqual(vpc["CidrBlock"], "10.0.0.0/16")
        for name, region in ENVS:
            page = self.page_through_port_forward(region, tasks[name]["taskArn"])
            self.assertIn(f"Hello from fargo, {name}", page)
        self.tf_all("destroy", "-auto-approve", "-input=false")
        for name, region in ENVS:
            ecs = self.fargo.client("ecs", region=region)
            self.assertEqual([c["status"] for c in ecs.describe_clusters(clusters=[f"ecsWithTf-{name}"])["clusters"]],
                             ["INACTIVE"])


if __name__ == "__main__":
    unittest.main()
