#!/usr/bin/env python3
"""`ebbflow dashboard` against a cluster folder this test builds itself (cluster.yaml,
cluster.json, events.jsonl; no Slurm, no cloud: both unreachable, so the page must still render
with 'unknown' values).

Checks (each prints PASS/FAIL):
  1. the dashboard writes run/dashboard.endpoint (127.0.0.1) and run/dashboard.pid;
  2. /api/status is JSON for this cluster, with the dashboard running and its URLs;
  3. every /metrics line matches the Prometheus text format 0.0.4 grammar, and the counters
     match the events written;
  4. /api/events filters by cursor, node and rule and sees lines appended later;
  5. headless Chromium renders the page (screenshot not blank, DOM filled by the JavaScript),
     or SKIP when /usr/bin/chromium is not installed;
  6. SIGTERM stops it and it removes its endpoint and pid files.
The dashboard is stopped by its PID; the temp folder is removed at the end.
"""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib

BIN = os.path.join(os.environ.get("EBBFLOW_BINARY_DIR", "build"), "src", "cli", "ebbflow")
CHROMIUM = "/usr/bin/chromium"
TMP = tempfile.mkdtemp(prefix="ebbflow-dash-it-")
ROOT = os.path.join(TMP, "clusters", "dashit")
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
          MaxCount: 3
"""
EVENTS = [
    {"time": "2026-11-26T01:00:00Z", "component": "slurm-resume", "rule": "resume", "action": "resume-request",
     "reason": "Slurm asked to power up nodes", "nodes": ["work-dy-c5xlarge-1"], "node_count": 1, "outcome": "ok"},
    {"time": "2026-11-26T01:00:01Z", "component": "slurm-resume", "rule": "launch", "action": "run-instances",
     "reason": "InsufficientInstanceCapacity: no capacity", "nodes": ["work-dy-c5xlarge-1"], "node_count": 1,
     "outcome": "error"},
    {"time": "2026-11-26T01:00:02Z", "component": "clustermgtd", "rule": "static-replacement",
     "action": "launch-nodes", "reason": "Static node maintenance: unhealthy node is being replaced",
     "nodes": ["work-st-c5xlarge-1"], "node_count": 1, "outcome": "ok"},
]
COMMENT = re.compile(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$")
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{" + LABEL + r"(," + LABEL + r")*\})? "
                    r"(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)( -?[0-9]+)?$")
failures = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + detail), flush=True)
    if not ok:
        failures.append(name)


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read().decode()


def png_is_not_blank(path):
    """Minimal PNG reader: concatenated IDAT data must decode to more than a handful of distinct
    byte values (a single-color image filters down to almost nothing)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False, "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    distinct = len(set(raw[::7]))
    return distinct > 16, f"{len(data)} bytes, {distinct} distinct sampled byte values"


def build_cluster():
    os.makedirs(os.path.join(ROOT, "run"))
    with open(os.path.join(ROOT, "cluster.yaml"), "w") as f:
        f.write(CONFIG)
    # Port 9 (discard) on loopback: nothing listens, so the cloud is unreachable.
    runtime = {"name": "dashit", "provider": "local", "region": "us-east-1", "cloud_endpoint": "http://127.0.0.1:9",
               "access_key_id": "AKIDTEST", "secret_access_key": "secret", "slurmctld_port": 9,
               "node_port_base": 10, "address_pool": "127.200.0.0/16", "ebbflow_binary": os.path.abspath(BIN),
               "created_at": int(time.time())}
    with open(os.path.join(ROOT, "cluster.json"), "w") as f:
        json.dump(runtime, f)
    # A slurm.conf whose controller port has no listener: scontrol/squeue fail within a second
    # (without one they retry for a minute looking for the file).
    os.makedirs(os.path.join(ROOT, "slurm"))
    with open(os.path.join(ROOT, "slurm", "slurm.conf"), "w") as f:
        f.write("ClusterName=dashit\nSlurmctldHost=localhost\nSlurmctldPort=9\nAuthType=auth/none\nMessageTimeout=2\n")
    with open(os.path.join(ROOT, "events.jsonl"), "w") as f:
        for e in EVENTS:
            f.write(json.dumps(e) + "\n")


def wait_for(what, fn, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.25)
    raise RuntimeError("timed out waiting for " + what)


def sampled_status(base):
    try:
        st = json.loads(get(base + "/api/status")[2])
    except Exception:
        return None
    return st if "name" in st else None


