#!/usr/bin/env python3
"""The dashboard and /metrics of a LIVE queue-mode cluster: real Slurm (slurmctld + slurmd),
the local cloud, clustermgtd, and the dashboard `cluster create` starts.

One small cluster (one static node), checks in order (each prints PASS/FAIL):
  1. the static node comes up and a submitted job completes on it;
  2. /metrics follows the text format grammar and shows clustermgtd's work: ok iterations,
     iteration and phase durations, the static launch, scontrol runs, and cloud API calls
     (DescribeInstances, RunInstances) counted through the AwsClient observer; then, with
     throttling injected into the local cloud, throttled attempts, retries and the error code;
  3. `ebbflow cluster status --json` agrees with the dashboard's /api/status (same sample
     moment: the dashboard's sample is taken after the CLI's);
  4. headless Chromium renders the dashboard of this cluster (screenshot not blank; the DOM has
     the node row, its instance, clustermgtd's last iteration and event rows);
  5. `cluster delete` stops every process of the cluster (no process left whose command line
     names its folder).
Runs under its own EBBFLOW_HOME in a temp folder, removed at the end. Needs root (slurmd,
munged) and /usr/bin/chromium (else step 4 is skipped).
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib

BIN = os.path.abspath(os.path.join(os.environ.get("EBBFLOW_BINARY_DIR", "build"), "src", "cli", "ebbflow"))
CHROMIUM = "/usr/bin/chromium"
HOME = tempfile.mkdtemp(prefix="ebbflow-dash-live-")
ENV = dict(os.environ, EBBFLOW_HOME=HOME)
NAME = "dlive"
ROOT = os.path.join(HOME, "clusters", NAME)
STATIC = "work-st-c5xlarge-1"
CONFIG = """
Region: us-east-1
Cloud:
  Provider: local
Scheduling:
  Scheduler: slurm
  SlurmQueues:
    - Name: work
      ComputeResources:
        - Name: c5xlarge
          InstanceType: c5.xlarge
          MinCount: 1
          MaxCount: 1
Daemons:
  Clustermgtd:
    LoopTime: 2
