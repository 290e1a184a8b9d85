"""ECS control plane: clusters, task definitions, services and tags, read
back exactly as the Terraform AWS provider and the CLIs expect them."""
import time
import unittest

from fargo_harness import FargoTestCase

REGION = "eu-west-1"
ACCOUNT = "000000000000"
PREFIX = f"arn:aws:ecs:{REGION}:{ACCOUNT}"

NGINX = {
    "name": "myapp",
    "image": "nginx:1.24.0",
    "essential": True,
    "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
    "environment": [{"name": "CONFIG_HASH", "value": "0123abcd"}],
    "mountPoints": [
        {"containerPath": "/etc/nginx/conf.d", "sourceVolume": "config"},
        {"containerPath": "/usr/share/nginx/html", "sourceVolume": "source"},
    ],
    "dependsOn": [{"containerName": "myapp-init-container", "condition": "COMPLETE"}],
    "linuxParameters": {"initProcessEnabled": True},
    "logConfiguration": {"logDriver": "awslogs", "options": {
        "awslogs-group": "ecsWithTf-dev-ecs-myapp", "awslogs-region": REGION,
        "awslogs-stream-prefix": "myapp"}},
}
INIT = {
    "name": "myapp-init-container",
    "image": "amazon/aws-cli:2.11.13",
    "command": ["s3", "cp", "s3://ecswithtf-dev-cdp-ecs-artifacts/myapp/", "/sync/", "--recursive"],
    "mountPoints": [
        {"containerPath": "/sync/conf.d", "sourceVolume": "config"},
        {"containerPath": "/sync/html", "sourceVolume": "source"},
    ],
    "essential": False,
}
DEBIAN = {
    "name": "myapp",
    "image": "debian:buster-20230411-slim",
    "cpu": 1024,
    "memory": 2048,
    "command": ["sleep", "3600"],
    "linuxParameters": {"initProcessEnabled": True},
}
TASK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsWithTf-dev-ecs-task-role-myapp"
EXEC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsWithTf-dev-ecs-execution-role-myapp"
NETWORK = {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"],
                                   "securityGroups": ["sg-0123456789abcdef0"],
                                   "assignPublicIp": "DISABLED"}}
TG_ARN = (f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/"
          "ecsWithTf-dev-ecsmyapp-80/0123456789abcdef")


def wait_for(fn, timeout=10.0):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.25)


