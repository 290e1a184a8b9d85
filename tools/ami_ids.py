#!/usr/bin/env python3
"""Print AMI ids for an image of data/aws-public-parameters.json, one per
region fargo knows: "ami-0" and 16 hex digits of sha256(image name/region).
They are made once, when an image is added to the file, and frozen there (the
file, not this script, is what fargo and its AMI catalogue read).

usage: tools/ami_ids.py IMAGE_NAME
"""
import hashlib, json, sys

REGIONS = ["ap-south-1", "eu-north-1", "eu-west-3", "eu-west-2", "eu-west-1", "ap-northeast-3",
           "ap-northeast-2", "ap-northeast-1", "ca-central-1", "sa-east-1", "ap-southeast-1",
           "ap-southeast-2", "eu-central-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
           "af-south-1", "ap-east-1", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ca-west-1",
           "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1", "me-central-1", "me-south-1"]


def ids(name):
    return {r: "ami-0" + hashlib.sha256(f"{name}/{r}".encode()).hexdigest()[:16] for r in sorted(REGIONS)}


if __name__ == "__main__":
    print(json.dumps(ids(sys.argv[1]), indent=2))
