"""The story's config loop, measured: a file under the seed stack's artifacts
changes, Terraform re-applies, and the service's new task serves it.

Used by tests/e2e/test_seed_config_change.py (one change, a generous bound)
and bench/config_change.py (several changes, the figures). The stack is a
copy of examples/seed-stack against one fargo, applied with the real
Terraform and provider from the filesystem mirror; pages are fetched from
the tasks' own addresses through `fargo port-forward --task` (the addresses
are the VPC's, not the host's).
"""
import http.client
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from datetime import datetime

from fargo_harness import FARGO_BIN, ROOT, TF_MIRROR, Engine, _TF_CLI_CONFIG

REGION = "eu-west-1"
CLUSTER = "ecsWithTf-dev"
SERVICE = "ecsWithTf-dev-myapp"
BUCKET = "ecswithtf-dev-cdp-ecs-artifacts"


class PortForward:
    """`fargo port-forward --task ID --port 80` running; None from start() when refused."""

    def __init__(self, proc, url):
        self.proc, self.url = proc, url

    @classmethod
    def start(cls, fargo, task_id):
        proc = subprocess.Popen([FARGO_BIN, "port-forward", "--endpoint", fargo.endpoint, "--region", REGION,
                                 "--task", task_id, "--port", "80"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        m = re.match(r"Forwarding from (\S+):(\d+) -> ", proc.stdout.readline())
        if not m:
            proc.kill()
            proc.wait()
            proc.stdout.close()
            return None
        return cls(proc, f"http://{m.group(1)}:{m.group(2)}/")

    def get(self):
        """The page's text, or None when nothing answers."""
        try:
            with urllib.request.urlopen(self.url, timeout=2) as r:
                return r.read().decode(errors="replace")
        except (OSError, ValueError, http.client.HTTPException):
            return None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def engine_time(stamp):
    """Seconds since the epoch of an engine's RFC 3339 time (nanoseconds, Z or an offset)."""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", stamp or "")
    if not m:
        return None
    frac = (m.group(2) or "0")[:6].ljust(6, "0")
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.fromisoformat(f"{m.group(1)}.{frac}{zone}").timestamp()


def container_times(task):
    """{container name: (started, finished or None)} from the engine, for a task's containers."""
    engine = Engine()
    out = {}
    for c in task["containers"]:
        if not c.get("runtimeId"):
            continue
        status, body = engine.call("GET", f"/containers/{c['runtimeId']}/json")
        if status == 200 and isinstance(body, dict):
            st = body.get("State") or {}
            fin = engine_time(st.get("FinishedAt"))
            out[c["name"]] = (engine_time(st.get("StartedAt")), fin if fin and fin > 0 else None)
    return out


class SeedStack:
    """A copy of examples/seed-stack applied against `fargo`."""

    def __init__(self, fargo):
        self.fargo = fargo
        self.work = tempfile.mkdtemp(prefix="fargo-cfg-")
        self.dir = os.path.join(self.work, "stack")
        shutil.copytree(os.path.join(ROOT, "examples", "seed-stack"), self.dir)
        with open(os.path.join(self.dir, "fargo_override.tf"), "w") as f:
            f.write(subprocess.run([FARGO_BIN, "terraform-override", "--endpoint", fargo.endpoint],
                                   capture_output=True, text=True, check=True).stdout)
        self.rc = os.path.join(self.work, "terraformrc")
        with open(self.rc, "w") as f:
            f.write(_TF_CLI_CONFIG % TF_MIRROR)
        self.ecs = fargo.client("ecs", REGION)
        self.s3 = fargo.client("s3", REGION)
        self.forwards = []

    def tf(self, *args):
        env = dict(os.environ, TF_CLI_CONFIG_FILE=self.rc, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
                   TF_INPUT="0", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        p = subprocess.run(["terraform", *args, "-no-color"], cwd=self.dir, env=env, capture_output=True,
                           text=True, timeout=600)
        if p.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)} exited {p.returncode}\n{p.stdout[-4000:]}\n"
                                 f"{p.stderr[-4000:]}")
        return p

    def apply(self):
        self.tf("apply", "-auto-approve", "-input=false")

    def write_page(self, text):
        with open(os.path.join(self.dir, "artifacts", "html", "index.html"), "w") as f:
            f.write(text)

    def tasks(self, status="RUNNING"):
        arns = self.ecs.list_tasks(cluster=CLUSTER, serviceName=SERVICE, desiredStatus=status)["taskArns"]
        return self.ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []

    def task(self, arn):
        return self.ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0]

    def forward(self, task_id, deadline):
        """A port-forward to the task's port 80, retried until the task has an address."""
        while time.time() < deadline:
            f = PortForward.start(self.fargo, task_id)
            if f:
                self.forwards.append(f)
                return f
            time.sleep(0.1)
        raise AssertionError(f"no port-forward to task {task_id}")

    def serving_task(self, revision, text, timeout=120):
        """(task, forward, seconds until `text` was served): the service's task of the task
        definition's `revision`, as soon as its nginx serves a page holding `text`."""
        start = time.time()
        deadline = start + timeout
        task = None
        while task is None and time.time() < deadline:
            for t in self.tasks():
                if t["taskDefinitionArn"].endswith(f":{revision}"):
                    task = t
            if task is None:
                time.sleep(0.05)
        if task is None:
            raise AssertionError(f"no task of revision {revision} within {timeout}s")
        f = self.forward(task["taskArn"].rsplit("/", 1)[1], deadline)
        while time.time() < deadline:
            page = f.get()
            if page is not None and text in page:
                return task, f, time.time() - start
            time.sleep(0.05)
        raise AssertionError(f"task {task['taskArn']} did not serve {text!r} within {timeout}s (last: {page!r})")

    def wait_stopped(self, arn, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            t = self.task(arn)
            if t["lastStatus"] == "STOPPED":
                return t
            time.sleep(0.1)
        raise AssertionError(f"task {arn} not STOPPED within {timeout}s")

    def change(self, revision, marker):
        """Writes a page holding `marker`, re-applies, and returns the figures of one change:
        apply (s), after (s from the end of the apply until the new task served it), running (s
        from the end of the apply until the new task was RUNNING), old_stopped (s until the
        previous task was STOPPED), with the tasks."""
        old = [t for t in self.tasks()]
        self.write_page(f"<!DOCTYPE html><html><body><h1>{marker}</h1></body></html>\n")
        t0 = time.time()
        self.apply()
        applied = time.time()
        task, fwd, served = self.serving_task(revision, marker)
        new = self.task(task["taskArn"])
        running_at = new.get("startedAt")
        out = {"apply": applied - t0, "after": served, "task": new, "forward": fwd, "old": old,
               "running": running_at.timestamp() - applied if running_at else None}
        # Where the time went, from the engine's own clocks: until the init container
        # started, its run, until nginx started after it.
        times = container_times(new)
        init, main = times.get("myapp-init-container"), times.get("myapp")
        if init and main and init[0] and init[1] and main[0]:
            out["init_started"] = init[0] - applied
            out["init_ran"] = init[1] - init[0]
            out["main_after_init"] = main[0] - init[1]
            out["served_after_main"] = served - (main[0] - applied)
        for o in old:
            stopped = self.wait_stopped(o["taskArn"])
            out["old_stopped"] = stopped["stoppedAt"].timestamp() - applied
            out.setdefault("old_tasks", []).append(stopped)
        return out

    def close(self):
        for f in self.forwards:
            f.stop()
        self.forwards = []

    def destroy(self):
        self.close()
        self.tf("destroy", "-auto-approve", "-input=false")
        shutil.rmtree(self.work, ignore_errors=True)
