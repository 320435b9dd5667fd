#!/usr/bin/env python3
"""Real-Slurm scale run (opt-in, not in CI; issue 7): one queue-mode cluster whose slurm.conf holds
--nodes CLOUD nodes (10,000 by default), real slurmctld, the local cloud, clustermgtd; then a job
for --live nodes (a few hundred) so that many instances boot and run a real slurmd each.

  scripts/slurm-scale-run [--nodes 10000] [--live 200] [--json OUT]

Reports (text and JSON):
  create_s                  `ebbflow cluster create` wall time (slurm.conf with every node, daemons up)
  iteration_idle_ms         clustermgtd's mean iteration wall time over a window with every node
                            powered down (its own metrics: iteration_seconds sum / count)
  iteration_busy_ms         the same with --live nodes up and busy
  phase_ms_busy             per phase (observe, decide, act) with the nodes busy
  resume_latency_s          sbatch -> the job RUNNING (resume program, launches, boots, slurmd
                            registrations; the local cloud boots an instance in about a second)
  resume_program_s          the resume program's own time: its resume-request event to its last
                            launch event for those nodes
  scale_down_s              scancel -> every instance terminated (SuspendTime 60 s + loops)
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "faults"))
from faultlib import Cluster, cluster_config, compute_resource, wait_for  # noqa: E402

LOOP = 10


def config(nodes):
    return cluster_config(
        [{"Name": "big", "ComputeResources": [compute_resource("c5large", "c5.large", 0, nodes)]}],
        {"LoopTime": LOOP, "NodeReplacementTimeout": 900, "OrphanedInstanceTimeout": 300},
        computemgtd={"ClustermgtdTimeout": 600},
        # idle-timer: the scale-down figure is Slurm's SuspendTime at 10,000 nodes (docs/performance.md),
        # measured before warm-pool became the default.
        slurm_settings={"ScaledownIdletime": 1, "SuspendTimeout": 60, "ResumeTimeout": 900,
                        "ScaledownPolicy": "idle-timer"})


def metrics(c):
    with open(os.path.join(c.root, "clustermgtd-metrics.json")) as f:
        return json.load(f)


def mean_ms(before, after, key, sub=None):
    b, a = before.get(key, {}), after.get(key, {})
    if sub is not None:
        b, a = b.get(sub, {}), a.get(sub, {})
    n = a.get("count", 0) - b.get("count", 0)
    return None if n <= 0 else round((a.get("sum", 0) - b.get("sum", 0)) / n * 1000, 1)


def window(c, seconds):
    before = metrics(c)
    time.sleep(seconds)
    return before, metrics(c)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=10000)
    ap.add_argument("--live", type=int, default=200)
    ap.add_argument("--window", type=int, default=6 * LOOP, help="seconds of iterations to average")
    ap.add_argument("--json")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root (runs slurmctld, munged and slurmd)")
        return 2
    c = Cluster("sc", config(a.nodes))
    out = {"nodes": a.nodes, "live": a.live}
    rc = 1
    try:
        t = time.time()
        c.create()
        out["create_s"] = round(time.time() - t, 1)
        print(f"cluster with {a.nodes} nodes created in {out['create_s']} s", flush=True)
        wait_for("clustermgtd's first iterations", lambda: metrics(c).get("iteration_seconds", {}).get("count", 0) >= 2, 300, interval=5)
        b, e = window(c, a.window)
        out["iteration_idle_ms"] = mean_ms(b, e, "iteration_seconds")
        print(f"iteration, all powered down: {out['iteration_idle_ms']} ms", flush=True)

        t = time.time()
        job = c.sbatch("-p", "big", "-N", str(a.live), "--wrap", "sleep 3600")
        state = lambda: c.sh("squeue", "-h", "-j", job, "-o", "%T").stdout.strip()  # noqa: E731
        wait_for(f"job {job} on {a.live} nodes RUNNING", lambda: state() == "RUNNING", 1800, interval=2)
        out["resume_latency_s"] = round(time.time() - t, 1)
        ev = [x for x in c.events() if x["component"] == "slurm-resume"]
        times = [time.mktime(time.strptime(x["time"][:19], "%Y-%m-%dT%H:%M:%S")) for x in ev]
        if times:
            out["resume_program_s"] = round(max(times) - min(times), 1)
        print(f"{a.live} nodes resumed, job running after {out['resume_latency_s']} s", flush=True)

        b, e = window(c, a.window)
        out["iteration_busy_ms"] = mean_ms(b, e, "iteration_seconds")
        out["phase_ms_busy"] = {p: mean_ms(b, e, "phase_seconds", p) for p in e.get("phase_seconds", {})}
        print(f"iteration, {a.live} busy: {out['iteration_busy_ms']} ms {out['phase_ms_busy']}", flush=True)

        t = time.time()
        c.sh("scancel", job)
        tag = f"Name=tag:ebbflow:cluster-name,Values={c.name}"
        wait_for("every instance terminated",
                 lambda: not c.instances(tag, "Name=instance-state-name,Values=pending,running"), 1200, interval=10)
        out["scale_down_s"] = round(time.time() - t, 1)
        c.check_invariants(orphan_timeout=300, loop_time=LOOP)
        rc = 0
    except Exception as ex:
        print(f"scale run failed: {ex}", flush=True)
        out["error"] = str(ex)
    finally:
        c.finish()
    text = json.dumps(out, indent=2)
    print(text)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    return rc


if __name__ == "__main__":
    sys.exit(main())
