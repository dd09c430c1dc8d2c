#!/usr/bin/env python3
"""Days that grew after they were published (issue 29): the nightly job must search what an
import placed by insertion alone.

  python3 bench/grown.py DISPATCH [--orders 100] [--technicians 10] [--grown 30] [--seeds 1,2,3]
                         [--seconds 20]

For each seed: a generated day (2026-11-23) imported without its last --grown orders, planned by
a first `dispatch nightly` (--seconds) and published; then the whole day imported (the new
orders placed around the published visits by insertion, as `dispatch import` does); then a fresh
`dispatch plan --date` of the day as it now stands (--seconds, not published) for comparison;
then `dispatch nightly` (--seconds) and a second one with nothing new. Counts visits served
(`dispatch board --format json`); every published plan is checked (`dispatch check --date`).
Prints a table.
"""
import argparse, json, os, sys, tempfile
from benchlib import run

DATE = "2026-11-23"


def served(dispatch, db):
    board = json.loads(run([dispatch, "board", "--date", DATE, "--format", "json", db]).stdout)
    return sum(len(row["visits"]) for row in board["technicians"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--technicians", type=int, default=10)
    parser.add_argument("--grown", type=int, default=30)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    d = args.dispatch
    rows = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        work = tempfile.mkdtemp(prefix="bench-grown-")
        db = f"--database=sqlite:{work}/day.sqlite"
        full = json.loads(run([d, "generate", "--date", DATE, "--orders", str(args.orders), "--technicians",
                               str(args.technicians), "--seed", str(seed)]).stdout)
        # The first import: whole jobs (a pair's orders together) until --grown orders are left out.
        keep, seen = [], set()
        for order in full["orders"]:
            key = order.get("group") or order["id"]
            if key in seen:
                continue
            members = [o for o in full["orders"] if (o.get("group") or o["id"]) == key]
            if len(keep) + len(members) > args.orders - args.grown:
                continue
            seen.add(key)
            keep += members
        first = dict(full, orders=keep)
        with open(os.path.join(work, "first.json"), "w") as out:
            json.dump(first, out)
        with open(os.path.join(work, "full.json"), "w") as out:
            json.dump(full, out)
        run([d, "db", "migrate", db])
        run([d, "import", os.path.join(work, "first.json"), db, "--now", "2026-11-22T19:00:00+08:00"])
        nightly = [d, "nightly", "--date", DATE, "--seconds", str(args.seconds), db]
        run(nightly + ["--now", "2026-11-22T19:30:00+08:00"])
        run([d, "import", os.path.join(work, "full.json"), db, "--now", "2026-11-22T20:00:00+08:00"])
        placed = served(d, db)
        # Promises: windowed orders with a published visit now (a fresh plan may drop some: each a
        # customer told their appointment is off).
        board = json.loads(run([d, "board", "--date", DATE, "--format", "json", db]).stdout)
        windows = {o["id"] for o in full["orders"] if o.get("window")}
        promised = {v["order"] for row in board["technicians"] for v in row["visits"]} & windows
        fresh = json.loads(run([d, "plan", "--date", DATE, "--seconds", str(args.seconds), "--no-progress",
                                "--now", "2026-11-22T20:10:00+08:00", db]).stdout)
        fresh_served = fresh["kpis"]["assigned"]
        fresh_drops = len(promised - {v["order"] for v in fresh["visits"]})
        searched = run(nightly + ["--now", "2026-11-22T20:10:00+08:00"]).stdout
        after = served(d, db)
        again = run(nightly + ["--now", "2026-11-22T21:00:00+08:00"]).stdout
        check = run([d, "check", "--date", DATE, db], env=dict(os.environ, DISPATCH_NOW="2026-11-22T21:00:00+08:00")).stdout
        rows.append((seed, len(keep), len(full["orders"]), placed, f"{fresh_served} ({fresh_drops} promises dropped)", after,
                     "published" if " published;" in searched else "unchanged",
                     "unchanged" if "nothing published" in again else "CHANGED", "valid" in check))
    print(f"days of {args.orders} orders, {args.technicians} technicians, {args.grown} arriving after publishing; "
          f"searches of {args.seconds:g} s")
    header = ["seed", "first import", "whole day", "served after import", "fresh plan", "nightly", "nightly run",
              "rerun", "check"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(v) for v in row) + " |")
    ok = all(r[5] >= int(r[4].split()[0]) and r[7] == "unchanged" and r[8] for r in rows)
    print("nightly serves at least the fresh plan, reruns change nothing, plans valid: " + ("yes" if ok else "NO"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
