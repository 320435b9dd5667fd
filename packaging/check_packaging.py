#!/usr/bin/env python3
"""Checks packaging/ (run by ctest as packaging.check): every JSON file parses; the IAM
policies have the least-privilege shape docs/aws.md describes; the launch template carries the
tags ebbflow needs, InstanceMetadataTags=enabled and user data equal to user-data-example.sh;
the systemd units run ebbflow; and `cmake --install` into a temporary prefix (when a build
directory is given) yields bin/ebbflow and share/ebbflow/{examples,docs,packaging}."""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile

PKG = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
BUILD = sys.argv[2] if len(sys.argv) > 2 else None
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def load(rel):
    with open(os.path.join(PKG, rel)) as f:
        return json.load(f)


def statements(policy, action):
    return [s for s in policy["Statement"]
            if action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]


for root, _, files in os.walk(PKG):
    for name in files:
        if name.endswith(".json"):
            try:
                load(os.path.relpath(os.path.join(root, name), PKG))
            except ValueError as e:
                failures.append(f"{name}: {e}")

for rel in ("iam/clustermgtd-policy.json", "iam/slurm-resume-policy.json"):
    p = load(rel)
    check(p["Version"] == "2012-10-17", f"{rel}: Version")
    check(all(s["Effect"] == "Allow" for s in p["Statement"]), f"{rel}: only Allow statements")
    for s in statements(p, "ec2:TerminateInstances"):
        check(s["Condition"]["StringEquals"].get("aws:ResourceTag/ebbflow:cluster-name") == "CLUSTER",
              f"{rel}: TerminateInstances not limited to the cluster's instances")
    tag_conditions = [json.dumps(s.get("Condition", {})) for s in statements(p, "ec2:CreateTags")]
    check(tag_conditions and all("ec2:CreateAction" in c or "aws:ResourceTag/ebbflow:cluster-name" in c
                                 for c in tag_conditions), f"{rel}: CreateTags unconditioned")
    run = statements(p, "ec2:RunInstances")
    check(any("aws:RequestTag/ebbflow:cluster-name" in json.dumps(s.get("Condition", {})) for s in run),
          f"{rel}: RunInstances without a request-tag condition")
    check(any("launch-template" in json.dumps(s["Resource"]) for s in run), f"{rel}: no launch template scope")
    check(all(s["Resource"] == "*" for s in statements(p, "ec2:DescribeInstances")), f"{rel}: Describe* on *")
    passrole = statements(p, "iam:PassRole")
    check(len(passrole) == 1 and passrole[0]["Resource"].endswith("-compute"), f"{rel}: PassRole scope")
    check(not any(s["Resource"] == "*" for s in p["Statement"] if not all(
        a.startswith("ec2:Describe") for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))),
          f"{rel}: a non-Describe action on Resource *")

compute = load("iam/compute-node-policy.json")
check(all(a.startswith("ec2:Describe") for s in compute["Statement"] for a in s["Action"]),
      "compute-node-policy: more than Describe*")

lt = load("launch-template-example.json")["LaunchTemplateData"]
check(lt["MetadataOptions"].get("InstanceMetadataTags") == "enabled", "launch template: InstanceMetadataTags")
check(lt["MetadataOptions"].get("HttpTokens") == "required", "launch template: IMDSv2 only")
tags = {t["Key"]: t["Value"] for spec in lt["TagSpecifications"] if spec["ResourceType"] == "instance"
        for t in spec["Tags"]}
for key in ("ebbflow:cluster-name", "ebbflow:node-type", "ebbflow:queue", "ebbflow:compute-resource"):
    check(key in tags, f"launch template: tag {key}")
check(tags.get("ebbflow:node-type") == "Compute", "launch template: node-type Compute")
user_data = base64.b64decode(lt["UserData"]).decode()
with open(os.path.join(PKG, "user-data-example.sh")) as f:
    check(user_data == f.read(), "launch template: UserData differs from user-data-example.sh")
check("ebbflow compute-node --cluster-dir /shared/ebbflow/clusters/" in user_data, "user data: compute-node")

for unit in ("ebbflow-clustermgtd@.service", "ebbflow-compute-node.service"):
    with open(os.path.join(PKG, "systemd", unit)) as f:
        text = f.read()
    check("[Service]" in text and "ExecStart=" in text and "ebbflow" in text, f"{unit}: no ExecStart")
    check("[Install]" in text, f"{unit}: no [Install]")

if BUILD:
    prefix = tempfile.mkdtemp(prefix="ebbflow-install-")
    try:
        out = subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], capture_output=True, text=True)
        if out.returncode != 0:
            failures.append("cmake --install failed: " + out.stderr[-2000:])
        else:
            for rel in ("bin/ebbflow", "share/ebbflow/packaging/systemd/ebbflow-clustermgtd@.service",
                        "share/ebbflow/packaging/iam/clustermgtd-policy.json", "share/ebbflow/docs/aws.md",
                        "share/ebbflow/examples"):
                check(os.path.exists(os.path.join(prefix, rel)), f"install: {rel} missing")
            check(not os.path.exists(os.path.join(prefix, "share/ebbflow/packaging/check_packaging.py")),
                  "install: check_packaging.py installed")
    finally:
        shutil.rmtree(prefix, ignore_errors=True)

for f in failures:
    print("FAIL:", f)
print("packaging: %d problem(s)" % len(failures))
sys.exit(1 if failures else 0)
