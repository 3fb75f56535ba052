#!/usr/bin/env python3
"""Helpers for scripts/bench-http.sh (standard library only).

    bench_http.py wait BASE                      wait until GET BASE/healthz answers (20 s)
    bench_http.py signin ACCOUNTS BASE           sign in as the first social worker; print the token
    bench_http.py pick ACCOUNTS BASE TOKEN DIR [median|smallest|largest]
                                                 choose the people the benchmark uses (see below)
    bench_http.py leaves BASE                    print the log's size from the latest checkpoint
    bench_http.py table DIR                      print the results table; exit 1 on any failure
    bench_http.py compare SQLITE_DIR PG_DIR      print PostgreSQL's figures beside SQLite's, per
                                                 scenario, with the ratio PostgreSQL / SQLite

`pick` reads every person on the social worker's caseload once, keeps those that answer 200,
and writes DIR/person (by default the one whose timeline is the median size in bytes, so the
read is a typical one, neither the shortest nor the longest history), DIR/person.json (its entry count and
response size) and DIR/write-urls.txt (one entries URL per readable person, for the write
scenario to spread its writes over).

`table` reads DIR/scenarios.tsv (name, load, expected status, oha JSON file, leaves before,
leaves after), one oha JSON result per scenario.
"""

import json
import statistics
import sys
import time
import urllib.error
import urllib.request


def wait(base):
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("the server did not answer /healthz within 20 s")


def social_worker(accounts_file):
    accounts = json.load(open(accounts_file))
    return next(a for a in accounts if a["role"] == "social-worker")


def signin(accounts_file, base):
    sw = social_worker(accounts_file)
    req = urllib.request.Request(
        base + "/api/v1/session",
        method="POST",
        data=json.dumps({"username": sw["username"], "password": sw["password"]}).encode(),
        headers={"content-type": "application/json"},
    )
    print(json.load(urllib.request.urlopen(req))["token"])


