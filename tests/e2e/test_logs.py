"""CloudWatch Logs through boto3, the aws CLI v1 and the aws CLI v2 (`aws logs tail`)."""
import os
import subprocess
import time
import unittest

from fargo_harness import FargoTestCase, require

V2_CLI = "/usr/bin/aws"
DAY_MS = 24 * 3600 * 1000


def now_ms():
    return int(time.time() * 1000)


class LogsTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = cls.fargo.client("logs")

    def make_stream(self, group, stream="s1", **kwargs):
        try:
            self.logs.create_log_group(logGroupName=group, **kwargs)
        except self.logs.exceptions.ResourceAlreadyExistsException:
            pass
        self.logs.create_log_stream(logGroupName=group, logStreamName=stream)

    def put(self, group, stream, messages, start=None, step=1):
        t0 = start if start is not None else now_ms() - 60_000
        events = [{"timestamp": t0 + i * step, "message": m} for i, m in enumerate(messages)]
        return self.logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)

    # ---- groups -----------------------------------------------------------------

    def test_group_lifecycle_and_fields(self):
        self.logs.create_log_group(logGroupName="/app/lifecycle", kmsKeyId="arn:aws:kms:us-east-1:000000000000:key/k1",
                                   tags={"team": "core"})
        self.assertAwsError("ResourceAlreadyExistsException", self.logs.create_log_group,
                            logGroupName="/app/lifecycle")
        g = self.logs.describe_log_groups(logGroupNamePrefix="/app/lifecycle")["logGroups"][0]
        self.assertEqual(g["logGroupName"], "/app/lifecycle")
        self.assertEqual(g["arn"], "arn:aws:logs:us-east-1:000000000000:log-group:/app/lifecycle:*")
        self.assertEqual(g["logGroupArn"], "arn:aws:logs:us-east-1:000000000000:log-group:/app/lifecycle")
        self.assertEqual(g["metricFilterCount"], 0)
        self.assertEqual(g["logGroupClass"], "STANDARD")
        self.assertEqual(g["kmsKeyId"], "arn:aws:kms:us-east-1:000000000000:key/k1")
        self.assertIn("storedBytes", g)
        self.assertLess(abs(g["creationTime"] - now_ms()), 60_000)
        self.assertNotIn("retentionInDays", g)

        self.logs.disassociate_kms_key(logGroupName="/app/lifecycle")
        g = self.logs.describe_log_groups(logGroupNamePrefix="/app/lifecycle")["logGroups"][0]
        self.assertNotIn("kmsKeyId", g)
        self.logs.associate_kms_key(logGroupName="/app/lifecycle", kmsKeyId="alias/k2")
        g = self.logs.describe_log_groups(logGroupNamePrefix="/app/lifecycle")["logGroups"][0]
        self.assertEqual(g["kmsKeyId"], "alias/k2")

        self.logs.delete_log_group(logGroupName="/app/lifecycle")
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix="/app/lifecycle")["logGroups"], [])
        self.assertAwsError("ResourceNotFoundException", self.logs.delete_log_group,
                            logGroupName="/app/lifecycle")

    def test_invalid_group_name(self):
        self.assertAwsError("InvalidParameterException", self.logs.create_log_group,
                            logGroupName="bad name")

    def test_describe_groups_prefix_pattern_and_pagination(self):
        for i in range(7):
            self.logs.create_log_group(logGroupName=f"/page/grp-{i}")
        self.logs.create_log_group(logGroupName="/other/Special-GRP")
        names, token, pages = [], None, 0
        while True:
            kw = {"logGroupNamePrefix": "/page/", "limit": 3}
            if token:
                kw["nextToken"] = token
            resp = self.logs.describe_log_groups(**kw)
            names += [g["logGroupName"] for g in resp["logGroups"]]
            pages += 1
            token = resp.get("nextToken")
            if not token:
                break
        self.assertEqual(names, [f"/page/grp-{i}" for i in range(7)])
        self.assertEqual(pages, 3)
        pat = self.logs.describe_log_groups(logGroupNamePattern="special")["logGroups"]
        self.assertEqual([g["logGroupName"] for g in pat], ["/other/Special-GRP"])
        self.assertAwsError("InvalidParameterException", self.logs.describe_log_groups,
                            logGroupNamePrefix="/page", logGroupNamePattern="grp")
        # The boto3 paginator walks every page.
        pages = self.logs.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix="/page/", PaginationConfig={"PageSize": 2})
        self.assertEqual(sum(len(p["logGroups"]) for p in pages), 7)

    def test_retention_policy(self):
        self.logs.create_log_group(logGroupName="ret")
        self.logs.put_retention_policy(logGroupName="ret", retentionInDays=14)
        g = self.logs.describe_log_groups(logGroupNamePrefix="ret")["logGroups"][0]
        self.assertEqual(g["retentionInDays"], 14)
        err = self.assertAwsError("InvalidParameterException", self.logs.put_retention_policy,
                                  logGroupName="ret", retentionInDays=2)
        self.assertIn("Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, "
                      "400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]", err["Error"]["Message"])
        for days in (1, 3653, 2192):
            self.logs.put_retention_policy(logGroupName="ret", retentionInDays=days)
        self.logs.delete_retention_policy(logGroupName="ret")
        g = self.logs.describe_log_groups(logGroupNamePrefix="ret")["logGroups"][0]
        self.assertNotIn("retentionInDays", g)
        self.assertAwsError("ResourceNotFoundException", self.logs.put_retention_policy,
                            logGroupName="nope", retentionInDays=1)

    def test_retention_hides_expired_events(self):
        self.make_stream("ret-read")
        now = now_ms()
        self.put("ret-read", "s1", ["old"], start=now - 3 * DAY_MS)
        self.put("ret-read", "s1", ["new"], start=now - 1000)
        self.logs.put_retention_policy(logGroupName="ret-read", retentionInDays=1)
        got = self.logs.get_log_events(logGroupName="ret-read", logStreamName="s1", startFromHead=True)
        self.assertEqual([e["message"] for e in got["events"]], ["new"])
        got = self.logs.filter_log_events(logGroupName="ret-read")
        self.assertEqual([e["message"] for e in got["events"]], ["new"])

    # ---- tags -------------------------------------------------------------------

    def test_tags_by_arn_and_legacy(self):
        self.logs.create_log_group(logGroupName="tagged", tags={"a": "1"})
        arn = "arn:aws:logs:us-east-1:000000000000:log-group:tagged"
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"], {"a": "1"})
        self.logs.tag_resource(resourceArn=arn + ":*", tags={"b": "2"})
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"], {"a": "1", "b": "2"})
        self.logs.untag_resource(resourceArn=arn, tagKeys=["a"])
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="tagged")["tags"], {"b": "2"})
        self.logs.tag_log_group(logGroupName="tagged", tags={"c": "3"})
        self.logs.untag_log_group(logGroupName="tagged", tags=["b"])
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn + ":*")["tags"], {"c": "3"})
        self.assertAwsError("ResourceNotFoundException", self.logs.list_tags_for_resource,
                            resourceArn="arn:aws:logs:us-east-1:000000000000:log-group:missing")

    # ---- streams ----------------------------------------------------------------

    def test_streams_ordering_and_fields(self):
        self.logs.create_log_group(logGroupName="streams")
        for name in ("b", "a", "c"):
            self.logs.create_log_stream(logGroupName="streams", logStreamName=name)
        self.assertAwsError("ResourceAlreadyExistsException", self.logs.create_log_stream,
                            logGroupName="streams", logStreamName="a")
        self.assertAwsError("ResourceNotFoundException", self.logs.create_log_stream,
                            logGroupName="no-such-group", logStreamName="a")
        now = now_ms()
        self.put("streams", "c", ["c1"], start=now - 3000)
        self.put("streams", "a", ["a1"], start=now - 2000)
        self.put("streams", "b", ["b1"], start=now - 1000)

        by_name = self.logs.describe_log_streams(logGroupName="streams")["logStreams"]
        self.assertEqual([s["logStreamName"] for s in by_name], ["a", "b", "c"])
        desc = self.logs.describe_log_streams(logGroupName="streams", descending=True)["logStreams"]
        self.assertEqual([s["logStreamName"] for s in desc], ["c", "b", "a"])
        by_time = self.logs.describe_log_streams(logGroupName="streams", orderBy="LastEventTime",
                                                 descending=True)["logStreams"]
        self.assertEqual([s["logStreamName"] for s in by_time], ["b", "a", "c"])
        self.assertAwsError("InvalidParameterException", self.logs.describe_log_streams,
                            logGroupName="streams", orderBy="LastEventTime", logStreamNamePrefix="a")

        a = by_name[0]
        self.assertEqual(a["arn"], "arn:aws:logs:us-east-1:000000000000:log-group:streams:log-stream:a")
        self.assertEqual(a["firstEventTimestamp"], now - 2000)
        self.assertEqual(a["lastEventTimestamp"], now - 2000)
        for field in ("creationTime", "lastIngestionTime", "uploadSequenceToken", "storedBytes"):
            self.assertIn(field, a)

        page1 = self.logs.describe_log_streams(logGroupName="streams", limit=2)
        self.assertEqual(len(page1["logStreams"]), 2)
        page2 = self.logs.describe_log_streams(logGroupName="streams", limit=2, nextToken=page1["nextToken"])
        self.assertEqual([s["logStreamName"] for s in page2["logStreams"]], ["c"])
        self.assertNotIn("nextToken", page2)
        prefixed = self.logs.describe_log_streams(logGroupName="streams", logStreamNamePrefix="b")
        self.assertEqual([s["logStreamName"] for s in prefixed["logStreams"]], ["b"])
        by_ident = self.logs.describe_log_streams(
            logGroupIdentifier="arn:aws:logs:us-east-1:000000000000:log-group:streams")
        self.assertEqual(len(by_ident["logStreams"]), 3)

        self.logs.delete_log_stream(logGroupName="streams", logStreamName="a")
        self.assertAwsError("ResourceNotFoundException", self.logs.delete_log_stream,
                            logGroupName="streams", logStreamName="a")
        self.assertAwsError("ResourceNotFoundException", self.logs.get_log_events,
                            logGroupName="streams", logStreamName="a")

    # ---- PutLogEvents -----------------------------------------------------------

    def test_put_log_events_batch_rules(self):
        self.make_stream("rules")
        now = now_ms()
        resp = self.put("rules", "s1", ["x"])
        self.assertTrue(resp["nextSequenceToken"])
        self.assertNotIn("rejectedLogEventsInfo", resp)

        err = self.assertAwsError("InvalidParameterException", self.logs.put_log_events,
                                  logGroupName="rules", logStreamName="s1",
                                  logEvents=[{"timestamp": now, "message": "b"},
                                             {"timestamp": now - 5, "message": "a"}])
        self.assertEqual(err["Error"]["Message"],
                         "Log events in a single PutLogEvents request must be in chronological order.")
        self.assertAwsError("InvalidParameterException", self.logs.put_log_events,
                            logGroupName="rules", logStreamName="s1",
                            logEvents=[{"timestamp": now - DAY_MS - 10, "message": "a"},
                                       {"timestamp": now, "message": "b"}])
        big = "x" * (1048576 // 2)
        self.assertAwsError("InvalidParameterException", self.logs.put_log_events,
                            logGroupName="rules", logStreamName="s1",
                            logEvents=[{"timestamp": now, "message": big}, {"timestamp": now, "message": big}])
        self.assertAwsError("ResourceNotFoundException", self.logs.put_log_events,
                            logGroupName="rules", logStreamName="nope",
                            logEvents=[{"timestamp": now, "message": "a"}])
        self.assertAwsError("ResourceNotFoundException", self.logs.put_log_events,
                            logGroupName="nope", logStreamName="s1",
                            logEvents=[{"timestamp": now, "message": "a"}])

    def test_put_log_events_rejected_info(self):
        self.make_stream("rejected")
        now = now_ms()
        old = now - 15 * DAY_MS
        # Spanning <= 24h is required, so test too-old and too-new separately.
        resp = self.logs.put_log_events(logGroupName="rejected", logStreamName="s1", logEvents=[
            {"timestamp": old, "message": "old1"},
            {"timestamp": old + 1, "message": "old2"}])
        self.assertEqual(resp["rejectedLogEventsInfo"], {"tooOldLogEventEndIndex": 1})
        resp = self.logs.put_log_events(logGroupName="rejected", logStreamName="s1", logEvents=[
            {"timestamp": now, "message": "ok"},
            {"timestamp": now + 3 * 3600 * 1000, "message": "future"}])
        self.assertEqual(resp["rejectedLogEventsInfo"], {"tooNewLogEventStartIndex": 1})

        self.make_stream("expired")
        self.logs.put_retention_policy(logGroupName="expired", retentionInDays=1)
        resp = self.logs.put_log_events(logGroupName="expired", logStreamName="s1", logEvents=[
            {"timestamp": now - DAY_MS - 3000, "message": "gone"},
            {"timestamp": now - DAY_MS - 2000, "message": "gone too"},
            {"timestamp": now - 5000, "message": "kept"}])
        self.assertEqual(resp["rejectedLogEventsInfo"], {"expiredLogEventEndIndex": 1})

        got = self.logs.get_log_events(logGroupName="rejected", logStreamName="s1", startFromHead=True)
        self.assertEqual([e["message"] for e in got["events"]], ["ok"])
        got = self.logs.get_log_events(logGroupName="expired", logStreamName="s1", startFromHead=True)
        self.assertEqual([e["message"] for e in got["events"]], ["kept"])

    # ---- GetLogEvents -----------------------------------------------------------

    def test_get_log_events_head_tail_and_tokens(self):
        self.make_stream("get")
        t0 = now_ms() - 100_000
        self.put("get", "s1", [f"m{i}" for i in range(25)], start=t0)

        head = self.logs.get_log_events(logGroupName="get", logStreamName="s1", startFromHead=True, limit=10)
        self.assertEqual([e["message"] for e in head["events"]], [f"m{i}" for i in range(10)])
        self.assertTrue(head["nextForwardToken"].startswith("f/"))
        self.assertTrue(head["nextBackwardToken"].startswith("b/"))
        e0 = head["events"][0]
        self.assertEqual(e0["timestamp"], t0)
        self.assertIn("ingestionTime", e0)

        tail = self.logs.get_log_events(logGroupName="get", logStreamName="s1", limit=10)
        self.assertEqual([e["message"] for e in tail["events"]], [f"m{i}" for i in range(15, 25)])

        # Walk forward from the head to the end: the final token repeats.
        seen, token = [], None
        while True:
            kw = {"logGroupName": "get", "logStreamName": "s1", "limit": 7}
            kw.update({"nextToken": token} if token else {"startFromHead": True})
            resp = self.logs.get_log_events(**kw)
            seen += [e["message"] for e in resp["events"]]
            if resp["nextForwardToken"] == token:
                self.assertEqual(resp["events"], [])
                break
            token = resp["nextForwardToken"]
        self.assertEqual(seen, [f"m{i}" for i in range(25)])

        # New events appear behind the final forward token.
        self.put("get", "s1", ["late"], start=t0 + 50)
        resp = self.logs.get_log_events(logGroupName="get", logStreamName="s1", nextToken=token)
        self.assertEqual([e["message"] for e in resp["events"]], ["late"])

        # Backward from the tail.
        back = self.logs.get_log_events(logGroupName="get", logStreamName="s1", limit=10,
                                        nextToken=tail["nextBackwardToken"])
        self.assertEqual([e["message"] for e in back["events"]], [f"m{i}" for i in range(5, 15)])

        window = self.logs.get_log_events(logGroupName="get", logStreamName="s1", startFromHead=True,
                                          startTime=t0 + 3, endTime=t0 + 6)
        self.assertEqual([e["message"] for e in window["events"]], ["m3", "m4", "m5"])

        ident = self.logs.get_log_events(logGroupIdentifier="get", logStreamName="s1", limit=1)
        self.assertEqual(len(ident["events"]), 1)
        self.assertAwsError("InvalidParameterException", self.logs.get_log_events,
                            logGroupName="get", logStreamName="s1", nextToken="garbage")

    # ---- FilterLogEvents --------------------------------------------------------

    def test_filter_log_events_text_and_json(self):
        self.logs.create_log_group(logGroupName="filter")
        for s in ("web-1", "web-2", "db-1"):
            self.logs.create_log_stream(logGroupName="filter", logStreamName=s)
        t0 = now_ms() - 50_000
        self.put("filter", "web-1", ["ERROR disk full", '{"level":"error","latency":250,"user":{"id":1},"status":500}'],
                 start=t0)
        self.put("filter", "web-2", ["INFO started", '{"level":"info","latency":20,"user":{"id":2},"status":200}'],
                 start=t0 + 10)
        self.put("filter", "db-1", ["WARN slow query", "ERROR Exiting"], start=t0 + 20)

        def msgs(**kw):
            return [e["message"] for e in self.logs.filter_log_events(logGroupName="filter", **kw)["events"]]

        everything = self.logs.filter_log_events(logGroupName="filter")
        self.assertEqual(len(everything["events"]), 6)
        ts = [e["timestamp"] for e in everything["events"]]
        self.assertEqual(ts, sorted(ts))
        ev = everything["events"][0]
        self.assertEqual(ev["logStreamName"], "web-1")
        self.assertTrue(ev["eventId"])
        self.assertIn("ingestionTime", ev)
        self.assertEqual(sorted(s["logStreamName"] for s in everything["searchedLogStreams"]),
                         ["db-1", "web-1", "web-2"])

        self.assertEqual(msgs(filterPattern="ERROR"), ["ERROR disk full", "ERROR Exiting"])
        self.assertEqual(msgs(filterPattern="ERROR -Exiting"), ["ERROR disk full"])
        self.assertEqual(msgs(filterPattern="?WARN ?INFO"), ["INFO started", "WARN slow query"])
        self.assertEqual(msgs(filterPattern='"slow query"'), ["WARN slow query"])
        self.assertEqual(len(msgs(filterPattern='{ $.level = "error" }')), 1)
        self.assertEqual(len(msgs(filterPattern="{ $.latency > 100 }")), 1)
        self.assertEqual(len(msgs(filterPattern="{ $.user.id = 1 && $.status != 200 }")), 1)
        self.assertEqual(len(msgs(filterPattern='{ $.level = "err*" || $.status = 200 }')), 2)
        self.assertEqual(msgs(logStreamNames=["db-1"]), ["WARN slow query", "ERROR Exiting"])
        self.assertEqual(len(msgs(logStreamNamePrefix="web")), 4)
        self.assertEqual(msgs(startTime=t0 + 20, endTime=t0 + 21), ["WARN slow query"])
        self.assertEqual(len(self.logs.filter_log_events(logGroupIdentifier="filter")["events"]), 6)
        self.assertAwsError("InvalidParameterException", self.logs.filter_log_events,
                            logGroupName="filter", filterPattern="{ $.level = ")
        self.assertAwsError("ResourceNotFoundException", self.logs.filter_log_events, logGroupName="nope")

        # Pagination with limit and the boto3 paginator.
        first = self.logs.filter_log_events(logGroupName="filter", limit=4)
        self.assertEqual(len(first["events"]), 4)
        rest = self.logs.filter_log_events(logGroupName="filter", limit=4, nextToken=first["nextToken"])
        self.assertEqual(len(rest["events"]), 2)
        self.assertNotIn("nextToken", rest)
        pages = self.logs.get_paginator("filter_log_events").paginate(
            logGroupName="filter", PaginationConfig={"PageSize": 2})
        self.assertEqual(sum(len(p["events"]) for p in pages), 6)

    def test_cli_v1(self):
        self.fargo.aws("logs", "create-log-group", "--log-group-name", "cli-v1")
        self.fargo.aws("logs", "create-log-stream", "--log-group-name", "cli-v1", "--log-stream-name", "s")
        self.fargo.aws("logs", "put-log-events", "--log-group-name", "cli-v1", "--log-stream-name", "s",
                       "--log-events", f"timestamp={now_ms()},message=hello-cli")
        out = self.fargo.aws("logs", "filter-log-events", "--log-group-name", "cli-v1",
                             "--filter-pattern", "hello")
        self.assertEqual([e["message"] for e in out["events"]], ["hello-cli"])
        out = self.fargo.aws("logs", "describe-log-groups", "--log-group-name-prefix", "cli-v1")
        self.assertEqual(out["logGroups"][0]["logGroupName"], "cli-v1")
        p = self.fargo.aws("logs", "put-retention-policy", "--log-group-name", "cli-v1",
                           "--retention-in-days", "2", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("InvalidParameterException", p.stderr)

    # ---- aws logs tail (CLI v2) -----------------------------------------------

    def v2_available(self):
        require(os.path.exists(V2_CLI), "the aws CLI v2 (/usr/bin/aws)")

    def test_tail_since(self):
        self.v2_available()
        self.make_stream("tail-since", "app")
        self.put("tail-since", "app", ["first line", "second line"], start=now_ms() - 30 * 60_000)
        self.put("tail-since", "app", ["ancient"], start=now_ms() - 3 * 3600 * 1000)
        p = subprocess.run([V2_CLI, "--endpoint-url", self.fargo.endpoint, "logs", "tail", "tail-since",
                            "--since", "1h"], capture_output=True, text=True, env=self.fargo.aws_env(),
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.strip().splitlines()
        self.assertEqual(len(lines), 2, p.stdout)
        self.assertTrue(lines[0].endswith("app first line"), lines)
        self.assertTrue(lines[1].endswith("app second line"), lines)

    def test_tail_follow(self):
        self.v2_available()
        self.make_stream("tail-follow", "app")
        self.put("tail-follow", "app", ["before follow"], start=now_ms() - 1000)
        proc = subprocess.Popen([V2_CLI, "--endpoint-url", self.fargo.endpoint, "logs", "tail", "tail-follow",
                                 "--follow", "--format", "short"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.fargo.aws_env())
        try:
            time.sleep(2)
            self.put("tail-follow", "app", ["during follow"], start=now_ms())
            # The CLI polls every 5 seconds.
            time.sleep(8)
        finally:
            proc.terminate()
            out, err = proc.communicate(timeout=10)
        lines = [line for line in out.splitlines() if line.strip()]
        self.assertEqual(len(lines), 2, (out, err))
        self.assertTrue(lines[0].endswith("before follow"), lines)
        self.assertTrue(lines[1].endswith("during follow"), lines)

    # ---- durability -------------------------------------------------------------

    def test_durable_after_kill9(self):
        self.logs.create_log_group(logGroupName="durable", tags={"k": "v"})
        self.logs.put_retention_policy(logGroupName="durable", retentionInDays=30)
        self.logs.create_log_stream(logGroupName="durable", logStreamName="s")
        t0 = now_ms() - 200_000
        for b in range(3):
            self.logs.put_log_events(logGroupName="durable", logStreamName="s", logEvents=[
                {"timestamp": t0 + b * 1000 + i, "message": f"b{b}-e{i}"} for i in range(1000)])
        self.fargo.restart_after_kill9()
        logs = self.fargo.client("logs")
        g = logs.describe_log_groups(logGroupNamePrefix="durable")["logGroups"][0]
        self.assertEqual(g["retentionInDays"], 30)
        self.assertEqual(logs.list_tags_log_group(logGroupName="durable")["tags"], {"k": "v"})
        got = logs.get_log_events(logGroupName="durable", logStreamName="s", startFromHead=True)
        self.assertEqual(len(got["events"]), 3000)
        self.assertEqual(got["events"][0]["message"], "b0-e0")
        self.assertEqual(got["events"][-1]["message"], "b2-e999")
        s = logs.describe_log_streams(logGroupName="durable")["logStreams"][0]
        self.assertEqual(s["lastEventTimestamp"], t0 + 2999)
        # Ids keep growing after a restart: new events sort after old ones.
        logs.create_log_stream(logGroupName="durable", logStreamName="s2")
        logs.put_log_events(logGroupName="durable", logStreamName="s2",
                            logEvents=[{"timestamp": t0 + 2999, "message": "after restart"}])
        f = logs.filter_log_events(logGroupName="durable", startTime=t0 + 2999)
        self.assertEqual([e["message"] for e in f["events"]], ["b2-e999", "after restart"])


if __name__ == "__main__":
    unittest.main()
