"""Shared harness for the fault-injection end-to-end tests (tests/integration/faults/test_*.py).

A Cluster is one local ebbflow cluster (real slurmctld/slurmd, the local cloud, clustermgtd)
under its own temp EBBFLOW_HOME. It reads outcomes back from both sides: Slurm (scontrol,
sinfo, `ebbflow cluster status --json`) and the cloud (the stock AWS CLI's describe-instances).
Every wait is bounded; every check prints PASS/FAIL; `finish()` deletes the cluster (which
stops every daemon it started), removes the temp folder and prints 'N passed, M failed'.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

BIN = os.path.join(os.environ.get("EBBFLOW_BINARY_DIR", "build"), "src", "cli", "ebbflow")


def run(args, env, check=True, timeout=120):
    p = subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p


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


def hold_for(what, predicate, seconds, interval=2):
    """The opposite of wait_for: predicate must stay true for `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        ok = predicate()
        if not ok:
            raise AssertionError(f"{what} stopped holding")
        time.sleep(interval)


class Cluster:
    def __init__(self, name, config):
        self.name = name
        # Short: slurmstepd's socket path (<home>/clusters/<name>/slurm/spool/<node>/<node>_<job>.<step>)
        # must fit in 108 bytes, or every batch job fails to launch.
        self.home = tempfile.mkdtemp(prefix="ef-")
        self.env = dict(os.environ, EBBFLOW_HOME=self.home)
        self.root = os.path.join(self.home, "clusters", name)
        self.cloud_dir = os.path.join(self.root, "cloud")
        self.config = config
        self.failures = []
        self.passed = 0
        self.started_pids = []  # daemons this test started itself (stopped by pid in finish)
        self._aws_env = None

    # --- lifecycle -------------------------------------------------------------------------
    def create(self):
        cfg = os.path.join(self.home, "cluster.yaml")
        with open(cfg, "w") as f:
            f.write(self.config)
        p = run([BIN, "cluster", "create", "-c", cfg, "--name", self.name], self.env, check=False, timeout=240)
        if p.returncode != 0:
            raise RuntimeError(f"cluster create failed: {p.stderr.strip()}")

    def finish(self):
        for pid in self.started_pids:
            self.stop_pid(pid)
        if self.failures:  # before delete, which removes the cluster's folder
            for f in ("events.jsonl", "log/clustermgtd.log", "log/slurmctld.log"):
                path = os.path.join(self.root, f)
                if os.path.exists(path):
                    print(f"--- {f} (tail)")
                    print("".join(open(path).readlines()[-60:]))
        p = run([BIN, "cluster", "delete", self.name], self.env, check=False, timeout=240)
        if p.returncode != 0:
            print(f"FAIL delete: {p.stderr.strip()}", flush=True)
            self.failures.append("delete")
        shutil.rmtree(self.home, ignore_errors=True)
        print(f"{self.passed} passed, {len(self.failures)} failed", flush=True)
        return 1 if self.failures else 0

    def check(self, name, fn):
        start = time.time()
        try:
            fn()
            self.passed += 1
            print(f"PASS {name} ({time.time() - start:.0f}s)", flush=True)
        except Exception as e:
            self.failures.append(name)
            print(f"FAIL {name}: {e}", flush=True)

    # --- reading the cluster ----------------------------------------------------------------
    def ebbflow(self, *args, check=True, timeout=120):
        return run([BIN, *args], self.env, check=check, timeout=timeout)

    def status(self):
        return json.loads(self.ebbflow("cluster", "status", self.name, "--json").stdout)

    def nodes(self):
        out = {}
        for q in self.status()["queues"]:
            for cr in q["compute_resources"]:
                for n in cr["nodes"]:
                    out[n["name"]] = n
        return out

    def aws_env(self):
        if self._aws_env is None:
            exports = self.ebbflow("cluster", "env", self.name).stdout
            env = dict(self.env)
            for line in exports.splitlines():
                key, _, value = line[len("export "):].partition("=")
                value = value.strip("'")
                if key == "PATH":
                    value = value.split("'")[0] + ":" + os.environ["PATH"]
                env[key] = value
            self._aws_env = env
        return self._aws_env

    def sh(self, *args, check=True, timeout=60):
        """A Slurm or AWS CLI command with the cluster's environment."""
        return run(list(args), self.aws_env(), check=check, timeout=timeout)

    def sbatch(self, *args):
        """Submits a batch job (output discarded), returns its id."""
        out = self.sh("sbatch", "--parsable", "--output=/dev/null", *args).stdout.strip()
        return out.split(";")[0]

    def instances(self, *filters, ids=None):
        """The cloud's view (AWS CLI): {instance id: instance json}."""
        args = ["aws", "ec2", "describe-instances", "--output", "json"]
        if ids:
            args += ["--instance-ids", *ids]
        if filters:
            args += ["--filters", *filters]
        out = json.loads(self.sh(*args).stdout)
        return {i["InstanceId"]: i for r in out["Reservations"] for i in r["Instances"]}

    def instance_state(self, iid):
        return self.instances(ids=[iid])[iid]["State"]["Name"]

    def gone(self, iid):
        return self.instance_state(iid) in ("shutting-down", "terminated")

    def slurm_node(self, name):
        """scontrol's view of one node: {'State': ..., 'Reason': ..., 'NodeAddr': ...}."""
        text = self.sh("scontrol", "show", "node", name, "-o").stdout
        out = {}
        for field in text.split():
            k, _, v = field.partition("=")
            out[k] = v
        m = text.find("Reason=")
        if m >= 0:
            out["Reason"] = text[m + len("Reason="):].strip()
        return out

    def partition_state(self, part):
        text = self.sh("scontrol", "show", "partition", part, "-o").stdout
        for field in text.split():
            if field.startswith("State="):
                return field[len("State="):]
        return None

    def events(self):
        path = os.path.join(self.root, "events.jsonl")
        if not os.path.exists(path):
            return []
        return [json.loads(line) for line in open(path) if line.strip()]

    def fault(self, *args):
        return self.ebbflow("cloud", "fault", "--state-dir", self.cloud_dir, *args).stdout

    def usable(self, name, not_instance=None):
        """The node is bound to a running instance (other than not_instance) and IDLE/ALLOCATED, not DOWN/DRAIN."""
        n = self.nodes()[name]
        st = n["state"]
        if not n["instance"] or n["instance"] == not_instance:
            return None
        if "DOWN" in st or "DRAIN" in st or "POWER" in st or "NOT_RESPONDING" in st:
            return None
        if not (st.startswith("IDLE") or st.startswith("ALLOCATED") or st.startswith("MIXED")):
            return None
        return n

    # --- processes --------------------------------------------------------------------------
    def pid_of(self, daemon):
        return int(open(os.path.join(self.root, "run", f"{daemon}.pid")).read().split()[0])

    @staticmethod
    def alive(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().split()[2] != "Z"
        except OSError:
            return False

    def stop_pid(self, pid, sig=signal.SIGTERM, timeout=15):
        if not self.alive(pid):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.time() + timeout
        while time.time() < deadline and self.alive(pid):
            time.sleep(0.2)
        if self.alive(pid):
            os.kill(pid, signal.SIGKILL)
        self._reap(pid)

    def _reap(self, pid):
        for p in getattr(self, "_popen", []):
            if p.pid == pid:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass

    def start_clustermgtd(self):
        """Starts clustermgtd detached, writes its pid file (as `cluster create` does)."""
        log = open(os.path.join(self.root, "log", "clustermgtd.log"), "a")
        p = subprocess.Popen([BIN, "clustermgtd", "--cluster-dir", self.root], env=self.env, stdout=log,
                             stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        with open(os.path.join(self.root, "run", "clustermgtd.pid"), "w") as f:
            f.write(f"{p.pid}\n")
        self.started_pids.append(p.pid)
        self._popen = getattr(self, "_popen", []) + [p]
        return p.pid
