#!/usr/bin/env python3
"""Real roads: what planning on straight lines costs on a real road network, and what the road
matrix costs the planner. For each generated day on an OpenStreetMap extract (orders and homes
on its road junctions, `dispatch generate --osm`), in a PostgreSQL schema of its own:

1. `dispatch roads import` loads the network (osm2pgrouting), the day is imported with
   `travel.model: pgrouting`, and `dispatch travel build` builds the matrix: timed fresh (the
   kept legs deleted first) and again cached (nothing to ask).
2. The kept matrix is exported (`dispatch travel export`) as a matrix file; the same day is
   planned on straight lines (the default model) and on the road matrix, with the same seed and
   iterations; iterations per second from the planner's own clock (its last `--progress` line).
3. Each plan is replayed on the road times: each technician leaves when the plan says, drives
   each leg in the road time, takes the break on arrival when it is due, and starts each visit at
   the later of arrival and the planned start. Counted: windows broken (a visit starting after
   its window closes), pre-arrival notices wrong by more than 10 minutes (arrival more than 10
   minutes after the announced start), total lateness; and `dispatch check` of the plan against
   the road-matrix day (legs too short, H2).
4. Memory: the largest resident set of `plan --date` (the kept matrix read from the database).

usage: bench/roads.py DISPATCH POSTGRES_CONNINFO [--sizes 300x40,2000x150] [--iterations 3000] [--osm FILE]
"""
import argparse, csv, json, math, os, re, subprocess, sys, tempfile, time
from datetime import datetime, timedelta

DATE = "2026-11-23"


def run(args, **kwargs):
    return subprocess.run(args, check=True, **kwargs)


def timed(args, out=None):
    start = time.monotonic()
    if out:
        with open(out, "w") as f:
            run(args, stdout=f, stderr=subprocess.DEVNULL)
    else:
        run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def replay(day, plan, road):
    """(windows broken, notices off by more than 10 min, late visits, total and largest lateness in
    minutes, visits) of `plan` driven on `road` (seconds by (from key, to key)). A coordinated
    visit's window holds its arrival, the earliest start of its members (formats.md, H2)."""
    orders = {o["id"]: o for o in day["orders"]}
    technicians = {t["id"]: t for t in day["technicians"]}
    visits = {v["order"]: v for v in plan["visits"]}
    break_minutes = day.get("policy", {}).get("break", {}).get("minutes", 0)
    notices = count = late_visits = 0
    lateness = worst = 0.0
    starts = {}
    for route in plan["routes"]:
        if not route["orders"]:
            continue
        t = datetime.fromisoformat(route["depart"])
        here = route["technician"]
        pending = datetime.fromisoformat(route["break_start"]) if route.get("break_start") else None
        for order in route["orders"]:
            visit = visits[order]
            planned = datetime.fromisoformat(visit["start"])
            seconds = road.get((here, order), 0) if here != order else 0
            t += timedelta(minutes=math.ceil(seconds / 60))
            if pending is not None and pending <= planned:
                t = max(t, pending) + timedelta(minutes=break_minutes)
                pending = None
            start = max(t, planned)
            late = (start - planned).total_seconds() / 60
            lateness += late
            worst = max(worst, late)
            late_visits += late > 0
            notices += late > 10
            starts[order] = start
            count += 1
            t = start + timedelta(minutes=orders[order]["duration_minutes"])
            here = order
    arrivals = {}
    for order, start in starts.items():
        key = orders[order].get("group") or order
        arrivals[key] = min(start, arrivals.get(key, start))
    broken = 0
    for order, start in starts.items():
        window = orders[order].get("window")
        key = orders[order].get("group") or order
        if window and (key == order or arrivals[key] == start) and arrivals[key] > datetime.fromisoformat(window["end"]):
            broken += 1
    return broken, notices, late_visits, round(lateness), round(worst), count


def search_speed(progress):
    """Iterations per second of the planner, from its last `--progress` line (the solver's own
    clock: reading the file and the matrix are not counted; building its travel table is)."""
    last = None
    for line in progress.splitlines():
        m = re.search(r"([0-9.]+) s\s+iteration\s+([0-9]+)", line)
        if m:
            last = (float(m.group(1)), int(m.group(2)))
    return last[1] / last[0] if last and last[0] > 0 else float("nan")


def check(dispatch, scenario, plan_path):
    result = subprocess.run([dispatch, "check", "--scenario", scenario, "--plan", plan_path], capture_output=True, text=True)
    lines = [l for l in result.stdout.splitlines() if l.strip()] if result.returncode != 0 else []
    return len([l for l in lines if "not enough time to travel" in l]), len([l for l in lines if l.lstrip("- ").startswith("H2")])


