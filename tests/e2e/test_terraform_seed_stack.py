"""Terraform applies the seed stack against fargo, re-plans with no changes,
and destroys it — offline, with the provider from the filesystem mirror."""
import os
import unittest

from fargo_harness import AWS_CLI_IMAGE, Engine, STORY_IMAGES, TerraformTestCase, ROOT, wait_for



class TerraformSeedStackTest(TerraformTestCase):
    # The story's target group drains for 300 s as on AWS; scaled so that
    # destroy waits 3 s (the drain itself is tested by test_nlb).
    FARGO_ARGS = ("--scale-waits", "0.01")
    STACK_DIR = os.path.join(ROOT, "examples", "seed-stack")

    def test_apply_replan_destroy(self):
        self.apply_and_replan_clean()

        # The aws CLI reads back what Terraform wrote.
        ecs = self.fargo.client("ecs", region="eu-west-1")
        c = ecs.describe_clusters(clusters=["ecsWithTf-dev"], include=["CONFIGURATIONS"])["clusters"][0]
        self.assertEqual(c["configuration"]["executeCommandConfiguration"]["logging"], "OVERRIDE")
        svc = ecs.describe_services(cluster="ecsWithTf-dev", services=["ecsWithTf-dev-myapp"])["services"][0]
        self.assertTrue(svc["enableExecuteCommand"])
        s3 = self.fargo.client("s3", region="eu-west-1")
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="ecswithtf-dev-cdp-ecs-artifacts")["Contents"])
        self.assertEqual(keys, ["myapp/conf.d/default.conf", "myapp/html/50x.html", "myapp/html/index.html"])

        # The service's task really runs: the init container completes, then nginx.
        engine = Engine()
        if engine.answers() and all(engine.has_image(i) for i in STORY_IMAGES + (AWS_CLI_IMAGE,)):
            # The init container is the real AWS CLI (2.9: it ignores AWS_ENDPOINT_URL and
            # calls S3 by its public name, over TLS, as on Fargate).
            self.assertNotEqual(engine.image_label(AWS_CLI_IMAGE, "fargo.stand-in"), "true")
            def running():
                arns = ecs.list_tasks(cluster="ecsWithTf-dev", serviceName="ecsWithTf-dev-myapp")["taskArns"]
                tasks = ecs.describe_tasks(cluster="ecsWithTf-dev", tasks=arns)["tasks"] if arns else []
                return tasks[0] if tasks and tasks[0]["lastStatus"] == "RUNNING" else None
            task = wait_for(running, 90, what="the service's task running")
            containers = {c["name"]: c for c in task["containers"]}
            init = containers["myapp-init-container"]
            if init.get("exitCode") != 0:
                logs = self.fargo.client("logs", region="eu-west-1")
                group = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]
                         if g["logGroupName"].endswith("-ecs-myapp")]
                stream = f"myapp/myapp-init-container/{task['taskArn'].rsplit('/', 1)[1]}"
                lines = [e["message"] for e in logs.get_log_events(logGroupName=group[0], logStreamName=stream,
                                                                   startFromHead=True)["events"]] if group else []
                self.fail(f"the init container exited {init.get('exitCode')} ({init.get('reason', '')}); "
                          f"its output: {lines}")
            self.assertEqual(containers["myapp"]["lastStatus"], "RUNNING")
            ip = containers["myapp"]["networkInterfaces"][0]["privateIpv4Address"]
            enis = self.fargo.client("ec2", region="eu-west-1").describe_network_interfaces(
                Filters=[{"Name": "addresses.private-ip-address", "Values": [ip]}])["NetworkInterfaces"]
            self.assertEqual(len(enis), 1)
            # The init container copied the config and pages from fargo's S3
            # into the shared volumes; nginx serves them on the task's address.
            # The address is the VPC's, not the host's: asked from inside the
            # task's network namespace.
            # (curl is in the nginx image, as in the official one.)
            page = engine.exec(containers["myapp"]["runtimeId"], ["curl", "-sS", f"http://{ip}/"])
            self.assertIn("Hello from fargo", page)
        else:
            print("*** no container engine or story images: the seed service's task is not checked ***", flush=True)

        self.tf("destroy", "-auto-approve", "-input=false")
        gone = ecs.describe_clusters(clusters=["ecsWithTf-dev"])["clusters"]
        self.assertEqual([c["status"] for c in gone], ["INACTIVE"])
        self.assertEqual(self.fargo.client("ec2", region="eu-west-1").describe_vpcs(
            Filters=[{"Name": "tag:Name", "Values": ["ecsWithTf-dev"]}])["Vpcs"], [])


if __name__ == "__main__":
    unittest.main()
