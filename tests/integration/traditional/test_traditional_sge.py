#!/usr/bin/env python3
"""End to end, traditional mode with Son of Grid Engine (a real SGE 8.1.9 cell: qmaster and one
exec host per instance, each in its own namespaces; see docs/sge.md): an Auto Scaling group of compute nodes scaled by
jobwatcher (up) and nodewatcher (down), hosts joined and removed by sqswatcher from the SQS
queue (qconf), all against the local cloud, and checked with the AWS CLI. Same checks as
test_traditional_slurm.py.

MinSize 1, MaxSize 3, InitialSize 1, ScaledownIdletime 1 minute, every daemon loop 3 s
(EBBFLOW_TRADITIONAL_LOOP_S). In order:
  1. the initial node launches, sends its ready message, is added to SGE and to DynamoDB;
  2. one long job takes the initial node, two more 4-CPU jobs queue: jobwatcher raises desired
     capacity to 3, the group launches two instances, they join, the queued jobs run;
  3. the AWS CLI (Auto Scaling, SQS, DynamoDB, EC2) sees the same group, hosts and instances;
     a ready message sent again through the CLI changes nothing;
  4. the two idle nodes lock themselves, terminate with decrement (desired back to 1), their
     hosts leave SGE and DynamoDB; the node running the long job is never terminated;
  5. with desired == MinSize the last node stays even once idle;
  6. delete stops every process the cluster started (by pid) and ends every instance.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BIN = os.path.join(os.environ.get("EBBFLOW_BINARY_DIR", "build"), "src", "cli", "ebbflow")
HOME = tempfile.mkdtemp(prefix="ef-s-")
ENV = dict(os.environ, EBBFLOW_HOME=HOME, EBBFLOW_TRADITIONAL_LOOP_S="3")
NAME = "its"
ROOT = os.path.join(HOME, "clusters", NAME)
GROUP = f"{NAME}-compute"
CONFIG = """
Region: us-east-1
Cloud:
  Provider: local
Scheduling:
  Scheduler: sge
  AutoScalingGroup:
    InstanceType: c5.xlarge
    MinSize: 1
    MaxSize: 3
    InitialSize: 1
    ScaledownIdletime: 1
"""
failures = []
state = {}
T0 = time.time()


def run(*args, check=True, env=None, timeout=120):
    p = subprocess.run(list(args), env=env or ENV, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p


_env = {}


def cluster_env():
    if not _env:
        env = dict(ENV)
        for line in run(BIN, "cluster", "env", NAME).stdout.splitlines():
            key, _, value = line[len("export "):].partition("=")
            value = value.strip("'")
            if key == "PATH":  # each PATH export prepends a folder
                value = value.split("'")[0] + ":" + env.get("PATH", os.environ["PATH"])
            env[key] = value
        _env.update(env)
    return _env


def sh(*args, check=True):
    return run(*args, env=cluster_env(), check=check)


def aws(*args):
    # --endpoint-url explicitly: older botocore ignores AWS_ENDPOINT_URL for some services (sqs).
    endpoint = cluster_env()["AWS_ENDPOINT_URL"]
    return json.loads(sh("aws", "--endpoint-url", endpoint, *args, "--output", "json").stdout or "{}")


def status():
    return json.loads(run(BIN, "cluster", "status", NAME, "--json").stdout)


def group():
    return status()["group"]


def hosts():
    """SGE's bound hosts: {hostname: host json}."""
    return {h["hostname"]: h for h in status()["hosts"]}


def usable(h):
    st = h["state"]
    return st == "ok" or not any(c in st for c in "udEoaA")


def wait_for(what, predicate, timeout, interval=2):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # a transient read failure is retried
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last})")


def check(name, fn):
    start = time.time()
    try:
        fn()
        print(f"PASS {name} ({time.time() - start:.0f}s, t={time.time() - T0:.0f}s)", flush=True)
    except Exception as e:
        print(f"FAIL {name}: {e} (t={time.time() - T0:.0f}s)", flush=True)
        failures.append(name)


def qsub(slots, seconds):
    out = sh("qsub", "-terse", "-b", "y", "-o", "/dev/null", "-j", "y", "-pe", "smp", str(slots),
             "sleep", str(seconds)).stdout.strip()
    return out.split(".")[0]


def qstat_jobs():
    """{job id: (state, queue instance)} of the jobs SGE still knows."""
    out = sh("qstat", "-u", "*").stdout.splitlines()
    jobs = {}
    for line in out[2:]:
        f = line.split()
        if len(f) >= 5:
            queue = f[7] if len(f) > 8 and "@" in f[7] else ""
            jobs[f[0]] = (f[4], queue)
    return jobs


def job_state(job):
    j = qstat_jobs().get(job)
    if j is None:
        return "COMPLETED"  # gone from qstat (-o /dev/null: no output to check)
    return "RUNNING" if j[0] == "r" else j[0]


