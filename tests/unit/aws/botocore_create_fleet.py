#!/usr/bin/env python3
"""CreateFleet through botocore, end to end on the request side: for each case of
tests/data/aws/create_fleet_cases.json (written in ebbflow's CreateFleetRequest fields), the
botocore EC2 serializer builds the parameters, botocore's AWSRequest encodes the body, and
SigV4Auth signs it at a fixed time with fixed credentials. Prints [{name, body, authorization}].

The C++ test (ec2_create_fleet_test.cpp) sends the same cases through Ec2Client with the same
clock and credentials and compares the body bytes and the Authorization header.
Exit code 77 when botocore is missing.
"""
import datetime
import json
import sys

try:
    import botocore.auth
    import botocore.serialize
    import botocore.session
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:  # pragma: no cover
    print(f"botocore not available: {e}", file=sys.stderr)
    sys.exit(77)

FIXED = datetime.datetime(2024, 3, 1, 10, 15, 30)  # Unix 1709288130, the C++ test's clock
botocore.auth.get_current_datetime = lambda *a, **k: FIXED
ENDPOINT = "http://127.0.0.1:4566/"


def to_botocore(a):
    """ebbflow's CreateFleetRequest -> boto3 parameters, in ParallelCluster's key order."""
    spec = {"LaunchTemplateName": a["launch_template_name"]}
    if a.get("launch_template_version", "$Latest"):
        spec["Version"] = a.get("launch_template_version", "$Latest")
    overrides = []
    for o in a.get("overrides", []):
        d = {}
        if o.get("max_price"):
            d["MaxPrice"] = o["max_price"]
        if o.get("instance_type"):
            d["InstanceType"] = o["instance_type"]
        if o.get("subnet_id"):
            d["SubnetId"] = o["subnet_id"]
        if "priority" in o:
            d["Priority"] = float(o["priority"])
        overrides.append(d)
    p = {"LaunchTemplateConfigs": [{"LaunchTemplateSpecification": spec, "Overrides": overrides}]}
    capacity_type = a.get("default_target_capacity_type", "on-demand")
    options = {}
    if a.get("allocation_strategy"):
        options["AllocationStrategy"] = a["allocation_strategy"]
    options["SingleInstanceType"] = a.get("single_instance_type", False)
    options["SingleAvailabilityZone"] = a.get("single_availability_zone", False)
    if "min_target_capacity" in a:
        options["MinTargetCapacity"] = a["min_target_capacity"]
    if capacity_type == "spot":
        p["SpotOptions"] = options
    else:
        if a.get("use_capacity_reservations_first", True):
            options["CapacityReservationOptions"] = {"UsageStrategy": "use-capacity-reservations-first"}
        p["OnDemandOptions"] = options
    p["TargetCapacitySpecification"] = {"TotalTargetCapacity": a["total_target_capacity"],
                                        "DefaultTargetCapacityType": capacity_type}
    p["Type"] = a.get("type", "instant")
    if a.get("client_token"):
        p["ClientToken"] = a["client_token"]
    if a.get("instance_tags"):
        # ebbflow's Tags is an ordered map: numbering follows sorted keys.
        p["TagSpecifications"] = [{"ResourceType": "instance",
                                   "Tags": [{"Key": k, "Value": v} for k, v in sorted(a["instance_tags"].items())]}]
    return p


def main():
    cases = json.load(open(sys.argv[1], encoding="utf-8"))
    model = botocore.session.get_session().get_service_model("ec2", api_version="2016-11-15")
    serializer = botocore.serialize.create_serializer("ec2")
    out = []
    for case in cases:
        params = serializer.serialize_to_request(to_botocore(case["args"]), model.operation_model("CreateFleet"))
        req = AWSRequest(method="POST", url=ENDPOINT, data=params["body"],
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        prepared_body = req.prepare().body  # botocore's own form encoding of the dict
        req = AWSRequest(method="POST", url=ENDPOINT, data=prepared_body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        botocore.auth.SigV4Auth(Credentials("AKID", "secret"), "ec2", "us-east-1").add_auth(req)
        body = prepared_body.decode("utf-8") if isinstance(prepared_body, bytes) else prepared_body
        out.append({"name": case["name"], "body": body, "authorization": req.headers["Authorization"],
                    "params": {k: str(v) for k, v in params["body"].items()}})
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
