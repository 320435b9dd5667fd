#!/usr/bin/env python3
"""Parses an EC2 Query reply with botocore's own EC2 response parser and prints the result as
JSON (ResponseMetadata dropped). Usage: botocore_parse_reply.py OPERATION FILE [HTTP_STATUS].
Exit code 77 when botocore is missing.
"""
import json
import sys

try:
    import botocore.parsers
    import botocore.session
except ImportError as e:  # pragma: no cover
    print(f"botocore not available: {e}", file=sys.stderr)
    sys.exit(77)


def main():
    op, path = sys.argv[1], sys.argv[2]
    status = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    model = botocore.session.get_session().get_service_model("ec2", api_version="2016-11-15")
    body = open(path, "rb").read()
    parsed = botocore.parsers.create_parser("ec2").parse(
        {"body": body, "headers": {}, "status_code": status}, model.operation_model(op).output_shape)
    parsed.pop("ResponseMetadata", None)
    json.dump(parsed, sys.stdout, default=str, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
