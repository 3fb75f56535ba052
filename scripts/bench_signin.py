#!/usr/bin/env python3
"""The load of scripts/bench-signin.sh (standard library only).

    bench_signin.py BASE ACCOUNTS SERVER_PID GUESSES CLIENTS

Every request names its client in X-Forwarded-For (the server trusts 127.0.0.1 as its proxy).
The owner's usual address is 198.51.100.7; the guesses come from 10.0.0.0/8, one address each.
"""

import collections
import json
import math
import sys
import threading
import time
import urllib.error
import urllib.request

from bench_http import wait

USUAL = "198.51.100.7"
NEW_PLACE = "192.0.2.200"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("no VmRSS for the server")


def sign_in(base, username, password, addr):
    body = json.dumps({"username": username, "password": password}).encode()
    req = urllib.request.Request(
        base + "/api/v1/session",
        method="POST",
        data=body,
        headers={"content-type": "application/json", "x-forwarded-for": addr},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, res.headers
    except urllib.error.HTTPError as e:
        return e.code, e.headers


def main():
    base, accounts_file, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
    guesses, clients = int(sys.argv[4]), int(sys.argv[5])
    wait(base)
    accounts = json.load(open(accounts_file))
    owner = next(a for a in accounts if a["role"] == "privacy-officer")
    user, password = owner["username"], owner["password"]

    status, _ = sign_in(base, user, password, USUAL)
    if status != 201:
        raise SystemExit(f"the owner's first sign-in answered {status}")
    rss_before = rss_kib(pid)

    def guess_round(first):
        """GUESSES wrong passwords from CLIENTS threads; answers by status, and the seconds taken."""
        counts = collections.Counter()
        lock = threading.Lock()
        numbers = iter(range(first, first + guesses))

        def client():
            while True:
                with lock:
                    n = next(numbers, None)
                if n is None:
                    return
                addr = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
                status, _ = sign_in(base, user, f"wrong-{n}", addr)
                with lock:
                    counts[status] += 1

        t0 = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return counts, time.monotonic() - t0

    counts, guess_seconds = guess_round(0)
    # At once, while the stranger's failures are fresh.
    usual, _ = sign_in(base, user, password, USUAL)
    new_place, headers = sign_in(base, user, password, NEW_PLACE)
    retry = headers.get("Retry-After", "-")
    rss_guesses = rss_kib(pid)

    oversize = collections.Counter()
    big = "u" * 1_000_000
    for n in range(200):
        status, _ = sign_in(base, big, "x", f"172.16.{n >> 8}.{n & 255}")
        oversize[status] += 1
    rss_oversize = rss_kib(pid)

    # Four more rounds from new addresses each: the tracker grows by their counters only, and
    # the server's memory should level off.
    later = []
    for r in range(1, 5):
        again, again_seconds = guess_round(r * guesses)
        later.append((again, again_seconds, rss_kib(pid)))
    usual_again, _ = sign_in(base, user, password, USUAL)

    checked, held = counts[401], counts[429]
    print(f"guesses: {guesses} wrong passwords for the privacy officer from {clients} parallel "
          f"clients, each from an address of its own, in {guess_seconds:.1f} s")
    print(f"  checked (401): {checked}   held back (429): {held}   "
          f"other: {sum(counts.values()) - checked - held} {dict(counts)}")
    print(f"owner, correct password, at once: from the usual address {usual}; "
          f"from a new address {new_place} (Retry-After: {retry})")
    print(f"oversize: 200 sign-ins with 1 MB usernames: {dict(oversize)}")
    for r, (again, seconds, _) in enumerate(later, 2):
        print(f"round {r}: {guesses} more from new addresses in {seconds:.1f} s: {dict(again)}")
    print(f"the owner from the usual address after round {len(later) + 1}: {usual_again}")
    print(f"server RSS (MiB): {rss_before / 1024:.1f} before, {rss_guesses / 1024:.1f} after "
          f"the guesses, {rss_oversize / 1024:.1f} after the oversized usernames, then after "
          f"each later round: " + ", ".join(f"{rss / 1024:.1f}" for _, _, rss in later))
    # Five free failures, then one attempt per doubling delay (1 s, 2 s, 4 s, ...) at most.
    allowed = 5 + math.ceil(math.log2(guess_seconds + 1)) + 1
    print(f"at most {allowed} checks allowed in {guess_seconds:.1f} s by the default throttle")
    failed = (
        usual != 201
        or usual_again != 201
        or checked > allowed
        or oversize[422] != 200
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
