"""A real SGE cell in a temp cluster folder: qmaster + two exec hosts in network namespaces.

Builds the cell (`ebbflow sge-cell create/start`), prepares two exec hosts (`sge-host
prepare`), registers them the way sqswatcher does (qconf -ah/-as/hostgroup/slots through the
cluster's wrappers), runs their execds (`sge-host run`, which waits for the admin-host
registration), runs jobs on them, removes one host, tears everything down, and checks that no
process, namespace, mount or file is left and that /etc/hosts and the Debian cell are untouched.
Needs root. Stops exactly what it started (its own `sge-host run` children, by pid).
"""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

BIN = os.path.join(os.environ.get("EBBFLOW_BINARY_DIR", "build"), "src", "cli", "ebbflow")
SGE_ROOT = "/var/lib/gridengine"
failures = []


def check(what, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + what + (f"  ({detail})" if detail and not ok else ""), flush=True)
    if not ok:
        failures.append(what)
    return ok


def run(args, check_rc=True, timeout=60):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check_rc and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {p.returncode}: {p.stderr.strip()} {p.stdout.strip()}")
    return p


def wait_for(what, predicate, timeout, interval=0.5):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last})")


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def tree_digest(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[p] = md5(p)
    return out


def netns_names():
    return sorted(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else []


def mounts():
    with open("/proc/self/mountinfo") as f:
        return sorted(line.split()[4] for line in f)


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Cell:
    def __init__(self, root):
        self.root = root
        self.bin = os.path.join(root, "bin")

    def sge(self, prog, *args, check_rc=True):
        return run([os.path.join(self.bin, prog), *args], check_rc=check_rc)

    def running_jobs(self):
        """{job id: queue instance} of running jobs, from qstat -xml."""
        xml = ET.fromstring(self.sge("qstat", "-xml", "-u", "*").stdout)
        return {j.findtext("JB_job_number"): j.findtext("queue_name")
                for j in xml.iter("job_list") if j.get("state") == "running"}

    def reporting_hosts(self):
        xml = ET.fromstring(self.sge("qhost", "-xml").stdout)
        return sorted(h.get("name") for h in xml.iter("host")
                      if h.get("name") != "global" and
                      any(v.get("name") == "arch_string" and v.text not in (None, "-") for v in h.iter("hostvalue")))


def crash_recovery(tmp, runners, mine):
    """State lost mid-flight (cell.json and host records gone, the runner killed, its execd
    orphaned): `sge-cell stop` still finds and stops everything by the cell's derived names."""
    root = os.path.join(tmp, "c2")
    os.makedirs(root)
    cell = Cell(root)
    run([BIN, "sge-cell", "create", "--cluster-dir", root])
    run([BIN, "sge-cell", "start", "--cluster-dir", root])
    info = json.load(open(os.path.join(root, "sge", "cell.json")))
    mine.append(info["cell"])
    qpid = int(open(os.path.join(root, "run", "sge_qmaster.pid")).read())
    # "Reboot": the qmaster and its namespace vanish; start brings both back from the spool.
    os.kill(qpid, signal.SIGKILL)
    wait_for_dead(qpid)
    run(["ip", "netns", "delete", info["master_netns"]])
    run([BIN, "sge-cell", "start", "--cluster-dir", root])
    qpid = int(open(os.path.join(root, "run", "sge_qmaster.pid")).read())
    check("restart after reboot: qmaster answers with its queue", "all.q" in cell.sge("qconf", "-sql").stdout)
    run([BIN, "sge-host", "prepare", "--cluster-dir", root, "--hostname", "node3"])
    cell.sge("qconf", "-ah", "node3")
    runners["node3"] = subprocess.Popen([BIN, "sge-host", "run", "--cluster-dir", root, "--hostname", "node3"],
                                        start_new_session=True)
    # Instances boot at once: concurrent prepares get distinct addresses and one hosts line each.
    procs = [subprocess.Popen([BIN, "sge-host", "prepare", "--cluster-dir", root, "--hostname", f"par{i}"],
                              stdout=subprocess.PIPE, text=True) for i in range(4)]
    got = [p.communicate(timeout=60)[0].split() for p in procs]
    check("concurrent prepares: 4 distinct addresses", len({g[1] for g in got if len(g) == 3}) == 4, str(got))
    hosts_text = open(os.path.join(root, "sge", "hosts")).read()
    check("concurrent prepares: one hosts line each", all(hosts_text.count(f" par{i}\n") == 1 for i in range(4)))
    pid_file = os.path.join(root, "run", "sge_execd-node3.pid")
    wait_for("execd of node3", lambda: os.path.exists(pid_file) and alive(int(open(pid_file).read())), 20)
    execd = int(open(pid_file).read())
    os.kill(runners["node3"].pid, signal.SIGKILL)  # the runner only: its execd lives on
    runners["node3"].wait()
    os.remove(os.path.join(root, "sge", "cell.json"))
    shutil.rmtree(os.path.join(root, "sge", "hosts.d"))
    run([BIN, "sge-cell", "stop", "--cluster-dir", root])
    check("after lost state: qmaster gone", not alive(qpid))
    check("after lost state: orphaned execd gone", wait_for_dead(execd))
    check("after lost state: namespaces gone", not [n for n in netns_names() if n.startswith(info["cell"] + "-")])
    check("after lost state: cell directory gone", not os.path.exists(os.path.join(SGE_ROOT, info["cell"])))


def wait_for_dead(pid, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline and alive(pid):
        time.sleep(0.2)
    return not alive(pid)


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 0
    # Other work may create its own namespaces, mounts and cells meanwhile: compare only ours.
    mine = []  # cell names this test created
    before_hosts = md5("/etc/hosts")
    before_debian = tree_digest(os.path.join(SGE_ROOT, "default"))
    tmp = tempfile.mkdtemp(prefix="ef-sge-")
    root = os.path.join(tmp, "c")
    os.makedirs(root)
    cell = Cell(root)
    runners = {}  # hostname -> Popen of `ebbflow sge-host run`
    t0 = time.time()
    try:
        out = run([BIN, "sge-cell", "create", "--cluster-dir", root, "--name", "t"]).stdout
        print(out, end="")
        info = json.load(open(os.path.join(root, "sge", "cell.json")))
        mine.append(info["cell"])
        check("cell directory under SGE_ROOT", os.path.isfile(os.path.join(SGE_ROOT, info["cell"], "common", "bootstrap")))
        check("qmaster namespace exists", info["master_netns"] in netns_names())
        check("subnet is a private 10.x.0.0/16", info["subnet"].startswith("10.") and info["subnet"].endswith(".0.0/16"))
        check("wrappers written", all(os.access(os.path.join(cell.bin, p), os.X_OK) for p in ("qstat", "qsub", "qconf", "qacct")))
        env = run([BIN, "sge-cell", "env", "--cluster-dir", root]).stdout
        check("env puts the wrappers first in PATH", f"export PATH='{cell.bin}':" in env and f"SGE_CELL='{info['cell']}'" in env, env)
        hosts_inode = os.stat(os.path.join(root, "sge", "hosts")).st_ino

        print(run([BIN, "sge-cell", "start", "--cluster-dir", root]).stdout, end="")
        qpid = int(open(os.path.join(root, "run", "sge_qmaster.pid")).read())
        check("qmaster runs under its pid file", open(f"/proc/{qpid}/comm").read().strip() == "sge_qmaster")
        q = cell.sge("qconf", "-sq", "all.q").stdout
        check("all.q: no load thresholds, 1 slot", "load_thresholds       NONE" in q and "slots                 1" in q, q)
        check("scheduler runs every second", "schedule_interval                 0:0:1" in cell.sge("qconf", "-ssconf").stdout)
        check("max_unheard 30 s", "00:00:30" in [l.split()[1] for l in cell.sge("qconf", "-sconf").stdout.splitlines()
                                                 if l.startswith("max_unheard")])
        check("@allhosts exists", "@allhosts" in cell.sge("qconf", "-shgrpl").stdout)

        ips = {}
        for h in ("node1", "node2"):
            name, ip, ns = run([BIN, "sge-host", "prepare", "--cluster-dir", root, "--hostname", h]).stdout.split()
            ips[h] = ip
            check(f"{h} namespace exists", ns in netns_names())
        check("distinct addresses in the subnet", ips["node1"] != ips["node2"] and
              all(ip.startswith(info["subnet"].rsplit(".", 2)[0] + ".") for ip in ips.values()), str(ips))
        again = run([BIN, "sge-host", "prepare", "--cluster-dir", root, "--hostname", "node1"]).stdout.split()
        check("prepare is idempotent", again[1] == ips["node1"])
        hosts_text = open(os.path.join(root, "sge", "hosts")).read()
        check("hosts file lists both hosts", f"{ips['node1']} node1" in hosts_text and f"{ips['node2']} node2" in hosts_text)
        check("hosts file kept its inode", os.stat(os.path.join(root, "sge", "hosts")).st_ino == hosts_inode)

        # The execds wait for the admin-host registration (the order sqswatcher needs).
        for h in ("node1", "node2"):
            runners[h] = subprocess.Popen([BIN, "sge-host", "run", "--cluster-dir", root, "--hostname", h, "--timeout", "60"],
                                          start_new_session=True)
        time.sleep(1)
        check("execd not started before qconf -ah", not os.path.exists(os.path.join(root, "run", "sge_execd-node1.pid")))
        for h, slots in (("node1", 1), ("node2", 2)):
            cell.sge("qconf", "-ah", h)
            cell.sge("qconf", "-as", h)
            cell.sge("qconf", "-aattr", "hostgroup", "hostlist", h, "@allhosts")
            cell.sge("qconf", "-aattr", "queue", "slots", f"[{h}={slots}]", "all.q")
        wait_for("both execds report", lambda: cell.reporting_hosts() == ["node1", "node2"], 30)
        check("both exec hosts report to the qmaster", True)
        execd_pids = {h: int(open(os.path.join(root, "run", f"sge_execd-{h}.pid")).read()) for h in runners}
        check("execds run in the runners' process groups",
              all(os.getpgid(execd_pids[h]) == runners[h].pid for h in runners))

        outfile = os.path.join(tmp, "hostname.out")
        cell.sge("qsub", "-sync", "y", "-b", "y", "-o", outfile, "-j", "y", "-l", "hostname=node2", "/usr/bin/hostname")
        check("a job sees its exec host's name", open(outfile).read().strip() == "node2")
        for i in range(3):
            cell.sge("qsub", "-N", f"s{i}", "-b", "y", "-o", "/dev/null", "-j", "y", "/bin/sleep", "120")
        jobs = wait_for("3 running jobs", lambda: (lambda r: r if len(r) == 3 else None)(cell.running_jobs()), 30)
        where = sorted(jobs.values())
        check("jobs run on both hosts (1 + 2 slots)", where == ["all.q@node1", "all.q@node2", "all.q@node2"], str(where))

        # Remove node1 like sqswatcher: disable, kill its job, unreference it, stop its execd, unregister.
        job_on_node1 = [j for j, qi in jobs.items() if qi == "all.q@node1"][0]
        cell.sge("qmod", "-d", "all.q@node1")
        cell.sge("qdel", "-f", job_on_node1)
        cell.sge("qconf", "-purge", "queue", "slots", "all.q@node1")
        cell.sge("qconf", "-dattr", "hostgroup", "hostlist", "node1", "@allhosts")
        run([BIN, "sge-host", "remove", "--cluster-dir", root, "--hostname", "node1"])
        for flag in ("-de", "-ds", "-dh"):
            cell.sge("qconf", flag, "node1")
        check("removed host's runner exited", runners["node1"].wait(timeout=10) is not None)
        check("removed host's execd is gone", not alive(execd_pids["node1"]))
        check("removed host's namespace is gone", f"{info['cell']}-node1" not in netns_names())
        check("removed host's hosts line is blanked", "node1" not in open(os.path.join(root, "sge", "hosts")).read())
        check("hosts file still the same inode", os.stat(os.path.join(root, "sge", "hosts")).st_ino == hosts_inode)
        check("qhost no longer lists node1", "node1" not in cell.sge("qhost").stdout)
        check("node2 still runs its jobs", sorted(cell.running_jobs().values()) == ["all.q@node2", "all.q@node2"])

        t_stop = time.time()
        print(run([BIN, "sge-cell", "stop", "--cluster-dir", root]).stdout, end="")
        check("stop is fast (< 15 s)", time.time() - t_stop < 15, f"{time.time() - t_stop:.1f}s")
        check("qmaster is gone", not alive(qpid))
        check("execd of node2 is gone", not alive(execd_pids["node2"]))
        check("runner of node2 exited", runners["node2"].wait(timeout=10) is not None)
        print(run([BIN, "sge-cell", "stop", "--cluster-dir", root]).stdout, end="")
        check("stop is idempotent", True)
        crash_recovery(tmp, runners, mine)
    except Exception as e:  # noqa: BLE001 - reported as a failure, cleanup follows
        check(f"no exception ({type(e).__name__}: {e})", False)
    finally:
        for r in (root, os.path.join(tmp, "c2")):
            if os.path.isdir(r):
                run([BIN, "sge-cell", "stop", "--cluster-dir", r], check_rc=False)
        for p in runners.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        left = sorted(os.path.relpath(os.path.join(d, f), tmp) for d, _, fs in os.walk(tmp) for f in fs
                      if f != "hostname.out")
        shutil.rmtree(tmp, ignore_errors=True)
    left_ns = [n for n in netns_names() if any(n.startswith(c + "-") for c in mine)]
    check("no namespace left", len(mine) == 2 and not left_ns, str(left_ns))
    left_mounts = [m for m in mounts() if m.startswith(tmp) or any(m.startswith(f"/run/netns/{c}-") for c in mine)]
    check("no mount left", not left_mounts, str(left_mounts))
    check("/etc/hosts untouched", md5("/etc/hosts") == before_hosts)
    check("Debian default cell untouched", tree_digest(os.path.join(SGE_ROOT, "default")) == before_debian)
    check("no cell left under SGE_ROOT", not [c for c in mine if os.path.exists(os.path.join(SGE_ROOT, c))])
    check("no file left in the cluster folder", left == [], str(left))
    print(f"{time.time() - t0:.1f}s, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
