#!/usr/bin/env python3
"""Faults end to end: clustermgtd's wall clock steps. One cluster (2 static nodes, dynamic nodes);
clustermgtd is restarted under libfaketime (Debian's `faketime` package) with a clock offset read
from a file at every call, so the test can step clustermgtd's wall clock while it runs (its
monotonic clock is left alone, as an NTP step leaves it). Slurm, the compute nodes and the local
cloud keep the true time: this is the worst case, a head-node daemon whose clock disagrees with
everything it reads. Checks in order:
  (o) an hour ahead: the cloud refuses clustermgtd's requests as signed at the wrong time
      (RequestExpired); clustermgtd learns the cloud's clock from the replies' Date and goes on.
      The busy nodes keep their jobs and instances, no compute node shuts itself down; a static
      node whose instance dies is replaced, and the replacement is not taken for a timed-out one
      (it is young on the cloud's clock), so it is not relaunched again and again;
  (o) an hour behind (a two-hour step back): the same;
  (o) back to the true time: the same jobs still run.
Then the invariants (faultlib.check_invariants).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import Cluster, cluster_config, compute_resource, hold_for, wait_for  # noqa: E402

NAME = "fk"
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
CONFIG = cluster_config(
    [{"Name": "work", "ComputeResources": [compute_resource("c5xlarge", "c5.xlarge", 2, 3)]}],
    {"NodeReplacementTimeout": 90, "OrphanedInstanceTimeout": 20},
    computemgtd={"LoopTime": 5, "ClustermgtdTimeout": 30})
ST1, ST2, DY1 = "work-st-c5xlarge-1", "work-st-c5xlarge-2", "work-dy-c5xlarge-1"
c = Cluster(NAME, CONFIG)
state = {}


def job_running(job):
    return "JobState=RUNNING" in c.sh("scontrol", "show", "job", job, check=False).stdout


def heartbeat_time():
    """The Unix time clustermgtd wrote in its heartbeat (its own wall clock)."""
    return int(open(os.path.join(c.root, "heartbeat")).read().split()[-1])


def self_terminations():
    return [e for e in c.events() if e["component"] == "computemgtd" and e["action"] == "self-terminate"]


def jobs_running():
    for n in (ST1, ST2):
        state[n] = wait_for(f"{n} usable", lambda n=n: c.usable(n), 150)["instance"]
    state["job_st"] = c.sbatch("-w", ST1, "--wrap", "sleep 900")
    state["job_dy"] = c.sbatch("-w", DY1, "--wrap", "sleep 900")
    for j in ("job_st", "job_dy"):
        wait_for(f"job {state[j]} running", lambda j=j: job_running(state[j]), 150)
    state[DY1] = c.nodes()[DY1]["instance"]


def restart_under_faketime():
    if not os.path.exists(FAKETIME):
        raise AssertionError(f"{FAKETIME} missing (apt-get install faketime)")
    state["clock"] = os.path.join(c.home, "clock-offset")
    set_clock("+0")
    argv = c.stop_and_remember("clustermgtd.pid")
    c.start_detached(argv, "clustermgtd.pid", "clustermgtd.log",
                     env={"LD_PRELOAD": FAKETIME, "FAKETIME_TIMESTAMP_FILE": state["clock"], "FAKETIME_NO_CACHE": "1",
                          "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
    started = time.time()
    wait_for("clustermgtd's heartbeat after the restart",
             lambda: os.path.getmtime(os.path.join(c.root, "heartbeat")) > started, 30, interval=1)


def set_clock(offset):
    with open(state["clock"] + ".tmp", "w") as f:
        f.write(offset + "\n")
    os.replace(state["clock"] + ".tmp", state["clock"])


def busy_untouched():
    for j in ("job_st", "job_dy"):
        assert job_running(state[j]), f"job {state[j]} stopped"
    nodes = c.nodes()
    for n in (ST1, DY1):
        assert nodes[n]["instance"] == state[n], f"{n} moved from {state[n]} to {nodes[n]['instance']}"
        assert c.instance_state(state[n]) == "running", f"{state[n]} is {c.instance_state(state[n])}"
    return True


def replacements_of(node):
    return [e for e in c.events() if e.get("rule") == "static-replacement" and e.get("action") == "launch-nodes"
            and node in e.get("nodes", [])]


def stepped(offset, seconds_off):
    before_self = len(self_terminations())
    set_clock(offset)
    # clustermgtd sees the step: its next heartbeat carries the stepped time.
    wait_for(f"clustermgtd's clock at {offset}",
             lambda: abs(heartbeat_time() - time.time() - seconds_off) < 30, 30, interval=1)
    hold_for("busy nodes keep their jobs and instances", busy_untouched, 20)
    # clustermgtd still acts: a static node whose instance dies is replaced...
    old = state[ST2]
    launches = len(replacements_of(ST2))
    c.fault("kill-instance", old)
    n = wait_for(f"{ST2} replaced while clustermgtd's clock is at {offset}", lambda: c.usable(ST2, not_instance=old),
                 150)
    state[ST2] = n["instance"]
    # ...once: the young replacement is not taken for one past NodeReplacementTimeout (90 s).
    hold_for(f"{ST2} stays on {n['instance']}",
             lambda: c.nodes()[ST2]["instance"] == n["instance"] and busy_untouched(), 20)
    made = len(replacements_of(ST2)) - launches
    assert made == 1, f"{made} replacement launches for one dead instance"
    assert len(self_terminations()) == before_self, f"a compute node shut itself down: {self_terminations()[before_self:]}"


def an_hour_ahead():
    stepped("+1h", 3600)
    log = open(os.path.join(c.root, "log", "clustermgtd.log")).read()
    assert "signing with that offset" in log, "clustermgtd never reported learning the cloud's clock"


def an_hour_behind():
    stepped("-1h", -3600)


def true_time_again():
    set_clock("+0")
    wait_for("clustermgtd's clock at the true time", lambda: abs(heartbeat_time() - time.time()) < 30, 30, interval=1)
    hold_for("busy nodes keep their jobs and instances", busy_untouched, 15)
    assert c.usable(ST2), f"{ST2} is not usable: {c.nodes()[ST2]}"


def main():
    return c.run([
        ("jobs running on a static and a dynamic node", jobs_running),
        ("clustermgtd restarted with a steppable wall clock (libfaketime)", restart_under_faketime),
        ("(o) clustermgtd an hour ahead: learns the cloud's clock, busy nodes untouched, a dead static node "
         "replaced once", an_hour_ahead),
        ("(o) clustermgtd an hour behind: the same", an_hour_behind),
        ("(o) back to the true time: the same jobs still run", true_time_again),
    ], stop_after_failure=True)


if __name__ == "__main__":
    sys.exit(main())
