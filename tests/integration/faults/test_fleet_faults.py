#!/usr/bin/env python3
"""CreateFleet end to end: a compute resource with two instance types and two subnets, so
clustermgtd and slurm_resume launch its nodes with an instant fleet (docs/aws.md "CreateFleet").
One small cluster, queue `flex`, compute resource `mixed` (c5.large + m5.large, 1 static + 2 dynamic).
Checks:
  (1) the static node is launched by clustermgtd with create-fleet and becomes usable; its
      instance carries the fleet's tag aws:ec2:fleet-id;
  (2) with c5.large out of capacity (local cloud fault), a job needing a dynamic node runs on
      an m5.large the fleet launched instead, and the event names the c5.large error;
  (3) with both types out of capacity, the resumed node goes down with
      (Code:InsufficientInstanceCapacity), as a failed RunInstances would.
Outcomes are read from Slurm (scontrol), the events log and the cloud (aws ec2 describe-instances).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import Cluster, cluster_config, compute_resource, wait_for  # noqa: E402

NAME = "ff"
CONFIG = cluster_config(
    [{"Name": "flex", "Networking": {"SubnetIds": ["subnet-a", "subnet-b"]},
      "ComputeResources": [compute_resource("mixed", None, 1, 3,
                                            Instances=[{"InstanceType": "c5.large"}, {"InstanceType": "m5.large"}])]}],
    {"InsufficientCapacityTimeout": 600, "OrphanedInstanceTimeout": 60},
    slurm_settings={"ResumeTimeout": 60})
STATIC = "flex-st-mixed-1"
c = Cluster(NAME, CONFIG)
state = {}


def tags_of(instance):
    return {t["Key"]: t["Value"] for t in instance.get("Tags", [])}


def static_via_fleet():
    n = wait_for("static node usable", lambda: c.usable(STATIC), 150)
    inst = c.instances(ids=[n["instance"]])[n["instance"]]
    assert inst["InstanceType"] == "c5.large", f"the first type should fill the fleet: {inst['InstanceType']}"
    assert tags_of(inst).get("aws:ec2:fleet-id", "").startswith("fleet-"), f"no fleet tag: {tags_of(inst)}"
    ev = [e for e in c.events() if e["component"] == "clustermgtd" and e["action"] == "launch-nodes"
          and e["rule"] == "launch" and STATIC in e.get("nodes", [])]
    assert ev and "with create-fleet" in ev[-1]["reason"], f"launch event: {ev}"


def job_runs_on_the_other_type():
    c.fault("fail-launch", "--instance-type", "c5.large", "--count", "-1")
    job = c.sbatch("-p", "flex", "-N", "2", "--wrap", "srun hostname")
    wait_for(f"job {job} completed", lambda: "JobState=COMPLETED" in c.sh("scontrol", "show", "job", job).stdout, 240)
    ev = [e for e in c.events() if e["component"] == "slurm-resume" and e["action"] == "launch-nodes"
          and e["rule"] == "launch" and e["outcome"] == "ok"]
    assert ev, "no successful resume launch"
    last = ev[-1]
    assert "m5.large" in last["reason"] and "with create-fleet" in last["reason"], last["reason"]
    assert "InsufficientInstanceCapacity for c5.large" in last["reason"], last["reason"]
    ids = last.get("instances", [])
    types = {i["InstanceType"] for i in c.instances(ids=ids).values()}
    assert types == {"m5.large"}, f"dynamic instances: {types}"


def both_types_out_of_capacity():
    c.fault("fail-launch", "--instance-type", "m5.large", "--count", "-1")
    busy = {n for n, v in c.nodes().items() if v["instance"]}
    job = c.sbatch("-p", "flex", "-N", "3", "--wrap", "srun hostname")
    state["ice_job"] = job

    def ice_down():
        for name in c.nodes():
            if name in busy or "-dy-" not in name:
                continue
            if "(Code:InsufficientInstanceCapacity)" in c.slurm_node(name).get("Reason", ""):
                return name
        return None
    wait_for("a dynamic node down with (Code:InsufficientInstanceCapacity)", ice_down, 120)
    failed = [e for e in c.events() if e["component"] == "slurm-resume" and e["action"] == "create-fleet"
              and e["outcome"] == "error"]
    assert failed and failed[-1]["reason"].startswith("InsufficientInstanceCapacity:"), f"events: {failed}"


def main():
    return c.run([
        ("(1) static node launched with CreateFleet", static_via_fleet),
        ("(2) one type out of capacity: the job runs on the other type", job_runs_on_the_other_type),
        ("(3) both types out of capacity: node down with the ICE code", both_types_out_of_capacity),
    ], stop_after_failure=True)


if __name__ == "__main__":
    sys.exit(main())
