#!/usr/bin/env python3
"""Chaos soak (opt-in, not in CI): one small queue-mode cluster (real Slurm, the local cloud),
random jobs and random faults for a bounded time, then a drain and a report.

  scripts/chaos-soak --minutes 30 [--seed N] [--json OUT]

Faults, one every --fault-every seconds on average (each from the local cloud's fault table or
from outside, as in tests/integration/faults): an instance killed, a launch failing with
InsufficientInstanceCapacity, throttling and 5xx on the EC2 API, an impaired instance, a
bootstrap that never finishes, clustermgtd killed with SIGKILL (restarted 5-20 s later).

Reported (JSON and text): jobs submitted, their end states, requeued (more than one jobcomp record), killed
(with whether their node had been hurt on purpose), instance-hours leaked (instances of the
cluster alive without a node past OrphanedInstanceTimeout plus two loops, summed over the samples;
must be 0), the invariants (faultlib.check_invariants) after the drain, and the resident memory of
clustermgtd and of the local cloud over time (must stay flat: first and last samples and the
least-squares slope in KB per hour).
"""
import argparse
import json
import os
import random
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "faults"))
from faultlib import Cluster, cluster_config, compute_resource, wait_for  # noqa: E402

LOOP = 5
ORPHAN = 30
CONFIG = cluster_config(
    [{"Name": "work", "ComputeResources": [compute_resource("c5xlarge", "c5.xlarge", 1, 6)]}],
    {"LoopTime": LOOP, "HealthCheckTimeout": 20, "NodeReplacementTimeout": 120, "OrphanedInstanceTimeout": ORPHAN,
     "InsufficientCapacityTimeout": 40},
    computemgtd={"LoopTime": 10, "ClustermgtdTimeout": 90},
    slurm_settings={"ScaledownIdletime": 1, "ResumeTimeout": 120})


def rss_kb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def slope_kb_per_hour(samples):
    """Least-squares slope of (seconds, kb) samples, in KB per hour."""
    pts = [(t, v) for t, v in samples if v is not None]
    if len(pts) < 2:
        return 0.0
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    mv = sum(v for _, v in pts) / n
    den = sum((t - mt) ** 2 for t, _ in pts)
    return 0.0 if den == 0 else sum((t - mt) * (v - mv) for t, v in pts) / den * 3600


