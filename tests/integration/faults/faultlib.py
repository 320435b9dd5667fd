"""Shared harness for the fault-injection end-to-end tests (tests/integration/faults/test_*.py).

A Cluster is one local ebbflow cluster (real slurmctld/slurmd, the local cloud, clustermgtd)
under its own temp EBBFLOW_HOME. It reads outcomes back from both sides: Slurm (scontrol,
sinfo, `ebbflow cluster status --json`) and the cloud (the stock AWS CLI's describe-instances).
Every wait is bounded; every check prints PASS/FAIL; `finish()` deletes the cluster (which
stops every daemon it started), removes the temp folder and prints 'N passed, M failed'.
"""
import glob
import json
import os
import shutil
import signal
import stat
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


def to_yaml(value, indent=0):
    """Block-style YAML for the dicts, lists and scalars a cluster config holds (keys keep their order)."""
    pad = " " * indent
    if isinstance(value, dict):
        lines = []
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:\n{to_yaml(v, indent + 2)}")
            else:
                lines.append(f"{pad}{k}: {to_yaml(v)}")
        return "\n".join(lines)
    if isinstance(value, list):
        if not value:
            return "[]"
        lines = []
        for item in value:
            text = to_yaml(item, indent + 2)
            lines.append(f"{pad}- {text.lstrip()}" if isinstance(item, dict) else f"{pad}- {text}")
        return "\n".join(lines)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def compute_resource(name, instance_type, min_count, max_count, **more):
    """One SlurmQueues[].ComputeResources[] entry (more: Instances=[...] and the like)."""
    cr = {"Name": name}
    if instance_type:
        cr["InstanceType"] = instance_type
    cr.update(more)
    cr.update({"MinCount": min_count, "MaxCount": max_count})
    return cr


def cluster_config(queues, clustermgtd, computemgtd=None, slurm_settings=None):
    """The cluster YAML (as a dict) every fault test starts from: the local cloud, real Slurm with
    ScaledownIdletime 10 s and SuspendTimeout 20 s (slurm_settings adds or overrides), clustermgtd
    every 3 s (clustermgtd adds or overrides; OrphanedInstanceTimeout must be given, the invariants
    use it). queues: [{"Name": ..., "ComputeResources": [compute_resource(...)], ...}]."""
    assert "OrphanedInstanceTimeout" in clustermgtd, "the invariants need OrphanedInstanceTimeout"
    daemons = {"Clustermgtd": {"LoopTime": 3, **clustermgtd}}
    if computemgtd:
        daemons["Computemgtd"] = computemgtd
    return {"Region": "us-east-1", "Cloud": {"Provider": "local"},
            "Scheduling": {"Scheduler": "slurm",
                           "SlurmSettings": {"ScaledownIdletime": 10, "SuspendTimeout": 20, **(slurm_settings or {})},
                           "SlurmQueues": queues},
            "Daemons": daemons}