def table(header, rows):
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("base")
    parser.add_argument("--sizes", default="300x40,2000x150")
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--osm", default="scenarios/osm/helsinki.osm.pbf")
    args = parser.parse_args()
    d = args.dispatch
    work = tempfile.mkdtemp(prefix="fielddispatch-roads-")
    gap_rows, cost_rows = [], []
    for size in args.sizes.split(","):
        orders, technicians = (int(x) for x in size.split("x"))
        schema = f"roads_bench_{orders}"
        run(["psql", args.base, "-X", "-q", "-c", f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        db = f"{args.base} options='-c search_path={schema}'"
        psql = lambda sql: run(["psql", db, "-X", "-q", "-c", sql], stdout=subprocess.DEVNULL)
        line = os.path.join(work, f"line-{orders}.json")
        with open(line, "w") as f:
            run([d, "generate", "--date", "2026-11-23", "--orders", str(orders), "--technicians", str(technicians), "--seed", "1", "--osm", args.osm,
                 "--timezone", "Europe/Helsinki"], stdout=f)
        with open(line) as f:
            day = json.load(f)
        day["travel"] = {"model": "pgrouting"}
        pg = os.path.join(work, f"pgrouting-{orders}.json")
        with open(pg, "w") as f:
            json.dump(day, f)
        print(f"[bench] {orders} orders: roads, import, matrix ...", file=sys.stderr)
        run([d, "db", "migrate", "--database", db], stdout=subprocess.DEVNULL)
        run([d, "roads", "import", args.osm, "--database", db], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run([d, "import", pg, "--database", db], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        psql("DELETE FROM travel_legs; DELETE FROM travel_places")
        build = os.path.join(work, f"build-{orders}.json")
        fresh = timed([d, "travel", "build", "--date", DATE, "--json", "--database", db], build)
        with open(build) as f:
            report = json.load(f)
        cached = timed([d, "travel", "build", "--date", DATE, "--json", "--database", db])
        matrix = os.path.join(work, f"road-{orders}.csv")
        with open(matrix, "w") as f:
            run([d, "travel", "export", "--date", DATE, "--database", db], stdout=f)
        road = {}
        with open(matrix) as f:
            for row in csv.DictReader(f):
                road[(row["from"], row["to"])] = int(row["seconds"])
        day["travel"] = {"model": "matrix", "file": os.path.basename(matrix)}
        roads_day = os.path.join(work, f"matrix-{orders}.json")
        with open(roads_day, "w") as f:
            json.dump(day, f)

        speeds = {}
        for name, scenario in (("straight lines", line), ("road matrix", roads_day)):
            print(f"[bench] {orders} orders: planned on {name}, {args.iterations} iterations ...", file=sys.stderr)
            out = os.path.join(work, f"plan-{name[:4]}-{orders}.json")
            with open(out, "w") as f:
                progress = subprocess.run([d, "plan", "--scenario", scenario, "--seed", "1", "--progress", "--iterations", str(args.iterations)],
                                          stdout=f, stderr=subprocess.PIPE, text=True, check=True).stderr
            speeds[name] = search_speed(progress)
            with open(out) as f:
                plan = json.load(f)
            broken, notices, late_visits, late, worst, visits = replay(day, plan, road)
            short, h2 = check(d, roads_day, out)
            gap_rows.append([str(x) for x in (orders, technicians, name, visits, plan["kpis"]["travel_minutes"], broken, notices,
                                              late_visits, late, worst, short, h2)])

        rss = subprocess.run(["/usr/bin/time", "-f", "%M", d, "plan", "--date", DATE, "--iterations", str(args.iterations), "--seed", "1", "--now", "2026-11-22T20:00:00+02:00",
                              "--no-progress", "--database", db], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        kilobytes = int(rss.stderr.strip().splitlines()[-1])
        cost_rows.append([str(x) for x in (
            orders, report["places"], report["points"], f"{report['fetched_pairs']:,}", report["requests"], f"{fresh:.1f}", f"{cached:.1f}",
            f"{report['snap']['mean_m']:.0f} / {report['snap']['max_m']:.0f}", len(report["snap"]["far"]),
            f"{speeds['straight lines']:.0f}", f"{speeds['road matrix']:.0f}", f"{kilobytes / 1024:.0f}")])

    print(f"\n## The fiction gap: each plan replayed on pgRouting road times ({args.osm})\n")
    table(["orders", "techs", "planned on", "visits", "travel min (as planned)", "windows broken", "notices off >10 min",
           "late visits", "lateness min", "latest min", "check: legs short", "check: H2"], gap_rows)
    print("\n## What the road matrix costs\n")
    table(["orders", "places", "points", "pairs", "requests", "build s fresh", "build s cached", "snap m mean / max", "snaps >200 m",
           "iter/s straight", "iter/s matrix", "plan --date max RSS MB"], cost_rows)
    print(f"\nbuild s: `dispatch travel build` (pgRouting in the same PostgreSQL), fresh with the kept legs deleted, cached with "
          f"nothing to ask; iter/s: {args.iterations} iterations over the planner's own time (`plan --progress`), reading not counted.")


if __name__ == "__main__":
    main()