class EcsTest(FargoTestCase):
    def setUp(self):
        self.ecs = self.fargo.client("ecs", region=REGION)

    # ------------------------------------------------------------ helpers
    def register_seed(self, family="ecsWithTf-dev-myapp", **extra):
        args = dict(family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                    cpu="1024", memory="2048", taskRoleArn=TASK_ROLE, executionRoleArn=EXEC_ROLE,
                    volumes=[{"name": "config"}, {"name": "source"}],
                    containerDefinitions=[NGINX, INIT],
                    runtimePlatform={"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"})
        args.update(extra)
        return self.ecs.register_task_definition(**args)["taskDefinition"]

    def seed_cluster(self, name):
        return self.ecs.create_cluster(
            clusterName=name,
            configuration={"executeCommandConfiguration": {
                "logging": "OVERRIDE",
                "logConfiguration": {"cloudWatchLogGroupName": f"{name}-ecs-cluster"}}},
            tags=[{"key": "project", "value": "fargo-seed"}])["cluster"]

    # ------------------------------------------------------------ clusters
    def test_cluster_seed_configuration_reads_back(self):
        c = self.seed_cluster("ecsWithTf-dev")
        self.assertEqual(c["clusterArn"], f"{PREFIX}:cluster/ecsWithTf-dev")
        self.assertEqual(c["status"], "ACTIVE")
        again = self.ecs.create_cluster(clusterName="ecsWithTf-dev")["cluster"]
        self.assertEqual(again["clusterArn"], c["clusterArn"])

        got = self.ecs.describe_clusters(
            clusters=["ecsWithTf-dev"], include=["CONFIGURATIONS", "SETTINGS", "TAGS", "STATISTICS"])
        self.assertEqual(got["failures"], [])
        d = got["clusters"][0]
        self.assertEqual(d["configuration"], {"executeCommandConfiguration": {
            "logging": "OVERRIDE",
            "logConfiguration": {"cloudWatchLogGroupName": "ecsWithTf-dev-ecs-cluster"}}})
        self.assertEqual(d["settings"], [{"name": "containerInsights", "value": "disabled"}])
        self.assertEqual(d["tags"], [{"key": "project", "value": "fargo-seed"}])
        for k in ("activeServicesCount", "runningTasksCount", "pendingTasksCount",
                  "registeredContainerInstancesCount"):
            self.assertEqual(d[k], 0)
        self.assertEqual(d["capacityProviders"], [])
        self.assertTrue(d["statistics"])

        # Without include the extras are absent.
        plain = self.ecs.describe_clusters(clusters=[c["clusterArn"]])["clusters"][0]
        self.assertNotIn("configuration", plain)
        self.assertNotIn("tags", plain)

        missing = self.ecs.describe_clusters(clusters=["nope"])
        self.assertEqual(missing["clusters"], [])
        self.assertEqual(missing["failures"], [{"arn": f"{PREFIX}:cluster/nope", "reason": "MISSING"}])
        self.assertIn(c["clusterArn"], self.ecs.list_clusters()["clusterArns"])

    def test_cluster_settings_capacity_providers_and_delete(self):
        self.ecs.create_cluster(clusterName="cp", capacityProviders=["FARGATE", "FARGATE_SPOT"],
                                defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
                                settings=[{"name": "containerInsights", "value": "enabled"}])
        d = self.ecs.describe_clusters(clusters=["cp"], include=["SETTINGS"])["clusters"][0]
        self.assertEqual(d["capacityProviders"], ["FARGATE", "FARGATE_SPOT"])
        self.assertEqual(d["defaultCapacityProviderStrategy"],
                         [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}])
        self.assertEqual(d["settings"], [{"name": "containerInsights", "value": "enabled"}])
        self.ecs.update_cluster_settings(cluster="cp", settings=[{"name": "containerInsights", "value": "disabled"}])
        self.ecs.put_cluster_capacity_providers(
            cluster="cp", capacityProviders=["FARGATE_SPOT"],
            defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 2, "base": 1}])
        d = self.ecs.describe_clusters(clusters=["cp"], include=["SETTINGS"])["clusters"][0]
        self.assertEqual(d["settings"], [{"name": "containerInsights", "value": "disabled"}])
        self.assertEqual(d["defaultCapacityProviderStrategy"],
                         [{"capacityProvider": "FARGATE_SPOT", "weight": 2, "base": 1}])
        self.assertAwsError("InvalidParameterException", self.ecs.put_cluster_capacity_providers,
                            cluster="cp", capacityProviders=["FARGATE"],
                            defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT"}])
        self.ecs.update_cluster(cluster="cp", configuration={"executeCommandConfiguration": {
            "kmsKeyId": "alias/k", "logging": "DEFAULT"}})
        d = self.ecs.describe_clusters(clusters=["cp"], include=["CONFIGURATIONS"])["clusters"][0]
        self.assertEqual(d["configuration"]["executeCommandConfiguration"],
                         {"kmsKeyId": "alias/k", "logging": "DEFAULT"})

        deleted = self.ecs.delete_cluster(cluster="cp")["cluster"]
        self.assertEqual(deleted["status"], "INACTIVE")
        d = self.ecs.describe_clusters(clusters=["cp"])["clusters"][0]
        self.assertEqual(d["status"], "INACTIVE")
        self.assertNotIn(d["clusterArn"], self.ecs.list_clusters()["clusterArns"])
        self.assertAwsError("ClusterNotFoundException", self.ecs.delete_cluster, cluster="cp")
        self.assertAwsError("ClusterNotFoundException", self.ecs.list_services, cluster="nowhere")

    # ------------------------------------------------------------ task definitions
    def test_seed_task_definition_reads_back(self):
        td = self.register_seed(tags=[{"key": "project", "value": "fargo-seed"}])
        arn = f"{PREFIX}:task-definition/ecsWithTf-dev-myapp:1"
        self.assertEqual(td["taskDefinitionArn"], arn)
        got = self.ecs.describe_task_definition(taskDefinition="ecsWithTf-dev-myapp", include=["TAGS"])
        self.assertEqual(got["tags"], [{"key": "project", "value": "fargo-seed"}])
        d = got["taskDefinition"]
        self.assertEqual(d["family"], "ecsWithTf-dev-myapp")
        self.assertEqual(d["revision"], 1)
        self.assertEqual(d["status"], "ACTIVE")
        self.assertEqual(d["networkMode"], "awsvpc")
        self.assertEqual(d["cpu"], "1024")
        self.assertEqual(d["memory"], "2048")
        self.assertEqual(d["taskRoleArn"], TASK_ROLE)
        self.assertEqual(d["executionRoleArn"], EXEC_ROLE)
        self.assertEqual(d["requiresCompatibilities"], ["FARGATE"])
        self.assertEqual(d["compatibilities"], ["EC2", "FARGATE"])
        self.assertEqual(d["runtimePlatform"], {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"})
        self.assertEqual(d["volumes"], [{"name": "config", "host": {}}, {"name": "source", "host": {}}])
        self.assertEqual(d["registeredBy"], f"arn:aws:iam::{ACCOUNT}:root")
        self.assertIn("registeredAt", d)
        self.assertTrue(any(a["name"] == "ecs.capability.task-eni" for a in d["requiresAttributes"]))

        nginx, init = d["containerDefinitions"]
        expected_nginx = dict(NGINX, cpu=0, volumesFrom=[], systemControls=[])
        self.assertEqual(nginx, expected_nginx)
        expected_init = dict(INIT, cpu=0, portMappings=[], environment=[], volumesFrom=[], systemControls=[])
        self.assertEqual(init, expected_init)

        # By ARN and by family:revision too.
        self.assertEqual(self.ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"], d)
        self.assertEqual(self.ecs.describe_task_definition(taskDefinition="ecsWithTf-dev-myapp:1")
                         ["taskDefinition"], d)

    def test_debian_definition_revisions_and_deregistration(self):
        fam = "debian-app"
        kwargs = dict(family=fam, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="1024",
                      memory="2048", taskRoleArn=TASK_ROLE, containerDefinitions=[DEBIAN],
                      runtimePlatform={"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"})
        r1 = self.ecs.register_task_definition(**kwargs)["taskDefinition"]
        r2 = self.ecs.register_task_definition(**kwargs)["taskDefinition"]
        self.assertEqual((r1["revision"], r2["revision"]), (1, 2))
        c = r2["containerDefinitions"][0]
        self.assertEqual(c, dict(DEBIAN, portMappings=[], essential=True, environment=[], mountPoints=[],
                                 volumesFrom=[], systemControls=[]))
        self.assertEqual(r2["volumes"], [])
        self.assertEqual(r2["placementConstraints"], [])

        latest = self.ecs.describe_task_definition(taskDefinition=fam)["taskDefinition"]
        self.assertEqual(latest["revision"], 2)
        desc = self.ecs.list_task_definitions(familyPrefix=fam, sort="DESC")["taskDefinitionArns"]
        self.assertEqual(desc, [f"{PREFIX}:task-definition/{fam}:2", f"{PREFIX}:task-definition/{fam}:1"])
        dereg = self.ecs.deregister_task_definition(taskDefinition=f"{fam}:2")["taskDefinition"]
        self.assertEqual(dereg["status"], "INACTIVE")
        self.assertIn("deregisteredAt", dereg)
        self.assertEqual(self.ecs.describe_task_definition(taskDefinition=fam)["taskDefinition"]["revision"], 1)
        self.assertEqual(self.ecs.describe_task_definition(taskDefinition=f"{fam}:2")["taskDefinition"]["status"],
                         "INACTIVE")

        active = self.ecs.list_task_definitions(familyPrefix=fam)["taskDefinitionArns"]
        self.assertEqual(active, [f"{PREFIX}:task-definition/{fam}:1"])
        inactive = self.ecs.list_task_definitions(familyPrefix=fam, status="INACTIVE")["taskDefinitionArns"]
        self.assertEqual(inactive, [f"{PREFIX}:task-definition/{fam}:2"])
        self.assertIn(fam, self.ecs.list_task_definition_families(familyPrefix="debian")["families"])

        out = self.ecs.delete_task_definitions(taskDefinitions=[f"{fam}:1", f"{fam}:2"])
        self.assertEqual([t["status"] for t in out["taskDefinitions"]], ["DELETE_IN_PROGRESS"])
        self.assertEqual(len(out["failures"]), 1)
        self.assertEqual(out["failures"][0]["arn"], f"{PREFIX}:task-definition/{fam}:1")

        # Revisions are never reused.
        r3 = self.ecs.register_task_definition(**kwargs)["taskDefinition"]
        self.assertEqual(r3["revision"], 3)
        self.assertAwsError("ClientException", self.ecs.describe_task_definition, taskDefinition="no-such-family")

    def test_fargate_validation(self):
        base = dict(family="bad", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                    containerDefinitions=[{"name": "a", "image": "nginx"}])
        err = self.assertAwsError("ClientException", self.ecs.register_task_definition,
                                  cpu="1024", memory="1000", **base)
        self.assertEqual(err["Error"]["Message"],
                         "No Fargate configuration exists for given values: 1024 CPU, 1000 memory. "
                         "See the Amazon ECS documentation for the valid values.")
        err = self.assertAwsError("ClientException", self.ecs.register_task_definition,
                                  cpu="256", memory="4096", **base)
        self.assertIn("256 CPU, 4096 memory", err["Error"]["Message"])
        err = self.assertAwsError("ClientException", self.ecs.register_task_definition,
                                  **dict(base, networkMode="bridge", cpu="256", memory="512"))
        self.assertEqual(err["Error"]["Message"], "Fargate only supports network mode \u2018awsvpc\u2019.")
        err = self.assertAwsError("ClientException", self.ecs.register_task_definition, memory="512", **base)
        self.assertEqual(err["Error"]["Message"], "Fargate requires that 'cpu' be defined at the task level.")
        ok = self.ecs.register_task_definition(cpu="1 vCPU", memory="8 GB", **base)["taskDefinition"]
        self.assertEqual((ok["cpu"], ok["memory"]), ("1024", "8192"))
        for cpu, mem in (("512", "3072"), ("4096", "30720"), ("8192", "16384"), ("16384", "122880")):
            self.ecs.register_task_definition(cpu=cpu, memory=mem, **base)
        self.assertAwsError("ClientException", self.ecs.register_task_definition, cpu="8192", memory="17408", **base)

    # ------------------------------------------------------------ services
    def real_network(self):
        """A network configuration on subnets that exist: tasks on unknown
        subnets fail to start (as in AWS) and are never pending."""
        ec2 = self.fargo.client("ec2", region=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.10.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
        sg = ec2.create_security_group(GroupName="svc", Description="svc", VpcId=vpc)["GroupId"]
        return {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg], "assignPublicIp": "DISABLED"}}

    def test_service_lifecycle(self):
        cluster = self.seed_cluster("svc-cluster")["clusterArn"]
        td1 = self.register_seed(family="svc-app")["taskDefinitionArn"]
        network = self.real_network()
        svc = self.ecs.create_service(
            cluster=cluster, serviceName="svc-app-myapp", taskDefinition=td1, desiredCount=1,
            enableExecuteCommand=True, launchType="FARGATE", networkConfiguration=network,
            loadBalancers=[{"targetGroupArn": TG_ARN, "containerName": "myapp", "containerPort": 80}],
            availabilityZoneRebalancing="DISABLED",
            tags=[{"key": "project", "value": "fargo-seed"}])["service"]
        arn = f"{PREFIX}:service/svc-cluster/svc-app-myapp"
        self.assertEqual(svc["serviceArn"], arn)
        self.assertEqual(svc["status"], "ACTIVE")

        got = self.ecs.describe_services(cluster="svc-cluster", services=["svc-app-myapp"], include=["TAGS"])
        self.assertEqual(got["failures"], [])
        s = got["services"][0]
        self.assertEqual(s["clusterArn"], cluster)
        self.assertTrue(s["enableExecuteCommand"])
        self.assertEqual(s["networkConfiguration"], network)
        self.assertEqual(s["loadBalancers"],
                         [{"targetGroupArn": TG_ARN, "containerName": "myapp", "containerPort": 80}])
        self.assertEqual(s["launchType"], "FARGATE")
        self.assertEqual(s["platformVersion"], "LATEST")
        self.assertEqual(s["platformFamily"], "Linux")
        self.assertEqual(s["taskDefinition"], td1)
        self.assertEqual(s["desiredCount"], 1)
        self.assertEqual(s["runningCount"], 0)
        self.assertEqual(s["pendingCount"], 1)
        self.assertEqual(s["deploymentConfiguration"], {
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            "maximumPercent": 200, "minimumHealthyPercent": 100})
        self.assertEqual(s["deploymentController"], {"type": "ECS"})
        self.assertEqual(s["schedulingStrategy"], "REPLICA")
        self.assertEqual(s["propagateTags"], "NONE")
        self.assertFalse(s["enableECSManagedTags"])
        self.assertEqual(s["availabilityZoneRebalancing"], "DISABLED")
        self.assertEqual(s["tags"], [{"key": "project", "value": "fargo-seed"}])
        (dep,) = s["deployments"]
        self.assertRegex(dep["id"], r"^ecs-svc/\d{19}$")
        self.assertEqual(dep["status"], "PRIMARY")
        self.assertEqual(dep["rolloutState"], "IN_PROGRESS")
        self.assertEqual(dep["taskDefinition"], td1)
        self.assertEqual(dep["networkConfiguration"], network)
        self.assertEqual(dep["platformVersion"], "1.4.0")
        self.assertEqual((dep["desiredCount"], dep["pendingCount"], dep["runningCount"], dep["failedTasks"]),
                         (1, 1, 0, 0))
        self.assertNotIn("tags", self.ecs.describe_services(cluster="svc-cluster",
                                                            services=[arn])["services"][0])
        c = self.ecs.describe_clusters(clusters=["svc-cluster"])["clusters"][0]
        self.assertEqual((c["activeServicesCount"], c["pendingTasksCount"]), (1, 1))

        # Cannot delete a scaled service, nor a cluster with services.
        err = self.assertAwsError("InvalidParameterException", self.ecs.delete_service,
                                  cluster="svc-cluster", service="svc-app-myapp")
        self.assertEqual(err["Error"]["Message"], "The service cannot be stopped while it is scaled above 0.")
        self.assertAwsError("ClusterContainsServicesException", self.ecs.delete_cluster, cluster="svc-cluster")
        self.assertAwsError("InvalidParameterException", self.ecs.create_service, cluster=cluster,
                            serviceName="svc-app-myapp", taskDefinition=td1, desiredCount=1,
                            launchType="FARGATE", networkConfiguration=NETWORK)

        # A new revision makes a new PRIMARY deployment; the old one stays ACTIVE until drained.
        td2 = self.register_seed(family="svc-app")["taskDefinitionArn"]
        up = self.ecs.update_service(cluster="svc-cluster", service="svc-app-myapp", taskDefinition=td2,
                                     desiredCount=0)["service"]
        self.assertEqual([d["status"] for d in up["deployments"]], ["PRIMARY", "ACTIVE"])
        self.assertEqual(up["deployments"][0]["taskDefinition"], td2)
        self.assertEqual(up["deployments"][1]["taskDefinition"], td1)
        self.assertNotEqual(up["deployments"][0]["id"], up["deployments"][1]["id"])
        self.assertEqual(up["taskDefinition"], td2)

        def completed():
            s = self.ecs.describe_services(cluster="svc-cluster", services=["svc-app-myapp"])["services"][0]
            deps = s["deployments"]
            return s if len(deps) == 1 and deps[0]["rolloutState"] == "COMPLETED" else None
        s = wait_for(completed)
        self.assertTrue(s, "deployment of desired count 0 did not complete")
        self.assertEqual(s["events"][0]["message"], "(service svc-app-myapp) has reached a steady state.")

        # Updates of exec, network and deployment settings read back.
        net2 = {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d"], "securityGroups": [],
                                        "assignPublicIp": "ENABLED"}}
        up = self.ecs.update_service(cluster="svc-cluster", service="svc-app-myapp", enableExecuteCommand=False,
                                     networkConfiguration=net2, propagateTags="SERVICE",
                                     deploymentConfiguration={"maximumPercent": 150, "minimumHealthyPercent": 50},
                                     healthCheckGracePeriodSeconds=30)["service"]
        self.assertFalse(up["enableExecuteCommand"])
        self.assertEqual(up["networkConfiguration"], net2)
        self.assertEqual(up["propagateTags"], "SERVICE")
        self.assertEqual(up["healthCheckGracePeriodSeconds"], 30)
        self.assertEqual(up["deploymentConfiguration"]["maximumPercent"], 150)

        # Delete: DRAINING, then INACTIVE and still describable.
        gone = self.ecs.delete_service(cluster="svc-cluster", service="svc-app-myapp")["service"]
        self.assertEqual(gone["status"], "DRAINING")
        self.assertAwsError("ServiceNotActiveException", self.ecs.update_service, cluster="svc-cluster",
                            service="svc-app-myapp", desiredCount=1)
        inactive = wait_for(lambda: self.ecs.describe_services(
            cluster="svc-cluster", services=["svc-app-myapp"])["services"][0]["status"] == "INACTIVE")
        self.assertTrue(inactive)
        self.assertEqual(self.ecs.list_services(cluster="svc-cluster")["serviceArns"], [])
        self.assertAwsError("ServiceNotFoundException", self.ecs.delete_service, cluster="svc-cluster",
                            service="never-existed")
        missing = self.ecs.describe_services(cluster="svc-cluster", services=["never-existed"])
        self.assertEqual(missing["failures"],
                         [{"arn": f"{PREFIX}:service/svc-cluster/never-existed", "reason": "MISSING"}])
        self.ecs.delete_cluster(cluster="svc-cluster")

    def test_run_describe_list_stop_task(self):
        self.ecs.create_cluster(clusterName="tasks")
        td = self.register_seed(family="task-app")["taskDefinitionArn"]
        network = self.real_network()
        err = self.assertAwsError("InvalidParameterException", self.ecs.run_task, cluster="tasks",
                                  taskDefinition=td, launchType="FARGATE")
        self.assertEqual(err["Error"]["Message"],
                         "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
        run = self.ecs.run_task(cluster="tasks", taskDefinition=td, launchType="FARGATE", count=2,
                                networkConfiguration=network, startedBy="e2e",
                                tags=[{"key": "k", "value": "v"}])
        self.assertEqual(run["failures"], [])
        self.assertEqual(len(run["tasks"]), 2)
        t = run["tasks"][0]
        self.assertRegex(t["taskArn"], rf"^{PREFIX}:task/tasks/[0-9a-f]{{32}}$")
        self.assertEqual((t["lastStatus"], t["desiredStatus"], t["launchType"], t["platformVersion"]),
                         ("PROVISIONING", "RUNNING", "FARGATE", "1.4.0"))
        self.assertEqual((t["cpu"], t["memory"], t["group"]), ("1024", "2048", "family:task-app"))
        self.assertEqual(t["attachments"][0]["type"], "ElasticNetworkInterface")
        self.assertEqual([c["name"] for c in t["containers"]], ["myapp", "myapp-init-container"])

        arns = self.ecs.list_tasks(cluster="tasks", startedBy="e2e")["taskArns"]
        self.assertEqual(sorted(arns), sorted(x["taskArn"] for x in run["tasks"]))
        got = self.ecs.describe_tasks(cluster="tasks", tasks=[t["taskArn"], "nope"], include=["TAGS"])
        self.assertEqual(got["tasks"][0]["tags"], [{"key": "k", "value": "v"}])
        self.assertEqual(got["failures"], [{"arn": f"{PREFIX}:task/tasks/nope", "reason": "MISSING"}])

        stopped = self.ecs.stop_task(cluster="tasks", task=t["taskArn"], reason="done")["task"]
        self.assertEqual((stopped["desiredStatus"], stopped["stopCode"], stopped["stoppedReason"]),
                         ("STOPPED", "UserInitiated", "done"))
        self.assertEqual(self.ecs.list_tasks(cluster="tasks", desiredStatus="STOPPED")["taskArns"], [t["taskArn"]])
        self.assertAwsError("ClusterContainsTasksException", self.ecs.delete_cluster, cluster="tasks")

    def test_service_validation_and_force_delete(self):
        self.ecs.create_cluster(clusterName="val")
        td = self.register_seed(family="val-app")["taskDefinitionArn"]
        self.assertAwsError("ClusterNotFoundException", self.ecs.create_service, cluster="nope",
                            serviceName="s", taskDefinition=td, desiredCount=1)
        err = self.assertAwsError("InvalidParameterException", self.ecs.create_service, cluster="val",
                                  serviceName="s", taskDefinition=td, desiredCount=1, launchType="FARGATE")
        self.assertIn("Network Configuration must be provided", err["Error"]["Message"])
        self.assertAwsError("InvalidParameterException", self.ecs.create_service, cluster="val",
                            serviceName="s", taskDefinition=td, desiredCount=1, launchType="FARGATE",
                            networkConfiguration=NETWORK,
                            loadBalancers=[{"targetGroupArn": TG_ARN, "containerName": "nope",
                                            "containerPort": 80}])
        self.assertAwsError("ClientException", self.ecs.create_service, cluster="val", serviceName="s",
                            taskDefinition="val-app:99", desiredCount=1)
        s = self.ecs.create_service(cluster="val", serviceName="s", taskDefinition="val-app", desiredCount=3,
                                    launchType="FARGATE", networkConfiguration={
                                        "awsvpcConfiguration": {"subnets": ["subnet-1"]}})["service"]
        self.assertEqual(s["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"], "DISABLED")
        for i in range(3):
            self.ecs.create_service(cluster="val", serviceName=f"extra{i}", taskDefinition="val-app",
                                    desiredCount=0, launchType="FARGATE", networkConfiguration=NETWORK)
        page = self.ecs.list_services(cluster="val", maxResults=2)
        self.assertEqual(len(page["serviceArns"]), 2)
        rest = self.ecs.list_services(cluster="val", maxResults=2, nextToken=page["nextToken"])
        self.assertEqual(len(rest["serviceArns"]), 2)
        self.assertNotIn("nextToken", rest)
        self.assertEqual(len(self.ecs.list_services(cluster="val", launchType="FARGATE")["serviceArns"]), 4)
        self.assertEqual(self.ecs.list_services(cluster="val", launchType="EC2")["serviceArns"], [])
        forced = self.ecs.delete_service(cluster="val", service="s", force=True)["service"]
        self.assertEqual((forced["status"], forced["desiredCount"]), ("DRAINING", 0))

    # ------------------------------------------------------------ tags
    def test_tags(self):
        c = self.ecs.create_cluster(clusterName="tagged")["cluster"]["clusterArn"]
        td = self.register_seed(family="tagged-app")["taskDefinitionArn"]
        s = self.ecs.create_service(cluster="tagged", serviceName="s", taskDefinition=td, desiredCount=0,
                                    launchType="FARGATE", networkConfiguration=NETWORK)["service"]["serviceArn"]
        for arn in (c, td, s):
            self.ecs.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
            self.ecs.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "3"}])
            self.ecs.untag_resource(resourceArn=arn, tagKeys=["b"])
            self.assertEqual(self.ecs.list_tags_for_resource(resourceArn=arn)["tags"], [{"key": "a", "value": "3"}])
        self.assertEqual(self.ecs.describe_task_definition(taskDefinition=td, include=["TAGS"])["tags"],
                         [{"key": "a", "value": "3"}])
        self.assertAwsError("InvalidParameterException", self.ecs.list_tags_for_resource, resourceArn="bogus")
        self.assertAwsError("ClusterNotFoundException", self.ecs.list_tags_for_resource,
                            resourceArn=f"{PREFIX}:cluster/none")
        self.assertAwsError("ResourceNotFoundException", self.ecs.tag_resource,
                            resourceArn=f"{PREFIX}:service/tagged/none", tags=[{"key": "k", "value": "v"}])
        self.assertAwsError("InvalidParameterException", self.ecs.tag_resource, resourceArn=c,
                            tags=[{"key": "aws:x", "value": "v"}])

    # ------------------------------------------------------------ CLI and durability
    def test_cli_and_durability(self):
        self.fargo.aws("ecs", "create-cluster", "--cluster-name", "durable", region=REGION)
        td = self.fargo.aws("ecs", "register-task-definition", "--family", "durable-app",
                            "--requires-compatibilities", "FARGATE", "--network-mode", "awsvpc",
                            "--cpu", "256", "--memory", "512", "--container-definitions",
                            '[{"name":"web","image":"nginx","portMappings":[{"containerPort":8080}]}]',
                            region=REGION)["taskDefinition"]
        self.assertEqual(td["containerDefinitions"][0]["portMappings"],
                         [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}])
        self.fargo.aws("ecs", "create-service", "--cluster", "durable", "--service-name", "web",
                       "--task-definition", "durable-app", "--desired-count", "2", "--launch-type", "FARGATE",
                       "--enable-execute-command", "--network-configuration",
                       "awsvpcConfiguration={subnets=[subnet-1],securityGroups=[sg-1],assignPublicIp=ENABLED}",
                       region=REGION)
        before = self.ecs.describe_services(cluster="durable", services=["web"], include=["TAGS"])["services"][0]

        self.fargo.restart_after_kill9()
        ecs = self.fargo.client("ecs", region=REGION)
        after = ecs.describe_services(cluster="durable", services=["web"], include=["TAGS"])["services"][0]
        for k in ("serviceArn", "taskDefinition", "desiredCount", "enableExecuteCommand", "networkConfiguration",
                  "deploymentConfiguration", "createdAt"):
            self.assertEqual(after[k], before[k], k)
        self.assertEqual(after["deployments"][0]["id"], before["deployments"][0]["id"])
        got = ecs.describe_task_definition(taskDefinition="durable-app")["taskDefinition"]
        self.assertEqual(got["registeredAt"].timestamp(), td.pop("registeredAt"))
        got.pop("registeredAt")
        self.assertEqual(got, td)
        self.assertEqual(ecs.describe_clusters(clusters=["durable"])["clusters"][0]["activeServicesCount"], 1)
        out = self.fargo.aws("ecs", "describe-services", "--cluster", "durable", "--services", "web", region=REGION)
        self.assertTrue(out["services"][0]["enableExecuteCommand"])
        # Other regions do not see it.
        self.assertEqual(self.fargo.client("ecs", region="us-east-1").list_clusters()["clusterArns"], [])


if __name__ == "__main__":
    unittest.main()
