#!/usr/bin/env python3
"""Signs N random requests with botocore's SigV4Auth at a fixed date and prints them as JSON.

Usage: botocore_sign.py N SEED. Exit code 77 when botocore is not importable.
The C++ test (sigv4_botocore_test.cpp) signs the same requests and compares Authorization.
"""
import datetime
import json
import random
import sys
from urllib.parse import quote

try:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:  # pragma: no cover
    print(f"botocore not available: {e}", file=sys.stderr)
    sys.exit(77)

FIXED = datetime.datetime(2024, 2, 29, 23, 59, 58)
AMZ_DATE = FIXED.strftime("%Y%m%dT%H%M%SZ")
botocore.auth.get_current_datetime = lambda *a, **k: FIXED

SERVICES = ["ec2", "sqs", "dynamodb", "autoscaling", "sts", "monitoring", "execute-api"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"]
SEGMENT_CHARS = "abcXYZ019-_.~ %+=&:@!$'()*,;é中"
VALUE_CHARS = "abcXYZ019-_.~ /%+=&?#:é"


def rand_text(rng, chars, lo, hi):
    return "".join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))


def aws_quote(s):
    return quote(s, safe="-_.~")


def random_request(rng):
    segments = [rand_text(rng, SEGMENT_CHARS, 0, 6) for _ in range(rng.randint(0, 4))]
    # The wire path: each segment percent-encoded once (what an SDK sends).
    path = "/" + "/".join(aws_quote(s) for s in segments)
    if rng.random() < 0.3:
        path += "/"
    pairs = []
    for _ in range(rng.randint(0, 4)):
        k = aws_quote(rand_text(rng, VALUE_CHARS, 1, 5))
        if rng.random() < 0.15:
            pairs.append(k)  # a key with no '='
        else:
            pairs.append(k + "=" + aws_quote(rand_text(rng, VALUE_CHARS, 0, 8)))
    query = "&".join(pairs)
    service, region = rng.choice(SERVICES), rng.choice(REGIONS)
    host = f"{service}.{region}.amazonaws.com"
    headers = [("Host", host)]
    for i in range(rng.randint(0, 4)):
        name = rng.choice(["X-Custom-", "x-amz-meta-", "Content-Type", "X-Amz-Target", "Accept", "User-Agent"])
        if name.endswith("-"):
            name += str(i)
        if any(n.lower() == name.lower() for n, _ in headers):
            continue
        value = rng.choice(["", " ", "  "]) + rand_text(rng, "abc XYZ 123\t;=/", 1, 12) + rng.choice(["", " "])
        headers.append((name, value))
    body = rand_text(rng, "Action=Run&Key.1=x y+%é", 0, 60) if rng.random() < 0.7 else ""
    method = rng.choice(["GET", "POST", "PUT", "DELETE"])
    token = "FQoGZXIvYXdzE" + rand_text(rng, "abcdef0123456789/+=", 20, 40) if rng.random() < 0.5 else None
    return dict(method=method, path=path, query=query, headers=headers, body=body, service=service,
                region=region, access_key="AKIA" + rand_text(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 16),
                secret=rand_text(rng, "abcdefABCDEF0123456789/+", 40, 40), token=token)


def main():
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        r = random_request(rng)
        url = f"https://{r['headers'][0][1]}{r['path']}" + (f"?{r['query']}" if r["query"] else "")
        req = AWSRequest(method=r["method"], url=url, data=r["body"].encode("utf-8"))
        for name, value in r["headers"]:
            req.headers[name] = value
        creds = Credentials(r["access_key"], r["secret"], r["token"])
        botocore.auth.SigV4Auth(creds, r["service"], r["region"]).add_auth(req)
        r["amz_date"] = AMZ_DATE
        r["authorization"] = req.headers["Authorization"]
        r["token"] = r["token"] or ""
        out.append(r)
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
