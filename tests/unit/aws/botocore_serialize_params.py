#!/usr/bin/env python3
"""Serialises boto3-style parameter files with botocore's EC2 serializer and prints, for each
file, the form parameters as a JSON object (values as strings).
Usage: botocore_serialize_params.py OPERATION FILE... Exit code 77 when botocore is missing.
"""
import json
import sys

try:
    import botocore.serialize
    import botocore.session
except ImportError as e:  # pragma: no cover
    print(f"botocore not available: {e}", file=sys.stderr)
    sys.exit(77)


def main():
    op = sys.argv[1]
    model = botocore.session.get_session().get_service_model("ec2", api_version="2016-11-15")
    serializer = botocore.serialize.create_serializer("ec2")
    out = []
    for path in sys.argv[2:]:
        params = json.load(open(path, encoding="utf-8"))
        req = serializer.serialize_to_request(params, model.operation_model(op))
        out.append({k: str(v) for k, v in req["body"].items()})
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
