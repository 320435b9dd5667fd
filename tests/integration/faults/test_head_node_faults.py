#!/usr/bin/env python3
"""Faults end to end (3/3): the head node's daemon. One cluster (2 static nodes), checks in order:
  (h) clustermgtd stopped (by its pid) with Computemgtd.ClustermgtdTimeout 20 s: the compute
      node that Slurm sees DOWN shuts itself down (its instance is terminated in the cloud),
      while the healthy node running a job keeps running it;
  (i) clustermgtd restarted; its static replacement launch is caught mid-call (the local cloud
      holds the RunInstances reply: slow-reply fault) and clustermgtd is killed with SIGKILL;
      after another restart the launch intent's ClientToken is reused: the node is bound to the
      instance that was already launched, no duplicate, and nothing is left as an orphan after
      OrphanedInstanceTimeout.
Outcomes are read from Slurm (scontrol) and the cloud (aws ec2 describe-instances); then the
invariants (faultlib.check_invariants).
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import Cluster, cluster_config, compute_resource, hold_for, wait_for  # noqa: E402

NAME = "fd"
CONFIG = cluster_config(
    [{"Name": "work", "ComputeResources": [compute_resource("c5xlarge", "c5.xlarge", 2, 2)]}],
    {"NodeReplacementTimeout": 60, "OrphanedInstanceTimeout": 20},
    computemgtd={"LoopTime": 5, "ClustermgtdTimeout": 20})
ST1, ST2 = "work-st-c5xlarge-1", "work-st-c5xlarge-2"
c = Cluster(NAME, CONFIG)
state = {}


def static_up():
    for n in (ST1, ST2):
        state[n] = wait_for(f"{n} usable", lambda n=n: c.usable(n), 150)["instance"]


def running(job):
    return "JobState=RUNNING" in c.sh("scontrol", "show", "job", job).stdout


def computemgtd_self_terminates():
    job = c.sbatch("-w", ST2, "--wrap", "sleep 600")
    state["job"] = job
    wait_for(f"job {job} running on {ST2}", lambda: running(job), 60)
    pid = c.pid_of("clustermgtd")
    c.stop_pid(pid)
    assert not c.alive(pid), "clustermgtd still running"
    stopped_at = time.time()
    c.sh("scontrol", "update", f"nodename={ST1}", "state=down", "reason=test")
    down_iid = state[ST1]
    wait_for(f"{ST1}'s instance {down_iid} terminated by its own computemgtd", lambda: c.gone(down_iid), 90)
    took = time.time() - stopped_at
    assert took >= 20 - 2, f"self-terminated {took:.0f}s after clustermgtd stopped, before ClustermgtdTimeout (20s)"
    ev = [e for e in c.events() if e["component"] == "computemgtd" and e["action"] == "self-terminate"]
    assert any(ST1 in e.get("nodes", []) for e in ev), "no computemgtd self-terminate event for the down node"
    # The healthy node had the same stale heartbeat for as long: it must still run its job.
    hold_for(f"{ST2} keeps its instance and job", lambda: not c.gone(state[ST2]) and running(job), 10)
    assert not any(ST2 in e.get("nodes", []) for e in ev), f"{ST2} shut itself down"


def killed_mid_launch_no_duplicate():
    c.fault("slow-reply", "--action", "RunInstances", "--delay", "25", "--count", "1")
    before = set(c.instances("Name=instance-type,Values=c5.xlarge"))
    pid = c.start_clustermgtd()

    def launched():
        new = [i for i in c.instances("Name=instance-type,Values=c5.xlarge") if i not in before]
        return new or None
    new = wait_for("clustermgtd's replacement RunInstances to run in the cloud", launched, 60, interval=1)
    assert len(new) == 1, f"expected one new instance, got {new}"
    c.stop_pid(pid, sig=signal.SIGKILL)  # mid-call: the cloud still holds the reply
    assert not c.alive(pid), "clustermgtd survived SIGKILL"
    assert c.nodes()[ST1]["instance"] != new[0], "the node was bound before the kill: not mid-launch"
    c.start_clustermgtd()
    n = wait_for(f"{ST1} usable on the instance launched before the kill", lambda: c.usable(ST1), 120)
    assert n["instance"] == new[0], f"{ST1} is on {n['instance']}, not on the first launch {new[0]}"
    after = [i for i in c.instances("Name=instance-type,Values=c5.xlarge") if i not in before]
    assert after == new, f"duplicate launch: {after}"
    # Past OrphanedInstanceTimeout (20 s) nothing that is ours gets swept.
    time.sleep(25)
    assert c.instance_state(new[0]) == "running", f"{new[0]} is {c.instance_state(new[0])}"
    assert not any(e["rule"] == "orphaned-instance" and e["action"] == "terminate-instances" for e in c.events()), \
        "an instance was terminated as an orphan"
    assert running(state["job"]), "the job on the healthy node was lost"
    c.sh("scancel", state["job"], check=False)


def main():
    return c.run([
        ("static nodes up", static_up),
        ("(h) clustermgtd gone: the down node shuts itself down, the busy node does not", computemgtd_self_terminates),
        ("(i) clustermgtd killed mid-launch: token reused, no duplicate, no orphan", killed_mid_launch_no_duplicate),
    ])


if __name__ == "__main__":
    sys.exit(main())
