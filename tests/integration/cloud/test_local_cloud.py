#!/usr/bin/env python3
"""`ebbflow cloud serve` checked with independent clients: the AWS CLI, boto3/botocore, curl.

Starts a server on port 0 in a temporary state dir, launches instances from a launch template
whose user data writes a file and sleeps, and exercises every supported action, IMDS, SigV4
rejection, restart survival and fault injection. Always stops the server it started (by its pid
file) and kills the instances it launched, then removes the temp dir.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions

BINARY = os.path.join(os.environ.get("EBBFLOW_BINARY_DIR", "build"), "src/cli/ebbflow")
USER_DATA = """#!/bin/bash
echo "$EBBFLOW_INSTANCE_ID $EBBFLOW_PRIVATE_IP $EBBFLOW_INSTANCE_TYPE" > booted
exec sleep 600
"""


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def pgid_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


class LocalCloudTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ebbflow-cloud-it-")
        cls.server_pids = []
        cls.start_server()
        cls.ec2.create_launch_template(
            LaunchTemplateName="compute",
            LaunchTemplateData={
                "InstanceType": "t3.micro",
                "UserData": base64.b64encode(USER_DATA.encode()).decode(),
                "TagSpecifications": [{"ResourceType": "instance",
                                       "Tags": [{"Key": "ebbflow:cluster", "Value": "it"}]}],
            })

    @classmethod
    def start_server(cls):
        out = subprocess.run([BINARY, "cloud", "serve", "--state-dir", cls.dir, "--port", "0"],
                             check=True, capture_output=True, text=True, timeout=30)
        cls.endpoint = out.stdout.strip()
        assert cls.endpoint.startswith("http://127.0.0.1:"), cls.endpoint
        with open(os.path.join(cls.dir, "endpoint")) as f:
            assert f.read().strip() == cls.endpoint
        with open(os.path.join(cls.dir, "cloud.pid")) as f:
            cls.server_pids.append(int(f.read()))
        with open(os.path.join(cls.dir, "credentials.json")) as f:
            cls.creds = json.load(f)
        assert os.stat(os.path.join(cls.dir, "credentials.json")).st_mode & 0o077 == 0
        cls.env = dict(os.environ, AWS_ENDPOINT_URL=cls.endpoint, AWS_ACCESS_KEY_ID=cls.creds["access_key_id"],
                       AWS_SECRET_ACCESS_KEY=cls.creds["secret_access_key"],
                       AWS_DEFAULT_REGION=cls.creds["region"], AWS_CONFIG_FILE="/dev/null",
                       AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_MAX_ATTEMPTS="1")
        cls.ec2 = cls.client()

    @classmethod
    def client(cls, secret=None):
        return boto3.client("ec2", endpoint_url=cls.endpoint, region_name=cls.creds["region"],
                            aws_access_key_id=cls.creds["access_key_id"],
                            aws_secret_access_key=secret or cls.creds["secret_access_key"],
                            config=botocore.config.Config(retries={"max_attempts": 1}))

    @classmethod
    def stop_server(cls):
        pid = cls.server_pids[-1]
        os.kill(pid, signal.SIGTERM)
        def gone():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    return f.read().split()[2] == "Z"
            except FileNotFoundError:
                return True
        wait_for(gone, what="server exit")

    @classmethod
    def tearDownClass(cls):
        try:
            state = json.loads(cls.cli("instances", "--json"))
            for inst in state["instances"]:
                if inst["state"] != "terminated" and inst["pgid"] > 1:
                    try:
                        os.killpg(inst["pgid"], signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        finally:
            for pid in cls.server_pids:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            time.sleep(0.3)
            shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def cli(cls, *args):
        return subprocess.run([BINARY, "cloud", *args[:1], "--state-dir", cls.dir, *args[1:]], check=True,
                              capture_output=True, text=True, timeout=30).stdout

    def aws(self, *args, check=True):
        return subprocess.run(["aws", "ec2", *args, "--output", "json"], env=self.env, capture_output=True,
                              text=True, timeout=60, check=check)

    def launch(self, count=1, **kw):
        r = self.ec2.run_instances(LaunchTemplate={"LaunchTemplateName": "compute"}, MinCount=count,
                                   MaxCount=count, **kw)
        return [i["InstanceId"] for i in r["Instances"]]

    def instance(self, iid):
        r = self.ec2.describe_instances(InstanceIds=[iid])
        return r["Reservations"][0]["Instances"][0]

    def imds(self, iid, path, token=None, method="GET", headers=None):
        req = urllib.request.Request(f"{self.endpoint}/imds/{iid}/latest/{path}", method=method,
                                     headers=headers or {})
        if token:
            req.add_header("X-aws-ec2-metadata-token", token)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, ""

    # --- tests (names ordered: unittest runs them alphabetically) ---

    def test_01_run_instances_with_aws_cli_runs_user_data(self):
        out = self.aws("run-instances", "--launch-template", "LaunchTemplateName=compute", "--count", "2",
                       "--instance-type", "c5.xlarge", "--tag-specifications",
                       "ResourceType=instance,Tags=[{Key=role,Value=compute}]")
        self.assertEqual(out.returncode, 0, out.stderr)
        instances = json.loads(out.stdout)["Instances"]
        self.assertEqual(len(instances), 2)
        ips = {i["PrivateIpAddress"] for i in instances}
        self.assertEqual(len(ips), 2)
        for inst in instances:
            iid = inst["InstanceId"]
            self.assertRegex(iid, r"^i-[0-9a-f]{17}$")
            booted = os.path.join(self.dir, "instances", iid, "booted")
            wait_for(lambda: os.path.exists(booted) and os.path.getsize(booted) > 0, what="user data")
            with open(booted) as f:
                self.assertEqual(f.read().split(), [iid, inst["PrivateIpAddress"], "c5.xlarge"])
            d = self.instance(iid)
            self.assertEqual(d["State"]["Name"], "running")
            self.assertEqual(d["InstanceType"], "c5.xlarge")
            tags = {t["Key"]: t["Value"] for t in d["Tags"]}
            self.assertEqual(tags["role"], "compute")
            self.assertEqual(tags["ebbflow:cluster"], "it")
            self.assertEqual(d["PrivateDnsName"], "ip-" + d["PrivateIpAddress"].replace(".", "-") + ".ec2.internal")

    def test_02_imds_v2(self):
        iid = self.launch(1, TagSpecifications=[{"ResourceType": "instance",
                                                  "Tags": [{"Key": "Name", "Value": "node-1"}]}])[0]
        # curl, as a bootstrap script would (no body, no Content-Length on the PUT).
        token = subprocess.run(["curl", "-sf", "-X", "PUT", "-H", "X-aws-ec2-metadata-token-ttl-seconds: 60",
                                f"{self.endpoint}/imds/{iid}/latest/api/token"], capture_output=True, text=True,
                               check=True).stdout
        self.assertTrue(token)
        ip = self.instance(iid)["PrivateIpAddress"]
        self.assertEqual(self.imds(iid, "meta-data/instance-id", token), (200, iid))
        self.assertEqual(self.imds(iid, "meta-data/local-ipv4", token), (200, ip))
        self.assertEqual(self.imds(iid, "meta-data/instance-type", token), (200, "t3.micro"))
        self.assertEqual(self.imds(iid, "meta-data/placement/region", token), (200, self.creds["region"]))
        status, keys = self.imds(iid, "meta-data/tags/instance", token)
        self.assertIn("Name", keys.split("\n"))
        self.assertEqual(self.imds(iid, "meta-data/tags/instance/Name", token), (200, "node-1"))
        self.assertEqual(self.imds(iid, "meta-data/instance-id")[0], 401)  # no token
        self.assertEqual(self.imds(iid, "meta-data/instance-id", "bogus")[0], 401)
        other = self.launch(1)[0]
        self.assertEqual(self.imds(other, "meta-data/instance-id", token)[0], 401)  # foreign token
        self.assertEqual(self.imds(iid, "api/token", method="PUT",
                                   headers={"X-aws-ec2-metadata-token-ttl-seconds": "0"})[0], 400)

    def test_03_client_token_idempotency(self):
        a = self.launch(2, ClientToken="it-token-1")
        b = self.launch(2, ClientToken="it-token-1")
        self.assertEqual(sorted(a), sorted(b))
        r = self.ec2.describe_instances(Filters=[{"Name": "client-token", "Values": ["it-token-1"]}])
        found = [i["InstanceId"] for res in r["Reservations"] for i in res["Instances"]]
        self.assertEqual(sorted(found), sorted(a))

    def test_04_describe_filters_and_pagination(self):
        ids = self.launch(12, TagSpecifications=[{"ResourceType": "instance",
                                                   "Tags": [{"Key": "batch", "Value": "twelve"}]}])
        self.assertEqual(len(ids), 12)
        flt = [{"Name": "tag:batch", "Values": ["twelve"]}, {"Name": "instance-state-name", "Values": ["running"]}]
        pages, seen = 0, []
        kwargs = {"Filters": flt, "MaxResults": 5}
        while True:
            r = self.ec2.describe_instances(**kwargs)
            pages += 1
            page = [i["InstanceId"] for res in r["Reservations"] for i in res["Instances"]]
            self.assertLessEqual(len(page), 5)
            seen += page
            if not r.get("NextToken"):
                break
            kwargs["NextToken"] = r["NextToken"]
        self.assertEqual(sorted(seen), sorted(ids))
        self.assertEqual(pages, 3)
        # The AWS CLI paginates by itself.
        out = json.loads(self.aws("describe-instances", "--filters", "Name=tag-key,Values=batch",
                                  "--page-size", "5").stdout)
        self.assertEqual(sum(len(r["Instances"]) for r in out["Reservations"]), 12)
        one = self.instance(ids[3])
        r = self.ec2.describe_instances(Filters=[{"Name": "private-ip-address", "Values": [one["PrivateIpAddress"]]}])
        self.assertEqual([i["InstanceId"] for res in r["Reservations"] for i in res["Instances"]], [ids[3]])
        r = self.ec2.describe_instances(Filters=[{"Name": "instance-type", "Values": ["m5.*"]}])
        self.assertEqual(r["Reservations"], [])
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.ec2.describe_instances(Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterValue")

    def test_05_describe_instance_status_and_create_tags(self):
        iid = self.launch(1)[0]
        r = self.ec2.describe_instance_status(InstanceIds=[iid])
        st = r["InstanceStatuses"][0]
        self.assertEqual(st["InstanceState"]["Name"], "running")
        self.assertEqual(st["InstanceStatus"]["Status"], "ok")
        self.assertEqual(st["SystemStatus"]["Status"], "ok")
        r = self.ec2.describe_instance_status(Filters=[{"Name": "instance-status.status", "Values": ["impaired"]}])
        self.assertEqual(r["InstanceStatuses"], [])
        self.ec2.create_tags(Resources=[iid], Tags=[{"Key": "slurm-node", "Value": "q-dy-c-1"}])
        r = self.ec2.describe_instances(Filters=[{"Name": "tag:slurm-node", "Values": ["q-dy-c-1"]}])
        self.assertEqual(r["Reservations"][0]["Instances"][0]["InstanceId"], iid)
        out = self.aws("describe-instance-status", "--include-all-instances", "--instance-ids", iid)
        self.assertEqual(json.loads(out.stdout)["InstanceStatuses"][0]["InstanceId"], iid)

    def test_06_terminate_kills_the_process_group(self):
        iid = self.launch(1)[0]
        pgid = self.pgid_of(iid)
        self.assertTrue(pgid_alive(pgid))
        r = self.ec2.terminate_instances(InstanceIds=[iid])
        self.assertEqual(r["TerminatingInstances"][0]["PreviousState"]["Name"], "running")
        self.assertEqual(r["TerminatingInstances"][0]["CurrentState"]["Name"], "shutting-down")
        wait_for(lambda: self.instance(iid)["State"]["Name"] == "terminated", what="terminated")
        self.assertFalse(pgid_alive(pgid))
        self.assertEqual(self.instance(iid)["StateReason"]["Code"], "Client.UserInitiatedShutdown")
        self.assertEqual(self.imds(iid, "meta-data/instance-id", method="GET")[0], 404)

    def test_07_signature_checks(self):
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.client(secret="x" * 40).describe_instances()
        self.assertIn(e.exception.response["Error"]["Code"], ("SignatureDoesNotMatch", "AuthFailure"))
        # A correctly signed request dated 10 minutes ago.
        creds = botocore.credentials.Credentials(self.creds["access_key_id"], self.creds["secret_access_key"])
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.endpoint + "/",
                                             data="Action=DescribeInstances&Version=2016-11-15",
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        signer = botocore.auth.SigV4Auth(creds, "ec2", self.creds["region"])
        old = time.gmtime(time.time() - 600)
        req.context["timestamp"] = time.strftime("%Y%m%dT%H%M%SZ", old)
        signer._modify_request_before_signing = lambda r: None  # keep our X-Amz-Date
        req.headers["X-Amz-Date"] = req.context["timestamp"]
        signer.add_auth(req)
        prepared = req.prepare()
        http = urllib.request.Request(prepared.url, data=prepared.body.encode(), method="POST",
                                      headers=dict(prepared.headers))
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(http, timeout=5)
        self.assertIn(b"<Code>RequestExpired</Code>", e.exception.read())
        # Unsigned: rejected too.
        with self.assertRaises(urllib.error.HTTPError):
            urllib.request.urlopen(urllib.request.Request(self.endpoint + "/", data=b"Action=DescribeInstances"))

    def test_08_faults(self):
        iid = self.launch(1)[0]
        pgid = self.pgid_of(iid)
        self.cli("fault", "kill-instance", iid)
        d = self.instance(iid)
        self.assertEqual(d["State"]["Name"], "terminated")
        self.assertEqual(d["StateReason"]["Code"], "Server.InternalError")
        wait_for(lambda: not pgid_alive(pgid), what="killed group")

        self.cli("fault", "fail-launch", "--code", "InsufficientInstanceCapacity", "--count", "1",
                 "--instance-type", "c5.xlarge")
        out = self.aws("run-instances", "--launch-template", "LaunchTemplateName=compute", "--count", "1",
                       "--instance-type", "c5.xlarge", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("InsufficientInstanceCapacity", out.stderr)
        self.assertEqual(len(self.launch(1, InstanceType="c5.xlarge")), 1)  # the count is used up
        self.cli("fault", "fail-launch", "--count", "-1")
        for _ in range(2):
            with self.assertRaises(botocore.exceptions.ClientError):
                self.launch(1)
        self.cli("fault", "clear")
        self.assertEqual(len(self.launch(1)), 1)

    def test_09_instance_initiated_shutdown(self):
        iid = self.launch(1)[0]
        os.killpg(self.pgid_of(iid), signal.SIGTERM)  # the instance "shuts itself down"
        wait_for(lambda: self.instance(iid)["State"]["Name"] == "terminated", what="terminated")
        self.assertEqual(self.instance(iid)["StateReason"]["Code"], "Client.InstanceInitiatedShutdown")

    def test_10_restart_keeps_instances(self):
        before = self.running_ids()
        self.assertGreater(len(before), 10)
        old_endpoint = self.endpoint
        type(self).stop_server()
        self.assertFalse(os.path.exists(os.path.join(self.dir, "endpoint")))
        type(self).start_server()
        self.assertEqual(self.endpoint, old_endpoint)  # the port is reused when free
        self.assertEqual(self.running_ids(), before)
        for iid in list(before)[:3]:
            self.assertTrue(pgid_alive(self.pgid_of(iid)))
        table = self.cli("instances")
        self.assertIn(sorted(before)[0], table)
        # Adopted instances are still managed.
        iid = sorted(before)[0]
        pgid = self.pgid_of(iid)
        self.ec2.terminate_instances(InstanceIds=[iid])
        wait_for(lambda: self.instance(iid)["State"]["Name"] == "terminated", what="terminated after restart")
        self.assertFalse(pgid_alive(pgid))

    def test_11_unknown_action(self):
        creds = botocore.credentials.Credentials(self.creds["access_key_id"], self.creds["secret_access_key"])
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.endpoint + "/",
                                             data="Action=RebootInstances&Version=2016-11-15",
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        botocore.auth.SigV4Auth(creds, "ec2", self.creds["region"]).add_auth(req)
        p = req.prepare()
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(urllib.request.Request(p.url, data=p.body.encode(), method="POST",
                                                          headers=dict(p.headers)), timeout=5)
        self.assertEqual(e.exception.code, 400)
        self.assertIn(b"<Code>InvalidAction</Code>", e.exception.read())

    # --- helpers ---

    def pgid_of(self, iid):
        state = json.loads(self.cli("instances", "--json"))
        return next(i["pgid"] for i in state["instances"] if i["instance_id"] == iid)

    def running_ids(self):
        r = self.ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["running"]}])
        return {i["InstanceId"] for res in r["Reservations"] for i in res["Instances"]}


if __name__ == "__main__":
    unittest.main(verbosity=2)
