#!/usr/bin/env python3
"""Refresh models/ from an installed botocore: the AWS service models fargo's
protocol layer is driven by. Documentation strings are dropped (they are most
of the bytes and the server never reads them); everything else is kept as is.

usage: tools/vendor_models.py [BOTOCORE_DATA_DIR]
"""
import gzip, json, os, sys

MODELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")
# The one list of models, shared with cmake/EmbedModels.cmake.
with open(os.path.join(MODELS_DIR, "models.txt")) as _f:
    SERVICES = [l.strip() for l in _f if l.strip() and not l.startswith("#")]
DROP = {"documentation", "documentationUrl", "examples", "deprecatedMessage"}


def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def main():
    if len(sys.argv) > 1:
        data = sys.argv[1]
    else:
        import botocore
        data = os.path.join(os.path.dirname(botocore.__file__), "data")
    out = MODELS_DIR
    os.makedirs(out, exist_ok=True)
    for svc in SERVICES:
        versions = sorted(os.listdir(os.path.join(data, svc)))
        ver = versions[-1]
        base = os.path.join(data, svc, ver, "service-2.json")
        opener = gzip.open if os.path.exists(base + ".gz") else open
        with opener(base + ".gz" if opener is gzip.open else base, "rt") as f:
            model = strip(json.load(f))
        text = json.dumps(model, separators=(",", ":")).encode()
        with gzip.GzipFile(os.path.join(out, svc + ".json.gz"), "wb", mtime=0) as g:
            g.write(text)
        print(f"{svc} {ver} {len(text)} bytes")


if __name__ == "__main__":
    main()
