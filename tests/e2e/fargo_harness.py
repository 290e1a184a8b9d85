"""End-to-end harness: starts a real `fargo serve` and hands out real clients.

Tests use Python's unittest (no extra packages). The fargo binary comes from
$FARGO_BIN (set by ctest) or build/fargo.
"""
import collections
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FARGO_BIN = os.environ.get("FARGO_BIN", os.path.join(ROOT, "build", "fargo"))

try:
    import boto3
    import botocore.config
    import botocore.exceptions
    ClientError = botocore.exceptions.ClientError
except ImportError:  # a fresh machine may lack boto3: say so loudly, skip
    boto3 = None
    ClientError = Exception

CI = os.environ.get("CI") == "true"


def require(tool_ok, what):
    """Skip loudly when a client is missing; in CI a missing client fails."""
    if tool_ok:
        return
    msg = f"*** {what} is not installed: these end-to-end tests cannot run ***"
    if CI:
        raise AssertionError(msg)
    print(msg, flush=True)
    raise unittest.SkipTest(msg)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fargo:
    """One fargo daemon on a free port with its own data directory."""

    def __init__(self, data_dir=None, args=()):
        self.port = free_port()
        self.args = list(args)  # more `fargo serve` options
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="fargo-e2e-")
        self.proc = None
        self.instance = None
        self.log_path = os.path.join(self.data_dir, "fargo.log")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [FARGO_BIN, "serve", "--port", str(self.port), "--data-dir", self.data_dir, *self.args],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("fargo exited: " + open(self.log_path).read())
            try:
                with urllib.request.urlopen(self.endpoint + "/_fargo/health", timeout=1) as r:
                    if r.status == 200:
                        self.instance = json.loads(r.read()).get("instance")
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("fargo did not become healthy")

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()

    def restart_after_kill9(self):
        self.kill9()
        return self.start()

    def cleanup(self):
        self.stop()
        self.remove_tasks()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def remove_tasks(self):
        """fargo leaves its tasks running when it stops (a restart adopts
        them); a test's fargo is gone for good, so its tasks go too."""
        if not self.instance:
            return
        engine = Engine()
        if not engine.answers():
            return
        # A second pass catches what the engine was still creating for a
        # fargo that had to be killed.
        for attempt in range(2):
            found = engine.containers(fargo_instance=self.instance)
            for c in found:
                # Killed first: Podman's forced removal waits out the
                # container's stop timeout (ECS's 30 s) before its SIGKILL.
                engine.call("POST", f"/containers/{c['Id']}/kill")
                engine.call("DELETE", f"/containers/{c['Id']}?force=true&v=true")
            if not found:
                break
            time.sleep(1)
        for v in (engine._list("volumes", [f"fargo.instance={self.instance}"]) or {}).get("Volumes") or []:
            engine.call("DELETE", f"/volumes/{v['Name']}?force=true")
        for n in engine._list("networks", ["fargo.managed=true"]):
            engine.call("DELETE", f"/networks/{n['Name']}")  # refused while another fargo uses it
        # Its VPCs' namespaces (with their uplinks and any routes to them).
        h = 14695981039346656037
        for b in self.instance.encode():
            h = ((h ^ b) * 1099511628211) % (1 << 64)
        prefix = "fargo-%08x-" % (h & 0xffffffff)
        if os.geteuid() == 0 and os.path.isdir("/run/netns"):
            for ns in os.listdir("/run/netns"):
                if ns.startswith(prefix):
                    subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)

    def health(self):
        with urllib.request.urlopen(self.endpoint + "/_fargo/health", timeout=2) as r:
            return json.loads(r.read())

    def client(self, service, region="us-east-1"):
        require(boto3 is not None, "boto3")
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=region,
            aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(retries={"max_attempts": 1}))

    def aws_env(self, region="us-east-1"):
        env = dict(os.environ)
        env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   AWS_DEFAULT_REGION=region, AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
        return env

    def aws(self, *args, cli=None, check=True, region="us-east-1", timeout=60):
        """Runs the aws CLI (v1 from PATH by default, or cli='/usr/bin/aws' for v2)
        and returns parsed JSON output (or raw text when not JSON)."""
        exe = cli or shutil.which("aws")
        require(exe is not None and os.path.exists(exe), "the aws CLI")
        p = subprocess.run([exe, "--endpoint-url", self.endpoint, "--output", "json", *args],
                           capture_output=True, text=True, env=self.aws_env(region), timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({p.returncode}): {p.stderr}")
        if not check:
            return p
        try:
            return json.loads(p.stdout) if p.stdout.strip() else {}
        except ValueError:
            return p.stdout


class FargoTestCase(unittest.TestCase):
    """A fargo for the whole test class, in a fresh data directory."""

    FARGO_ARGS = ()  # more `fargo serve` options for the class's fargo

    @classmethod
    def setUpClass(cls):
        require(os.path.exists(FARGO_BIN), f"the fargo binary ({FARGO_BIN})")
        cls.fargo = Fargo(args=cls.FARGO_ARGS).start()

    @classmethod
    def tearDownClass(cls):
        cls.fargo.cleanup()

    def assertAwsError(self, code, fn, *args, status=None, **kwargs):
        """Asserts the call fails with AWS error `code` (and HTTP `status`)."""
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kwargs)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], code, err)
        if status is not None:
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        return err


