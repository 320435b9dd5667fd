#!/usr/bin/env python3
"""The local cloud's Auto Scaling API driven by the stock AWS CLI (`aws autoscaling ...`).

Starts `ebbflow cloud serve` on port 0 in a temporary state dir, creates a launch template whose
user data sleeps, then creates a group and checks what `aws ec2 describe-instances` sees as the
group scales up and down, terminates members with and without decrement (never below MinSize),
replaces an instance terminated behind its back, keeps its state over a restart, and is force
deleted. Always stops the server it started (by its pid file) and kills the instances it
launched, then removes the temp dir.
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

import boto3
import botocore.config

BINARY = os.path.join(os.environ.get("EBBFLOW_BINARY_DIR", "build"), "src/cli/ebbflow")
GROUP = "it-compute"
TEMPLATE = "it-compute"
USER_DATA = "#!/bin/bash\nexec sleep 600\n"


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


class AutoScalingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ebbflow-asg-it-")
        cls.server_pids = []
        cls.start_server()
        cls.aws("ec2", "create-launch-template", "--launch-template-name", TEMPLATE, "--launch-template-data",
                json.dumps({"InstanceType": "t3.micro",
                            "UserData": base64.b64encode(USER_DATA.encode()).decode()}))

    @classmethod
    def start_server(cls):
        out = subprocess.run([BINARY, "cloud", "serve", "--state-dir", cls.dir, "--port", "0"],
                             check=True, capture_output=True, text=True, timeout=30)
        cls.endpoint = out.stdout.strip()
        with open(os.path.join(cls.dir, "cloud.pid")) as f:
            cls.server_pids.append(int(f.read()))
        with open(os.path.join(cls.dir, "credentials.json")) as f:
            creds = json.load(f)
        # boto3 only for the waits (an AWS CLI process costs a second or more on a busy machine);
        # every action and every final check goes through the AWS CLI.
        kw = dict(endpoint_url=cls.endpoint, region_name=creds["region"], aws_access_key_id=creds["access_key_id"],
                  aws_secret_access_key=creds["secret_access_key"],
                  config=botocore.config.Config(retries={"max_attempts": 1}))
        cls.ec2 = boto3.client("ec2", **kw)
        cls.asg = boto3.client("autoscaling", **kw)
        cls.env = dict(os.environ, AWS_ENDPOINT_URL=cls.endpoint, AWS_ACCESS_KEY_ID=creds["access_key_id"],
                       AWS_SECRET_ACCESS_KEY=creds["secret_access_key"], AWS_DEFAULT_REGION=creds["region"],
                       AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_MAX_ATTEMPTS="1", AWS_PAGER="")

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
            out = subprocess.run([BINARY, "cloud", "instances", "--state-dir", cls.dir, "--json"],
                                 capture_output=True, text=True, timeout=30).stdout
            for inst in json.loads(out)["instances"]:
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
    def aws(cls, service, *args, check=True):
        # Always --endpoint-url: the CLI's SQS commands ignore AWS_ENDPOINT_URL.
        r = subprocess.run(["aws", "--endpoint-url", cls.endpoint, service, *args, "--output", "json"], env=cls.env,
                           capture_output=True,
                           text=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"aws {service} {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r

    def group(self, cli=True):
        if cli:
            out = json.loads(self.aws("autoscaling", "describe-auto-scaling-groups",
                                      "--auto-scaling-group-names", GROUP).stdout)
        else:
            out = self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])
        groups = out["AutoScalingGroups"]
        return groups[0] if groups else None

    def running(self, cli=True):
        """Ids of the group's pending or running instances, as EC2 reports them."""
        filters = [{"Name": "tag:aws:autoscaling:groupName", "Values": [GROUP]},
                   {"Name": "instance-state-name", "Values": ["pending", "running"]}]
        if cli:
            out = json.loads(self.aws("ec2", "describe-instances", "--filters",
                                      f"Name=tag:aws:autoscaling:groupName,Values={GROUP}",
                                      "Name=instance-state-name,Values=pending,running").stdout)
        else:
            out = self.ec2.describe_instances(Filters=filters)
        return sorted(i["InstanceId"] for r in out["Reservations"] for i in r["Instances"])

    def ec2_state(self, iid, cli=True):
        if cli:
            out = json.loads(self.aws("ec2", "describe-instances", "--instance-ids", iid).stdout)
        else:
            out = self.ec2.describe_instances(InstanceIds=[iid])
        return out["Reservations"][0]["Instances"][0]["State"]["Name"]

    def in_service(self, cli=True):
        g = self.group(cli)
        return sorted(i["InstanceId"] for i in g["Instances"] if i["LifecycleState"] == "InService")

    def settle(self, n, what):
        """Waits until EC2 runs exactly n group instances and the group shows them InService;
        then checks that with the AWS CLI."""
        wait_for(lambda: len(self.running(False)) == n and self.in_service(False) == self.running(False), what=what)
        ids = self.running()
        self.assertEqual(len(ids), n)
        self.assertEqual(self.in_service(), ids)
        return ids

    def test_group_lifecycle_with_aws_cli(self):
        self.aws("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", GROUP,
                 "--launch-template", f"LaunchTemplateName={TEMPLATE},Version=$Latest",
                 "--min-size", "0", "--max-size", "4", "--desired-capacity", "0", "--tags",
                 f"ResourceId={GROUP},ResourceType=auto-scaling-group,Key=ebbflow:cluster-name,Value=it,"
                 "PropagateAtLaunch=true",
                 f"ResourceId={GROUP},ResourceType=auto-scaling-group,Key=group-only,Value=x,PropagateAtLaunch=false")
        # Notifications go to the SQS queue named like the topic, in an SNS envelope.
        topic = "arn:aws:sns:us-east-1:000000000000:it-events"
        queue_url = json.loads(self.aws("sqs", "create-queue", "--queue-name", "it-events").stdout)["QueueUrl"]
        self.aws("autoscaling", "put-notification-configuration", "--auto-scaling-group-name", GROUP,
                 "--topic-arn", topic, "--notification-types", "autoscaling:EC2_INSTANCE_LAUNCH",
                 "autoscaling:EC2_INSTANCE_TERMINATE")
        dup = self.aws("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", GROUP,
                       "--launch-template", f"LaunchTemplateName={TEMPLATE}", "--min-size", "0", "--max-size", "1",
                       check=False)
        self.assertNotEqual(dup.returncode, 0)
        self.assertIn("AlreadyExists", dup.stderr)

        self.aws("autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", GROUP,
                 "--min-size", "1", "--desired-capacity", "2")

        # Scale up: two instances, tagged with the propagated tags only.
        ids = self.settle(2, "two InService instances")
        out = json.loads(self.aws("ec2", "describe-instances", "--instance-ids", ids[0]).stdout)
        tags = {t["Key"]: t["Value"] for t in out["Reservations"][0]["Instances"][0]["Tags"]}
        self.assertEqual(tags["ebbflow:cluster-name"], "it")
        self.assertEqual(tags["aws:autoscaling:groupName"], GROUP)
        self.assertNotIn("group-only", tags)
        g = self.group()
        self.assertEqual((g["MinSize"], g["MaxSize"], g["DesiredCapacity"]), (1, 4, 2))
        self.assertEqual(g["LaunchTemplate"]["LaunchTemplateName"], TEMPLATE)
        self.assertEqual(g["HealthCheckType"], "EC2")

        self.aws("autoscaling", "set-desired-capacity", "--auto-scaling-group-name", GROUP, "--desired-capacity", "3")
        ids = self.settle(3, "three instances")
        above = self.aws("autoscaling", "set-desired-capacity", "--auto-scaling-group-name", GROUP,
                         "--desired-capacity", "5", check=False)
        self.assertNotEqual(above.returncode, 0)
        self.assertIn("ValidationError", above.stderr)
        self.assertIn("New SetDesiredCapacity value 5 is above max value 4 for the AutoScalingGroup.", above.stderr)

        # Terminate with decrement twice: 3 -> 2 -> 1, no replacements.
        for victim, left in ((ids[0], 2), (ids[1], 1)):
            out = json.loads(self.aws("autoscaling", "terminate-instance-in-auto-scaling-group", "--instance-id",
                                      victim, "--should-decrement-desired-capacity").stdout)
            self.assertEqual(out["Activity"]["Description"], f"Terminating EC2 instance: {victim}")
            self.assertEqual(self.group()["DesiredCapacity"], left)
            wait_for(lambda: self.ec2_state(victim, False) == "terminated", what=f"{victim} terminated")
            self.assertEqual(self.ec2_state(victim), "terminated")
        survivors = self.settle(1, "one instance left")
        self.assertEqual(survivors, [ids[2]])

        # Never below MinSize: the last one cannot go with decrement.
        refused = self.aws("autoscaling", "terminate-instance-in-auto-scaling-group", "--instance-id", ids[2],
                           "--should-decrement-desired-capacity", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("ValidationError", refused.stderr)
        self.assertIn("Currently, desiredSize equals minSize (1)", refused.stderr)
        self.assertEqual(self.group()["DesiredCapacity"], 1)
        self.assertEqual(self.ec2_state(ids[2]), "running")

        # Terminated behind the group's back (through EC2): replaced, desired kept.
        self.aws("ec2", "terminate-instances", "--instance-ids", ids[2])
        replacement = wait_for(lambda: [i for i in self.running(False) if i != ids[2]], what="a replacement")
        self.assertEqual(len(replacement), 1)
        self.settle(1, "the replacement InService")
        self.assertEqual(self.group()["DesiredCapacity"], 1)

        # Without decrement: replaced as well.
        self.aws("autoscaling", "terminate-instance-in-auto-scaling-group", "--instance-id", replacement[0],
                 "--no-should-decrement-desired-capacity")
        wait_for(lambda: self.running(False) and self.running(False) != replacement, what="a second replacement")
        second = self.settle(1, "the second replacement InService")
        self.assertNotEqual(second, replacement)
        self.assertEqual(self.group()["DesiredCapacity"], 1)

        # Notifications: configured, described back, and delivered.
        out = json.loads(self.aws("autoscaling", "describe-notification-configurations",
                                  "--auto-scaling-group-names", GROUP).stdout)
        self.assertEqual(sorted((c["TopicARN"], c["NotificationType"]) for c in out["NotificationConfigurations"]),
                         [(topic, "autoscaling:EC2_INSTANCE_LAUNCH"), (topic, "autoscaling:EC2_INSTANCE_TERMINATE")])
        with open(os.path.join(self.dir, "cloud.log")) as f:
            activities = [json.loads(line) for line in f if '"autoscaling-activity"' in line]
        kinds = [a["type"] for a in activities]
        self.assertEqual(kinds.count("autoscaling:EC2_INSTANCE_LAUNCH"), 5)
        self.assertEqual(kinds.count("autoscaling:EC2_INSTANCE_TERMINATE"), 4)
        events = []
        while True:
            out = json.loads(self.aws("sqs", "receive-message", "--queue-url", queue_url,
                                      "--max-number-of-messages", "10", "--wait-time-seconds", "0").stdout or "{}")
            if not out.get("Messages"):
                break
            for m in out["Messages"]:
                envelope = json.loads(m["Body"])
                self.assertEqual(envelope["Type"], "Notification")
                self.assertEqual(envelope["TopicArn"], topic)
                inner = json.loads(envelope["Message"])
                self.assertEqual(inner["AutoScalingGroupName"], GROUP)
                events.append((inner["Event"], inner.get("EC2InstanceId", "")))
                self.aws("sqs", "delete-message", "--queue-url", queue_url, "--receipt-handle", m["ReceiptHandle"])
        self.assertIn(("autoscaling:TEST_NOTIFICATION", ""), events)
        self.assertIn(("autoscaling:EC2_INSTANCE_TERMINATE", ids[0]), events)
        self.assertIn(("autoscaling:EC2_INSTANCE_LAUNCH", replacement[0]), events)
        self.assertIn(("autoscaling:EC2_INSTANCE_LAUNCH", second[0]), events)
        self.assertEqual(sum(1 for e, _ in events if e == "autoscaling:EC2_INSTANCE_LAUNCH"), 5)
        self.assertEqual(sum(1 for e, _ in events if e == "autoscaling:EC2_INSTANCE_TERMINATE"), 4)

        # A restarted server keeps the group and its members.
        before = self.group()
        type(self).stop_server()
        type(self).start_server()
        after = self.group()
        self.assertEqual([i["InstanceId"] for i in after["Instances"]], [i["InstanceId"] for i in before["Instances"]])
        self.assertEqual(after["DesiredCapacity"], 1)

        # Delete: refused while members remain, then forced.
        busy = self.aws("autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", GROUP, check=False)
        self.assertNotEqual(busy.returncode, 0)
        self.assertIn("ResourceInUse", busy.stderr)
        members = [i["InstanceId"] for i in after["Instances"]]
        self.aws("autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", GROUP, "--force-delete")
        wait_for(lambda: self.group(False) is None, what="the group gone")
        self.assertIsNone(self.group())
        for iid in members:
            self.assertEqual(self.ec2_state(iid), "terminated")
        self.assertEqual(self.running(), [])

    def test_unknown_group_and_bad_signature(self):
        r = self.aws("autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "nope",
                     "--desired-capacity", "1", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("AutoScalingGroup name not found", r.stderr)
        env = dict(self.env, AWS_SECRET_ACCESS_KEY="wrong")
        r = subprocess.run(["aws", "--endpoint-url", self.endpoint, "autoscaling", "describe-auto-scaling-groups"],
                           env=env, capture_output=True,
                           text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("SignatureDoesNotMatch", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
