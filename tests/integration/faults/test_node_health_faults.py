#!/usr/bin/env python3
"""Faults end to end (1/3): node health. One cluster (2 static + 1 dynamic node), checks in order:
  (e) an instance tagged as this cluster's compute node that no Slurm node owns (launched with
      the AWS CLI) is terminated after OrphanedInstanceTimeout;
  (a) impaired instance status (local cloud fault) on an idle static node: DescribeInstanceStatus
      shows it impaired with impairedSince, the node is replaced, the old instance terminated;
  (b) a scheduled event on a static node running a job: the node is drained (the job finishes),
      then replaced;
  (f) a node set DOWN by hand: the static node is replaced; the dynamic node (running a job)
      has its instance terminated and is powered down;
  (g) the partition set INACTIVE by hand: its instances are terminated and its nodes reset.
Outcomes are read from Slurm (scontrol) and the cloud (aws ec2 describe-instances).
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import Cluster, cluster_config, compute_resource, wait_for  # noqa: E402

NAME = "fh"
CONFIG = cluster_config(
    [{"Name": "work", "ComputeResources": [compute_resource("c5xlarge", "c5.xlarge", 2, 3)]}],
    {"HealthCheckTimeout": 10, "HealthCheckTimeoutAfterSlurmdStartTime": 5, "NodeReplacementTimeout": 60,
     "OrphanedInstanceTimeout": 20})
ST1, ST2, DY1 = "work-st-c5xlarge-1", "work-st-c5xlarge-2", "work-dy-c5xlarge-1"
c = Cluster(NAME, CONFIG)
state = {}


def static_up():
    for n in (ST1, ST2):
        state[n] = wait_for(f"{n} usable", lambda n=n: c.usable(n), 150)["instance"]


def launch_orphan():
    out = c.sh("aws", "ec2", "run-instances", "--launch-template", f"LaunchTemplateName={NAME}-work-c5xlarge",
               "--count", "1", "--tag-specifications",
               f"ResourceType=instance,Tags=[{{Key=ebbflow:cluster-name,Value={NAME}}},"
               "{Key=ebbflow:node-type,Value=Compute},{Key=ebbflow:queue,Value=work}]",
               "--output", "json").stdout
    state["orphan"] = json.loads(out)["Instances"][0]["InstanceId"]
    state["orphan_at"] = time.time()


def orphan_terminated():
    iid = state["orphan"]
    wait_for("orphan terminated", lambda: c.gone(iid), 90)
    age = time.time() - state["orphan_at"]
    assert age >= 20 - 1, f"orphan terminated after {age:.0f}s, before OrphanedInstanceTimeout (20s)"
    assert any(e["rule"] == "orphaned-instance" and iid in e.get("instances", []) for e in c.events()), \
        "no orphaned-instance event names the orphan"
    bound = {n["instance"] for n in c.nodes().values()}
    assert iid not in bound, "the orphan got bound to a node"


def impaired_status_replaced():
    old = state[ST1]
    c.fault("impaired-status", old, "--kind", "instance")
    # Real EC2 shape, through the AWS CLI: impaired, details[].ImpairedSince set.
    st = json.loads(c.sh("aws", "ec2", "describe-instance-status", "--instance-ids", old, "--output", "json").stdout)
    item = st["InstanceStatuses"][0]
    assert item["InstanceStatus"]["Status"] == "impaired", item
    assert item["SystemStatus"]["Status"] == "ok", item
    assert item["InstanceStatus"]["Details"][0].get("ImpairedSince"), item
    n = wait_for(f"{ST1} replaced and usable", lambda: c.usable(ST1, not_instance=old), 150)
    assert c.gone(old), f"impaired instance {old} is {c.instance_state(old)}"
    assert any(e["rule"] == "static-replacement" and "ec2_health_check" in e["reason"] and ST1 in e.get("nodes", [])
               for e in c.events()), "no static-replacement note citing ec2_health_check"
    state[ST1] = n["instance"]


def scheduled_event_drains_then_replaces():
    old = state[ST2]
    job = c.sbatch("-w", ST2, "--wrap", "sleep 25")
    wait_for(f"job {job} running", lambda: "JobState=RUNNING" in c.sh("scontrol", "show", "job", job).stdout, 60)
    c.fault("scheduled-event", old, "--code", "instance-retirement")
    st = json.loads(c.sh("aws", "ec2", "describe-instance-status", "--instance-ids", old, "--output", "json").stdout)
    assert st["InstanceStatuses"][0]["Events"][0]["Code"] == "instance-retirement", st
    wait_for(f"{ST2} drained while its job runs",
             lambda: "DRAIN" in c.slurm_node(ST2)["State"] and "scheduled_events_check" in c.slurm_node(ST2)["Reason"],
             40)
    assert "JobState=RUNNING" in c.sh("scontrol", "show", "job", job).stdout, "the drain killed the job"
    wait_for(f"job {job} completed", lambda: "JobState=COMPLETED" in c.sh("scontrol", "show", "job", job).stdout, 60)
    n = wait_for(f"{ST2} replaced and usable", lambda: c.usable(ST2, not_instance=old), 150)
    assert c.gone(old), f"retiring instance {old} is {c.instance_state(old)}"
    state[ST2] = n["instance"]


def static_down_by_hand_replaced():
    old = state[ST1]
    c.sh("scontrol", "update", f"nodename={ST1}", "state=down", "reason=test")
    n = wait_for(f"{ST1} replaced after manual DOWN", lambda: c.usable(ST1, not_instance=old), 150)
    assert c.gone(old), f"old instance {old} is {c.instance_state(old)}"
    state[ST1] = n["instance"]


def dynamic_down_by_hand_powered_down():
    job = c.sbatch("--no-requeue", "-w", DY1, "--wrap", "sleep 300")
    c.killed_ok.add(job)  # on the node this check sets DOWN: Slurm ends it NODE_FAIL
    def on_dy1():
        n = c.nodes()[DY1]
        return n if n["instance"] and "JobState=RUNNING" in c.sh("scontrol", "show", "job", job).stdout else None
    n = wait_for(f"{DY1} running the job", on_dy1, 120)
    iid = n["instance"]
    c.sh("scontrol", "update", f"nodename={DY1}", "state=down", "reason=test")
    wait_for(f"{DY1} instance terminated", lambda: c.gone(iid), 60)
    wait_for(f"{DY1} powered down without address",
             lambda: (lambda n: not n["address"] and not n["instance"] and "POWER" in n["state"])(c.nodes()[DY1]), 90)
    c.sh("scancel", job, check=False)


def inactive_partition_cleaned():
    ids = [state[ST1], state[ST2]]
    c.sh("scontrol", "update", "partitionname=work", "state=inactive")
    wait_for("instances of the inactive partition terminated", lambda: all(c.gone(i) for i in ids), 60)
    live = c.instances(f"Name=tag:ebbflow:cluster-name,Values={NAME}", "Name=instance-state-name,Values=pending,running")
    assert not live, f"instances still running: {sorted(live)}"
    wait_for("static nodes reset (no address)",
             lambda: all(not c.slurm_node(n).get("NodeAddr") or c.slurm_node(n)["NodeAddr"] == n for n in (ST1, ST2)),
             60)
    assert c.partition_state("work") == "INACTIVE", "clustermgtd must not re-activate a partition set INACTIVE by hand"


def main():
    return c.run([
        ("static nodes up", static_up),
        ("orphan launched with the AWS CLI", launch_orphan),
        ("(a) impaired instance status: static node replaced", impaired_status_replaced),
        ("(e) orphaned instance terminated after OrphanedInstanceTimeout", orphan_terminated),
        ("(b) scheduled event: node drained, job finishes, node replaced", scheduled_event_drains_then_replaces),
        ("(f) static node set DOWN by hand: replaced", static_down_by_hand_replaced),
        ("(f) dynamic node set DOWN by hand: instance terminated, powered down", dynamic_down_by_hand_powered_down),
        ("(g) partition INACTIVE by hand: instances terminated, nodes reset", inactive_partition_cleaned),
    ])


if __name__ == "__main__":
    sys.exit(main())