def chromium_checks(base):
    if not os.path.exists(CHROMIUM):
        print("SKIP chromium render: " + CHROMIUM + " is not installed", flush=True)
        return
    profile = tempfile.mkdtemp(prefix="chromium-", dir=TMP)
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + profile, "--window-size=1280,900", "--virtual-time-budget=5000"]
    shot = os.path.join(TMP, "shot.png")
    subprocess.run(flags + ["--screenshot=" + shot, base + "/"], capture_output=True, timeout=120)
    if os.environ.get("EBBFLOW_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["EBBFLOW_KEEP_SCREENSHOT"])
    ok = os.path.exists(shot)
    detail = "no screenshot written"
    if ok:
        ok, detail = png_is_not_blank(shot)
        ok = ok and os.path.getsize(shot) > 20000
    check("chromium screenshot is a real page", ok, detail)
    dom = subprocess.run(flags + ["--dump-dom", base + "/"], capture_output=True, text=True, timeout=120).stdout
    rows = dom.count('<tr class="event-row"><td>2026-')  # rendered rows, not the script's own text
    check("chromium DOM has the event rows drawn by the JavaScript", rows == len(EVENTS) + 1, f"{rows} rows")
    check("chromium DOM names the cluster", '<span id="name">dashit</span>' in dom, dom[:300])
    check("chromium DOM says Slurm is unreachable instead of showing nodes", "unknown (Slurm unreachable)" in dom)
    check("chromium DOM shows the reason of an event", "Static node maintenance" in dom)
    check("chromium DOM draws the chart", "<polyline" in dom or "no samples yet" in dom)


def main():
    build_cluster()
    proc = subprocess.Popen([BIN, "dashboard", "--cluster-dir", ROOT, "--port", "0", "--interval-ms", "1000"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    endpoint_file = os.path.join(ROOT, "run", "dashboard.endpoint")
    pid_file = os.path.join(ROOT, "run", "dashboard.pid")
    try:
        wait_for("dashboard.endpoint", lambda: os.path.exists(endpoint_file))
        base = open(endpoint_file).read().strip()
        check("endpoint is on loopback", re.match(r"^http://127\.0\.0\.1:\d+$", base) is not None, base)
        check("pid file holds the dashboard's pid", open(pid_file).read().strip() == str(proc.pid))

        st = wait_for("the first status sample", lambda: sampled_status(base), timeout=60)
        check("status is this cluster's", st.get("name") == "dashit", json.dumps(st)[:300])
        check("status sees the dashboard running", st["daemons"]["dashboard"]["running"] is True, str(st["daemons"]))
        check("status carries the URLs", st.get("dashboard_url") == base + "/" and st.get("metrics_url") == base + "/metrics",
              f"{st.get('dashboard_url')} {st.get('metrics_url')}")
        check("status reports Slurm unreachable", "slurm_error" in st)

        status, ctype, text = get(base + "/metrics")
        check("metrics content type", ctype.startswith("text/plain") and "version=0.0.4" in ctype, ctype)
        bad = [l for l in text.splitlines() if not (COMMENT.match(l) or SAMPLE.match(l))]
        check("every /metrics line matches the text format grammar", not bad and text.endswith("\n"), str(bad[:3]))
        check("actions counter from events",
              'ebbflow_actions_total{rule="launch",action="run-instances",outcome="error"} 1' in text, text)
        check("launch failure counter from events",
              'ebbflow_launch_failures_total{code="InsufficientInstanceCapacity"} 1' in text, text)
        check("dashboard up in metrics", 'ebbflow_daemon_up{daemon="dashboard"} 1' in text, text)
        check("no node gauges while Slurm is unreachable", "ebbflow_nodes{" not in text, text)
        # The dashboard's own DescribeInstances to the dead endpoint, counted by the AWS client's
        # observer (after its retries), and its squeue runs that could not reach slurmctld.
        check("unreachable cloud calls counted",
              re.search(r'^ebbflow_cloud_api_calls_total\{component="dashboard",service="ec2",'
                        r'action="DescribeInstances",outcome="unreachable"\} [1-9]', text, re.M) is not None, text)
        check("cloud retries counted",
              re.search(r'^ebbflow_cloud_api_retries_total\{component="dashboard",service="ec2",'
                        r'action="DescribeInstances"\} [1-9]', text, re.M) is not None, text)
        check("failed squeue counted",
              re.search(r'^ebbflow_scheduler_commands_total\{component="dashboard",command="squeue",'
                        r'outcome="exit_nonzero"\} [1-9]', text, re.M) is not None, text)
        check("no clustermgtd iterations without clustermgtd",
              "\nebbflow_clustermgtd_iterations_total{" not in text and
              "# TYPE ebbflow_clustermgtd_iteration_duration_seconds histogram" in text, text)

        ev = json.loads(get(base + "/api/events?since=0")[2])
        check("all events from offset 0", len(ev["events"]) == len(EVENTS), str(ev)[:300])
        by_node = json.loads(get(base + "/api/events?since=0&node=work-st-c5xlarge-1")[2])["events"]
        check("node filter", [e["rule"] for e in by_node] == ["static-replacement"], str(by_node))
        by_rule = json.loads(get(base + "/api/events?rule=launch")[2])["events"]
        check("rule filter", [e["action"] for e in by_rule] == ["run-instances"], str(by_rule))
        check("bad cursor is a 400", _status_of(base + "/api/events?since=abc") == 400)
        with open(os.path.join(ROOT, "events.jsonl"), "a") as f:
            f.write(json.dumps({"time": "2026-11-26T01:00:09Z", "component": "clustermgtd", "rule": "power-saving",
                                "action": "terminate-instances", "reason": "powered down by Slurm",
                                "nodes": ["work-dy-c5xlarge-1"], "outcome": "ok"}) + "\n")
        newer = wait_for("the appended event", lambda: json.loads(
            get(base + "/api/events?since=%d" % ev["next"])[2])["events"], timeout=20)
        check("appended event after the cursor", [e["rule"] for e in newer] == ["power-saving"], str(newer))

        page = get(base + "/")[2]
        check("page is served", "<html" in page and "/api/status" in page)
        chromium_checks(base)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        try:
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            rc = proc.wait()
    check("SIGTERM stops it cleanly", rc == 0, f"exit {rc}: {proc.stderr.read()[-500:]}")
    check("endpoint and pid files removed", not os.path.exists(endpoint_file) and not os.path.exists(pid_file))


def _status_of(url):
    try:
        return get(url)[0]
    except urllib.error.HTTPError as e:
        return e.code


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("FAILED: " + ", ".join(failures) if failures else "ALL PASSED")
    sys.exit(1 if failures else 0)
