#!/usr/bin/env python3
"""Instance-role credentials end to end against `ebbflow cloud serve`.

- A process on an instance (imds_probe, linked against src/aws) calls DescribeInstances with the
  credential chain only: no keys anywhere, region and credentials from the instance's IMDS.
- botocore on the host, pointed at that instance's IMDS, resolves the same kind of credentials
  (source iam-role) and can call EC2; after the role credentials expire (short TTL via
  EBBFLOW_CLOUD_ROLE_CREDENTIALS_TTL_S) the cloud refuses them with RequestExpired, and the
  instance gets new ones on its next fetch.
- Throttling and 5xx injected with `ebbflow cloud fault api-error`: bounded retries, counted in
  cloud.log; RunInstances whose reply is lost (slow-reply + short client timeout) is retried with
  the same ClientToken and launches once.
Stops exactly the server it started (by pid) and kills the instances it launched.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import boto3
import botocore.config
import botocore.credentials
import botocore.session

BINARY = os.path.join(os.environ.get("EBBFLOW_BINARY_DIR", "build"), "src/cli/ebbflow")
PROBE = os.environ.get("EBBFLOW_IMDS_PROBE") or os.path.join(
    os.environ.get("EBBFLOW_BINARY_DIR", "build"), "tests/integration/imds/ebbflow_imds_probe")
TTL = 6


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class ImdsRoleCredentialsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ebbflow-imds-it-")
        env = dict(os.environ, EBBFLOW_CLOUD_ROLE_CREDENTIALS_TTL_S=str(TTL))
        out = subprocess.run([BINARY, "cloud", "serve", "--state-dir", cls.dir, "--port", "0"], env=env,
                             check=True, capture_output=True, text=True, timeout=30)
        cls.endpoint = out.stdout.strip()
        with open(os.path.join(cls.dir, "cloud.pid")) as f:
            cls.server_pid = int(f.read())
        with open(os.path.join(cls.dir, "credentials.json")) as f:
            cls.creds = json.load(f)
        cls.ec2 = boto3.client("ec2", endpoint_url=cls.endpoint, region_name=cls.creds["region"],
                               aws_access_key_id=cls.creds["access_key_id"],
                               aws_secret_access_key=cls.creds["secret_access_key"],
                               config=botocore.config.Config(retries={"max_attempts": 1}))
        # The instance's script runs the probe with only the environment the cloud gives it.
        user_data = (f"#!/bin/bash\n\"{PROBE}\" describe \"{cls.endpoint}\" \"$EBBFLOW_INSTANCE_ID\" > probe.json.tmp"
                     " 2> probe.err\nmv probe.json.tmp probe.json\nexec sleep 600\n")
        cls.ec2.create_launch_template(LaunchTemplateName="probe", LaunchTemplateData={
            "InstanceType": "t3.micro", "UserData": base64.b64encode(user_data.encode()).decode()})
        cls.ec2.create_launch_template(LaunchTemplateName="idle", LaunchTemplateData={
            "InstanceType": "t3.micro",
            "UserData": base64.b64encode(b"#!/bin/bash\nexec sleep 600\n").decode()})

    @classmethod
    def tearDownClass(cls):
        try:
            state = json.loads(subprocess.run([BINARY, "cloud", "instances", "--state-dir", cls.dir, "--json"],
                                              capture_output=True, text=True, timeout=30).stdout)
            for inst in state["instances"]:
                if inst["state"] != "terminated" and inst["pgid"] > 1:
                    try:
                        os.killpg(inst["pgid"], signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        finally:
            try:
                os.kill(cls.server_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            time.sleep(0.3)
            shutil.rmtree(cls.dir, ignore_errors=True)

    def host_env(self):
        """The probe on the host: static keys through the environment, no IMDS."""
        return dict(os.environ, AWS_ACCESS_KEY_ID=self.creds["access_key_id"],
                    AWS_SECRET_ACCESS_KEY=self.creds["secret_access_key"], AWS_REGION=self.creds["region"],
                    AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null",
                    AWS_SHARED_CREDENTIALS_FILE="/dev/null")

    def imds_env(self, iid):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=f"{self.endpoint}/imds/{iid}/", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        return env

    def probe(self, *args, env):
        out = subprocess.run([PROBE, *args], env=env, capture_output=True, text=True, timeout=120)
        self.assertTrue(out.stdout.strip(), out.stderr)
        return json.loads(out.stdout)

    def launch(self, template):
        r = self.ec2.run_instances(LaunchTemplate={"LaunchTemplateName": template}, MinCount=1, MaxCount=1)
        return r["Instances"][0]["InstanceId"]

    def requests(self, action):
        with open(os.path.join(self.dir, "cloud.log")) as f:
            events = [json.loads(line) for line in f if line.strip()]
        return [e for e in events if e.get("event") == "request" and e.get("action") == action]

    def test_instance_process_uses_role_credentials(self):
        iid = self.launch("probe")
        path = os.path.join(self.dir, "instances", iid, "probe.json")
        wait_for(lambda: os.path.exists(path), what="probe output")
        with open(path) as f:
            result = json.load(f)
        self.assertEqual(result["source"], "imds role ebbflow-compute")
        self.assertEqual(result["describe"], {"ok": True, "ids": [iid]})
        self.assertGreater(result["expires_in"], 0)
        # Only the redacted form was printed.
        self.assertRegex(result["credentials"], r"^\*\*\*\*[A-Z2-7]{4} \(secret \*\*\*\*, session token \*\*\*\*\)$")

    def test_botocore_reads_the_same_imds_and_expiry_is_enforced(self):
        iid = self.launch("idle")
        env = self.imds_env(iid)
        script = ("import boto3, json, sys\n"
                  "s = boto3.Session()\n"
                  "c = s.get_credentials()\n"
                  "ec2 = s.client('ec2', endpoint_url=sys.argv[1], region_name=sys.argv[3])\n"
                  "r = ec2.describe_instances(InstanceIds=[sys.argv[2]])\n"
                  "print(json.dumps({'method': c.method,\n"
                  "  'id': r['Reservations'][0]['Instances'][0]['InstanceId']}))\n")
        out = subprocess.run(["python3", "-c", script, self.endpoint, iid, self.creds["region"]], env=env, capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        got = json.loads(out.stdout)
        self.assertEqual(got, {"method": "iam-role", "id": iid})
        # Our probe, as that instance: a stale copy fails with RequestExpired after TTL; the chain
        # fetches rotated credentials and succeeds.
        result = self.probe("stale", self.endpoint, str(TTL + 1), env=env)
        self.assertEqual(result["source"], "imds role ebbflow-compute")
        self.assertFalse(result["stale"]["ok"])
        self.assertEqual(result["stale"]["code"], "RequestExpired")
        self.assertTrue(result["fresh"]["ok"], result)
        self.assertTrue(result["rotated"])

    def test_no_credentials_anywhere_is_a_clear_error(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        out = subprocess.run([PROBE, "describe", self.endpoint], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 1)
        self.assertEqual(json.loads(out.stdout)["code"], "NoCredentials")

    def fault(self, *args):
        subprocess.run([BINARY, "cloud", "fault", "--state-dir", self.dir, *args], check=True,
                       capture_output=True, text=True, timeout=30)

    def test_throttling_and_server_errors_are_retried_a_bounded_number_of_times(self):
        self.fault("clear")
        before = len(self.requests("DescribeInstances"))
        self.fault("api-error", "throttle", "--action", "DescribeInstances", "--count", "2")
        result = self.probe("describe", self.endpoint, env=self.host_env())
        self.assertTrue(result["describe"]["ok"], result)
        statuses = [e["status"] for e in self.requests("DescribeInstances")[before:]]
        self.assertEqual(len(statuses), 3, statuses)
        self.assertEqual(statuses[-1], 200)
        # Never-ending 5xx: exactly max_attempts (3) requests, then the error.
        before = len(self.requests("DescribeInstances"))
        self.fault("api-error", "server-error", "--action", "DescribeInstances", "--count", "-1")
        result = self.probe("describe", self.endpoint, env=self.host_env())
        self.fault("clear")
        self.assertFalse(result["describe"]["ok"])
        self.assertEqual(result["describe"]["code"], "InternalError")
        self.assertIn("after 3 attempts", result["describe"]["message"])
        self.assertEqual(len(self.requests("DescribeInstances")[before:]), 3)

    def test_run_instances_retried_with_the_same_client_token_launches_once(self):
        self.fault("clear")
        before = len(self.requests("RunInstances"))
        # The first reply is held back 4 s after the launch; the client gives up after 1.5 s.
        self.fault("slow-reply", "--action", "RunInstances", "--delay", "4", "--count", "1")
        result = self.probe("run", self.endpoint, "idle", "it-token-1", "1500", env=self.host_env())
        self.fault("clear")
        self.assertTrue(result["run"]["ok"], result)
        self.assertEqual(len(result["run"]["ids"]), 1)
        # The held-back first reply is logged when it is finally sent, after the retry's.
        wait_for(lambda: len(self.requests("RunInstances")[before:]) >= 2, what="both RunInstances logged")
        tagged = self.ec2.describe_instances(Filters=[{"Name": "client-token", "Values": ["it-token-1"]}])
        ids = [i["InstanceId"] for r in tagged["Reservations"] for i in r["Instances"]]
        self.assertEqual(ids, result["run"]["ids"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
