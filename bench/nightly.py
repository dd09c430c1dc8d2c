#!/usr/bin/env python3
"""The nightly job at scale (issue 10): 5,000 generated unassigned orders for 300 technicians
in 8 territories, re-planned over 3 days by `dispatch nightly --workers N`, end to end (load,
plan, diff, publish), once with 1 worker and once with 2 (each in its own fresh database), so the
scale-out factor is measured; every published day re-checked with `dispatch check --date`; then a
rerun after 2% new orders arrive and one technician is recorded absent, counting the visits that
changed.

  python3 bench/nightly.py DISPATCH --database URL-WITH-{workers} [--orders 5000] [--technicians 300]
                           [--territories 8] [--days 3] [--seconds 30] [--workers 1,2]

`{workers}` in the database URL is replaced by the worker count. Prints a table.
"""
import argparse, json, os, re, subprocess, sys, tempfile, time
from datetime import datetime
from benchlib import run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("--database", required=True)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--technicians", type=int, default=300)
    parser.add_argument("--territories", type=int, default=8)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    counts = [int(count) for count in args.workers.split(",")]
    results = {count: one_setting(args, count) for count in counts}

    print(f"{'measure':<58} " + " ".join(f"{f'{count} worker' + ('s' if count > 1 else ''):>10}" for count in counts) + "  target")
    rows = [("orders / technicians / territories / days", "setting", "{:>10}", ""),
            ("units per day (first day)", "units", "{:>10}", ""),
            ("first run, end to end (s)", "first_seconds", "{:>10.1f}", "<= 180 with 2 workers"),
            ("visits published after the first run", "published", "{:>10}", ""),
            ("violations by dispatch check (all days, both runs)", "violations", "{:>10}", "0"),
            ("rerun after 2% new orders + 1 absent (s)", "rerun_seconds", "{:>10.1f}", ""),
            ("published visits changed by it (moved/reassigned/dropped)", "changed", "{:>10}", "< 10%"),
            ("share changed (%)", "share", "{:>10.1f}", "< 10")]
    for label, key, form, target in rows:
        print(f"{label:<58} " + " ".join(form.format(results[count][key]) for count in counts) + f"  {target}")
    if 1 in results and len(counts) > 1:
        for count in counts[1:]:
            factor = results[1]["first_seconds"] / results[count]["first_seconds"]
            print(f"{f'scale-out factor, first run, 1 -> {count} workers':<58} {factor:>10.2f}")


def one_setting(args, workers):
    d, db = args.dispatch, [f"--database={args.database.replace('{workers}', str(workers))}"]
    work = tempfile.mkdtemp(prefix="bench-nightly-")
    days = [f"2026-11-{23 + i}" for i in range(args.days)]
    scale = ["--workers", str(workers)]

    day = os.path.join(work, "day.json")
    with open(day, "w") as out:
        out.write(run([d, "generate", "--date", "2026-11-23", "--orders", str(args.orders), "--technicians", str(args.technicians),
                       "--territories", str(args.territories), "--seed", "1"]).stdout)
    run([d, "db", "migrate"] + db)
    started = time.time()
    run([d, "import", day] + db)
    nightly = run([d, "nightly", "--date", days[0], "--days", str(args.days), "--seconds", str(args.seconds),
                   "--now", "2026-11-22T20:00:00+08:00"] + scale + db)
    first_seconds = time.time() - started
    print(nightly.stdout.strip(), file=sys.stderr)
    queued = re.search(r"(\d+) units queued", nightly.stderr)
    units = queued.group(1) if queued else "-"

    violations = checks_of(d, db, days)
    before = visits_of(d, db, days)

    # 2% new orders (a second generated set with its own ids) and one technician absent.
    extra = json.loads(run([d, "generate", "--date", "2026-11-23", "--orders", str(args.orders // 50), "--technicians", str(args.technicians),
                            "--territories", str(args.territories), "--seed", "2"]).stdout)
    for order in extra["orders"]:
        order["id"] = "N" + order["id"]
        order["customer"]["id"] = "N" + order["customer"]["id"]
        if order.get("group"):
            order["group"] = "N" + order["group"]
        order.pop("pinned", None)
    with open(day) as original:
        first = json.load(original)
    extra["technicians"], extra["crews"] = first["technicians"], first["crews"]
    with open(os.path.join(work, "extra.json"), "w") as out:
        json.dump(extra, out)
    run([d, "import", os.path.join(work, "extra.json")] + db)
    absent = sorted({v[0] for v in before.values() if v[1] == days[0]})[0]
    run([d, "technicians", "absent", absent, "--date", days[0], "--now", "2026-11-22T21:00:00+08:00"] + db)
    started = time.time()
    rerun = run([d, "nightly", "--date", days[0], "--days", str(args.days), "--seconds", str(args.seconds),
                 "--now", "2026-11-22T22:00:00+08:00"] + scale + db)
    rerun_seconds = time.time() - started
    print(rerun.stdout.strip(), file=sys.stderr)
    after = visits_of(d, db, days)
    changed = sum(1 for order, visit in before.items()
                  if order not in after or after[order][0] != visit[0] or after[order][1] != visit[1]
                  or abs(after[order][2] - visit[2]) > 15 * 60)
    violations += checks_of(d, db, days)
    return {"setting": f"{args.orders}/{args.technicians}/{args.territories}/{args.days}", "units": units,
            "first_seconds": first_seconds, "published": len(before), "violations": violations,
            "rerun_seconds": rerun_seconds, "changed": changed, "share": 100 * changed / max(1, len(before))}


def checks_of(d, db, days):
    """Violations found by `dispatch check --date` over the days that have a published plan."""
    bad = 0
    for date in days:
        result = subprocess.run([d, "check", "--date", date] + db, capture_output=True, text=True)
        if result.returncode == 1:
            bad += len([line for line in result.stdout.splitlines() if line.strip()])
        elif result.returncode != 0 and "no published plan" not in result.stderr:
            sys.exit(f"check failed: {result.stderr}")
    return bad


def visits_of(d, db, days):
    """order -> (technician, day, start epoch) of the latest published plans."""
    visits = {}
    for date in days:
        result = run([d, "orders", "list", "--date", date, "--format", "json"] + db)
        for order in json.loads(result.stdout):
            planned = order.get("planned")
            if planned:
                visits[order["id"]] = (planned["technician"], date, epoch(planned["start"]))
    return visits


def epoch(text):
    return int(datetime.fromisoformat(text).timestamp())


if __name__ == "__main__":
    main()