TF_MIRROR = os.environ.get("FARGO_TF_MIRROR", "/opt/tf-plugins")
_TF_CLI_CONFIG = '''provider_installation {
  filesystem_mirror {
    path    = "%s"
    include = ["registry.terraform.io/*/*"]
  }
  direct { exclude = ["registry.terraform.io/*/*"] }
}
'''


_TF_VERSIONS = """terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}
"""


class TerraformTestCase(FargoTestCase):
    """Runs the real Terraform and AWS provider against fargo, offline.

    Subclasses set STACK_DIR (a folder to copy) or STACK (main.tf text, which
    gets the pinned provider in versions.tf beside it); the stack gets fargo's
    provider override next to it."""
    STACK_DIR = None
    STACK = None

    @classmethod
    def setUpClass(cls):
        require(shutil.which("terraform") is not None, "terraform")
        require(os.path.isdir(TF_MIRROR), f"the Terraform provider mirror ({TF_MIRROR})")
        super().setUpClass()
        cls.work = tempfile.mkdtemp(prefix="fargo-tf-")
        cls.stack = os.path.join(cls.work, "stack")
        if cls.STACK_DIR:
            shutil.copytree(cls.STACK_DIR, cls.stack)
        else:
            os.makedirs(cls.stack)
            with open(os.path.join(cls.stack, "main.tf"), "w") as f:
                f.write(cls.STACK)
            if "required_providers" not in cls.STACK:
                with open(os.path.join(cls.stack, "versions.tf"), "w") as f:
                    f.write(_TF_VERSIONS)
        override = subprocess.run([FARGO_BIN, "terraform-override", "--endpoint", cls.fargo.endpoint],
                                  capture_output=True, text=True, check=True).stdout
        with open(os.path.join(cls.stack, "fargo_override.tf"), "w") as f:
            f.write(override)
        cls.cli_config = os.path.join(cls.work, "terraformrc")
        with open(cls.cli_config, "w") as f:
            f.write(_TF_CLI_CONFIG % TF_MIRROR)

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

    def apply_and_replan_clean(self):
        """init, apply, then a plan that must show no changes."""
        self.tf("init", "-input=false")
        self.tf("apply", "-auto-approve", "-input=false")
        plan = self.tf("plan", "-detailed-exitcode", "-input=false", ok_codes=(0, 2))
        self.assertEqual(plan.returncode, 0, "second plan shows drift:\n" + plan.stdout[-8000:])


