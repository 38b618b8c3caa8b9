#!/usr/bin/env python3
"""Runs the test executables a `cargo test --no-run --message-format=json`
build made (its messages on stdin), JOBS executables at a time (default 2),
as `cargo test` runs them one after the other: each from its package's
directory, with no arguments (ARGS, split on spaces, are passed instead when
set). Each executable's output is printed whole when it ends, headed as cargo
heads it, with how long it took; at the end, the executables that failed.
Exits 1 if any did.

Most of modpod's integration tests spend their time waiting for the real
things they talk to (PostgreSQL, Mailman, Postfix, Synapse, browsers), and
every name they make there is unique to a process and a test
(crates/testkit), so two executables at a time finish much sooner than one.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor


def executables(lines):
    seen = set()
    for line in lines:
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if message.get("reason") != "compiler-artifact":
            continue
        exe = message.get("executable")
        if not exe or not message.get("profile", {}).get("test") or exe in seen:
            continue
        seen.add(exe)
        yield {
            "exe": exe,
            "src": message["target"]["src_path"],
            "dir": os.path.dirname(message["manifest_path"]),
        }


def run(test, args):
    start = time.monotonic()
    with tempfile.TemporaryFile() as out:
        code = subprocess.call([test["exe"], *args], cwd=test["dir"], stdout=out,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    return test, code, output, time.monotonic() - start


def main():
    jobs = int(os.environ.get("JOBS", "2"))
    args = os.environ.get("ARGS", "").split()
    tests = list(executables(sys.stdin))
    root = os.getcwd()
    failed = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for test, code, output, took in pool.map(lambda t: run(t, args), tests):
            src = os.path.relpath(test["src"], root)
            print(f"     Running {src} ({test['exe']}), {took:.1f} s", flush=True)
            print(output, end="" if output.endswith("\n") else "\n", flush=True)
            if code != 0:
                failed.append(f"{src} (exit {code})")
    if failed:
        print("test executables that failed:\n  " + "\n  ".join(failed), flush=True)
        return 1
    print(f"{len(tests)} test executables passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
