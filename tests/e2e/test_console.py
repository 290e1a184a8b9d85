"""The web console at /_fargo/, in a real headless Chromium.

With a service of two tasks running, the console's pages show the right
counts and addresses; a task stopped through the aws CLI changes state on
the open page within a second, without a reload; the live log tail shows a
line a container prints within a second; the actions (stop a task, set a
service's desired count, force a new deployment) work after their
confirmation and do nothing when it is declined; task definition revisions
diff; load balancers, S3 prefixes, versions and downloads show; a task run
with ECS Exec opens a shell in the page (the data channel spoken by the
page, a terminal that answers and resizes). Screenshots
of each page land in docs/ (docs/console-*.png). Another origin can neither
read nor act: its requests are refused, fargo sends no CORS headers, and a
page of another origin can neither stop a task through the browser nor open
a WebSocket to the data channel.

Needs a container engine and the story's images, Debian's chromium and
puppeteer-core in tests/e2e/node (all installed by scripts/setup.sh --test).
"""
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from fargo_harness import FargoTestCase, require, require_engine, wait_for
from test_tasks import REGION, TaskWorld, task_id

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.path.join(HERE, "node")
DOCS = os.path.join(HERE, "..", "..", "docs")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Says whatever lands in /tmp/say, at once.
SAYER = ["sh", "-c", "echo started; while :; do if [ -e /tmp/say ]; then cat /tmp/say; rm -f /tmp/say; fi; "
         "sleep 0.05; done"]


# The terminal's lines as the page shows them.
TERMINAL_LINES = "[...document.querySelectorAll('.xterm-rows > div')].map((r) => r.textContent.trimEnd()).join('\\n')"

# How the terminal's dock is displayed ("none": not at all).
SHELL_SHOWN = "getComputedStyle(document.getElementById('shell')).display"


class Browser:
    """tests/e2e/node/console_driver.js: one JSON command a line."""

    def __init__(self):
        self.proc = subprocess.Popen(["node", os.path.join(NODE_DIR, "console_driver.js")], cwd=NODE_DIR,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def __call__(self, cmd, **kw):
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kw}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"the browser driver ended during {cmd}")
        out = json.loads(line)
        if not out.get("ok"):
            raise AssertionError(f"{cmd} {kw}: {out.get('error')}")
        return out

    def wait(self, selector, text=None, timeout=10000, absent=False):
        return self("waitFor", selector=selector, text=text, timeout=timeout, absent=absent)["ms"]

    def text(self, selector):
        return self("text", selector=selector)["text"]

    def close(self):
        try:
            out = self("quit")
            self.proc.stdin.close()
            self.proc.wait(15)
            return out.get("errors", [])
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def http_call(url, method="GET", headers=None, body=None):
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode(errors="replace")


