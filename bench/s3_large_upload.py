#!/usr/bin/env python3
"""S3 bulk bytes against the state thread: a 1 GiB upload (and download)
while a loop times a cheap state-thread call, and fargo's memory meanwhile.

Phases, each with ECS DescribeClusters + DescribeTasks timed back to back in
a loop (one connection) for the phase's whole length:
  idle       - nothing else (the baseline)
  put        - boto3 put_object of 1 GiB in one PUT (aws-chunked with a CRC32
               trailer, as boto3 sends it)
  multipart  - aws CLI `s3 cp` of the same file (8 MiB parts, then Complete)
  get        - boto3 get_object of the 1 GiB object, read to the end
Reported per phase: calls, p50 / p99 / max latency in ms, the phase's wall
time, and fargo's peak resident memory above its level before the phase
(VmRSS sampled every 5 ms from /proc).

Usage: bench/s3_large_upload.py [--mib 1024]   (FARGO_BIN picks the binary;
default build/fargo)
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from fargo_harness import Fargo  # noqa: E402


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Probe:
    """Times DescribeClusters + DescribeTasks in a loop and samples RSS until stopped."""

    def __init__(self, fargo):
        self.ecs = fargo.client("ecs")
        self.pid = fargo.proc.pid
        self.stop = threading.Event()
        self.latencies = []
        self.peak = 0

    def _calls(self):
        while not self.stop.is_set():
            for call in (lambda: self.ecs.describe_clusters(clusters=["bench"]),
                         lambda: self.ecs.describe_tasks(cluster="bench", tasks=["0" * 32])):
                t0 = time.perf_counter()
                call()
                self.latencies.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.002)

    def _rss(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.005)

    def run(self, fn):
        base = rss_kb(self.pid)
        threads = [threading.Thread(target=self._calls), threading.Thread(target=self._rss)]
        for t in threads:
            t.start()
        t0 = time.monotonic()
        fn()
        wall = time.monotonic() - t0
        self.stop.set()
        for t in threads:
            t.join()
        return {"calls": len(self.latencies), "p50": pct(self.latencies, 50), "p99": pct(self.latencies, 99),
                "max": max(self.latencies), "wall": wall, "rss_base_mb": base / 1024,
                "rss_rise_mb": max(0, self.peak - base) / 1024}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=1024)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fargo-bench-s3-")
    src = os.path.join(work, "big.bin")
    block = os.urandom(1 << 20)
    with open(src, "wb") as f:
        for _ in range(args.mib):
            f.write(block)
    fargo = Fargo().start()
    try:
        s3 = fargo.client("s3")
        fargo.client("ecs").create_cluster(clusterName="bench")
        s3.create_bucket(Bucket="bench")

        def idle():
            time.sleep(3)

        def put():
            with open(src, "rb") as f:
                s3.put_object(Bucket="bench", Key="big", Body=f)

        def multipart():
            fargo.aws("s3", "cp", src, "s3://bench/big-mp", timeout=1800)

        def get():
            body = s3.get_object(Bucket="bench", Key="big")["Body"]
            n = 0
            while True:
                b = body.read(1 << 20)
                if not b:
                    break
                n += len(b)
            assert n == args.mib << 20, n

        print(f"fargo: {os.environ.get('FARGO_BIN', 'build/fargo')}, object {args.mib} MiB")
        print(f"{'phase':10} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'wall s':>7} "
              f"{'RSS before MB':>14} {'RSS rise MB':>12}")
        for name, fn in (("idle", idle), ("put", put), ("multipart", multipart), ("get", get)):
            r = Probe(fargo).run(fn)
            print(f"{name:10} {r['calls']:>6} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['max']:>8.2f} {r['wall']:>7.1f} "
                  f"{r['rss_base_mb']:>14.1f} {r['rss_rise_mb']:>12.1f}", flush=True)
    finally:
        fargo.stop()
        fargo.cleanup()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