def pick(accounts_file, base, token, out, choice="median"):
    sw = social_worker(accounts_file)
    readable = []
    for person in sw["people"]:
        req = urllib.request.Request(
            f"{base}/api/v1/people/{person}/timeline",
            headers={"authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(req) as r:
                body = r.read()
        except urllib.error.HTTPError as e:
            print(f"  {person}: {e.code}, left out", file=sys.stderr)
            continue
        readable.append((len(body), len(json.loads(body)), person))
    if not readable:
        sys.exit(f"no person on {sw['username']}'s caseload has a readable timeline")
    readable.sort()
    which = {"smallest": 0, "median": (len(readable) - 1) // 2, "largest": len(readable) - 1}
    size, entries, person = readable[which[choice]]
    with open(f"{out}/person", "w") as f:
        f.write(person + "\n")
    with open(f"{out}/write-urls.txt", "w") as f:
        for _, _, p in readable:
            f.write(f"{base}/api/v1/people/{p}/entries\n")
    info = {
        "account": sw["username"],
        "caseload": len(sw["people"]),
        "readable": len(readable),
        "person": person,
        "entries": entries,
        "bytes": size,
        "bytes_min": readable[0][0],
        "bytes_max": readable[-1][0],
        "bytes_median": statistics.median(r[0] for r in readable),
    }
    with open(f"{out}/person.json", "w") as f:
        json.dump(info, f)
    print(
        f"signed in as {info['account']} (social worker, {info['caseload']} people on the caseload, "
        f"{info['readable']} readable)\n"
        f"timeline read ({choice}): person {person}, {entries} entries, {size} bytes of JSON "
        f"(caseload range {info['bytes_min']}-{info['bytes_max']} bytes)\n"
        f"writes spread over {len(readable)} people"
    )


def leaves(base):
    with urllib.request.urlopen(base + "/api/v1/ledger/checkpoint") as r:
        # C2SP checkpoint body: origin, tree size, root hash.
        print(int(r.read().decode().splitlines()[1]))


def ms(seconds):
    return f"{seconds * 1000:.2f}" if seconds is not None else "-"


def scenarios(out):
    rows = []
    with open(f"{out}/scenarios.tsv") as f:
        for line in f:
            if line.strip():
                name, load, expected, path, before, after = line.rstrip("\n").split("\t")
                rows.append((name, load, expected, json.load(open(path)), int(before), int(after)))
    return rows


def table(out):
    rows = scenarios(out)
    baseline = next((r[3]["summary"]["requestsPerSec"] for r in rows if r[0] == "healthz"), None)
    header = ["scenario", "load", "requests", "req/s", "p50 ms", "p99 ms", "p99.9 ms",
              "× baseline", "leaves/req", "statuses"]
    lines = []
    failures = []
    for name, load, expected, d, before, after in rows:
        s = d["summary"]
        p = d["latencyPercentiles"]
        statuses = d.get("statusCodeDistribution") or {}
        errors = d.get("errorDistribution") or {}
        n = sum(statuses.values())
        closed = "req/s" not in load
        ratio = f"{s['requestsPerSec'] / baseline:.3f}" if baseline and closed else "-"
        per = f"{(after - before) / n:.2f}" if n else "-"
        shown = " ".join(f"{k}:{v}" for k, v in sorted(statuses.items()))
        if errors:
            shown += " errors:" + ",".join(f"{k}:{v}" for k, v in errors.items())
        lines.append([name, load, str(n), f"{s['requestsPerSec']:.0f}", ms(p.get("p50")),
                      ms(p.get("p99")), ms(p.get("p99.9")), ratio, per, shown])
        bad = {k: v for k, v in statuses.items() if k != expected}
        if bad or errors or n == 0:
            failures.append(f"{name}: expected only {expected}, got {statuses or 'nothing'}"
                            + (f", errors {errors}" if errors else ""))
    widths = [max(len(r[i]) for r in [header] + lines) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i in (0, 1, 9) else c.rjust(w)
                              for i, (c, w) in enumerate(zip(r, widths)))
    print(fmt(header))
    for r in lines:
        print(fmt(r))
    if failures:
        print("\nFAILED: requests that did not succeed:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        sys.exit(1)
    print("\nall requests succeeded")


def compare(sqlite_out, pg_out):
    """One row per scenario run on both engines: req/s, p50 and p99, SQLite then PostgreSQL,
    and PostgreSQL / SQLite (above 1 for req/s is faster, above 1 for a latency is slower)."""
    pg = {r[0]: r for r in scenarios(pg_out)}
    header = ["scenario", "load", "req/s SQLite", "req/s PG", "× SQLite",
              "p50 ms SQLite", "p50 ms PG", "p99 ms SQLite", "p99 ms PG", "× SQLite"]
    lines = []
    for name, load, _, d, _, _ in scenarios(sqlite_out):
        if name not in pg:
            continue
        e = pg[name][3]
        rs, rp = d["summary"]["requestsPerSec"], e["summary"]["requestsPerSec"]
        ps, pp = d["latencyPercentiles"], e["latencyPercentiles"]
        ratio = lambda a, b: f"{b / a:.2f}" if a and b is not None else "-"
        lines.append([name, load, f"{rs:.0f}", f"{rp:.0f}", ratio(rs, rp),
                      ms(ps.get("p50")), ms(pp.get("p50")), ms(ps.get("p99")), ms(pp.get("p99")),
                      ratio(ps.get("p99"), pp.get("p99"))])
    widths = [max(len(r[i]) for r in [header] + lines) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i in (0, 1) else c.rjust(w)
                              for i, (c, w) in enumerate(zip(r, widths)))
    print(fmt(header))
    for r in lines:
        print(fmt(r))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"wait": wait, "signin": signin, "pick": pick, "leaves": leaves, "table": table,
     "compare": compare}[cmd](*args)
