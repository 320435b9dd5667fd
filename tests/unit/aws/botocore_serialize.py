#!/usr/bin/env python3
"""Serialises the EC2 request cases of tests/data/aws/ec2_serialize_cases.json with botocore's
own EC2 serializer (the service model of API 2016-11-15) and prints [{name, params}] as JSON.

Each case is written in ebbflow terms (the fields of the C++ request structs); this script says
what each field means in botocore's parameter names. Exit code 77 when botocore is missing.
"""
import base64
import json
import sys

try:
    import botocore.serialize
    import botocore.session
except ImportError as e:  # pragma: no cover
    print(f"botocore not available: {e}", file=sys.stderr)
    sys.exit(77)


def tags(d):
    # ebbflow's Tags is an ordered map: numbering follows sorted keys.
    return [{"Key": k, "Value": v} for k, v in sorted(d.items())]


def filters(a):
    return [{"Name": f["name"], "Values": f["values"]} for f in a.get("filters", [])]


def to_botocore(op, a):
    if op == "run_instances":
        p = {"LaunchTemplate": {"LaunchTemplateName": a["launch_template_name"],
                                "Version": a.get("launch_template_version", "$Latest")},
             "MinCount": a["min_count"], "MaxCount": a["max_count"]}
        if a.get("instance_type"):
            p["InstanceType"] = a["instance_type"]
        if a.get("client_token"):
            p["ClientToken"] = a["client_token"]
        if a.get("instance_tags"):
            p["TagSpecifications"] = [{"ResourceType": "instance", "Tags": tags(a["instance_tags"])}]
        if a.get("subnet_id"):
            p["SubnetId"] = a["subnet_id"]
        return "RunInstances", p
    if op == "terminate_instances":
        return "TerminateInstances", {"InstanceIds": a["ids"]}
    if op in ("describe_instances", "describe_instance_status"):
        p = {}
        if filters(a):
            p["Filters"] = filters(a)
        if a.get("ids"):
            p["InstanceIds"] = a["ids"]
        else:
            p["MaxResults"] = 1000  # EC2 refuses MaxResults together with InstanceIds
        if op == "describe_instance_status":
            if a.get("include_all_instances"):
                p["IncludeAllInstances"] = True
            return "DescribeInstanceStatus", p
        return "DescribeInstances", p
    if op == "create_tags":
        return "CreateTags", {"Resources": a["ids"], "Tags": tags(a["tags"])}
    if op == "create_launch_template":
        data = {}
        if a.get("instance_type"):
            data["InstanceType"] = a["instance_type"]
        if a.get("user_data"):
            data["UserData"] = base64.b64encode(a["user_data"].encode("utf-8")).decode("ascii")
        if a.get("instance_tags"):
            data["TagSpecifications"] = [{"ResourceType": "instance", "Tags": tags(a["instance_tags"])}]
        return "CreateLaunchTemplate", {"LaunchTemplateName": a["name"], "LaunchTemplateData": data}
    if op == "delete_launch_template":
        return "DeleteLaunchTemplate", {"LaunchTemplateName": a["name"]}
    raise ValueError(op)


def main():
    cases = json.load(open(sys.argv[1], encoding="utf-8"))
    model = botocore.session.get_session().get_service_model("ec2", api_version="2016-11-15")
    serializer = botocore.serialize.create_serializer("ec2")
    out = []
    for case in cases:
        op_name, params = to_botocore(case["op"], case["args"])
        req = serializer.serialize_to_request(params, model.operation_model(op_name))
        out.append({"name": case["name"], "params": {k: str(v) for k, v in req["body"].items()}})
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