class Engine:
    """The Docker Engine API fargo runs tasks on (DOCKER_HOST, the Docker
    socket or Podman's), for tests that check what really runs."""

    def __init__(self):
        host = os.environ.get("DOCKER_HOST", "")
        if host.startswith("unix://"):
            self.socket = host[len("unix://"):]
        elif os.path.exists("/var/run/docker.sock"):
            self.socket = "/var/run/docker.sock"
        else:
            self.socket = "/run/podman/podman.sock"

    def call(self, method, path, body=None):
        import http.client

        class _Conn(http.client.HTTPConnection):
            def connect(conn):
                conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                conn.sock.settimeout(30)
                conn.sock.connect(self.socket)

        c = _Conn("engine")
        c.request(method, "/v1.41" + path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/json"})
        try:
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        return r.status, (json.loads(data) if data and data[:1] in (b"{", b"[") else data)

    def exec(self, container_id, cmd):
        """Runs cmd in the container (with a TTY, so the output is raw) and
        returns its output as text."""
        status, created = self.call("POST", f"/containers/{container_id}/exec",
                                    {"Cmd": cmd, "AttachStdout": True, "AttachStderr": True, "Tty": True})
        if status != 201:
            raise AssertionError(f"exec in {container_id}: {status} {created}")
        status, out = self.call("POST", f"/exec/{created['Id']}/start", {"Detach": False, "Tty": True})
        if isinstance(out, (dict, list)):
            out = json.dumps(out)
        return out.decode(errors="replace") if isinstance(out, bytes) else str(out)

    def image_label(self, ref, label):
        """The value of the image's label, or None."""
        status, body = self.call("GET", f"/images/{urllib.request.quote(ref, safe='')}/json")
        if status != 200 or not isinstance(body, dict):
            return None
        return ((body.get("Config") or {}).get("Labels") or {}).get(label)

    def answers(self):
        try:
            return self.call("GET", "/_ping")[0] == 200
        except OSError:
            return False

    def has_image(self, ref):
        return self.call("GET", f"/images/{urllib.request.quote(ref, safe='')}/json")[0] == 200

    def _list(self, what, labels):
        """GET /<what>/json filtered by "key=value" labels, or [] on failure."""
        filters = urllib.request.quote(json.dumps({"label": labels}))
        status, body = self.call("GET", f"/{what}?all=true&filters={filters}")
        return body if status == 200 else []

    def containers(self, **labels):
        return self._list("containers/json", [f"{k.replace('_', '.')}={v}" for k, v in labels.items()])

    def task_containers(self, task_arn):
        return self._list("containers/json", [f"fargo.task-arn={task_arn}"])


STORY_IMAGES = ("docker.io/library/debian:buster-20230411-slim", "docker.io/library/nginx:1.24.0")
AWS_CLI_IMAGE = "docker.io/amazon/aws-cli:2.11.13"


def require_vpc_networks():
    """The engine, and root: fargo's VPC networks are network namespaces.
    A skip only outside CI (CI runs as root)."""
    engine = require_engine()
    if os.geteuid() != 0:
        if CI:
            raise AssertionError("VPC networks need root, and CI runs as root")
        raise unittest.SkipTest("VPC networks need root")
    return engine


def require_engine():
    """The engine and the story's (locally built) images, or a loud skip."""
    engine = Engine()
    require(engine.answers(), f"a container engine (Docker Engine API at {engine.socket}; run scripts/engine.sh start)")
    for image in STORY_IMAGES:
        require(engine.has_image(image), f"the test image {image} (run tests/images/build.sh)")
    return engine


def repeats_and_gaps(values, upto=None):
    """For counter values 1, 2, ... as stored: those stored more than once,
    and those missing up to `upto` (default: the highest stored)."""
    counts = collections.Counter(values)
    top = upto if upto is not None else max(values, default=0)
    return sorted(v for v, c in counts.items() if c > 1), sorted(set(range(1, top + 1)) - set(values))


def wait_for(fn, timeout=60, interval=0.25, what="condition"):
    """Polls fn() until it returns a truthy value; returns it or fails."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
