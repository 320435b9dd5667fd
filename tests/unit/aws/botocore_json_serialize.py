#!/usr/bin/env python3
"""Serialises SQS / DynamoDB calls with botocore's own JSON serializer (the installed service
models) and prints [{target, content_type, body}] as JSON, one entry per case of the input file
[{service, operation, params}] (params in botocore's names). Exit code 77 without botocore.
"""
import json
import sys

try:
    import botocore.session
    from botocore.serialize import create_serializer
except ImportError as e:  # pragma: no cover
    print(f"botocore not available: {e}", file=sys.stderr)
    sys.exit(77)


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    session = botocore.session.get_session()
    out = []
    for case in cases:
        model = session.get_service_model(case["service"])
        operation = model.operation_model(case["operation"])
        serializer = create_serializer(model.metadata["protocol"], include_validation=True)
        req = serializer.serialize_to_request(case["params"], operation)
        out.append({"target": req["headers"]["X-Amz-Target"],
                    "content_type": req["headers"]["Content-Type"],
                    "body": json.loads(req["body"] or b"{}")})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
