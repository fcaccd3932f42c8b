#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Prints the last lines of every failed test's output from meson's testlog.json, so a
CI log that only keeps the summary still says which check failed and why."""
import json
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: failed-tests.py BUILDDIR/meson-logs/testlog.json")
    try:
        with open(sys.argv[1]) as f:
            records = [json.loads(line) for line in f if line.strip()]
    except OSError as e:
        sys.exit(f"failed-tests.py: {e}")
    for r in records:
        if r.get("result") in ("OK", "SKIP", "EXPECTEDFAIL"):
            continue
        out = (r.get("stdout") or "") + (r.get("stderr") or "")
        lines = out.rstrip("\n").split("\n")[-40:]
        print(f"---- {r.get('name')}: {r.get('result')} (last {len(lines)} lines)")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