"""
COMMENT = re.compile(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$")
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{" + LABEL + r"(?:," + LABEL + r")*\})? "
                    r"(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|[-+]Inf|NaN)$")
failures = []
state = {}


def run(*args, check=True, env=None, timeout=120):
    p = subprocess.run(list(args), env=env or ENV, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {p.returncode}: {p.stderr.strip()[-800:]}")
    return p


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def check(name, fn):
    start = time.time()
    try:
        fn()
        print(f"PASS {name} ({time.time() - start:.0f}s)", flush=True)
    except Exception as e:
        print(f"FAIL {name}: {e}", flush=True)
        failures.append(name)


def wait_for(what, predicate, timeout, every=1.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # a transient read failure is retried
            last = e
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {str(last)[:400]})")


def cluster_env():
    env = dict(ENV)
    for line in run(BIN, "cluster", "env", NAME).stdout.splitlines():
        key, _, value = line[len("export "):].partition("=")
        value = value.strip("'")
        if key == "PATH":
            value = value.split("'")[0] + ":" + os.environ["PATH"]
        env[key] = value
    return env


def cli_status():
    return json.loads(run(BIN, "cluster", "status", NAME, "--json").stdout)


def node(st, name):
    for q in st["queues"]:
        for cr in q["compute_resources"]:
            for n in cr["nodes"]:
                if n["name"] == name:
                    return n
    return None


def parse_metrics(text):
    """{(name, frozenset(labels)): value}; raises on a line outside the grammar."""
    out = {}
    for line in text.splitlines():
        if COMMENT.match(line):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError("not Prometheus text format: " + line)
        labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def metric_sum(metrics, name, **labels):
    want = set(labels.items())
    return sum(v for (n, ls), v in metrics.items() if n == name and want <= set(ls))


# --- checks -------------------------------------------------------------------------------

def static_node_runs_a_job():
    wait_for("static node idle with an instance",
             lambda: (lambda n: n and n["instance"] and n["state"].startswith("IDLE") and "DOWN" not in n["state"])(
                 node(cli_status(), STATIC)), 120)
    env = cluster_env()
    job = run("sbatch", "--parsable", "-n", "1", "-o", os.path.join(HOME, "job-%j.out"), "--wrap", "hostname; sleep 1",
              env=env).stdout.strip().split(";")[0]
    wait_for(f"job {job} to complete",
             lambda: "JobState=COMPLETED" in run("scontrol", "show", "job", job, env=env, check=False).stdout, 90)
    state["job"] = job


def metrics_show_clustermgtd_work():
    st = cli_status()
    assert st.get("metrics_url"), f"no metrics_url in status: {st.get('daemons')}"
    state["base"] = st["metrics_url"][:-len("/metrics")]

    # The dashboard re-reads clustermgtd's metrics file every sample (3 s).
    def sampled():
        m = parse_metrics(get(st["metrics_url"]))
        ok = metric_sum(m, "ebbflow_clustermgtd_iterations_total", outcome="ok")
        return m if ok >= 3 else None
    m = wait_for("three ok iterations in /metrics", sampled, 60)
    text = get(st["metrics_url"])
    parse_metrics(text)  # grammar of the whole body
    if os.environ.get("EBBFLOW_KEEP_METRICS"):
        open(os.environ["EBBFLOW_KEEP_METRICS"], "w").write(text)
    count = metric_sum(m, "ebbflow_clustermgtd_iteration_duration_seconds_count")
    total = metric_sum(m, "ebbflow_clustermgtd_iteration_duration_seconds_sum")
    inf = metric_sum(m, "ebbflow_clustermgtd_iteration_duration_seconds_bucket", le="+Inf")
    its = metric_sum(m, "ebbflow_clustermgtd_iterations_total")
    assert count >= 3 and inf == count and its == count, f"count {count}, +Inf {inf}, iterations {its}"
    assert total > 0, f"iteration duration sum {total}"
    assert metric_sum(m, "ebbflow_clustermgtd_last_iteration_duration_seconds") > 0, "last iteration duration"
    assert abs(metric_sum(m, "ebbflow_clustermgtd_last_iteration_timestamp_seconds") - time.time()) < 30, "last iteration time"
    for phase in ("observe", "decide", "act"):
        assert metric_sum(m, "ebbflow_clustermgtd_phase_duration_seconds_count", phase=phase) >= 3, f"phase {phase}"
    di = metric_sum(m, "ebbflow_cloud_api_calls_total", component="clustermgtd", service="ec2",
                    action="DescribeInstances", outcome="ok")
    assert di >= count, f"DescribeInstances ok calls {di} < iterations {count}"
    assert metric_sum(m, "ebbflow_cloud_api_call_duration_seconds_count", component="clustermgtd",
                      action="DescribeInstances") == metric_sum(m, "ebbflow_cloud_api_calls_total",
                                                                component="clustermgtd", action="DescribeInstances")
    assert metric_sum(m, "ebbflow_cloud_api_calls_total", component="clustermgtd", action="DescribeInstanceStatus") > 0
    # The static node was launched by clustermgtd: a RunInstances call and a launch by reason.
    assert metric_sum(m, "ebbflow_cloud_api_calls_total", component="clustermgtd", action="RunInstances", outcome="ok") >= 1
    assert metric_sum(m, "ebbflow_clustermgtd_launches_total", outcome="ok") >= 1, "no launch counted"
    assert metric_sum(m, "ebbflow_scheduler_commands_total", component="clustermgtd", command="scontrol",
                      outcome="ok") >= 2 * count, "scontrol runs"
    # The dashboard's own status sampling calls the cloud too.
    assert metric_sum(m, "ebbflow_cloud_api_calls_total", component="dashboard", action="DescribeInstances") >= 1
    assert metric_sum(m, "ebbflow_heartbeat_age_seconds") < 30, "heartbeat age"
    assert metric_sum(m, "ebbflow_nodes", queue="work") == 1, "one node in ebbflow_nodes"
    assert metric_sum(m, "ebbflow_instances") == 1, "one instance"


def throttling_is_counted():
    """The local cloud throttles clustermgtd's next three DescribeInstanceStatus attempts (only
    clustermgtd makes that call): one call exhausts its 3 attempts and ends 'throttled'."""
    run(BIN, "cloud", "fault", "--state-dir", os.path.join(ROOT, "cloud"), "api-error", "throttle",
        "--action", "DescribeInstanceStatus", "--count", "3")
    labels = dict(component="clustermgtd", service="ec2", action="DescribeInstanceStatus")

    def counted():
        m = parse_metrics(get(state["base"] + "/metrics"))
        return m if metric_sum(m, "ebbflow_cloud_api_calls_total", outcome="throttled", **labels) >= 1 else None
    m = wait_for("a throttled DescribeInstanceStatus in /metrics", counted, 40)
    assert metric_sum(m, "ebbflow_cloud_api_throttled_attempts_total", **labels) >= 3, "throttled attempts"
    assert metric_sum(m, "ebbflow_cloud_api_retries_total", **labels) >= 2, "retries"
    assert metric_sum(m, "ebbflow_cloud_api_errors_total", code="RequestLimitExceeded", **labels) >= 1, "error code"
    # Health reads are best effort: the iteration itself still counts as ok, none skipped.
    assert metric_sum(m, "ebbflow_clustermgtd_iterations_total", outcome="skipped") == 0, "an iteration was skipped"


STABLE_NODE_KEYS = ("name", "type", "state", "address", "instance", "reason")


def comparable(st):
    """What both views must agree on (heartbeat age, idle seconds and the last iteration move)."""
    return {
        "name": st.get("name"), "root": st.get("root"), "provider": st.get("provider"), "fleet": st.get("fleet"),
        "dashboard_url": st.get("dashboard_url"), "metrics_url": st.get("metrics_url"),
        "daemons": st.get("daemons"), "instance_count": st.get("instance_count"),
        "protected_partitions": st.get("protected_partitions"),
        "queues": [{"name": q["name"], "compute_resources": [
            {"name": cr["name"], "nodes_by_state": cr["nodes_by_state"],
             "nodes": [{k: n.get(k) for k in STABLE_NODE_KEYS} for n in cr["nodes"]]}
            for cr in q["compute_resources"]]} for q in st.get("queues", [])],
        "has_last_iteration": isinstance(st.get("last_iteration"), dict),
    }


def status_agrees_with_dashboard():
    base = state["base"]
    last = None
    for _ in range(5):
        t0 = time.time()
        cli = cli_status()
        # A dashboard sample taken after the CLI's read.
        wait_for("a dashboard sample after the CLI's",
                 lambda: json.loads(get(base + "/api/overview"))["sampled_at"] >= int(t0) + 1, 20, every=0.3)
        dash = json.loads(get(base + "/api/status"))
        a, b = comparable(cli), comparable(dash)
        if a == b:
            assert a["has_last_iteration"], "status has no last_iteration"
            assert node(cli, STATIC)["instance"].startswith("i-"), "static node without instance"
            return
        last = (a, b)
    diff = {k: (last[0][k], last[1][k]) for k in last[0] if last[0][k] != last[1][k]}
    raise AssertionError(f"CLI and dashboard disagree: {json.dumps(diff)[:800]}")


def png_is_not_blank(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False, "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    distinct = len(set(zlib.decompress(idat)[::7]))
    return distinct > 16 and len(data) > 20000, f"{len(data)} bytes, {distinct} distinct sampled byte values"


def chromium_renders_live_cluster():
    base = state["base"]
    profile = tempfile.mkdtemp(prefix="chromium-", dir=HOME)
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + profile, "--window-size=1280,1000", "--virtual-time-budget=5000"]
    shot = os.path.join(HOME, "dashboard-live.png")
    subprocess.run(flags + ["--screenshot=" + shot, base + "/"], capture_output=True, timeout=90)
    if os.environ.get("EBBFLOW_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["EBBFLOW_KEEP_SCREENSHOT"])
    assert os.path.exists(shot), "no screenshot written"
    ok, detail = png_is_not_blank(shot)
    assert ok, "blank screenshot: " + detail
    dom = subprocess.run(flags + ["--dump-dom", base + "/"], capture_output=True, text=True, timeout=90).stdout
    n = node(cli_status(), STATIC)
    assert f'<span id="name">{NAME}</span>' in dom, "page does not name the cluster"
    assert re.search(r'<tr class="node-row"><td>' + STATIC + "</td>", dom), "no row for the static node"
    assert n["instance"] in dom, f"instance {n['instance']} not shown"
    assert re.search(r'<b id="iter">[0-9.]+ s, ok</b>', dom), "last iteration not shown: " + \
        (re.search(r'<b id="iter">[^<]*</b>', dom) or [dom[:200]])[0]
    assert dom.count('<tr class="event-row">') >= 1, "no event rows"
    assert "<polyline" in dom, "chart not drawn"


def own_processes():
    """PIDs (not ours) whose command line names the cluster's folder or our EBBFLOW_HOME."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        if HOME in cmd and stat.rsplit(")", 1)[1].split()[0] != "Z":
            found.append((int(pid), cmd[:160]))
    return found


