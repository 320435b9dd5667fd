#!/usr/bin/env python3
"""Faults end to end (2/3): capacity and bootstrap. One cluster, two queues, both faults at once:
  burst   (m5.large, 0 static + 2 dynamic): RunInstances fails with InsufficientInstanceCapacity
  fragile (c5.large, 2 static): replacement instances never bootstrap (`sleep infinity`).
Checks:
  (d) a job on `burst`: resume fails, the node is set down with (Code:InsufficientInstanceCapacity),
      the compute resource is disabled (its other node set DOWN, `cluster status` lists it); after
      the fault is cleared and InsufficientCapacityTimeout expires the nodes are re-enabled and
      the job runs;
  (c) static nodes whose instance never bootstraps are replaced after NodeReplacementTimeout and
      each counts as a bootstrap failure;
  (j) after ProtectedFailureCount failures the partition is INACTIVE (protected mode), shown in
      `cluster status`, its instances terminated; `ebbflow cluster start` leaves protected mode
      and the static nodes come back.
Outcomes are read from Slurm (scontrol) and the cloud (aws ec2 describe-instances).
"""
import calendar
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import Cluster, cluster_config, compute_resource, wait_for  # noqa: E402

NAME = "fc"
CONFIG = cluster_config(
    [{"Name": "burst", "ComputeResources": [compute_resource("m5large", "m5.large", 0, 2)]},
     {"Name": "fragile", "ComputeResources": [compute_resource("c5large", "c5.large", 2, 2)]}],
    {"NodeReplacementTimeout": 25, "InsufficientCapacityTimeout": 30, "ProtectedFailureCount": 3,
     "OrphanedInstanceTimeout": 60},
    slurm_settings={"ResumeTimeout": 60})
F1, F2 = "fragile-st-c5large-1", "fragile-st-c5large-2"
B1, B2 = "burst-dy-m5large-1", "burst-dy-m5large-2"
c = Cluster(NAME, CONFIG)
state = {}


def utc(iso):
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


def setup_faults():
    for n in (F1, F2):
        state[n] = wait_for(f"{n} usable", lambda n=n: c.usable(n), 150)["instance"]
    # clustermgtd has seen the first launch through (a node killed before that would count as a
    # bootstrap failure already).
    wait_for("no static replacement in progress", lambda: c.status().get("replacing") == 0, 30)
    c.fault("fail-launch", "--instance-type", "m5.large", "--count", "-1")
    c.fault("never-bootstrap", "--instance-type", "c5.large", "--count", "-1")
    state["job"] = c.sbatch("-p", "burst", "-N", "1", "--wrap", "hostname")
    for n in (F1, F2):
        c.fault("kill-instance", state[n])
    state["killed_at"] = time.time()


def ice_disables_compute_resource():
    def ice_down():
        return any("DOWN" in c.slurm_node(n)["State"] and
                   "(Code:InsufficientInstanceCapacity)" in c.slurm_node(n).get("Reason", "") for n in (B1, B2))
    wait_for("a burst node down with (Code:InsufficientInstanceCapacity)", ice_down, 60)
    wait_for("burst/m5large disabled in cluster status",
             lambda: any(d["compute_resource"] == "m5large" for d in c.status().get("disabled_compute_resources", [])),
             30)
    wait_for("every burst node DOWN while disabled",
             lambda: all("DOWN" in c.slurm_node(n)["State"] for n in (B1, B2)), 30)
    live = c.instances("Name=instance-type,Values=m5.large", "Name=instance-state-name,Values=pending,running")
    assert not live, f"m5.large instances exist despite the capacity error: {sorted(live)}"
    state["ice_seen_at"] = time.time()


