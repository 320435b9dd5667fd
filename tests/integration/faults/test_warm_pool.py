#!/usr/bin/env python3
"""ScaledownPolicy: warm-pool end to end on real Slurm: clustermgtd runs ebbflow's release rule
(core::choose_nodes_to_release) instead of leaving idle dynamic nodes to Slurm's SuspendTime.
One cluster (0 static, 3 dynamic nodes), ScaledownIdletime 5 min, so Slurm's SuspendTime is the
rule's longest idle time, 4 x 5 min = 1200 s (an idle timer would keep an idle node 300 s).
Checks in order:
  (0) the rule has an hour of job history (the test dates the saved history's start back an hour,
      as on a cluster that has run a while; a new history makes the rule keep every idle node
      ScaledownIdletime while it learns, which the unit tests cover);
  (1) slurm.conf has SuspendTime=1200;
  (2) a 2-node job and a long 1-node job run (both --exclusive, so they share no node); when the 2-node job ends, its two nodes are idle
      beyond the warm pool (one 2-node submit in the last hour: the pool is the 0.7 quantile of
      six 10-minute windows, 0) and clustermgtd powers them down within a minute, with a
      `release-idle-nodes` event of rule `warm-pool`; their instances are terminated;
  (3) the node running the long job keeps it and its instance all along (a plain POWER_DOWN
      never takes a node's job);
  (4) the job history is in the state database (key job_arrivals), with the boot-wait
      feedback's state: the running job tracked as started, a job that waited for its nodes'
      boot counted, the node launches counted.
Then the invariants (faultlib.check_invariants).
"""
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import Cluster, cluster_config, compute_resource, hold_for, wait_for  # noqa: E402

NAME = "fw"
CONFIG = cluster_config(
    [{"Name": "work", "ComputeResources": [compute_resource("c5xlarge", "c5.xlarge", 0, 3)]}],
    {"OrphanedInstanceTimeout": 20},
    slurm_settings={"ScaledownIdletime": 5, "ScaledownPolicy": "warm-pool"})
c = Cluster(NAME, CONFIG)
state = {}


def saved_history(db):
    row = db.execute("SELECT value FROM kv WHERE key='job_arrivals'").fetchone()
    return json.loads(row[0]) if row else None


def established_history():
    """Dates the history's start back an hour, until clustermgtd's saved history keeps it (each
    loop rewrites the history it read; a write between its read and its write is lost, so the
    value must still be there two loops later)."""
    db = sqlite3.connect(os.path.join(c.root, "state.db"), timeout=30)
    seen = []
    try:
        def settled():
            history = saved_history(db)
            if history is None:  # no loop has read squeue yet
                return False
            if history.get("recorded_since", 0) <= time.time() - 3600:
                seen.append(time.time())
                return seen[-1] - seen[0] >= 2 * c.loop_time + 1
            seen.clear()
            history["recorded_since"] = int(time.time()) - 3700
            with db:
                db.execute("UPDATE kv SET value=? WHERE key='job_arrivals'", (json.dumps(history),))
            return False
        wait_for("the saved job history an hour old", settled, 120, interval=1)
    finally:
        db.close()


def suspend_time():
    conf = open(os.path.join(c.root, "slurm", "slurm.conf")).read()
    assert "\nSuspendTime=1200\n" in conf, [l for l in conf.splitlines() if l.startswith("SuspendTime")]


def jobs_then_release():
    state["long"] = c.sbatch("-p", "work", "-N", "1", "--exclusive", "--wrap", "sleep 600")
    wait_for("the long job running", lambda: c.job_state(state["long"]) == "RUNNING", 150)
    state["long_node"] = c.sh("squeue", "-h", "-j", state["long"], "-o", "%N").stdout.strip()
    state["long_instance"] = c.nodes()[state["long_node"]]["instance"]
    # 20 s: long enough to be seen RUNNING (a 5 s job ran between two polls in 2 of 5 runs).
    job = c.sbatch("-p", "work", "-N", "2", "--exclusive", "--wrap", "sleep 20")
    wait_for("the 2-node job running", lambda: c.job_state(job) == "RUNNING", 150, interval=1)
    pair = c.sh("scontrol", "show", "hostnames",
                c.sh("squeue", "-h", "-j", job, "-o", "%N").stdout.strip()).stdout.split()
    instances = [c.nodes()[n]["instance"] for n in pair]
    wait_for("the 2-node job completed", lambda: c.job_state(job) == "COMPLETED", 60, interval=1)
    ended = time.time()

    def released():
        nodes = c.nodes()
        return all("POWER" in nodes[n]["state"] and not nodes[n]["instance"] for n in pair)
    wait_for(f"{pair} powered down by the warm pool", released, 60, interval=1)
    took = time.time() - ended
    assert took < 120, f"released {took:.0f}s after the job: that is an idle timer, not the rule"
    events = [e for e in c.events() if e.get("rule") == "warm-pool" and e.get("action") == "release-idle-nodes"]
    named = {n for e in events for n in e.get("nodes", [])}
    assert set(pair) <= named, f"no release-idle-nodes event names {pair}: {events}"
    assert state["long_node"] not in named, f"the busy node {state['long_node']} was released: {events}"
    wait_for("their instances terminated", lambda: all(c.gone(i) for i in instances), 60)
    print(f"  {pair} released {took:.0f}s after their job ended (SuspendTime 1200 s)", flush=True)


def busy_node_kept():
    def kept():
        assert c.job_state(state["long"]) == "RUNNING", f"the long job is {c.job_state(state['long'])}"
        assert c.nodes()[state["long_node"]]["instance"] == state["long_instance"], "the busy node lost its instance"
        return True
    hold_for("the long job keeps its node", kept, 15)


def history_saved():
    db = sqlite3.connect(f"file:{os.path.join(c.root, 'state.db')}?mode=ro", uri=True)
    try:
        history = saved_history(db)
        assert history is not None, "no job_arrivals in the state database"
        assert history["max_job_id"] >= int(state["long"]), history
        assert 0 < history["recorded_since"] <= time.time() - 3600, f"the history's start was not kept: {history}"
        # The boot-wait feedback follows the jobs: the long job is tracked as started (its start
        # seen), the 2-node job, gone from squeue, no longer; both booted nodes (no static node).
        live = {str(job_id): start for job_id, start in history["live_job_starts"]}
        assert live.get(state["long"], -1) > 0, f"the running job {state['long']} is not tracked as started: {live}"
        assert len(live) == 1, f"only the long job is in squeue: {live}"
        feedback = history["feedback"]
        print(f"  feedback: {feedback['boot_waits']} jobs waited for a boot here; the idle-timer model "
              f"(660 s behind) has seen {feedback['jobs']} jobs", flush=True)
        assert feedback["boot_waits"] >= 1, f"no job seen CONFIGURING while its nodes booted: {feedback}"
        # The launches slurm_resume finished (1 node, then 2) reach the feedback's failure rate.
        assert feedback["launched_nodes"] >= 3 and feedback["failed_nodes"] == 0, feedback
    finally:
        db.close()


def main():
    return c.run([
        ("(0) the rule has an hour of history", established_history),
        ("(1) SuspendTime is the rule's longest idle time", suspend_time),
        ("(2) idle nodes beyond the warm pool powered down by clustermgtd", jobs_then_release),
        ("(3) the busy node keeps its job and instance", busy_node_kept),
        ("(4) the job history is saved", history_saved),
    ])


if __name__ == "__main__":
    sys.exit(main())
