#!/usr/bin/env python3
"""Calls DescribeInstances (all pages) through boto3 against a loopback endpoint and prints what
botocore parsed, as JSON; then repeats one call with a wrong secret and prints the error code.

Usage: boto3_describe.py PORT. Exit code 77 when boto3 is missing. Used by
ec2_boto3_roundtrip_test.cpp: the C++ server verifies botocore's signatures with ebbflow's
verify(), and botocore's parse of our XML fixtures must agree with ebbflow's parser.
"""
import json
import sys

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as e:  # pragma: no cover
    print(f"boto3 not available: {e}", file=sys.stderr)
    sys.exit(77)


def client(port, secret):
    return boto3.client("ec2", endpoint_url=f"http://127.0.0.1:{port}", region_name="eu-west-1",
                        aws_access_key_id="AKIDROUNDTRIP", aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def main():
    port = int(sys.argv[1])
    ec2 = client(port, "roundtrip/secret+key")
    instances = []
    pages = ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "tag:parallelcluster:cluster-name", "Values": ["demo"]}])
    for page in pages:
        for res in page["Reservations"]:
            for i in res["Instances"]:
                instances.append({
                    "id": i["InstanceId"], "type": i.get("InstanceType", ""), "state": i["State"]["Name"],
                    "ip": i.get("PrivateIpAddress", ""), "launch": int(i["LaunchTime"].timestamp()),
                    "tags": {t["Key"]: t["Value"] for t in i.get("Tags", [])},
                    "reason": i.get("StateReason", {}).get("Message", ""),
                    "nic_ips": [a["PrivateIpAddress"] for n in i.get("NetworkInterfaces", [])
                                for a in n.get("PrivateIpAddresses", [])]})
    try:
        client(port, "wrong").describe_instances()
        wrong = "accepted"
    except ClientError as e:
        wrong = e.response["Error"]["Code"]
    json.dump({"instances": instances, "wrong_secret": wrong}, sys.stdout)


if __name__ == "__main__":
    main()