class Soak:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.c = Cluster("fs", CONFIG)
        self.jobs = []
        self.hurt_nodes = {}      # node name -> first time a fault hit its instance
        self.faults = {}          # fault kind -> count
        self.leaked_s = 0.0       # instance-seconds alive without a node past the orphan timeout
        self.memory = {"clustermgtd": [], "cloud": []}
        self.start = time.time()
        self.clustermgtd_down_until = None

    # --- actions ---------------------------------------------------------------------------
    def submit(self):
        nodes = self.rng.choice([1, 1, 1, 2])
        secs = self.rng.randint(10, 120)
        try:
            self.jobs.append(self.c.sbatch("-p", "work", "-N", str(nodes), "--wrap", f"sleep {secs}"))
        except Exception as e:
            print(f"  submit failed: {e}", flush=True)

    def fault(self):
        kind = self.rng.choice(["kill-instance", "ice", "throttle", "server-error", "impaired", "never-bootstrap",
                                "kill-clustermgtd"])
        c = self.c
        try:
            if kind in ("kill-instance", "impaired"):
                bound = self.c.bound_instances()
                if not bound:
                    return
                iid = self.rng.choice(sorted(bound))
                if kind == "kill-instance":
                    c.fault("kill-instance", iid)
                else:
                    c.fault("impaired-status", iid, "--kind", "instance")
                self.hurt_nodes.setdefault(bound[iid], time.time())
            elif kind == "ice":
                c.fault("fail-launch", "--count", "2")
            elif kind == "throttle":
                c.fault("api-error", "throttle", "--count", "5")
            elif kind == "server-error":
                c.fault("api-error", "server-error", "--count", "3")
            elif kind == "never-bootstrap":
                c.fault("never-bootstrap", "--count", "1")
            elif kind == "kill-clustermgtd":
                if self.clustermgtd_down_until is not None:
                    return
                c.stop_pid(c.pid_of("clustermgtd"), sig=signal.SIGKILL)
                self.clustermgtd_down_until = time.time() + self.rng.randint(5, 20)
            self.faults[kind] = self.faults.get(kind, 0) + 1
            print(f"  [{time.time() - self.start:6.0f}s] fault {kind}", flush=True)
        except Exception as e:
            print(f"  fault {kind} failed to inject: {e}", flush=True)

    def sample(self, interval):
        t = time.time() - self.start
        try:
            self.memory["clustermgtd"].append((t, rss_kb(self.c.pid_of("clustermgtd"))))
            self.memory["cloud"].append((t, rss_kb(int(open(os.path.join(self.c.root, "run", "cloud.pid")).read()))))
        except Exception:
            pass
        try:
            for age in self.c.unbound_instances().values():
                if age > ORPHAN + 2 * LOOP + 10:
                    self.leaked_s += interval
        except Exception as e:
            print(f"  sample failed: {e}", flush=True)

    # --- the run ---------------------------------------------------------------------------
    def run(self):
        a = self.args
        c = self.c
        c.create()
        wait_for("the static node usable", lambda: c.usable("work-st-c5xlarge-1"), 180)
        deadline = self.start + a.minutes * 60
        next_sample = time.time()
        while time.time() < deadline:
            if self.clustermgtd_down_until and time.time() >= self.clustermgtd_down_until:
                c.start_clustermgtd()
                self.clustermgtd_down_until = None
            if self.rng.random() < a.submit_rate:
                self.submit()
            if self.rng.random() < 10.0 / a.fault_every:
                self.fault()
            if time.time() >= next_sample:
                self.sample(60)
                next_sample += 60
            time.sleep(10)
        if self.clustermgtd_down_until:
            c.start_clustermgtd()
        c.fault("clear")
        print("faults stopped; draining the queue", flush=True)
        try:
            wait_for("every job finished", lambda: not c.sh("squeue", "-h", "-o", "%i").stdout.strip(),
                     a.drain_minutes * 60, interval=10)
        except AssertionError as e:
            print(f"  {e}", flush=True)
        time.sleep(ORPHAN + 3 * LOOP)
        self.sample(0)
        return self.report()

    def report(self):
        finished = {}
        records_per_job = {}
        for r in self.c.jobcomp():  # last record per job wins (a requeued job has one per run)
            finished[r.get("JobId")] = r
            records_per_job[r.get("JobId")] = records_per_job.get(r.get("JobId"), 0) + 1
        states = {}
        killed_healthy = []
        queued = set(self.c.sh("squeue", "-h", "-o", "%i").stdout.split())
        for j in self.jobs:
            r = finished.get(j)
            st = r.get("JobState") if r else "UNKNOWN"
            if j in queued:  # requeued (its last record may be NODE_FAIL) and not run again yet
                st = "QUEUED"
                states[st] = states.get(st, 0) + 1
                continue
            states[st] = states.get(st, 0) + 1
            if st in ("NODE_FAIL", "FAILED", "BOOT_FAIL"):
                nodes = r.get("NodeList", "")
                hurt = any(n in nodes for n in self.hurt_nodes)
                if not hurt:
                    killed_healthy.append(j)
        requeued = sum(1 for j in self.jobs if records_per_job.get(j, 0) > 1)
        invariants = "ok"
        try:
            self.c.check_invariants(orphan_timeout=ORPHAN, loop_time=LOOP,
                                    killed_ok=[j for j in self.jobs if j not in killed_healthy])
        except AssertionError as e:
            invariants = str(e)
        mem = {}
        for k, samples in self.memory.items():
            vals = [v for _, v in samples if v is not None]
            mem[k] = {"first_kb": vals[0] if vals else None, "last_kb": vals[-1] if vals else None,
                      "max_kb": max(vals) if vals else None, "slope_kb_per_hour": round(slope_kb_per_hour(samples), 1),
                      "samples": len(vals)}
        out = {
            "minutes": self.args.minutes, "seed": self.args.seed,
            "jobs_submitted": len(self.jobs), "job_end_states": states, "jobs_killed_on_healthy_nodes": killed_healthy,
            "jobs_requeued": requeued, "faults_injected": self.faults, "nodes_hurt": len(self.hurt_nodes),
            "instance_hours_leaked": round(self.leaked_s / 3600, 3), "invariants": invariants, "memory": mem,
        }
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fault-every", type=float, default=60, help="mean seconds between faults")
    ap.add_argument("--submit-rate", type=float, default=0.5, help="chance of a job every 10 s")
    ap.add_argument("--drain-minutes", type=float, default=15)
    ap.add_argument("--json", help="write the report here")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root (runs slurmctld, munged and slurmd)")
        return 2
    s = Soak(a)
    rc = 1
    try:
        rep = s.run()
        text = json.dumps(rep, indent=2)
        print(text)
        if a.json:
            with open(a.json, "w") as f:
                f.write(text + "\n")
        ok = rep["instance_hours_leaked"] == 0 and rep["invariants"] == "ok" and not rep["jobs_killed_on_healthy_nodes"]
        rc = 0 if ok else 1
    except Exception as e:
        print(f"soak failed: {e}", flush=True)
    finally:
        s.c.finish()
    return rc


if __name__ == "__main__":
    sys.exit(main())
