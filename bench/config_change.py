#!/usr/bin/env python3
"""The story's config loop: a page under examples/seed-stack's artifacts
changes, `terraform apply` runs again, and the service rolls out a new task
(new task definition revision: CONFIG_HASH changed) whose init container
copies the new files from S3 before nginx starts. Measured from the end of
the apply until the new task's nginx serves the new page (fetched every
50 ms through `fargo port-forward --task`), over several changes: p50 and
the worst.

No AWS side runs here (offline); the figures are split by where the time
goes, from the engine's clocks: the rollout until the new task's init
container starts (fargo's: scheduler, ENI, containers), the init container's
own run (the AWS CLI copying from S3: the workload, as on Fargate), the
wait from its exit to nginx's start (dependsOn COMPLETE: fargo's), and
nginx answering. "fargo's own" is the first and third. Also shown: the
apply itself and when the old task was STOPPED (the deployment stops it once
the new one RUNS, as AWS does with minimumHealthyPercent 100).

Usage: bench/config_change.py [--runs N]   (root, the engine, the story's
images: tests/images/build.sh, and Terraform with the provider mirror)
"""
import argparse
import os
import statistics
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from fargo_harness import Fargo, require_vpc_networks  # noqa: E402
from seed_config_change import SeedStack  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    # The story's target group checks every 300 s (healthy after 3) and
    # drains 300 s: as on AWS the old task would stop ~20 min after the
    # change. The loop is measured with those waits scaled (fargo serve
    # --scale-waits); the new page's time does not depend on them.
    ap.add_argument("--scale-waits", type=float, default=0.01)
    args = ap.parse_args()
    require_vpc_networks()
    fargo = Fargo(args=("--scale-waits", str(args.scale_waits))).start()
    stack = SeedStack(fargo)
    rows = []
    try:
        stack.tf("init", "-input=false")
        stack.apply()
        stack.serving_task(1, "Hello from fargo")
        for i in range(args.runs):
            c = stack.change(i + 2, f"Change {i + 1} at {time.time():.3f}")
            c["fargo"] = c.get("init_started", 0) + c.get("main_after_init", 0)
            rows.append(c)
            print(f"run {i + 1}: apply {c['apply']:.2f} s | after it: served {c['after']:.2f} s "
                  f"(init started {c.get('init_started', float('nan')):.2f}, init ran {c.get('init_ran', float('nan')):.2f}, "
                  f"nginx started {c.get('main_after_init', float('nan')):.2f} after, answered "
                  f"{c.get('served_after_main', float('nan')):.2f} after) | RUNNING {c['running'] or float('nan'):.2f} s | "
                  f"old STOPPED {c['old_stopped']:.2f} s", flush=True)
            stack.close()
        stack.destroy()
    finally:
        fargo.stop()

    def p50(k):
        v = [r[k] for r in rows if r.get(k) is not None]
        return statistics.median(v) if v else float("nan")

    def worst(k):
        v = [r[k] for r in rows if r.get(k) is not None]
        return max(v) if v else float("nan")
    print()
    print(f"{'config change (seed stack), ' + str(len(rows)) + ' runs':52s} {'p50':>8s} {'max':>8s}")
    for label, k in (("terraform apply", "apply"),
                     ("apply end -> new page served", "after"),
                     ("  -> init container started (fargo)", "init_started"),
                     ("  init container ran (aws s3 cp)", "init_ran"),
                     ("  init exited -> nginx started (fargo)", "main_after_init"),
                     ("  nginx started -> page served", "served_after_main"),
                     ("  fargo's own share", "fargo"),
                     ("apply end -> new task RUNNING", "running"),
                     ("apply end -> old task STOPPED", "old_stopped")):
        print(f"{label:52s} {p50(k):7.2f}s {worst(k):7.2f}s")


if __name__ == "__main__":
    main()
