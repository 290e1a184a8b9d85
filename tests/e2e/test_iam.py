"""IAM: roles, inline and managed policies (local and AWS managed),
attachments, instance profiles, AWS's conflict rules and durability."""
import json
import unittest
import urllib.parse

from fargo_harness import FargoTestCase

ACCOUNT = "000000000000"
TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole"}]}
POLICY = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                         "Resource": "arn:aws:s3:::bucket/a+b c/*"}]}
ECS_EXEC = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
AWS_MANAGED = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", ECS_EXEC,
               "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
               "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
               "arn:aws:iam::aws:policy/AdministratorAccess"]


class IamTest(FargoTestCase):
    def setUp(self):
        self.iam = self.fargo.client("iam")

    def role(self, name, **kwargs):
        kwargs.setdefault("AssumeRolePolicyDocument", json.dumps(TRUST))
        return self.iam.create_role(RoleName=name, **kwargs)["Role"]

    # -- roles ---------------------------------------------------------------

    def test_role_round_trip(self):
        created = self.role("app-role", Path="/app/team/", Description="the app",
                            MaxSessionDuration=7200,
                            Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}])
        self.assertTrue(created["RoleId"].startswith("AROA"))
        self.assertEqual(len(created["RoleId"]), 21)
        self.assertEqual(created["Arn"], f"arn:aws:iam::{ACCOUNT}:role/app/team/app-role")
        got = self.iam.get_role(RoleName="app-role")["Role"]
        self.assertEqual(got["RoleName"], "app-role")
        self.assertEqual(got["Path"], "/app/team/")
        self.assertEqual(got["RoleId"], created["RoleId"])
        self.assertEqual(got["AssumeRolePolicyDocument"], TRUST)
        self.assertEqual(got["Description"], "the app")
        self.assertEqual(got["MaxSessionDuration"], 7200)
        self.assertEqual(got["Tags"], [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}])
        self.assertEqual(got["CreateDate"], created["CreateDate"])
        # IAM is global: every region sees the same role, under any case of its name.
        other = self.fargo.client("iam", region="eu-west-1").get_role(RoleName="APP-ROLE")["Role"]
        self.assertEqual((other["RoleId"], other["RoleName"]), (created["RoleId"], "app-role"))

    def test_role_defaults_and_wire_encoding(self):
        self.role("plain-role")
        got = self.iam.get_role(RoleName="plain-role")["Role"]
        self.assertEqual(got["Path"], "/")
        self.assertEqual(got["MaxSessionDuration"], 3600)
        self.assertNotIn("Description", got)
        # On the wire the document is URL-encoded, as AWS sends it.
        seen = {}
        self.iam.meta.events.register("after-call.iam.GetRole", lambda **kw: seen.update(
            raw=kw["http_response"].content.decode()))
        self.iam.get_role(RoleName="plain-role")
        raw = seen["raw"]
        start = raw.index("<AssumeRolePolicyDocument>") + len("<AssumeRolePolicyDocument>")
        encoded = raw[start:raw.index("</AssumeRolePolicyDocument>")]
        self.assertTrue(encoded.startswith("%7B%22Version%22"), encoded)
        self.assertEqual(json.loads(urllib.parse.unquote(encoded)), TRUST)

    def test_role_errors(self):
        self.role("dup-role")
        err = self.assertAwsError("EntityAlreadyExists", self.role, "dup-role", status=409)
        self.assertEqual(err["Error"]["Message"], "Role with name dup-role already exists.")
        self.assertAwsError("EntityAlreadyExists", self.role, "DUP-ROLE", status=409)
        err = self.assertAwsError("NoSuchEntity", self.iam.get_role, RoleName="ghost", status=404)
        self.assertEqual(err["Error"]["Message"], "The role with name ghost cannot be found.")
        self.assertAwsError("MalformedPolicyDocument", self.role, "bad-doc",
                            AssumeRolePolicyDocument="{not json", status=400)
        err = self.assertAwsError("ValidationError", self.role, "bad name", status=400)
        self.assertIn("Value 'bad name' at 'roleName' failed to satisfy constraint", err["Error"]["Message"])
        err = self.assertAwsError("ValidationError", self.role, "bad-path", Path="app", status=400)
        self.assertIn("at 'path'", err["Error"]["Message"])
        self.assertAwsError("ValidationError", self.role, "bad-path2", Path="/app", status=400)
        # botocore checks ranges itself; let the service see the bad values.
        import boto3, botocore.config
        raw = boto3.client("iam", endpoint_url=self.fargo.endpoint, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test",
                           config=botocore.config.Config(parameter_validation=False,
                                                         retries={"max_attempts": 1}))
        for bad in (60, 43201):
            err = self.assertAwsError("ValidationError", raw.create_role, RoleName="bad-duration",
                                      AssumeRolePolicyDocument=json.dumps(TRUST), MaxSessionDuration=bad,
                                      status=400)
            self.assertIn("maxsessionduration", err["Error"]["Message"].lower())
        self.assertAwsError("NoSuchEntity", self.iam.delete_role, RoleName="ghost", status=404)

    def test_update_role_and_trust_policy(self):
        self.role("upd-role", Description="one")
        self.iam.update_role(RoleName="upd-role", Description="two", MaxSessionDuration=43200)
        got = self.iam.get_role(RoleName="upd-role")["Role"]
        self.assertEqual((got["Description"], got["MaxSessionDuration"]), ("two", 43200))
        r = self.iam.update_role_description(RoleName="upd-role", Description="three")
        self.assertEqual(r["Role"]["Description"], "three")
        trust = dict(TRUST, Statement=[dict(TRUST["Statement"][0], Principal={"Service": "ecs-tasks.amazonaws.com"})])
        self.iam.update_assume_role_policy(RoleName="upd-role", PolicyDocument=json.dumps(trust))
        self.assertEqual(self.iam.get_role(RoleName="upd-role")["Role"]["AssumeRolePolicyDocument"], trust)
        self.assertAwsError("MalformedPolicyDocument", self.iam.update_assume_role_policy,
                            RoleName="upd-role", PolicyDocument="nope")

    def test_role_tags(self):
        self.role("tag-role", Tags=[{"Key": "a", "Value": "1"}])
        self.iam.tag_role(RoleName="tag-role", Tags=[{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}])
        self.assertEqual(self.iam.list_role_tags(RoleName="tag-role")["Tags"],
                         [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}])
        self.iam.untag_role(RoleName="tag-role", TagKeys=["a"])
        self.assertEqual(self.iam.get_role(RoleName="tag-role")["Role"]["Tags"], [{"Key": "b", "Value": "3"}])

    def test_list_roles_paginates_and_filters_by_path(self):
        for i in range(5):
            self.role(f"page-role-{i}", Path="/paged/")
        self.role("other-path-role", Path="/elsewhere/")
        first = self.iam.list_roles(PathPrefix="/paged/", MaxItems=2)
        self.assertTrue(first["IsTruncated"])
        self.assertEqual(len(first["Roles"]), 2)
        names = [r["RoleName"] for r in first["Roles"]]
        marker = first["Marker"]
        while marker:
            page = self.iam.list_roles(PathPrefix="/paged/", MaxItems=2, Marker=marker)
            names += [r["RoleName"] for r in page["Roles"]]
            marker = page.get("Marker")
        self.assertEqual(names, [f"page-role-{i}" for i in range(5)])
        paginated = [r["RoleName"] for p in self.iam.get_paginator("list_roles").paginate(
            PathPrefix="/paged/", PaginationConfig={"PageSize": 3}) for r in p["Roles"]]
        self.assertEqual(paginated, names)
        everything = [r["RoleName"] for r in self.iam.list_roles()["Roles"]]
        self.assertIn("other-path-role", everything)
        self.assertNotIn("Tags", self.iam.list_roles(PathPrefix="/paged/")["Roles"][0])

    # -- inline policies -----------------------------------------------------

    def test_inline_policies(self):
        self.role("inline-role")
        self.iam.put_role_policy(RoleName="inline-role", PolicyName="s3", PolicyDocument=json.dumps(POLICY))
        self.iam.put_role_policy(RoleName="inline-role", PolicyName="logs", PolicyDocument=json.dumps(TRUST))
        got = self.iam.get_role_policy(RoleName="inline-role", PolicyName="s3")
        self.assertEqual(got["PolicyDocument"], POLICY)  # survives '+' and ' ' in the document
        self.assertEqual((got["RoleName"], got["PolicyName"]), ("inline-role", "s3"))
        self.assertEqual(self.iam.list_role_policies(RoleName="inline-role")["PolicyNames"], ["logs", "s3"])
        err = self.assertAwsError("NoSuchEntity", self.iam.get_role_policy, RoleName="inline-role",
                                  PolicyName="nope", status=404)
        self.assertEqual(err["Error"]["Message"], "The role policy with name nope cannot be found.")
        self.assertAwsError("MalformedPolicyDocument", self.iam.put_role_policy, RoleName="inline-role",
                            PolicyName="bad", PolicyDocument="{", status=400)
        self.assertAwsError("NoSuchEntity", self.iam.put_role_policy, RoleName="ghost",
                            PolicyName="p", PolicyDocument=json.dumps(POLICY), status=404)
        self.iam.delete_role_policy(RoleName="inline-role", PolicyName="logs")
        self.assertEqual(self.iam.list_role_policies(RoleName="inline-role")["PolicyNames"], ["s3"])
        self.assertAwsError("NoSuchEntity", self.iam.delete_role_policy, RoleName="inline-role",
                            PolicyName="logs", status=404)

    # -- managed policies ----------------------------------------------------

    def test_managed_policy_lifecycle(self):
        p = self.iam.create_policy(PolicyName="app-policy", Path="/app/", PolicyDocument=json.dumps(POLICY),
                                   Description="app access", Tags=[{"Key": "k", "Value": "v"}])["Policy"]
        arn = f"arn:aws:iam::{ACCOUNT}:policy/app/app-policy"
        self.assertEqual(p["Arn"], arn)
        self.assertTrue(p["PolicyId"].startswith("ANPA"))
        self.assertEqual((p["DefaultVersionId"], p["AttachmentCount"], p["IsAttachable"]), ("v1", 0, True))
        got = self.iam.get_policy(PolicyArn=arn)["Policy"]
        self.assertEqual(got["Description"], "app access")
        self.assertEqual(got["Tags"], [{"Key": "k", "Value": "v"}])
        v1 = self.iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
        self.assertEqual(v1["Document"], POLICY)
        self.assertTrue(v1["IsDefaultVersion"])
        self.assertAwsError("EntityAlreadyExists", self.iam.create_policy, PolicyName="app-policy",
                            PolicyDocument=json.dumps(POLICY), status=409)
        self.assertAwsError("MalformedPolicyDocument", self.iam.create_policy, PolicyName="bad-policy",
                            PolicyDocument="[", status=400)
        err = self.assertAwsError("NoSuchEntity", self.iam.get_policy,
                                  PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/nope", status=404)
        self.assertEqual(err["Error"]["Message"], f"Policy arn:aws:iam::{ACCOUNT}:policy/nope was not found.")

        # Versions: up to five, the default cannot be deleted.
        doc2 = dict(POLICY, Statement=[dict(POLICY["Statement"][0], Action="s3:*")])
        v2 = self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc2),
                                            SetAsDefault=True)["PolicyVersion"]
        self.assertEqual((v2["VersionId"], v2["IsDefaultVersion"]), ("v2", True))
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v2")
        for _ in range(3):
            self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(POLICY))
        self.assertAwsError("LimitExceeded", self.iam.create_policy_version, PolicyArn=arn,
                            PolicyDocument=json.dumps(POLICY), status=409)
        versions = self.iam.list_policy_versions(PolicyArn=arn)["Versions"]
        self.assertEqual(sorted(v["VersionId"] for v in versions), ["v1", "v2", "v3", "v4", "v5"])
        self.assertEqual([v["VersionId"] for v in versions if v["IsDefaultVersion"]], ["v2"])
        self.assertAwsError("DeleteConflict", self.iam.delete_policy_version, PolicyArn=arn, VersionId="v2",
                            status=409)
        self.iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
        self.assertEqual(self.iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"],
                         doc2)
        self.assertAwsError("NoSuchEntity", self.iam.get_policy_version, PolicyArn=arn, VersionId="v9",
                            status=404)
        # A policy with several versions cannot be deleted until they go.
        self.assertAwsError("DeleteConflict", self.iam.delete_policy, PolicyArn=arn, status=409)
        for v in ("v2", "v3", "v4", "v5"):
            self.iam.delete_policy_version(PolicyArn=arn, VersionId=v)
        self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(POLICY))
        self.assertEqual([v["VersionId"] for v in self.iam.list_policy_versions(PolicyArn=arn)["Versions"]],
                         ["v6", "v1"])
        self.iam.delete_policy_version(PolicyArn=arn, VersionId="v6")

        # Tags.
        self.iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "k2", "Value": "v2"}])
        self.iam.untag_policy(PolicyArn=arn, TagKeys=["k"])
        self.assertEqual(self.iam.list_policy_tags(PolicyArn=arn)["Tags"], [{"Key": "k2", "Value": "v2"}])

        self.iam.delete_policy(PolicyArn=arn)
        self.assertAwsError("NoSuchEntity", self.iam.get_policy, PolicyArn=arn, status=404)

    def test_aws_managed_policies(self):
        self.role("aws-managed-role")
        for arn in AWS_MANAGED:
            p = self.iam.get_policy(PolicyArn=arn)["Policy"]
            self.assertEqual(p["Arn"], arn)
            self.assertEqual(p["PolicyName"], arn.rsplit("/", 1)[1])
            doc = self.iam.get_policy_version(PolicyArn=arn, VersionId=p["DefaultVersionId"])["PolicyVersion"]
            self.assertEqual(doc["Document"]["Version"], "2012-10-17")
            self.iam.attach_role_policy(RoleName="aws-managed-role", PolicyArn=arn)
        self.assertEqual(self.iam.get_policy(PolicyArn=ECS_EXEC)["Policy"]["Path"], "/service-role/")
        attached = self.iam.list_attached_role_policies(RoleName="aws-managed-role")["AttachedPolicies"]
        self.assertEqual(sorted(a["PolicyArn"] for a in attached), sorted(AWS_MANAGED))
        self.assertIn({"PolicyName": "AmazonECSTaskExecutionRolePolicy", "PolicyArn": ECS_EXEC}, attached)
        only_sr = self.iam.list_attached_role_policies(RoleName="aws-managed-role",
                                                       PathPrefix="/service-role/")["AttachedPolicies"]
        self.assertEqual([a["PolicyArn"] for a in only_sr], [ECS_EXEC])
        bogus = "arn:aws:iam::aws:policy/NotARealPolicy"
        err = self.assertAwsError("NoSuchEntity", self.iam.attach_role_policy, RoleName="aws-managed-role",
                                  PolicyArn=bogus, status=404)
        self.assertEqual(err["Error"]["Message"], f"Policy {bogus} does not exist or is not attachable.")
        # Listing by scope.
        aws_scope = [p["Arn"] for p in self.iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]]
        for arn in AWS_MANAGED:
            self.assertIn(arn, aws_scope)
        attached_scope = self.iam.list_policies(Scope="AWS", OnlyAttached=True, MaxItems=1000)["Policies"]
        self.assertTrue({p["Arn"] for p in attached_scope} >= set(AWS_MANAGED))
        self.assertTrue(all(p["AttachmentCount"] >= 1 for p in attached_scope))
        for arn in AWS_MANAGED:
            self.iam.detach_role_policy(RoleName="aws-managed-role", PolicyArn=arn)
        self.iam.delete_role(RoleName="aws-managed-role")

    def test_attachments_and_entities(self):
        self.role("att-role-1", Path="/x/")
        self.role("att-role-2")
        arn = self.iam.create_policy(PolicyName="att-policy", PolicyDocument=json.dumps(POLICY))["Policy"]["Arn"]
        self.iam.attach_role_policy(RoleName="att-role-1", PolicyArn=arn)
        self.iam.attach_role_policy(RoleName="att-role-1", PolicyArn=arn)  # idempotent
        self.iam.attach_role_policy(RoleName="att-role-2", PolicyArn=arn)
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 2)
        entities = self.iam.list_entities_for_policy(PolicyArn=arn)
        self.assertEqual(sorted(r["RoleName"] for r in entities["PolicyRoles"]), ["att-role-1", "att-role-2"])
        self.assertEqual((entities["PolicyUsers"], entities["PolicyGroups"]), ([], []))
        only_x = self.iam.list_entities_for_policy(PolicyArn=arn, PathPrefix="/x/", EntityFilter="Role")
        self.assertEqual([r["RoleName"] for r in only_x["PolicyRoles"]], ["att-role-1"])
        local = [p["Arn"] for p in self.iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]]
        self.assertIn(arn, local)
        err = self.assertAwsError("DeleteConflict", self.iam.delete_policy, PolicyArn=arn, status=409)
        self.assertEqual(err["Error"]["Message"], "Cannot delete a policy attached to entities.")
        self.iam.detach_role_policy(RoleName="att-role-1", PolicyArn=arn)
        self.assertAwsError("NoSuchEntity", self.iam.detach_role_policy, RoleName="att-role-1", PolicyArn=arn,
                            status=404)
        self.iam.detach_role_policy(RoleName="att-role-2", PolicyArn=arn)
        self.assertEqual(self.iam.list_entities_for_policy(PolicyArn=arn)["PolicyRoles"], [])
        self.iam.delete_policy(PolicyArn=arn)

    def test_permissions_boundary(self):
        boundary = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
        self.role("bounded-role", PermissionsBoundary=boundary)
        got = self.iam.get_role(RoleName="bounded-role")["Role"]
        self.assertEqual(got["PermissionsBoundary"],
                         {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary})
        self.iam.delete_role_permissions_boundary(RoleName="bounded-role")
        self.assertNotIn("PermissionsBoundary", self.iam.get_role(RoleName="bounded-role")["Role"])
        self.iam.put_role_permissions_boundary(RoleName="bounded-role", PermissionsBoundary=boundary)
        self.assertIn("PermissionsBoundary", self.iam.get_role(RoleName="bounded-role")["Role"])

    # -- instance profiles ---------------------------------------------------

    def test_instance_profiles(self):
        self.role("ip-role")
        ip = self.iam.create_instance_profile(InstanceProfileName="web-profile", Path="/web/")["InstanceProfile"]
        self.assertTrue(ip["InstanceProfileId"].startswith("AIPA"))
        self.assertEqual(ip["Arn"], f"arn:aws:iam::{ACCOUNT}:instance-profile/web/web-profile")
        self.assertEqual(ip["Roles"], [])
        self.assertAwsError("EntityAlreadyExists", self.iam.create_instance_profile,
                            InstanceProfileName="web-profile", status=409)
        self.iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName="ip-role")
        got = self.iam.get_instance_profile(InstanceProfileName="web-profile")["InstanceProfile"]
        self.assertEqual([r["RoleName"] for r in got["Roles"]], ["ip-role"])
        self.assertEqual(got["Roles"][0]["AssumeRolePolicyDocument"], TRUST)
        self.role("ip-role-2")
        self.assertAwsError("LimitExceeded", self.iam.add_role_to_instance_profile,
                            InstanceProfileName="web-profile", RoleName="ip-role-2", status=409)
        for_role = self.iam.list_instance_profiles_for_role(RoleName="ip-role")["InstanceProfiles"]
        self.assertEqual([p["InstanceProfileName"] for p in for_role], ["web-profile"])
        self.assertIn("web-profile", [p["InstanceProfileName"] for p in
                                      self.iam.list_instance_profiles(PathPrefix="/web/")["InstanceProfiles"]])
        err = self.assertAwsError("DeleteConflict", self.iam.delete_instance_profile,
                                  InstanceProfileName="web-profile", status=409)
        self.assertEqual(err["Error"]["Message"],
                         "Cannot delete entity, must remove roles from instance profile first.")
        self.iam.remove_role_from_instance_profile(InstanceProfileName="web-profile", RoleName="ip-role")
        self.assertEqual(self.iam.list_instance_profiles_for_role(RoleName="ip-role")["InstanceProfiles"], [])
        self.iam.delete_instance_profile(InstanceProfileName="web-profile")
        self.assertAwsError("NoSuchEntity", self.iam.get_instance_profile, InstanceProfileName="web-profile",
                            status=404)

    # -- DeleteRole's conflict rules -----------------------------------------

    def test_delete_role_conflicts(self):
        self.role("doomed-role")
        self.iam.put_role_policy(RoleName="doomed-role", PolicyName="inline", PolicyDocument=json.dumps(POLICY))
        self.iam.attach_role_policy(RoleName="doomed-role", PolicyArn=AWS_MANAGED[0])
        self.iam.create_instance_profile(InstanceProfileName="doomed-profile")
        self.iam.add_role_to_instance_profile(InstanceProfileName="doomed-profile", RoleName="doomed-role")

        def conflict(message):
            err = self.assertAwsError("DeleteConflict", self.iam.delete_role, RoleName="doomed-role", status=409)
            self.assertEqual(err["Error"]["Message"], message)
        conflict("Cannot delete entity, must delete policies first.")
        self.iam.delete_role_policy(RoleName="doomed-role", PolicyName="inline")
        conflict("Cannot delete entity, must detach all policies first.")
        self.iam.detach_role_policy(RoleName="doomed-role", PolicyArn=AWS_MANAGED[0])
        conflict("Cannot delete entity, must remove roles from instance profile first.")
        self.iam.remove_role_from_instance_profile(InstanceProfileName="doomed-profile", RoleName="doomed-role")
        self.iam.delete_role(RoleName="doomed-role")
        self.assertAwsError("NoSuchEntity", self.iam.get_role, RoleName="doomed-role", status=404)
        self.iam.delete_instance_profile(InstanceProfileName="doomed-profile")

    # -- aws CLI -------------------------------------------------------------

    def test_cli(self):
        out = self.fargo.aws("iam", "create-role", "--role-name", "cli-role", "--path", "/cli/",
                             "--assume-role-policy-document", json.dumps(TRUST),
                             "--tags", "Key=owner,Value=cli")
        self.assertEqual(out["Role"]["Arn"], f"arn:aws:iam::{ACCOUNT}:role/cli/cli-role")
        got = self.fargo.aws("iam", "get-role", "--role-name", "cli-role")["Role"]
        self.assertEqual(got["AssumeRolePolicyDocument"], TRUST)
        self.assertEqual(got["Tags"], [{"Key": "owner", "Value": "cli"}])
        self.fargo.aws("iam", "put-role-policy", "--role-name", "cli-role", "--policy-name", "p",
                       "--policy-document", json.dumps(POLICY))
        self.assertEqual(self.fargo.aws("iam", "get-role-policy", "--role-name", "cli-role",
                                        "--policy-name", "p")["PolicyDocument"], POLICY)
        self.fargo.aws("iam", "attach-role-policy", "--role-name", "cli-role", "--policy-arn", ECS_EXEC)
        attached = self.fargo.aws("iam", "list-attached-role-policies", "--role-name", "cli-role")
        self.assertEqual(attached["AttachedPolicies"],
                         [{"PolicyName": "AmazonECSTaskExecutionRolePolicy", "PolicyArn": ECS_EXEC}])
        p = self.fargo.aws("iam", "delete-role", "--role-name", "cli-role", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("DeleteConflict", p.stderr)
        p = self.fargo.aws("iam", "get-role", "--role-name", "no-such-cli-role", check=False)
        self.assertIn("NoSuchEntity", p.stderr)
        # The CLI pages ListRoles itself.
        roles = self.fargo.aws("iam", "list-roles", "--path-prefix", "/cli/", "--page-size", "1")["Roles"]
        self.assertEqual([r["RoleName"] for r in roles], ["cli-role"])


class IamDurabilityTest(FargoTestCase):
    def test_state_survives_kill9(self):
        iam = self.fargo.client("iam")
        role = iam.create_role(RoleName="durable-role", Path="/d/", Description="kept",
                               AssumeRolePolicyDocument=json.dumps(TRUST), MaxSessionDuration=5400,
                               Tags=[{"Key": "k", "Value": "v"}])["Role"]
        iam.put_role_policy(RoleName="durable-role", PolicyName="inline", PolicyDocument=json.dumps(POLICY))
        arn = iam.create_policy(PolicyName="durable-policy", PolicyDocument=json.dumps(POLICY))["Policy"]["Arn"]
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(TRUST), SetAsDefault=True)
        iam.attach_role_policy(RoleName="durable-role", PolicyArn=arn)
        iam.attach_role_policy(RoleName="durable-role", PolicyArn=ECS_EXEC)
        iam.create_instance_profile(InstanceProfileName="durable-profile")
        iam.add_role_to_instance_profile(InstanceProfileName="durable-profile", RoleName="durable-role")

        self.fargo.restart_after_kill9()
        iam = self.fargo.client("iam")

        got = iam.get_role(RoleName="durable-role")["Role"]
        self.assertEqual((got["RoleId"], got["Arn"], got["Description"], got["MaxSessionDuration"]),
                         (role["RoleId"], role["Arn"], "kept", 5400))
        self.assertEqual(got["AssumeRolePolicyDocument"], TRUST)
        self.assertEqual(got["Tags"], [{"Key": "k", "Value": "v"}])
        self.assertEqual(iam.get_role_policy(RoleName="durable-role", PolicyName="inline")["PolicyDocument"],
                         POLICY)
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
        self.assertEqual((policy["DefaultVersionId"], policy["AttachmentCount"]), ("v2", 1))
        self.assertEqual(iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"], TRUST)
        attached = iam.list_attached_role_policies(RoleName="durable-role")["AttachedPolicies"]
        self.assertEqual(sorted(a["PolicyArn"] for a in attached), sorted([arn, ECS_EXEC]))
        ip = iam.get_instance_profile(InstanceProfileName="durable-profile")["InstanceProfile"]
        self.assertEqual([r["RoleName"] for r in ip["Roles"]], ["durable-role"])


if __name__ == "__main__":
    unittest.main()