def ice_reenabled_after_timeout():
    c.fault("clear")
    c.fault("never-bootstrap", "--instance-type", "c5.large", "--count", "-1")  # fragile keeps failing
    wait_for("burst/m5large re-enabled",
             lambda: not any(d["compute_resource"] == "m5large"
                             for d in c.status().get("disabled_compute_resources", [])), 60)
    ev = [e for e in c.events() if e["rule"] == "insufficient-capacity"]
    disabled = [utc(e["time"]) for e in ev if e["action"] == "note" and "disabling burst/m5large" in e["reason"]]
    enabled = [utc(e["time"]) for e in ev if e["action"] == "power-down-nodes" and "Enabling" in e["reason"]]
    assert disabled and enabled, f"missing disable/enable events: {ev}"
    assert enabled[0] - disabled[0] >= 30 - 1, \
        f"re-enabled {enabled[0] - disabled[0]}s after disabling, before InsufficientCapacityTimeout (30s)"


def ice_job_runs_later():
    # Slurm requeued the job when its node failed to resume and holds it back ~2 minutes.
    job = state["job"]
    wait_for(f"burst job {job} completed once capacity is back",
             lambda: "JobState=COMPLETED" in c.sh("scontrol", "show", "job", job).stdout, 240)
    ran = [e for e in c.events() if e["component"] == "slurm-resume" and e["action"] == "launch-nodes"
           and e["outcome"] == "ok"]
    assert ran, "no successful resume launch for the burst job"


def never_bootstrap_replaced():
    def first_replacements():
        ids = {}
        for iid, i in c.instances("Name=instance-type,Values=c5.large").items():
            tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
            if iid not in (state[F1], state[F2]) and tags.get("ebbflow:node-name") in (F1, F2):
                ids[tags["ebbflow:node-name"]] = (iid, i["LaunchTime"])
        return ids if len(ids) == 2 else None
    first = wait_for("replacement instances launched for the fragile nodes", first_replacements, 60)
    for node, (iid, _) in first.items():
        wait_for(f"never-bootstrapped {iid} ({node}) terminated", lambda iid=iid: c.gone(iid), 90)
        ev = wait_for(f"bootstrap failure counted for {node}",
                      lambda: [e for e in c.events() if e["rule"] == "protected-mode" and node in e.get("nodes", [])
                               and "bootstrap failure counted" in e["reason"]
                               and "node_replacement_timeout" in e["reason"]], 10)
        age = utc(ev[0]["time"]) - utc(first[node][1])
        assert age >= 25 - 1, f"{node} declared failed {age}s after launch, before NodeReplacementTimeout (25s)"


def protected_mode_then_start():
    wait_for("fragile partition INACTIVE (protected mode)", lambda: c.partition_state("fragile") == "INACTIVE", 120)
    st = c.status()
    assert "fragile" in st.get("protected_partitions", {}), f"cluster status: {st.get('protected_partitions')}"
    assert "burst" not in st.get("protected_partitions", {}), "the healthy queue was protected too"
    text = c.ebbflow("cluster", "status", NAME).stdout
    assert "fragile" in text and "protect" in text.lower(), f"plain status does not show protected mode:\n{text}"
    wait_for("fragile instances terminated",
             lambda: not c.instances("Name=instance-type,Values=c5.large",
                                     "Name=instance-state-name,Values=pending,running"), 60)
    c.fault("clear")
    c.ebbflow("cluster", "start", NAME)
    wait_for("fragile partition UP after cluster start", lambda: c.partition_state("fragile") == "UP", 60)
    assert not c.status().get("protected_partitions"), "protected mode not cleared by cluster start"
    for n in (F1, F2):
        wait_for(f"{n} usable again", lambda n=n: c.usable(n), 150)


def main():
    return c.run([
        ("static nodes up, faults injected", setup_faults),
        ("(d) insufficient capacity: nodes down with the code, compute resource disabled", ice_disables_compute_resource),
        ("(c) never-bootstrapping static nodes replaced, counted as bootstrap failures", never_bootstrap_replaced),
        ("(d) compute resource re-enabled after the timeout", ice_reenabled_after_timeout),
        ("(j) protected mode: partition INACTIVE, shown, cleared by cluster start", protected_mode_then_start),
        ("(d) the requeued job runs once capacity is back", ice_job_runs_later),
    ], stop_after_failure=True)


if __name__ == "__main__":
    sys.exit(main())