def delete_leaves_no_process():
    assert own_processes(), "sanity: the live cluster's processes are visible before delete"
    dash_pid = int(open(os.path.join(ROOT, "run", "dashboard.pid")).read().split()[0])
    run(BIN, "cluster", "delete", NAME, timeout=180)
    try:
        wait_for("every process of the cluster to exit", lambda: not own_processes(), 20)
    except AssertionError:
        raise AssertionError(f"left running: {own_processes()}")
    assert not os.path.exists(f"/proc/{dash_pid}/cmdline") or \
        open(f"/proc/{dash_pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z", "dashboard still running"
    assert not os.path.exists(ROOT), "cluster folder left behind"


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root (runs slurmctld, munged and slurmd)")
        return 0
    cfg = os.path.join(HOME, "live.yaml")
    open(cfg, "w").write(CONFIG)
    started = time.time()
    created = False
    try:
        p = run(BIN, "cluster", "create", "-c", cfg, "--name", NAME, check=False, timeout=180)
        created = True
        if p.returncode != 0:
            print("FAIL create:", p.stderr[-2000:])
            failures.append("create")
            return 1
        check("static node up and a job completes", static_node_runs_a_job)
        check("/metrics shows clustermgtd's iterations, phases, launches and cloud calls", metrics_show_clustermgtd_work)
        check("throttled cloud calls, retries and error codes counted", throttling_is_counted)
        check("cluster status --json agrees with the dashboard", status_agrees_with_dashboard)
        if os.path.exists(CHROMIUM):
            check("headless Chromium renders the live dashboard", chromium_renders_live_cluster)
        else:
            print("SKIP chromium: " + CHROMIUM + " is not installed")
    finally:
        try:
            if created:
                check("delete leaves no process", delete_leaves_no_process)
        finally:
            if failures:
                for f in ("events.jsonl", "log/clustermgtd.log", "log/dashboard.log", "clustermgtd-metrics.json"):
                    path = os.path.join(ROOT, f)
                    if os.path.exists(path):
                        print(f"--- {f} (tail)")
                        print("".join(open(path).readlines()[-30:]))
                if os.path.exists(ROOT):
                    run(BIN, "cluster", "delete", NAME, check=False, timeout=180)
            shutil.rmtree(HOME, ignore_errors=True)
    print(f"{'ALL PASSED' if not failures else 'FAILED: ' + ', '.join(failures)} in {time.time() - started:.0f}s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