class Cluster:
    def __init__(self, name, config):
        """config: a dict from cluster_config()."""
        self.name = name
        # Short: slurmstepd's socket path (<home>/clusters/<name>/slurm/spool/<node>/<node>_<job>.<step>)
        # must fit in 108 bytes, or every batch job fails to launch.
        self.home = tempfile.mkdtemp(prefix="ef-")
        self.env = dict(os.environ, EBBFLOW_HOME=self.home)
        self.root = os.path.join(self.home, "clusters", name)
        self.cloud_dir = os.path.join(self.root, "cloud")
        self.config = config
        clustermgtd = config["Daemons"]["Clustermgtd"]
        self.loop_time = clustermgtd["LoopTime"]
        self.orphan_timeout = clustermgtd["OrphanedInstanceTimeout"]
        self.killed_ok = set()  # ids of jobs a test killed on purpose (a node it broke with them on it)
        self.failures = []
        self.passed = 0
        self.started_pids = []  # daemons this test started itself (stopped by pid in finish)
        self._aws_env = None

    # --- lifecycle -------------------------------------------------------------------------
    def create(self):
        cfg = os.path.join(self.home, "cluster.yaml")
        with open(cfg, "w") as f:
            f.write(to_yaml(self.config) + "\n")
        p = run([BIN, "cluster", "create", "-c", cfg, "--name", self.name], self.env, check=False, timeout=240)
        if p.returncode != 0:
            raise RuntimeError(f"cluster create failed: {p.stderr.strip()}")

    def print_logs(self):
        """The tails of the cluster's logs, for a failed check: the head node's daemons, then each
        compute node's slurmd and each instance's console (a node that never registered shows
        why there), then the local cloud's."""
        tails = [(f, 60) for f in ("events.jsonl", "log/clustermgtd.log", "log/slurmctld.log")]
        for pattern in ("log/slurmd-*.log", "cloud/instances/*/console.log"):
            # The 8 written last: a soak leaves hundreds of instances behind.
            paths = sorted(glob.glob(os.path.join(self.root, pattern)), key=os.path.getmtime)[-8:]
            tails += [(os.path.relpath(p, self.root), 15) for p in paths]
        tails.append(("cloud/cloud.log", 30))
        for f, lines in tails:
            path = os.path.join(self.root, f)
            if os.path.exists(path):
                print(f"--- {f} (tail)")
                with open(path, errors="replace") as text:
                    print("".join(text.readlines()[-lines:]))

    def finish(self):
        if self.failures:  # before delete, which removes the cluster's folder
            self.print_logs()
        # Delete first: it cancels the jobs while slurmctld is up (a daemon this test restarted
        # itself wrote its pid file where delete looks), then stops every daemon by its pid file.
        p = run([BIN, "cluster", "delete", self.name], self.env, check=False, timeout=240)
        if p.returncode != 0:
            print(f"FAIL delete: {p.stderr.strip()}", flush=True)
            self.failures.append("delete")
        for pid in self.started_pids:  # whatever delete did not stop
            self.stop_pid(pid)
        shutil.rmtree(self.home, ignore_errors=True)
        print(f"{self.passed} passed, {len(self.failures)} failed", flush=True)
        return 1 if self.failures else 0

    def run(self, checks, stop_after_failure=False):
        """The whole test: create the cluster, run the (name, function) checks in order (all of them,
        or up to the first failure with stop_after_failure), then the invariants, then finish().
        Returns the exit code. Skips (0) when not root: the cluster runs slurmctld, munged, slurmd."""
        if os.geteuid() != 0:
            print("SKIP: needs root (runs slurmctld, munged and slurmd)")
            return 0
        try:
            self.create()
            for name, fn in checks:
                if stop_after_failure and self.failures:
                    print(f"SKIP {name} (an earlier check failed)", flush=True)
                    continue
                self.check(name, fn)
            self.check("invariants", self.invariants_after_run)
        except Exception as e:
            print(f"FAIL setup: {e}", flush=True)
            self.failures.append("setup")
        finally:
            rc = self.finish()
        return rc

    def invariants_after_run(self):
        """check_invariants once every instance without a node is resolved (bound or terminated), or
        once the oldest is past the orphan timeout, so a leak shows as one."""
        limit = self.orphan_timeout + 2 * self.loop_time + 15
        try:
            wait_for("every instance bound to a node or gone", lambda: not self.unbound_instances(), limit, interval=3)
        except AssertionError:
            pass  # check_invariants names the instance and its age
        self.check_invariants(self.orphan_timeout, self.loop_time, killed_ok=self.killed_ok)

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
        return {i["InstanceId"]: dict(i, ReservationId=r.get("ReservationId")) for r in out["Reservations"]
                for i in r["Instances"]}

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

    def job_state(self, job):
        """scontrol's JobState of one job ("RUNNING", "COMPLETED", ...), None when unknown."""
        text = self.sh("scontrol", "show", "job", job, check=False).stdout
        for field in text.split():
            if field.startswith("JobState="):
                return field[len("JobState="):]
        return None

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

    # --- invariants ---------------------------------------------------------------------------
    def jobcomp(self):
        """Slurm's record of every finished job (JobCompType=jobcomp/filetxt): [{JobId, JobState, NodeList, ...}]."""
        path = os.path.join(self.root, "log", "jobcomp.log")
        if not os.path.exists(path):
            return []
        out = []
        for line in open(path):
            rec = {}
            for field in line.split():
                k, sep, v = field.partition("=")
                if sep:
                    rec[k] = v
            if rec:
                out.append(rec)
        return out

    def bound_instances(self):
        """{instance id: node name} for every node bound to an instance (`cluster status`)."""
        return {n["instance"]: name for name, n in self.nodes().items() if n.get("instance")}

    def cluster_instances(self):
        """The cloud's view of every instance tagged as this cluster's (AWS CLI)."""
        return self.instances(f"Name=tag:ebbflow:cluster-name,Values={self.name}")

    def unbound_instances(self, bound=None, instances=None):
        """{instance id: seconds since launch} for this cluster's compute instances that are pending
        or running without a node (candidates for orphans). `bound` and `instances` may be passed
        when the caller has read them already."""
        import datetime
        bound = set(self.bound_instances()) if bound is None else bound
        instances = self.cluster_instances() if instances is None else instances
        now = datetime.datetime.now(datetime.timezone.utc)
        out = {}
        for iid, inst in instances.items():
            tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
            if tags.get("ebbflow:node-type") != "Compute" or iid in bound:
                continue
            if inst["State"]["Name"] not in ("pending", "running"):
                continue
            launched = datetime.datetime.fromisoformat(inst["LaunchTime"].replace("Z", "+00:00"))
            out[iid] = (now - launched).total_seconds()
        return out

    def check_invariants(self, orphan_timeout, loop_time, killed_ok=()):
        """What must hold after any run, whatever failed (issue 8), read from Slurm, the cloud and the
        event log. Raises AssertionError listing every violation:
          1. no job killed on a healthy node: no job whose last record in Slurm's job completion
             log is NODE_FAIL/FAILED/BOOT_FAIL and that is no longer queued (a requeued job runs
             again), except the ids in killed_ok (jobs the test put on a node it broke on purpose);
          2. no instance of this cluster running without a node past OrphanedInstanceTimeout (plus
             two clustermgtd loops and the node's own bootstrap grace);
          3. no ClientToken used by two launches (two reservations or fleets);
          4. never above MaxCount: running or pending instances per compute resource;
          5. every action in the event log carries its rule and a reason;
          6. no file of the cluster writable by group or others; secrets readable by root only.
        Not checked here: "below MinCount only within the replacement window" (the tests that break
        static nodes check their replacement directly)."""
        problems = []
        # A job requeued after a failed resume or a lost node has a NODE_FAIL record and then runs
        # again: only its last record counts, and only once it has left the queue for good.
        last = {}
        for rec in self.jobcomp():
            last[rec.get("JobId")] = rec
        queued = set(self.sh("squeue", "-h", "-o", "%i").stdout.split())
        for job, rec in last.items():
            if job in queued or job in killed_ok:
                continue
            if rec.get("JobState") in ("NODE_FAIL", "FAILED", "BOOT_FAIL"):
                problems.append(f"job {job} ended {rec.get('JobState')} on {rec.get('NodeList')}")
        status = self.status()
        bound = set()
        max_count = {}
        for q in status["queues"]:
            for cr in q["compute_resources"]:
                max_count[(q["name"], cr["name"])] = cr["max_count"]
                for n in cr["nodes"]:
                    if n.get("instance"):
                        bound.add(n["instance"])
        instances = self.cluster_instances()
        for iid, age in self.unbound_instances(bound, instances).items():
            if age > orphan_timeout + 2 * loop_time + 10:
                problems.append(f"instance {iid} alive without a node for {age:.0f}s (orphan timeout {orphan_timeout}s)")
        tokens = {}
        alive_per_cr = {}
        for iid, inst in instances.items():
            tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
            if tags.get("ebbflow:node-type") != "Compute":
                continue
            token = inst.get("ClientToken")
            if token:
                # One launch call = one reservation (RunInstances) or one fleet (CreateFleet), however
                # many instances it made; a second call with the same token would be another.
                tokens.setdefault(token, {}).setdefault(tags.get("aws:ec2:fleet-id") or inst.get("ReservationId"),
                                                        []).append(iid)
            st = inst["State"]["Name"]
            if st not in ("pending", "running"):
                continue
            key = (tags.get("ebbflow:queue"), tags.get("ebbflow:compute-resource"))
            alive_per_cr[key] = alive_per_cr.get(key, 0) + 1
        for token, launches in tokens.items():
            if len(launches) > 1:
                problems.append(f"ClientToken {token} used by {len(launches)} launches: {launches}")
        for key, n in alive_per_cr.items():
            if key in max_count and n > max_count[key]:
                problems.append(f"{n} instances alive in {key[0]}/{key[1]}, above MaxCount {max_count[key]}")
        for e in self.events():
            if e.get("action") in (None, "", "note"):
                continue
            if not e.get("rule") or not e.get("reason"):
                problems.append(f"event without rule or reason: {e}")
        # 6. state, heartbeat, pid, event and config files writable by their owner only; secrets
        #    (the cloud's credentials, the munge key) readable by their owner only.
        for dirpath, _, files in os.walk(self.root):
            for f in files:
                path = os.path.join(dirpath, f)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue  # gone meanwhile (a temp file renamed into place)
                if not stat.S_ISREG(st.st_mode):
                    continue  # sockets (munge's must be world-writable) and links
                if st.st_mode & 0o022:
                    problems.append(f"{path} is writable by group or others ({oct(st.st_mode & 0o777)})")
                if f in ("credentials.json", "munge.key") and st.st_mode & 0o044:
                    problems.append(f"secret {path} is readable by group or others ({oct(st.st_mode & 0o777)})")
        if problems:
            raise AssertionError("invariants violated:\n  " + "\n  ".join(problems))
        return True

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
            self._reap(pid)  # stopped by someone else (cluster delete): collect our child's exit
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

    def start_detached(self, argv, pid_file, log_name, env=None):
        """Starts argv detached (its own session), logging to log/<log_name>, and writes its pid to
        run/<pid_file> where `cluster delete` looks for it; finish() stops it by that pid. env adds
        to the cluster's environment."""
        log = open(os.path.join(self.root, "log", log_name), "a")
        p = subprocess.Popen(argv, env=dict(self.env, **(env or {})), stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        log.close()
        with open(os.path.join(self.root, "run", pid_file), "w") as f:
            f.write(f"{p.pid}\n")
        self.started_pids.append(p.pid)
        self._popen = getattr(self, "_popen", []) + [p]
        return p.pid

    def stop_and_remember(self, pid_file):
        """Stops the daemon whose pid is in run/<pid_file> (by that pid); returns its command line,
        so that start_detached can start it again."""
        pid = int(open(os.path.join(self.root, "run", pid_file)).read().split()[0])
        argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[:-1]
        self.stop_pid(pid)
        assert not self.alive(pid), f"{pid_file}: {pid} still running"
        return [a.decode() for a in argv]

    def start_clustermgtd(self):
        """Starts clustermgtd detached, writes its pid file (as `cluster create` does)."""
        return self.start_detached([BIN, "clustermgtd", "--cluster-dir", self.root], "clustermgtd.pid",
                                   "clustermgtd.log")
