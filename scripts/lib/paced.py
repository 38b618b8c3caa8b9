"""Paced HTTP load for scripts/soak: commands and reads at fixed rates.

Each request is due at a fixed time (start + n / rate) and is timed from
then, not from when it was sent, so a server that falls behind shows in the
latencies instead of slowing the load down. Requests run on a pool of
threads, each with its own keep-alive connection. Every minute it prints the
minute's count, p50 and p99 of each kind, modpod's resident memory (VmRSS of
--pid) and the policy load generator's line for that minute; at the end, the
verdicts. Standard library only.
"""

import argparse
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

local = threading.local()


def connection(base):
    conn = getattr(local, "conn", None)
    if conn is None:
        url = urllib.parse.urlparse(base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        local.conn = conn
    return conn


def request(base, method, path, headers, body=None):
    for attempt in (1, 2):
        conn = connection(base)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, data
        except (http.client.HTTPException, OSError):
            conn.close()
            local.conn = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


class Stream:
    """One kind of request at a fixed rate, with the latencies of the minute."""

    def __init__(self, name, rate, make):
        self.name, self.rate, self.make = name, rate, make
        self.lock = threading.Lock()
        self.latencies, self.failures, self.failed_examples = [], 0, []

    def record(self, ms, ok, what):
        with self.lock:
            self.latencies.append(ms)
            if not ok:
                self.failures += 1
                if len(self.failed_examples) < 3:
                    self.failed_examples.append(what)

    def take(self):
        with self.lock:
            taken = (self.latencies, self.failures, self.failed_examples)
            self.latencies, self.failures, self.failed_examples = [], 0, []
            return taken


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--commands", type=float, default=50)
    parser.add_argument("--reads", type=float, default=200)
    parser.add_argument("--policy-out")
    args = parser.parse_args()
    base = args.base
    chair = {
        "Authorization": "Bearer " + os.environ["CHAIR_TOKEN"],
        "Content-Type": "application/json",
    }
    reporter = {
        "Authorization": "Bearer " + os.environ["REPORTER_TOKEN"],
        "Content-Type": "application/json",
    }
    session = {"Cookie": os.environ["COOKIE"]}
    rng = random.Random(16)

    def command(n):
        subject = f"p{rng.randrange(2000, 300000)}"
        if n % 2 == 0:
            body = {
                "as": "administrator",
                "command": {
                    "command": "take_action",
                    "subject": {"person": subject},
                    "measure": {"type": "private_admonishment"},
                    "fora": ["wg0@ietf.org"],
                    "reason": "tone in the charter thread",
                },
            }
            headers = chair
        else:
            body = {
                "as": "participant",
                "command": {
                    "command": "file_report",
                    "forum": "wg0@ietf.org",
                    "subject": {"person": subject},
                    "category": "uncivil",
                    "description": "Personal remarks in the charter thread.",
                },
            }
            headers = reporter
        return "POST", "/v1/commands", headers, json.dumps(body), (201,)

    # A case and a person to show: the report the first action resolved, and
    # the action's subject. (Not an open report: at this size the case page
    # of an open one takes seconds, see docs/performance.md, and 200 reads/s
    # cannot include it.)
    status, data = request(base, "GET", "/v1/actions?limit=1", chair)
    first = json.loads(data)["items"][0] if status == 200 else {}
    case = (first.get("reports") or [1])[0]
    person = first.get("subject", "p17")
    reads = [
        "/",
        "/queue",
        f"/cases/{case}",
        f"/people/{person}",
        "/transparency",
        "/statistics",
        "/roster",
        "/procedures",
        "/announcements",
        "/texts",
        "/v1/reports?limit=20",
        "/v1/actions?limit=20",
        "/v1/moderators",
        f"/v1/reports/{case}",
    ]

    def read(n):
        return "GET", reads[n % len(reads)], session, None, (200,)

    streams = [
        Stream("commands", args.commands, command),
        Stream("reads", args.reads, read),
    ]
    pool = ThreadPoolExecutor(max_workers=48)
    start = time.monotonic()
    end = start + args.seconds

    def fire(stream, n, due):
        method, path, headers, body, expected = stream.make(n)
        try:
            status, _ = request(base, method, path, headers, body)
            ok = status in expected
            what = f"{method} {path}: {status}"
        except OSError as error:
            ok, what = False, f"{method} {path}: {error}"
        stream.record((time.monotonic() - due) * 1000, ok, what)

    def pace(stream):
        n = 0
        while True:
            due = start + n / stream.rate
            if due >= end:
                return
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(fire, stream, n, due)
            n += 1

    pacers = [threading.Thread(target=pace, args=(s,), daemon=True) for s in streams]
    for p in pacers:
        p.start()

    rows, minute = [], 0
    header = (
        f"{'minute':>6} {'RSS MiB':>8} "
        + " ".join(f"{s.name + ' n':>12} {'p50 ms':>8} {'p99 ms':>8}" for s in streams)
        + "   policy (per minute: throughput, p99 from the write, p99 from the schedule)"
    )
    print(header, flush=True)
    while time.monotonic() < end:
        minute += 1
        time.sleep(max(0.0, min(start + 60 * minute, end) - time.monotonic()))
        if minute * 60 > args.seconds:
            # The last, partial minute: let the requests due in it finish.
            pool.shutdown(wait=True)
        rss = rss_kib(args.pid) / 1024
        figures = []
        for s in streams:
            lat, failed, examples = s.take()
            figures.append((len(lat), percentile(lat, 0.5), percentile(lat, 0.99), failed, examples))
        policy = ""
        if args.policy_out:
            time.sleep(0.5)
            try:
                with open(args.policy_out) as out:
                    for line in out:
                        if line.startswith(f"policy minute {minute}: "):
                            m = re.search(r"throughput=(\S+).*p99=(\S+) p999.*sched_p99=(\S+)", line)
                            if m:
                                policy = f"{m.group(1)} {m.group(2)} {m.group(3)}"
            except OSError:
                pass
        rows.append((minute, rss, figures, policy))
        print(
            f"{minute:>6} {rss:>8.1f} "
            + " ".join(f"{n:>12} {p50:>8.1f} {p99:>8.1f}" for n, p50, p99, _, _ in figures)
            + f"   {policy}",
            flush=True,
        )
        for s, (_, _, _, failed, examples) in zip(streams, figures):
            if failed:
                print(f"       {s.name}: {failed} failed, e.g. {examples}", flush=True)
    pool.shutdown(wait=True)
    for p in pacers:
        p.join()

    if len(rows) < 2:
        print("too short for verdicts: give SOAK_SECONDS of at least 120")
        return 0
    first_rss, last_rss = rows[0][1], rows[-1][1]
    growth = (last_rss - first_rss) / first_rss * 100
    print(
        f"resident memory: {first_rss:.1f} MiB after the first minute, {last_rss:.1f} MiB at the end "
        f"({growth:+.1f}%): {'within' if abs(growth) <= 10 else 'NOT within'} 10%"
    )
    for i, s in enumerate(streams):
        p99s = [r[2][i][2] for r in rows]
        stable = max(p99s) <= 2 * p99s[0] + 1
        print(
            f"{s.name} p99 by minute: {', '.join(f'{p:.1f}' for p in p99s)} ms: "
            f"{'stable' if stable else 'NOT stable'} (no minute above twice the first + 1 ms)"
        )
    policy_p99s = []
    for r in rows:
        if r[3]:
            policy_p99s.append(float(r[3].split()[1].rstrip("ms")))
    if policy_p99s:
        stable = max(policy_p99s) <= 2 * policy_p99s[0] + 2
        print(
            f"policy p99 by minute: {', '.join(f'{p:.3f}' for p in policy_p99s)} ms: "
            f"{'stable' if stable else 'NOT stable'} (no minute above twice the first + 2 ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