def job_node(job):
    j = qstat_jobs().get(job)
    return j[1] if j else None


def events():
    path = os.path.join(ROOT, "events.jsonl")
    return [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []


def dynamo_items():
    out = aws("dynamodb", "scan", "--table-name", f"{NAME}-hosts")
    return {i["instanceId"]["S"]: i["hostname"]["S"] for i in out.get("Items", [])}


def initial_node():
    h = wait_for("the initial node usable in SGE", lambda: [h for h in hosts().values() if usable(h)], 90)
    assert len(h) == 1, f"expected one host, got {h}"
    state["first"] = h[0]
    g = group()
    assert (g["min_size"], g["desired_capacity"], g["max_size"]) == (1, 1, 3), g
    assert h[0]["instance"] in [i["id"] for i in g["instances"]], (h, g)
    items = wait_for("the host in DynamoDB", lambda: dynamo_items() or None, 30)
    assert items == {h[0]["instance"]: h[0]["hostname"]}, items


def scale_up():
    first = state["first"]
    state["long"] = qsub(4, 200)
    wait_for("the long job running on the initial node",
             lambda: job_state(state["long"]) == "RUNNING" and job_node(state["long"]) == first["node"], 45, 1)
    state["short"] = [qsub(4, 15) for _ in range(2)]
    wait_for("desired capacity 3", lambda: group()["desired_capacity"] == 3, 45)
    up = wait_for("three usable hosts", lambda: (lambda hs: hs if len(hs) == 3 else None)(
        [h for h in hosts().values() if usable(h)]), 90)
    state["added"] = {h["hostname"]: h["instance"] for h in up if h["hostname"] != first["hostname"]}
    assert len(state["added"]) == 2 and all(state["added"].values()), up
    for j in state["short"]:
        wait_for(f"job {j} completed", lambda: job_state(j) == "COMPLETED", 90)
    raised = [e for e in events() if e["component"] == "jobwatcher" and e.get("outcome") == "ok" and
              "desired" in json.dumps(e).lower()]
    assert raised, "jobwatcher logged no scale-up event"


def aws_cli_agrees():
    g = aws("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", GROUP)["AutoScalingGroups"]
    assert len(g) == 1, g
    ours = group()
    assert g[0]["DesiredCapacity"] == ours["desired_capacity"] and g[0]["MinSize"] == 1 and g[0]["MaxSize"] == 3, (g, ours)
    in_service = sorted(i["InstanceId"] for i in g[0]["Instances"] if i["LifecycleState"] == "InService")
    bound = sorted(h["instance"] for h in hosts().values())
    assert in_service == bound, f"CLI InService {in_service}, SGE hosts on {bound}"
    ec2 = aws("ec2", "describe-instances", "--filters", f"Name=tag:ebbflow:cluster-name,Values={NAME}",
              "Name=instance-state-name,Values=running")
    running = sorted(i["InstanceId"] for r in ec2["Reservations"] for i in r["Instances"])
    assert running == bound, f"EC2 running {running} vs {bound}"
    items = dynamo_items()
    assert items == {h["instance"]: name for name, h in hosts().items()}, items
    one = state["first"]["instance"]
    got = aws("dynamodb", "get-item", "--table-name", f"{NAME}-hosts", "--consistent-read",
              "--key", json.dumps({"instanceId": {"S": one}}))
    assert got["Item"]["hostname"]["S"] == state["first"]["hostname"], got
    url = aws("sqs", "get-queue-url", "--queue-name", f"{NAME}-events")["QueueUrl"]
    attrs = aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")["Attributes"]
    assert "ApproximateNumberOfMessages" in attrs, attrs


def duplicate_ready_is_harmless():
    """A second COMPUTE_READY for a host that already joined (what a redelivered message looks
    like) is handled with no second effect: same hosts, same node for each, same table."""
    before = {h: v["node"] for h, v in hosts().items()}
    items = dynamo_items()
    first = state["first"]
    inner = {"StatusCode": "Complete", "Description": "Succesfully launched " + first["instance"],
             "Event": "parallelcluster:COMPUTE_READY", "EC2InstanceId": first["instance"], "Slots": "4",
             "LocalHostname": first["hostname"] + ".ec2.internal", "EC2InstanceType": "c5.xlarge"}
    body = json.dumps({"Type": "Notification", "MessageId": "dup-1", "Message": json.dumps(inner)})
    url = aws("sqs", "get-queue-url", "--queue-name", f"{NAME}-events")["QueueUrl"]
    aws("sqs", "send-message", "--queue-url", url, "--message-body", body)
    wait_for("the duplicate consumed", lambda: int(aws("sqs", "get-queue-attributes", "--queue-url", url,
             "--attribute-names", "All")["Attributes"]["ApproximateNumberOfMessages"]) == 0, 30)
    time.sleep(4)
    after = {h: v["node"] for h, v in hosts().items()}
    assert after == before, f"hosts changed: {before} -> {after}"
    assert dynamo_items() == items, "the table changed"


def scale_down():
    added = state["added"]
    first = state["first"]

    def long_job_safe():
        st = job_state(state["long"])
        assert st == "RUNNING", f"the long job is {st}"
        assert first["hostname"] in hosts(), "the node running the long job left SGE"
        assert usable(hosts()[first["hostname"]]), f"the node running the long job is not usable: {hosts()}"
        return True

    def scaled_in():
        long_job_safe()
        g = group()
        live = {i["id"] for i in g["instances"] if i["lifecycle_state"] in ("Pending", "InService")}
        return g["desired_capacity"] == 1 and not (live & set(added.values())) and \
            not (set(hosts()) & set(added)) and g
    g = wait_for("both added nodes idle out and leave", scaled_in, 150, 3)
    assert [i["id"] for i in g["instances"] if i["lifecycle_state"] == "InService"] == [first["instance"]], g
    for iid in added.values():
        out = aws("ec2", "describe-instances", "--instance-ids", iid)
        st = out["Reservations"][0]["Instances"][0]["State"]["Name"]
        assert st in ("shutting-down", "terminated"), f"{iid} is {st}"
    wait_for("DynamoDB rows of the removed hosts deleted",
             lambda: dynamo_items() == {first["instance"]: first["hostname"]}, 30)
    terms = [e for e in events() if e["component"] == "nodewatcher" and "terminat" in e.get("action", "")]
    assert {i for e in terms for i in e.get("instances", [])} >= set(added.values()), terms
    long_job_safe()


def stays_at_min():
    sh("qdel", state["long"])
    try:  # qdel completes only through a live execd: the remaining host still answers
        wait_for("the long job gone", lambda: job_state(state["long"]) == "COMPLETED", 60)
    except AssertionError:
        print(sh("qstat", "-u", "*", "-f", check=False).stdout, flush=True)
        raise
    deadline = time.time() + 20
    while time.time() < deadline:
        g = group()
        assert g["desired_capacity"] == 1, g
        assert state["first"]["hostname"] in hosts(), "the last node left"
        time.sleep(3)


def delete():
    pids = {}
    for f in os.listdir(os.path.join(ROOT, "run")):
        if f.endswith(".pid") or f.endswith(".pid.ebbflow"):
            try:
                pids[f] = int(open(os.path.join(ROOT, "run", f)).read().split()[0])
            except (ValueError, IndexError):
                pass
    env = cluster_env()
    run(BIN, "cluster", "delete", NAME, timeout=240)
    time.sleep(1)
    alive = {f: p for f, p in pids.items() if os.path.exists(f"/proc/{p}") and
             "Z" not in open(f"/proc/{p}/stat").read().split()[2]}
    assert not alive, f"still running after delete: {alive}"
    assert not os.path.exists(ROOT), "cluster folder left behind"


def main():
    if os.geteuid() != 0:  # the SGE cell needs network/UTS/mount namespaces (docs/sge.md)
        print("SKIP: the SGE cell needs root")
        return 77
    cfg = os.path.join(HOME, "its.yaml")
    with open(cfg, "w") as f:
        f.write(CONFIG)
    p = run(BIN, "cluster", "create", "-c", cfg, "--name", NAME, check=False, timeout=240)
    if p.returncode != 0:
        print(f"FAIL create: {p.stderr.strip()}")
        run(BIN, "cluster", "delete", NAME, check=False, timeout=240)  # stops what create started
        shutil.rmtree(HOME, ignore_errors=True)
        return 1
    try:
        check("initial node joins (ready message -> sqswatcher qconf -> SGE + DynamoDB)", initial_node)
        if not failures:
            check("scale up: jobwatcher raises desired, new hosts join, jobs run", scale_up)
            check("AWS CLI sees the same group, hosts, instances, table and queue", aws_cli_agrees)
            check("a repeated ready message has no second effect", duplicate_ready_is_harmless)
        if not failures:
            check("scale down: idle nodes lock, terminate with decrement, leave SGE; busy node kept", scale_down)
            check("never below MinSize: the last node stays", stays_at_min)
    finally:
        if failures:
            for f in ("events.jsonl", "log/jobwatcher.log", "log/sqswatcher.log", "sge/qmaster/messages"):
                path = os.path.join(ROOT, f)
                if os.path.exists(path):
                    print(f"--- {f} (tail)")
                    print("".join(open(path).readlines()[-40:]))
        check("delete stops everything it started", delete)
        if os.path.exists(ROOT):
            run(BIN, "cluster", "delete", NAME, check=False, timeout=240)
        shutil.rmtree(HOME, ignore_errors=True)
    print(f"{'FAILED' if failures else 'OK'} in {time.time() - T0:.0f}s: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
