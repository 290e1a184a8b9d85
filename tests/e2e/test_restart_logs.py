"""Container output across fargo restarts: every line reaches CloudWatch once.

A service of two tasks prints a counter (three lines per write, so lines share
a timestamp) while fargo is killed with kill -9 and started again on the same
data directory five times in a row, 3 s down each time; a one-off task writing
to stdout and stderr, then a burst of 50,000 lines, exits while fargo is down
(and is removed once its output is stored). Every stream, read from the
head with GetLogEvents, holds each counter value exactly once, with no gap.

Engine-backed: only fargo's APIs and the Docker Engine API (DOCKER_HOST, the
Docker socket or Podman's) are used. Needs the story's images
(tests/images/build.sh).
"""
import os
import time
import unittest

from fargo_harness import Fargo, repeats_and_gaps, require_engine, wait_for
from test_tasks import TaskWorld, task_id

RESTARTS = 5
DOWN_SECONDS = 3
COUNTER = ("n=0; while true; do printf 'n=%d\\nn=%d\\nn=%d\\n' $((n+1)) $((n+2)) $((n+3)); "
           "n=$((n+3)); sleep 0.1; done")
# 25 lines on stdout and stderr, then a burst: the restarted fargo reads it
# back from the engine's log, which goes when the task is removed.
ONE_OFF_LINES = 50000
ONE_OFF = ("for i in $(seq 1 25); do if [ $((i % 2)) = 0 ]; then echo n=$i >&2; "
           f"else echo n=$i; fi; sleep 0.1; done; seq 26 {ONE_OFF_LINES} | sed 's/^/n=/'")


def counter_values(w, stream):
    """The n= values of a stream, read from the head (every page), in stored order."""
    values, token = [], None
    while True:
        args = {"logGroupName": w.log_group, "logStreamName": stream, "startFromHead": True}
        if token:
            args["nextToken"] = token
        try:
            page = w.logs.get_log_events(**args)
        except w.logs.exceptions.ResourceNotFoundException:
            return values
        values += [int(e["message"][2:]) for e in page["events"] if e["message"].startswith("n=")]
        if not page["events"] or page["nextForwardToken"] == token:
            return values
        token = page["nextForwardToken"]


class LogsAcrossRestartsTest(unittest.TestCase):

    def assertOnceEach(self, values, what, upto=None):
        repeated, missing = repeats_and_gaps(values, upto)
        self.assertEqual(repeated, [], f"{what}: lines stored twice")
        self.assertEqual(missing, [], f"{what}: lines missing")

    def test_every_line_once_across_five_kill9_restarts(self):
        require_engine()
        fargo = Fargo().start()
        self.addCleanup(fargo.cleanup)
        w = TaskWorld(fargo, 100 + os.getpid() % 50, cluster="logs-restart")
        self.addCleanup(w.stop_everything)
        td = w.register("counter", [w.container("main", ["sh", "-c", COUNTER])])
        w.ecs.create_service(cluster=w.cluster, serviceName="counter", taskDefinition=td, desiredCount=2,
                             launchType="FARGATE", networkConfiguration=w.network())

        def running():
            arns = w.ecs.list_tasks(cluster=w.cluster, serviceName="counter", desiredStatus="RUNNING")["taskArns"]
            tasks = w.ecs.describe_tasks(cluster=w.cluster, tasks=arns)["tasks"] if arns else []
            return sorted(arns) if len(tasks) == 2 and all(t["lastStatus"] == "RUNNING" for t in tasks) else None
        arns = wait_for(running, 90, what="two running counter tasks")
        streams = [f"ecs/main/{task_id(a)}" for a in arns]

        def highest(stream):
            return max(counter_values(w, stream), default=0)
        for s in streams:
            wait_for(lambda: highest(s) >= 6, 30, what=f"the counter in {s}")

        one_off_td = w.register("one-off", [w.container("main", ["sh", "-c", ONE_OFF])])
        one_off = None
        for r in range(RESTARTS):
            if r == 0:
                # Kill fargo while this one prints: it exits while fargo is down.
                one_off = w.run(one_off_td)
                w.wait_log(f"ecs/main/{task_id(one_off)}", "n=2")
            before = {s: highest(s) for s in streams}
            fargo.kill9()
            time.sleep(DOWN_SECONDS)  # the containers go on printing
            fargo.start()
            # Adopted (the same tasks), and what they printed while fargo was
            # down and since reaches CloudWatch.
            self.assertEqual(wait_for(running, 60, what=f"the counter tasks after restart {r + 1}"), arns)
            for s in streams:
                wait_for(lambda: highest(s) >= before[s] + 60, 30,
                         what=f"{s}: lines printed while fargo was down (restart {r + 1})")
                self.assertOnceEach(counter_values(w, s), f"{s} after restart {r + 1}")

        stopped = w.wait_status(one_off, "STOPPED", 30)
        self.assertEqual(stopped["containers"][0]["exitCode"], 0)
        one_off_stream = f"ecs/main/{task_id(one_off)}"
        wait_for(lambda: len(counter_values(w, one_off_stream)) >= ONE_OFF_LINES, 60,
                 what="the one-off task's output, written while fargo was down")
        self.assertOnceEach(counter_values(w, one_off_stream), one_off_stream, upto=ONE_OFF_LINES)
        self.assertEqual(len(counter_values(w, one_off_stream)), ONE_OFF_LINES)

        totals = {s: len(counter_values(w, s)) for s in streams}
        print(f"\n[ restart logs ] {RESTARTS} kill -9 restarts: lines per stream {totals}, "
              f"one-off {ONE_OFF_LINES}; no line twice, none missing")


if __name__ == "__main__":
    unittest.main()
