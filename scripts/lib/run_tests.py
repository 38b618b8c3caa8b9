#!/usr/bin/env python3
"""Runs the test executables of a `cargo test --no-run --message-format=json`
build (its messages on stdin) as `cargo test --no-fail-fast` runs them, each
from its package's directory with no arguments, but JOBS at a time (default
2) instead of one after the other.

Most of modpod's integration tests spend their time waiting for the real
things they talk to, and every name they make there (databases, lists, rooms,
users) is unique to a process and a test (crates/testkit), so two executables
at a time finish much sooner than one. The exception is the one Mailman that
scripts/test starts, with Postfix in front of it: it delivers slowly enough
under two executables' posts at once that a test waiting for a delivery can
time out (docs/performance.md, "Two test executables at a time"). So the
executables that use it, those whose source calls `Mailman::from_env`
(crates/testkit/src/mailman.rs), run one at a time among themselves, first,
while the others run beside them.

Each executable's output is printed whole when it ends, headed as cargo heads
it, with how long it took; at the end, those that failed. Exits 1 if any did.

With `--path-of NAME`, runs nothing and prints the path of the test target
NAME's executable instead (exits 1 when the build made none).
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time

# What marks an executable that uses the shared Mailman (and the Postfix
# relaying to it): a test reaches that Mailman only through this constructor.
MAILMAN = "Mailman::from_env"


def executables(lines):
    """The test executables the build made, in cargo's order, once each."""
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
        src = message["target"]["src_path"]
        with open(src, encoding="utf-8") as f:
            mailman = MAILMAN in f.read()
        yield {
            "name": message["target"]["name"],
            "exe": exe,
            "src": src,
            "dir": os.path.dirname(message["manifest_path"]),
            "mailman": mailman,
        }


class Queue:
    """The executables still to run: those using Mailman one at a time and
    before the others, the others whenever a worker is free."""

    def __init__(self, tests):
        self.mailman = [t for t in tests if t["mailman"]]
        self.others = [t for t in tests if not t["mailman"]]
        self.mailman_busy = False
        self.changed = threading.Condition()

    def take(self):
        with self.changed:
            while True:
                if self.mailman and not self.mailman_busy:
                    self.mailman_busy = True
                    return self.mailman.pop(0)
                if self.others:
                    return self.others.pop(0)
                if not self.mailman:
                    return None
                self.changed.wait()

    def done(self, test):
        if test["mailman"]:
            with self.changed:
                self.mailman_busy = False
                self.changed.notify_all()


def run(test):
    start = time.monotonic()
    env = dict(os.environ, CARGO_MANIFEST_DIR=test["dir"])
    with tempfile.TemporaryFile() as out:
        code = subprocess.call([test["exe"]], cwd=test["dir"], env=env, stdout=out,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    return code, output, time.monotonic() - start


def main():
    tests = list(executables(sys.stdin))
    if sys.argv[1:2] == ["--path-of"]:
        paths = [t["exe"] for t in tests if t["name"] == sys.argv[2]]
        print("\n".join(paths))
        return 0 if paths else 1
    jobs = max(1, int(os.environ.get("JOBS", "2")))
    queue = Queue(tests)
    root = os.getcwd()
    printing = threading.Lock()
    failed = []

    def worker():
        while (test := queue.take()) is not None:
            try:
                code, output, took = run(test)
            except OSError as error:
                code, output, took = -1, f"could not run it: {error}\n", 0.0
            finally:
                queue.done(test)
            src = os.path.relpath(test["src"], root)
            with printing:
                print(f"     Running {src} ({test['exe']}), {took:.1f} s", flush=True)
                print(output, end="" if output.endswith("\n") else "\n", flush=True)
                if code != 0:
                    failed.append(f"{src} (exit {code})")

    workers = [threading.Thread(target=worker) for _ in range(jobs)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failed:
        print("test executables that failed:\n  " + "\n  ".join(failed), flush=True)
        return 1
    using = sum(t["mailman"] for t in tests)
    print(f"{len(tests)} test executables passed ({using} of them using Mailman, "
          "one at a time)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