class ConsoleTest(FargoTestCase):
    @classmethod
    def setUpClass(cls):
        require(shutil.which("node") and os.path.exists(CHROMIUM) and
                os.path.isdir(os.path.join(NODE_DIR, "node_modules", "puppeteer-core")),
                "chromium and puppeteer-core (scripts/setup.sh --test)")
        cls.engine = require_engine()
        super().setUpClass()
        w = cls.world = TaskWorld(cls.fargo, 100 + os.getpid() % 50, cluster="console")
        cls.td = w.register("web", [w.container("app", SAYER)])
        w.ecs.create_service(cluster=w.cluster, serviceName="web", taskDefinition=cls.td, desiredCount=2,
                             launchType="FARGATE", networkConfiguration=w.network())
        cls.tasks = wait_for(lambda: (lambda ts: ts if len(ts) == 2 and all(t["lastStatus"] == "RUNNING" for t in ts)
                                      else None)(cls.service_tasks()), 90, what="two tasks RUNNING")
        cls.browser = Browser()
        cls.base = cls.fargo.endpoint + "/_fargo/"

    @classmethod
    def tearDownClass(cls):
        try:
            if hasattr(cls, "browser"):
                errors = cls.browser.close()
                if errors:
                    print("page errors:", errors, flush=True)
            cls.world.stop_everything()
        finally:
            super().tearDownClass()

    @classmethod
    def service_tasks(cls):
        w = cls.world
        arns = w.ecs.list_tasks(cluster=w.cluster, serviceName="web")["taskArns"]
        return w.ecs.describe_tasks(cluster=w.cluster, tasks=arns)["tasks"] if arns else []

    def page(self, route, ready_selector="h1", ready_text=None):
        self.browser("goto", url=self.base + "#/" + route)
        self.browser.wait(ready_selector, ready_text)

    def shot(self, name, dark=False):
        path = os.path.abspath(os.path.join(DOCS, f"console-{name}.png"))
        self.browser("screenshot", path=path, dark=dark)
        self.assertGreater(os.path.getsize(path), 5000)

    @staticmethod
    def ip(task):
        att = [a for a in task["attachments"] if a["type"] == "ElasticNetworkInterface"][0]
        return {d["name"]: d["value"] for d in att["details"]}["privateIPv4Address"]

    def test_1_overview(self):
        self.page("", "h1", "Overview")
        self.browser.wait(".card b", REGION)
        self.browser.wait(".card", "reachable")
        text = self.browser.text("main")
        self.assertIn(self.fargo.data_dir, text)
        self.assertIn(self.fargo.health()["version"], text)
        self.shot("overview")
        self.shot("overview-dark", dark=True)

    def test_10_a_shell_in_the_page(self):
        w = self.world
        td = w.register("shell", [w.container("app", ["sleep", "infinity"])], taskRoleArn=w.role_arn)
        arn = w.run(td, enableExecuteCommand=True)
        try:
            wait_for(lambda: (lambda t: t["lastStatus"] == "RUNNING" and all(
                a["lastStatus"] == "RUNNING" for c in t["containers"] for a in c.get("managedAgents", [])))(w.task(arn)),
                90, what="the task and its exec agent RUNNING")
            tid = task_id(arn)
            self.page(f"ecs/{REGION}/cluster/console/task/{tid}", 'button[data-action="exec"]', "Open shell")
            # The page's message codec against the protocol's test vector (the plugin's own bytes).
            codec = self.browser("eval", js="""(async () => {
              const hex = '00000074' + '6f75747075745f73747265616d5f6461746120202020202020202020' + '20202020' + '00000001' +
                '0000018bcfe56800' + '0000000000000000' + '0000000000000001' + '8899aabbccddeeff' + '0011223344554677' +
                'e5b111ba26d5bb1cc89d8a3d74fad4cf1ebd5701c29877969c322b456d0784a3' + '00000001' + '00000002' + '2420';
              const bytes = new Uint8Array(hex.match(/../g).map((h) => parseInt(h, 16)));
              const m = fargoExec.decode(bytes.buffer);
              const plain = [...fargoExec.sha256Plain(new TextEncoder().encode('$ '))].map((b) => b.toString(16).padStart(2, '0')).join('');
              const back = fargoExec.decode(await fargoExec.encode('input_stream_data', 7, 0, 3, new TextEncoder().encode('{"cols":80,"rows":24}')));
              return { type: m.type, seq: m.seq, id: m.id, payloadType: m.payloadType, payload: new TextDecoder().decode(m.payload),
                       digestOk: [...m.digest].map((b) => b.toString(16).padStart(2, '0')).join('') === plain, plain,
                       back: [back.type, back.seq, back.payloadType, new TextDecoder().decode(back.payload)] };
            })()""")["value"]
            self.assertEqual(codec["type"], "output_stream_data")
            self.assertEqual(codec["seq"], 0)
            self.assertEqual(codec["id"], "00112233-4455-4677-8899-aabbccddeeff")
            self.assertEqual((codec["payloadType"], codec["payload"]), (1, "$ "))
            self.assertEqual(codec["plain"], "e5b111ba26d5bb1cc89d8a3d74fad4cf1ebd5701c29877969c322b456d0784a3")
            self.assertTrue(codec["digestOk"])
            self.assertEqual(codec["back"], ["input_stream_data", 7, 3, '{"cols":80,"rows":24}'])
            # Declined: no session, no terminal.
            out = self.browser("click", selector='button[data-action="exec"]', dialogs=["dismiss"])
            self.assertIn("Open a shell (/bin/sh) in container app", out["dialogs"][0])
            self.assertEqual(self.browser("eval", js=SHELL_SHOWN)["value"], "none")
            self.browser("click", selector='button[data-action="exec"]', dialogs=["accept"])
            self.browser.wait("#shell-status", "connected", timeout=10000)
            self.assertEqual(self.browser("eval", js=SHELL_SHOWN)["value"], "flex")
            self.browser.wait(".xterm-rows", "#", timeout=10000)  # sh's prompt
            session = self.browser.text("#shell-session")
            self.assertTrue(session.startswith("ecs-execute-command-"), session)
            start = time.time()
            self.browser("type", text="echo hello-$((6*7))")
            self.browser("press", key="Enter")
            self.browser.wait(".xterm-rows", "hello-42", timeout=5000)
            print(f"typed -> the terminal shows hello-42: {(time.time() - start) * 1000:.0f} ms", flush=True)

            def stty_size():
                cols, rows = map(int, self.browser.text("#shell-size").split("\u00d7"))
                self.browser("type", text="echo size-$(stty size | tr ' ' x)")
                self.browser("press", key="Enter")
                try:
                    self.browser.wait(".xterm-rows", f"size-{rows}x{cols}", timeout=5000)
                except AssertionError:
                    raise AssertionError(f"no size-{rows}x{cols} in the terminal:\n" +
                                         self.browser("eval", js=TERMINAL_LINES)["value"])
                return rows, cols
            before = stty_size()
            # A larger terminal: the page sends its size, the shell's TTY follows.
            self.browser("click", selector='button[data-shell="grow"]')
            self.browser.wait("#shell-size", f"{before[1]}\u00d7{before[0]}", absent=True, timeout=3000)
            after = stty_size()
            self.assertGreater(after[0], before[0])
            self.browser("click", selector='button[data-shell="grow"]')
            self.browser("type", text="clear")
            self.browser("press", key="Enter")
            self.browser.wait(".xterm-rows", "size-", absent=True, timeout=5000)
            for line, shows in (("echo hello-$((6*7))", "hello-42"), ("uname -sm", "Linux"), ("ls /", "proc")):
                self.browser("type", text=line)
                self.browser("press", key="Enter")
                self.browser.wait(".xterm-rows", shows, timeout=5000)
            self.browser("eval", js="window.scrollTo(0, document.body.scrollHeight)")
            time.sleep(0.5)
            self.shot("exec")
            # Close ends the session (SSM TerminateSession): its transcript is logged.
            self.browser("click", selector='button[data-shell="close"]')
            self.assertEqual(self.browser("eval", js=SHELL_SHOWN)["value"], "none")
            w.wait_log(session, "hello-42", timeout=30)
        finally:
            w.ecs.stop_task(cluster=w.cluster, task=arn)
            w.wait_status(arn, "STOPPED")

    def test_2_service_shows_counts_and_addresses(self):
        w = self.world
        self.page(f"ecs/{REGION}/cluster/console", "h1", "Cluster console")
        self.browser.wait("[data-running]", "2")
        for t in self.tasks:
            self.browser.wait("[data-task-ip]", self.ip(t))
        self.shot("cluster")
        self.page(f"ecs/{REGION}/cluster/console/service/web", "h1", "Service web")
        self.assertEqual(self.browser.text("[data-desired]"), "2")
        self.assertEqual(self.browser.text("[data-running]"), "2")
        self.browser.wait("main", "COMPLETED")  # the deployment's rollout state
        for t in self.tasks:
            self.browser.wait("[data-task-ip]", self.ip(t))
        self.shot("service")
        t = self.tasks[0]
        self.page(f"ecs/{REGION}/cluster/console/task/{task_id(t['taskArn'])}", "#task-ip", self.ip(t))
        eni = {d["name"]: d["value"] for d in t["attachments"][0]["details"]}["networkInterfaceId"]
        self.browser.wait("main", eni)
        self.browser.wait("main", "web:1")
        self.shot("task")

    def test_3_task_stopped_by_the_cli_changes_on_the_open_page(self):
        victim = task_id(self.tasks[1]["taskArn"])
        self.page(f"ecs/{REGION}/cluster/console/service/web", f'[data-task-status="{victim}"]', "RUNNING")
        time.sleep(0.5)  # the page listens
        self.fargo.aws("ecs", "stop-task", "--cluster", "console", "--task", victim, region=REGION)
        start = time.time()
        self.browser.wait(f'[data-task-desired="{victim}"]', "STOPPED", timeout=5000)
        elapsed = time.time() - start
        print(f"stop-task -> the page shows it: {elapsed * 1000:.0f} ms", flush=True)
        self.assertLess(elapsed, 1.0)
        self.browser.wait(f'[data-task-status="{victim}"]', "STOPPED", timeout=30000)
        # The scheduler's replacement shows up by itself too.
        wait_for(lambda: len([t for t in self.service_tasks() if t["lastStatus"] == "RUNNING"]) == 2, 60,
                 what="a replacement")
        self.browser.wait("[data-running]", "2", timeout=5000)
        self.page(f"ecs/{REGION}/cluster/console/task/{victim}", "#task-status", "STOPPED")
        self.browser.wait("main", "UserInitiated")
        self.shot("task-stopped")

    def test_4_live_tail_shows_a_printed_line_within_a_second(self):
        w = self.world
        t = [t for t in self.service_tasks() if t["lastStatus"] == "RUNNING"][0]
        tid = task_id(t["taskArn"])
        stream = f"ecs/app/{tid}"
        w.wait_log(stream, "started")
        self.page(f"logs/{REGION}/tail?group={urllib.request.quote(w.log_group, safe='')}&streams="
                  f"{urllib.request.quote(stream, safe='')}", "#log", "started")
        time.sleep(0.5)
        container = t["containers"][0]["runtimeId"]
        nonce = f"hello from the console {time.time_ns()}"
        self.engine.exec(container, ["sh", "-c", f"echo '{nonce}' > /tmp/say"])
        start = time.time()
        self.browser.wait("#log", nonce, timeout=5000)
        elapsed = time.time() - start
        print(f"a printed line -> the live tail shows it: {elapsed * 1000:.0f} ms", flush=True)
        self.assertLess(elapsed, 1.0)
        for i in range(3):
            self.engine.exec(container, ["sh", "-c", f"echo 'ERROR number {i}' > /tmp/say"])
            time.sleep(0.2)
        self.browser.wait("#log", "ERROR number 2")
        self.shot("logs-tail")
        self.shot("logs-tail-dark", dark=True)
        # A filter pattern keeps only the matching lines (and still follows).
        self.page(f"logs/{REGION}/tail?group={urllib.request.quote(w.log_group, safe='')}&streams="
                  f"{urllib.request.quote(stream, safe='')}&filter=ERROR", "#log", "ERROR number 2")
        self.browser.wait("#log", "started", absent=True, timeout=3000)
        self.assertIn("ERROR number 0", self.browser.text("#log"))
        self.engine.exec(container, ["sh", "-c", "echo 'ERROR number 3' > /tmp/say; sleep 0.2; echo 'fine' > /tmp/say"])
        self.browser.wait("#log", "ERROR number 3", timeout=3000)
        time.sleep(0.5)
        self.assertNotIn("fine", self.browser.text("#log"))
        # The task's page leads to its containers' tail.
        self.page(f"ecs/{REGION}/cluster/console/task/{tid}", "a", "live tail")
        self.page(f"logs/{REGION}/group/{urllib.request.quote(w.log_group, safe='')}", "main", stream)
        self.shot("logs-streams")

    def test_5_actions_need_their_confirmation(self):
        w = self.world
        self.page(f"ecs/{REGION}/cluster/console/service/web", "[data-desired]", "2")
        # Declined: nothing changes.
        out = self.browser("click", selector='button[data-action="desired"]', dialogs=["3", "dismiss"])
        self.assertEqual(len(out["dialogs"]), 2)
        time.sleep(0.5)
        self.assertEqual(w.ecs.describe_services(cluster="console", services=["web"])["services"][0]["desiredCount"], 2)
        self.browser("click", selector='button[data-action="desired"]', dialogs=["3", "accept"])
        wait_for(lambda: w.ecs.describe_services(cluster="console", services=["web"])["services"][0]["desiredCount"] == 3,
                 10, what="desired count 3")
        self.browser.wait("[data-desired]", "3", timeout=3000)
        self.browser.wait("[data-running]", "3", timeout=60000)
        before = w.ecs.describe_services(cluster="console", services=["web"])["services"][0]["deployments"]
        self.browser("click", selector='button[data-action="redeploy"]', dialogs=["accept"])
        wait_for(lambda: [d["id"] for d in w.ecs.describe_services(cluster="console", services=["web"])["services"][0]
                          ["deployments"] if d["status"] == "PRIMARY"] != [d["id"] for d in before if d["status"] == "PRIMARY"],
                 10, what="a new deployment")
        self.browser.wait("main", "IN_PROGRESS", timeout=3000)
        self.shot("service-deploying")
        wait_for(lambda: (lambda s: len(s["deployments"]) == 1 and s["runningCount"] == 3)(
            w.ecs.describe_services(cluster="console", services=["web"])["services"][0]), 120, what="the rollout")
        running = [t for t in self.service_tasks() if t["lastStatus"] == "RUNNING"][0]
        tid = task_id(running["taskArn"])
        self.page(f"ecs/{REGION}/cluster/console/task/{tid}", "#task-status", "RUNNING")
        self.browser("click", selector='button[data-action="stop"]', dialogs=["dismiss"])
        time.sleep(0.5)
        self.assertEqual(w.task(running["taskArn"])["desiredStatus"], "RUNNING")
        self.browser("click", selector='button[data-action="stop"]', dialogs=["accept"])
        self.browser.wait("#task-desired", "STOPPED", timeout=3000)
        t = w.wait_status(running["taskArn"], "STOPPED")
        self.assertEqual(t["stopCode"], "UserInitiated")
        self.assertEqual(t["stoppedReason"], "Stopped from fargo's console")

    def test_6_task_definition_revisions_diff(self):
        w = self.world
        w.register("web", [w.container("app", SAYER, environment=[{"name": "GREETING", "value": "hello v2"}])])
        self.page(f"ecs/{REGION}/taskdef/web?a=1&b=2", ".diff")
        self.browser.wait(".diff .add", "hello v2")
        self.shot("taskdef-diff")

    def test_7_load_balancers_and_target_health(self):
        w = self.world
        elb = self.fargo.client("elbv2", REGION)
        lb = elb.create_load_balancer(Name="web", Type="network", Scheme="internal", Subnets=[w.subnet])["LoadBalancers"][0]
        tg = elb.create_target_group(Name="web", Protocol="TCP", Port=80, VpcId=w.vpc, TargetType="ip",
                                     HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                                     UnhealthyThresholdCount=2)["TargetGroups"][0]
        elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
        ips = [self.ip(t) for t in self.service_tasks() if t["lastStatus"] == "RUNNING"]
        elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": ips[0], "Port": 80}])
        self.page(f"elb/{REGION}/lb/{urllib.request.quote(lb['LoadBalancerArn'], safe='')}", "h1", "web")
        self.browser.wait("main", "TCP:80")
        self.browser.wait("td", ips[0])
        # A target registered through the CLI appears on the open page.
        self.fargo.aws("elbv2", "register-targets", "--target-group-arn", tg["TargetGroupArn"],
                       "--targets", f"Id={ips[1]},Port=80", region=REGION)
        start = time.time()
        self.browser.wait("td", ips[1], timeout=5000)
        self.assertLess(time.time() - start, 1.0)
        # Nothing listens on port 80 in these tasks: their targets fail their
        # health checks, and the open page follows without a reload.
        unhealthy = wait_for(lambda: [h for h in elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])[
            "TargetHealthDescriptions"] if h["TargetHealth"]["State"] == "unhealthy"], 60, what="an unhealthy target")
        self.browser.wait("main", "unhealthy", timeout=3000)
        self.browser.wait("main", unhealthy[0]["TargetHealth"]["Reason"], timeout=3000)
        self.shot("load-balancer")

    def test_8_s3_prefixes_versions_and_download(self):
        s3 = self.fargo.client("s3", REGION)
        s3.create_bucket(Bucket="console-site", CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket="console-site", VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket="console-site", Key="site/index.html", Body=b"<h1>v1</h1>")
        s3.put_object(Bucket="console-site", Key="site/index.html", Body=b"<h1>v2</h1>")
        s3.put_object(Bucket="console-site", Key="README.txt", Body=b"read me")
        self.page("s3", "td", "console-site")
        self.page("s3/console-site", "td", "site/")
        self.page("s3/console-site/site/", "td", "index.html")
        self.assertEqual(self.browser.text("main").count("index.html"), 2)  # both versions
        self.shot("s3")
        downloads = tempfile.mkdtemp(prefix="fargo-console-dl-")
        try:
            self.browser("downloads", path=downloads)
            self.browser("click", selector='button[data-action="download"]')
            path = os.path.join(downloads, "index.html")
            def downloaded():
                if not os.path.exists(path):
                    return False
                with open(path) as f:
                    return f.read() == "<h1>v2</h1>"
            wait_for(downloaded, 10, what="the download")
        finally:
            shutil.rmtree(downloads, ignore_errors=True)

    def test_9_other_origins_can_neither_read_nor_act(self):
        w = self.world
        victim = [t for t in self.service_tasks() if t["lastStatus"] == "RUNNING"][0]
        port = self.fargo.port
        body = json.dumps({"cluster": "console", "task": victim["taskArn"]}).encode()
        ecs_headers = {"Content-Type": "application/x-amz-json-1.1",
                       "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.StopTask",
                       "Authorization": f"AWS4-HMAC-SHA256 Credential=x/20260101/{REGION}/ecs/aws4_request, "
                                        "SignedHeaders=host, Signature=0"}
        self.page("", "h1", "Overview")
        token = self.browser("eval", js="document.querySelector('meta[name=fargo-console-token]').content")["value"]
        self.assertEqual(len(token), 64)
        cases = [
            ("another origin", {"Origin": "http://evil.example"}),
            ("another origin with the token", {"Origin": "http://evil.example", "X-Fargo-Console-Token": token}),
            ("a rebound name", {"Origin": f"http://evil.example:{port}", "Host": f"evil.example:{port}",
                                "X-Fargo-Console-Token": token}),
            ("same origin without the token", {"Origin": f"http://127.0.0.1:{port}"}),
            ("a cross-site fetch", {"Sec-Fetch-Site": "cross-site", "X-Fargo-Console-Token": token}),
        ]
        for what, extra in cases:
            status, headers, _ = http_call(self.fargo.endpoint + "/", "POST", {**ecs_headers, **extra}, body)
            self.assertEqual(status, 403, what)
            self.assertFalse([h for h in headers if h.lower().startswith("access-control-")], what)
        status, headers, _ = http_call(self.fargo.endpoint + "/", "OPTIONS", {
            "Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-amz-target,x-fargo-console-token"})
        self.assertEqual(status, 403)
        self.assertFalse([h for h in headers if h.lower().startswith("access-control-")])
        status, _, page = http_call(self.fargo.endpoint + "/_fargo/", headers={"Host": f"evil.example:{port}"})
        self.assertEqual(status, 403)
        self.assertNotIn(token, page)
        status, headers, page = http_call(self.fargo.endpoint + "/_fargo/")
        self.assertEqual(status, 200)
        self.assertIn("frame-ancestors 'none'", headers.get("Content-Security-Policy", ""))
        # A page of another origin, in the same browser, tries for real.
        site = tempfile.mkdtemp(prefix="fargo-evil-")
        with open(os.path.join(site, "index.html"), "w") as f:
            f.write("<h1>elsewhere</h1>")
        handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=site, **k)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            self.browser("goto", url=f"http://127.0.0.1:{server.server_address[1]}/")
            js = f"""(async () => {{
              const out = [];
              for (const mode of ['no-cors', 'cors']) {{
                try {{
                  const r = await fetch('{self.fargo.endpoint}/', {{method: 'POST', mode, body: {json.dumps(body.decode())},
                    headers: mode === 'cors' ? {json.dumps({**ecs_headers, 'X-Fargo-Console-Token': token})} : {{'Content-Type': 'text/plain'}}}});
                  out.push(mode + ':' + r.status + ':' + (mode === 'cors' ? await r.text() : ''));
                }} catch (e) {{ out.push(mode + ':blocked'); }}
              }}
              try {{ const r = await fetch('{self.fargo.endpoint}/_fargo/status'); out.push('status:' + r.status); }}
              catch (e) {{ out.push('status:blocked'); }}
              out.push(await new Promise((done) => {{
                const ws = new WebSocket('ws://127.0.0.1:{port}/v1/data-channel/ecs-execute-command-0?role=publish_subscribe&token={token}');
                ws.onopen = () => {{ ws.close(); done('ws:opened'); }};
                ws.onerror = () => done('ws:refused');
              }}));
              return out.join(' ');
            }})()"""
            result = self.browser("eval", js=js)["value"]
        finally:
            server.shutdown()
            shutil.rmtree(site, ignore_errors=True)
        self.assertIn("cors:blocked", result)
        self.assertIn("status:blocked", result)
        self.assertIn("ws:refused", result)
        time.sleep(1)
        t = w.task(victim["taskArn"])
        self.assertEqual((t["desiredStatus"], t["lastStatus"]), ("RUNNING", "RUNNING"), result)
        # The data channel's upgrade, from another origin: refused before any WebSocket.
        for origin in ("http://evil.example", None):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall((f"GET /v1/data-channel/ecs-execute-command-0?role=publish_subscribe&token={token} HTTP/1.1\r\n"
                              f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
                              (f"Origin: {origin}\r\n" if origin else "") + "\r\n").encode())
                head = sock.recv(4096).decode(errors="replace")
            # Without an Origin (the plugin, the SDKs) only the session token guards it.
            self.assertTrue(head.startswith("HTTP/1.1 403" if origin else "HTTP/1.1 101"), head)
        # The aws CLI is not a browser: it is not asked for anything.
        out = self.fargo.aws("ecs", "describe-services", "--cluster", "console", "--services", "web", region=REGION)
        self.assertIn("web", out if isinstance(out, str) else json.dumps(out))


if __name__ == "__main__":
    unittest.main()
