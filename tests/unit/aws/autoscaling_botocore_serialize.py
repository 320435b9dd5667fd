#!/usr/bin/env python3
"""Serialises Auto Scaling request cases (JSON file argv[1]: [{name, op, args}]) with botocore's
own query serializer and the autoscaling 2011-01-01 service model; prints [{name, params}].

Each case is written in ebbflow terms (the fields of the C++ request structs of
src/aws/autoscaling.h); to_botocore says what each field means in botocore's parameters.
Exit code 77 when botocore is missing.
"""
import json
import sys

try:
    import botocore.serialize
    import botocore.session
except ImportError as e:  # pragma: no cover
    print(f"botocore not available: {e}", file=sys.stderr)
    sys.exit(77)


def to_botocore(op, a):
    if op == "create_group":
        p = {"AutoScalingGroupName": a["name"],
             "LaunchTemplate": {"LaunchTemplateName": a["launch_template_name"], "Version": "$Latest"},
             "MinSize": a["min_size"], "MaxSize": a["max_size"]}
        if "desired_capacity" in a:
            p["DesiredCapacity"] = a["desired_capacity"]
        if a.get("tags"):
            # ebbflow's tag map is ordered by key; every tag propagates at launch.
            p["Tags"] = [{"Key": k, "Value": v, "PropagateAtLaunch": True} for k, v in sorted(a["tags"].items())]
        return "CreateAutoScalingGroup", p
    if op == "delete_group":
        return "DeleteAutoScalingGroup", {"AutoScalingGroupName": a["name"], "ForceDelete": a["force_delete"]}
    if op == "describe_groups":
        p = {}
        if a.get("names"):
            p["AutoScalingGroupNames"] = a["names"]
        p["MaxRecords"] = 100
        return "DescribeAutoScalingGroups", p
    if op == "set_desired_capacity":
        return "SetDesiredCapacity", {"AutoScalingGroupName": a["name"], "DesiredCapacity": a["desired"],
                                      "HonorCooldown": a.get("honor_cooldown", False)}
    if op == "update_group":
        p = {"AutoScalingGroupName": a["name"]}
        for ours, theirs in (("min_size", "MinSize"), ("max_size", "MaxSize"), ("desired_capacity", "DesiredCapacity")):
            if ours in a:
                p[theirs] = a[ours]
        return "UpdateAutoScalingGroup", p
    if op == "terminate_instance_in_group":
        return "TerminateInstanceInAutoScalingGroup", {"InstanceId": a["instance_id"],
                                                       "ShouldDecrementDesiredCapacity": a["decrement"]}
    if op == "put_notification_configuration":
        return "PutNotificationConfiguration", {"AutoScalingGroupName": a["group"], "TopicARN": a["topic_arn"],
                                                "NotificationTypes": a["types"]}
    raise ValueError(op)


def main():
    cases = json.load(open(sys.argv[1], encoding="utf-8"))
    model = botocore.session.get_session().get_service_model("autoscaling", api_version="2011-01-01")
    serializer = botocore.serialize.create_serializer("query")
    out = []
    for case in cases:
        op_name, params = to_botocore(case["op"], case["args"])
        req = serializer.serialize_to_request(params, model.operation_model(op_name))
        out.append({"name": case["name"], "params": {k: str(v) for k, v in req["body"].items()}})
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
