"""The story's config change: a page under examples/seed-stack's artifacts
changes and `terraform apply` runs again. As on AWS, the object changes in
S3, the CONFIG_HASH of the nginx container changes, so a new task definition
revision is registered and the service rolls out a new task whose init
container (the real AWS CLI) copies the new files from S3 before nginx
starts; the old task is stopped once the new one's target is healthy
behind the load balancer and has drained. The new content is served at the
new task's address within 60 s of the end of the apply
(bench/config_change.py measures it), and the old content no longer is.

The story's target group checks health every 300 s (healthy after 3) and
drains for 300 s, as AWS would; this fargo runs with `--scale-waits 0.01`
(3 s and 3 s), the option a person takes for a fast development loop.

Needs a container engine, the story's images (tests/images/build.sh), root
and Terraform with the provider mirror.
"""
import hashlib
import os
import shutil
import unittest

from fargo_harness import AWS_CLI_IMAGE, TF_MIRROR, FargoTestCase, require, require_vpc_networks, wait_for
from seed_config_change import BUCKET, CLUSTER, SERVICE, SeedStack

BOUND_SECONDS = 60


class SeedConfigChangeTest(FargoTestCase):
    FARGO_ARGS = ("--scale-waits", "0.01")

    @classmethod
    def setUpClass(cls):
        require(shutil.which("terraform") is not None, "terraform")
        require(os.path.isdir(TF_MIRROR), f"the Terraform provider mirror ({TF_MIRROR})")
        engine = require_vpc_networks()
        require(engine.has_image(AWS_CLI_IMAGE), f"the test image {AWS_CLI_IMAGE} (run tests/images/build.sh)")
        super().setUpClass()

    def test_a_changed_artifact_is_served_by_the_new_task(self):
        stack = SeedStack(self.fargo)
        self.addCleanup(stack.close)
        stack.tf("init", "-input=false")
        stack.apply()
        first, first_fwd, _ = stack.serving_task(1, "Hello from fargo")
        env = lambda td: {e["name"]: e["value"] for e in stack.ecs.describe_task_definition(taskDefinition=td)[
            "taskDefinition"]["containerDefinitions"][0]["environment"]}
        hash1 = env(first["taskDefinitionArn"])["CONFIG_HASH"]

        c = stack.change(2, "Changed by a re-apply")
        if os.environ.get("FARGO_E2E_SHOW"):
            print(f"apply {c['apply']:.2f} s; after it: new task RUNNING {c['running'] or float('nan'):.2f} s, "
                  f"served {c['after']:.2f} s, old task STOPPED {c['old_stopped']:.2f} s")
        # The object in S3, the hash in a new revision, and the service's deployment.
        page = stack.s3.get_object(Bucket=BUCKET, Key="myapp/html/index.html")["Body"].read()
        self.assertIn(b"Changed by a re-apply", page)
        new = c["task"]
        self.assertTrue(new["taskDefinitionArn"].endswith(":2"), new["taskDefinitionArn"])
        hash2 = env(new["taskDefinitionArn"])["CONFIG_HASH"]
        self.assertNotEqual(hash1, hash2)
        files = sorted(os.path.join(d, f) for d in ("conf.d", "html")
                       for f in os.listdir(os.path.join(stack.dir, "artifacts", d)))
        digests = []
        for f in files:
            with open(os.path.join(stack.dir, "artifacts", f), "rb") as fh:
                digests.append(hashlib.sha256(fh.read()).hexdigest())
        self.assertEqual(hash2, hashlib.sha256("-".join(digests).encode()).hexdigest())
        # Within the bound, by the new task (its init container copied the new files).
        self.assertLess(c["after"], BOUND_SECONDS)
        init = {x["name"]: x for x in new["containers"]}["myapp-init-container"]
        self.assertEqual(init.get("exitCode"), 0, init)
        # The old task is stopped by the deployment, and its content is no longer served.
        self.assertEqual([t["taskArn"] for t in c["old_tasks"]], [first["taskArn"]])
        self.assertEqual(c["old_tasks"][0]["stopCode"], "ServiceSchedulerInitiated")
        self.assertLess(c["old_stopped"], BOUND_SECONDS)
        self.assertIsNone(first_fwd.get())
        wait_for(lambda: "Changed by a re-apply" in (c["forward"].get() or ""), 10, what="the new page, still served")
        running = stack.tasks()
        self.assertEqual([t["taskArn"] for t in running], [new["taskArn"]])
        # The rollout completes: one deployment left, the new revision's.
        deployments = lambda: [d["taskDefinition"] for d in stack.ecs.describe_services(
            cluster=CLUSTER, services=[SERVICE])["services"][0]["deployments"]]
        wait_for(lambda: deployments() == [new["taskDefinitionArn"]], 30, what="the old deployment gone")
        stack.destroy()


if __name__ == "__main__":
    unittest.main()
