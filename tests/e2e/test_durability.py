"""What a client saw succeed survives kill -9: across services, and under load."""
import threading
import time
import unittest

from fargo_harness import FargoTestCase, ClientError


class DurabilityTest(FargoTestCase):
    def test_everything_survives_kill9_and_restart(self):
        f = self.fargo
        iam, logs, ec2 = f.client("iam"), f.client("logs"), f.client("ec2")
        iam.create_role(RoleName="durable", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}',
                        Description="kept")
        iam.put_role_policy(RoleName="durable", PolicyName="inline",
                            PolicyDocument='{"Version":"2012-10-17","Statement":[]}')
        logs.create_log_group(logGroupName="/durable/g")
        logs.put_retention_policy(logGroupName="/durable/g", retentionInDays=7)
        logs.create_log_stream(logGroupName="/durable/g", logStreamName="s")
        now = int(time.time() * 1000)
        logs.put_log_events(logGroupName="/durable/g", logStreamName="s",
                            logEvents=[{"timestamp": now + i, "message": f"m{i}"} for i in range(100)])
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(GroupName="g", Description="d", VpcId=vpc)["GroupId"]

        f.restart_after_kill9()
        iam, logs, ec2 = f.client("iam"), f.client("logs"), f.client("ec2")
        self.assertEqual(iam.get_role(RoleName="durable")["Role"]["Description"], "kept")
        self.assertEqual(iam.list_role_policies(RoleName="durable")["PolicyNames"], ["inline"])
        g = logs.describe_log_groups(logGroupNamePrefix="/durable/")["logGroups"]
        self.assertEqual([(x["logGroupName"], x.get("retentionInDays")) for x in g], [("/durable/g", 7)])
        ev = logs.get_log_events(logGroupName="/durable/g", logStreamName="s", startFromHead=True)["events"]
        self.assertEqual([e["message"] for e in ev], [f"m{i}" for i in range(100)])
        self.assertEqual(ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"], "10.9.0.0/16")
        self.assertEqual(ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["VpcId"], vpc)
        self.assertEqual(ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["GroupName"], "g")

    def test_acknowledged_writes_survive_kill9_under_load(self):
        f = self.fargo
        acked, stop = [], threading.Event()

        def writer(tid):
            logs = f.client("logs")
            i = 0
            while not stop.is_set() and i < 2000:
                name = f"/load/{tid}/{i}"
                try:
                    logs.create_log_group(logGroupName=name)
                except Exception:  # the daemon died mid-request: not acknowledged
                    return
                acked.append(name)
                i += 1

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        deadline = time.time() + 10
        while len(acked) < 200 and time.time() < deadline:
            time.sleep(0.01)
        f.kill9()
        stop.set()
        for t in threads:
            t.join(30)
        self.assertGreater(len(acked), 50)
        f.start()
        logs = f.client("logs")
        stored = set()
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix="/load/"):
            stored.update(g["logGroupName"] for g in page["logGroups"])
        missing = [a for a in acked if a not in stored]
        self.assertEqual(missing, [], f"{len(missing)} acknowledged writes lost")


if __name__ == "__main__":
    unittest.main()
