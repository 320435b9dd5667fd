#!/usr/bin/env python3
"""SQS and DynamoDB of `ebbflow cloud serve`, checked with the stock AWS CLI and ebbflow's own
clients (the SqsDynamoLive gtest in ebbflow_aws_tests, pointed at this server).

Covers: create/get/delete queue, send/receive/delete, a message received and not deleted
coming back after its visibility timeout with a new handle and ApproximateReceiveCount 2, long
polling returning as soon as a message is sent, queue attributes, restart survival, DynamoDB
create-table/put-item/get-item --consistent-read/query/batch-get-item, and both client stacks
seeing the same state. Stops the server it started by its pid and removes its temp dir.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

BINARY_DIR = os.environ.get("EBBFLOW_BINARY_DIR", "build")
BINARY = os.path.join(BINARY_DIR, "src/cli/ebbflow")
AWS_TESTS = os.path.join(BINARY_DIR, "tests/unit/aws/ebbflow_aws_tests")
QUEUE = "it-events"
TABLE = "it-hosts"


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class SqsDynamoDbTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ebbflow-sqs-it-")
        cls.server_pids = []
        cls.start_server()

    @classmethod
    def start_server(cls):
        out = subprocess.run([BINARY, "cloud", "serve", "--state-dir", cls.dir, "--port", "0"],
                             check=True, capture_output=True, text=True, timeout=30)
        cls.endpoint = out.stdout.strip()
        assert cls.endpoint.startswith("http://127.0.0.1:"), cls.endpoint
        with open(os.path.join(cls.dir, "cloud.pid")) as f:
            cls.server_pids.append(int(f.read()))
        with open(os.path.join(cls.dir, "credentials.json")) as f:
            cls.creds = json.load(f)
        cls.env = dict(os.environ, AWS_ENDPOINT_URL=cls.endpoint, AWS_ACCESS_KEY_ID=cls.creds["access_key_id"],
                       AWS_SECRET_ACCESS_KEY=cls.creds["secret_access_key"],
                       AWS_DEFAULT_REGION=cls.creds["region"], AWS_CONFIG_FILE="/dev/null",
                       AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_MAX_ATTEMPTS="1", AWS_PAGER="",
                       # A safety net: anything not for loopback goes to a dead local proxy.
                       HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9",
                       NO_PROXY="127.0.0.1,localhost")

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
        for pid in cls.server_pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        shutil.rmtree(cls.dir, ignore_errors=True)

    def aws(self, *args, check=True):
        """Runs the AWS CLI; returns parsed JSON output (None when empty), or the process.

        Always with --endpoint-url: the CLI's SQS commands ignore AWS_ENDPOINT_URL (they would
        go to queue.amazonaws.com)."""
        p = subprocess.run(["aws", "--endpoint-url", self.endpoint, "--output", "json", *args], env=self.env,
                           capture_output=True, text=True,
                           timeout=60)
        if not check:
            return p
        self.assertEqual(p.returncode, 0, f"aws {' '.join(args)}: {p.stderr}")
        return json.loads(p.stdout) if p.stdout.strip() else None

    def queue_url(self):
        return self.aws("sqs", "get-queue-url", "--queue-name", QUEUE)["QueueUrl"]

    def receive(self, *extra):
        out = self.aws("sqs", "receive-message", "--queue-url", self.queue_url(), "--attribute-names", "All",
                       "--max-number-of-messages", "10", *extra)
        return (out or {}).get("Messages", [])

    def test_1_queue_lifecycle_and_errors(self):
        url = self.aws("sqs", "create-queue", "--queue-name", QUEUE,
                       "--attributes", "VisibilityTimeout=30,MessageRetentionPeriod=3600")["QueueUrl"]
        self.assertEqual(url, f"{self.endpoint}/000000000000/{QUEUE}")
        # Same attributes again: the same queue; different ones: QueueAlreadyExists.
        self.assertEqual(self.aws("sqs", "create-queue", "--queue-name", QUEUE,
                                  "--attributes", "VisibilityTimeout=30")["QueueUrl"], url)
        p = self.aws("sqs", "create-queue", "--queue-name", QUEUE, "--attributes", "VisibilityTimeout=31",
                     check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("QueueAlreadyExists", p.stderr)
        p = self.aws("sqs", "get-queue-url", "--queue-name", "no-such-queue", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("AWS.SimpleQueueService.NonExistentQueue", p.stderr)
        attrs = self.aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "30")
        self.assertEqual(attrs["MessageRetentionPeriod"], "3600")
        self.assertEqual(attrs["QueueArn"], f"arn:aws:sqs:{self.creds['region']}:000000000000:{QUEUE}")
        tmp = self.aws("sqs", "create-queue", "--queue-name", "it-tmp")["QueueUrl"]
        self.assertIn(tmp, self.aws("sqs", "list-queues")["QueueUrls"])
        self.aws("sqs", "delete-queue", "--queue-url", tmp)
        self.assertNotIn(tmp, (self.aws("sqs", "list-queues") or {}).get("QueueUrls", []))

    def test_2_visibility_timeout_redelivers(self):
        url = self.queue_url()
        sent = self.aws("sqs", "send-message", "--queue-url", url, "--message-body", "redeliver-me")
        before_first = time.time()
        first = self.receive("--visibility-timeout", "1")
        self.assertEqual([m["Body"] for m in first], ["redeliver-me"])
        self.assertEqual(first[0]["MessageId"], sent["MessageId"])
        self.assertEqual(first[0]["Attributes"]["ApproximateReceiveCount"], "1")
        # Not deleted: it comes back once the 1 s has passed (each CLI call itself takes ~1 s here).
        second = wait_for(self.receive, timeout=20, what="redelivery")
        self.assertGreaterEqual(time.time() - before_first, 1.0)
        self.assertEqual(len(second), 1)
        self.assertEqual(second[0]["MessageId"], sent["MessageId"])
        self.assertNotEqual(second[0]["ReceiptHandle"], first[0]["ReceiptHandle"])
        self.assertEqual(second[0]["Attributes"]["ApproximateReceiveCount"], "2")
        # Received with the queue's 30 s: in flight, not receivable.
        self.assertEqual(self.receive(), [])
        attrs = self.aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names",
                         "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")["Attributes"]
        self.assertEqual(attrs, {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "1"})
        # Released at once by a visibility change to 0.
        self.aws("sqs", "change-message-visibility", "--queue-url", url, "--receipt-handle",
                 second[0]["ReceiptHandle"], "--visibility-timeout", "0")
        third = self.receive()
        self.assertEqual([m["Attributes"]["ApproximateReceiveCount"] for m in third], ["3"])
        self.aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle", third[0]["ReceiptHandle"])
        attrs = self.aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names",
                         "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")["Attributes"]
        self.assertEqual(attrs, {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"})
        p = self.aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle", "bogus", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ReceiptHandleIsInvalid", p.stderr)

    def test_3_long_poll_returns_when_a_message_arrives(self):
        url = self.queue_url()
        start = time.time()
        poller = subprocess.Popen(["aws", "--endpoint-url", self.endpoint, "--output", "json", "sqs",
                                   "receive-message", "--queue-url", url,
                                   "--wait-time-seconds", "15"],
                                  env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(2.0)  # the CLI has started and is waiting in ReceiveMessage
            self.assertIsNone(poller.poll(), "receive-message returned before any message was sent")
            self.aws("sqs", "send-message", "--queue-url", url, "--message-body", "wake-up")
            out, err = poller.communicate(timeout=30)
        finally:
            if poller.poll() is None:
                poller.kill()
                poller.wait()
        elapsed = time.time() - start
        self.assertEqual(poller.returncode, 0, err)
        msgs = json.loads(out)["Messages"]
        self.assertEqual(msgs[0]["Body"], "wake-up")
        self.assertLess(elapsed, 12, "the long poll waited for its timeout instead of the message")
        self.aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle", msgs[0]["ReceiptHandle"])

    def test_4_dynamodb_with_the_cli(self):
        desc = self.aws("dynamodb", "create-table", "--table-name", TABLE,
                        "--attribute-definitions", "AttributeName=instanceId,AttributeType=S",
                        "--key-schema", "AttributeName=instanceId,KeyType=HASH",
                        "--billing-mode", "PAY_PER_REQUEST")["TableDescription"]
        self.assertEqual(desc["TableName"], TABLE)
        self.aws("dynamodb", "wait", "table-exists", "--table-name", TABLE)
        p = self.aws("dynamodb", "create-table", "--table-name", TABLE,
                     "--attribute-definitions", "AttributeName=instanceId,AttributeType=S",
                     "--key-schema", "AttributeName=instanceId,KeyType=HASH",
                     "--billing-mode", "PAY_PER_REQUEST", check=False)
        self.assertIn("ResourceInUseException", p.stderr)
        item = {"instanceId": {"S": "i-cli"}, "hostname": {"S": "cli-host"}, "slots": {"N": "4"}}
        self.aws("dynamodb", "put-item", "--table-name", TABLE, "--item", json.dumps(item))
        got = self.aws("dynamodb", "get-item", "--table-name", TABLE, "--consistent-read",
                       "--key", json.dumps({"instanceId": {"S": "i-cli"}}))
        self.assertEqual(got["Item"], item)
        q = self.aws("dynamodb", "query", "--table-name", TABLE, "--key-condition-expression", "instanceId = :v",
                     "--expression-attribute-values", json.dumps({":v": {"S": "i-cli"}}))
        self.assertEqual(q["Count"], 1)
        self.assertEqual(q["Items"], [item])
        b = self.aws("dynamodb", "batch-get-item", "--request-items", json.dumps(
            {TABLE: {"Keys": [{"instanceId": {"S": "i-cli"}}, {"instanceId": {"S": "i-missing"}}]}}))
        self.assertEqual(b["Responses"][TABLE], [item])
        p = self.aws("dynamodb", "get-item", "--table-name", "no-such-table",
                     "--key", json.dumps({"instanceId": {"S": "i-cli"}}), check=False)
        self.assertIn("ResourceNotFoundException", p.stderr)

    def test_5_ebbflow_clients_share_state_with_the_cli(self):
        url = self.queue_url()
        self.aws("sqs", "send-message", "--queue-url", url, "--message-body", "from-cli")
        env = dict(os.environ, EBBFLOW_LIVE_ENDPOINT=self.endpoint, EBBFLOW_LIVE_REGION=self.creds["region"],
                   EBBFLOW_LIVE_KEY=self.creds["access_key_id"], EBBFLOW_LIVE_SECRET=self.creds["secret_access_key"],
                   EBBFLOW_LIVE_QUEUE=QUEUE, EBBFLOW_LIVE_TABLE=TABLE)
        p = subprocess.run([AWS_TESTS, "--gtest_filter=SqsDynamoLive.*"], env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("[  PASSED  ] 1 test", p.stdout)
        self.assertNotIn("SKIPPED", p.stdout)
        # What ebbflow wrote, the CLI reads.
        msgs = self.receive()
        self.assertEqual([m["Body"] for m in msgs], ["from-ebbflow"])
        self.aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle", msgs[0]["ReceiptHandle"])
        got = self.aws("dynamodb", "get-item", "--table-name", TABLE, "--consistent-read",
                       "--key", json.dumps({"instanceId": {"S": "i-ebbflow"}}))
        self.assertEqual(got["Item"], {"instanceId": {"S": "i-ebbflow"}, "hostname": {"S": "ebbflow-host"}})

    def test_6_restart_loses_nothing(self):
        url = self.queue_url()
        self.aws("sqs", "send-message", "--queue-url", url, "--message-body", "in-flight")
        in_flight = self.receive("--visibility-timeout", "15")
        self.assertEqual([m["Body"] for m in in_flight], ["in-flight"])
        self.aws("sqs", "send-message", "--queue-url", url, "--message-body", "waiting")
        type(self).stop_server()
        type(self).start_server()
        url = self.queue_url()
        self.assertEqual([m["Body"] for m in self.receive()], ["waiting"])  # the other is still in flight
        again = wait_for(self.receive, timeout=40, what="the in-flight message after the restart")
        self.assertEqual([m["Body"] for m in again], ["in-flight"])
        self.assertEqual(again[0]["Attributes"]["ApproximateReceiveCount"], "2")
        got = self.aws("dynamodb", "get-item", "--table-name", TABLE,
                       "--key", json.dumps({"instanceId": {"S": "i-ebbflow"}}))
        self.assertEqual(got["Item"]["hostname"], {"S": "ebbflow-host"})
        self.aws("sqs", "purge-queue", "--queue-url", url)

if __name__ == "__main__":
    unittest.main(verbosity=2)
