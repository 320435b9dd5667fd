#!/usr/bin/env python3
"""`ebbflow cluster create` refuses every broken configuration with the validator's message,
exits non-zero, and starts nothing (no cluster folder, no process)."""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

src = os.environ.get("EBBFLOW_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.path.join(os.environ.get("EBBFLOW_BINARY_DIR", "build"), "src", "cli", "ebbflow")
home = tempfile.mkdtemp(prefix="ebbflow-refuse-")
passed = failed = 0
try:
    for path in sorted(glob.glob(os.path.join(src, "tests", "data", "configs", "broken", "*.yaml"))):
        expects = re.findall(r"^# expect: (.*?) \| (\d+) \| (.*)$", open(path).read(), re.M)
        p = subprocess.run([BIN, "cluster", "create", "-c", path, "--name", "refused"], capture_output=True, text=True,
                           env=dict(os.environ, EBBFLOW_HOME=home), timeout=60)
        problems = []
        if p.returncode == 0:
            problems.append("exit status 0")
        for cfg_path, line, message in expects:
            if cfg_path not in p.stderr or message.strip() not in p.stderr:
                problems.append(f"missing '{cfg_path}: ... {message.strip()}'")
        if os.path.exists(os.path.join(home, "clusters", "refused")):
            problems.append("a cluster folder was created")
        if problems:
            failed += 1
            print(f"FAIL {os.path.basename(path)}: {'; '.join(problems)}\n{p.stderr}")
        else:
            passed += 1
            print(f"PASS {os.path.basename(path)}")
finally:
    shutil.rmtree(home, ignore_errors=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
