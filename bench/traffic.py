#!/usr/bin/env python3
"""Travel by time of day: what the rush hour costs the planner and what ignoring it costs the
customers. For each generated day: planned with flat travel and with `travel.day_parts` (the
same fixed number of iterations and seed), wall time and iterations per second of each; each plan
checked by `dispatch check` against the day *with* the rush hours (the flat plan replayed on the
real clock: windows and legs it no longer keeps). Prints one table.

usage: bench/traffic.py DISPATCH_BINARY [--sizes 300x40,2000x150] [--iterations 3000] [--seed 1]
"""
import argparse, json, os, subprocess, sys, tempfile, time

RUSH = [{"start": "07:00", "end": "09:30", "factor": 1.6}, {"start": "16:30", "end": "19:00", "factor": 1.8}]


def plan(dispatch, scenario, out, iterations, seed):
    start = time.monotonic()
    with open(out, "w") as f:
        subprocess.run([dispatch, "plan", "--scenario", scenario, "--iterations", str(iterations), "--seed", str(seed),
                        "--no-progress"], stdout=f, stderr=subprocess.DEVNULL, check=True)
    return time.monotonic() - start


def check(dispatch, scenario, plan_path):
    """(H3 legs too short, H2 windows missed, all findings) of `plan_path` against `scenario`."""
    result = subprocess.run([dispatch, "check", "--scenario", scenario, "--plan", plan_path], capture_output=True, text=True)
    lines = [l for l in result.stdout.splitlines() if l.strip()] if result.returncode != 0 else []
    return (len([l for l in lines if "not enough time to travel" in l]), len([l for l in lines if l.lstrip("- ").startswith("H2")]), len(lines))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("--sizes", default="300x40,2000x150")
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="fielddispatch-traffic-")
    header = ["orders", "techs", "travel", "plan s", "iter/s", "served", "travel min", "checked on rush: legs short", "H2", "all"]
    rows = []
    for size in args.sizes.split(","):
        orders, technicians = (int(x) for x in size.split("x"))
        flat = os.path.join(work, f"flat-{orders}.json")
        with open(flat, "w") as f:
            subprocess.run([args.dispatch, "generate", "--date", "2026-11-23", "--orders", str(orders), "--technicians", str(technicians), "--seed", "1"],
                           stdout=f, check=True)
        with open(flat) as f:
            day = json.load(f)
        day.setdefault("travel", {"model": "haversine"})["day_parts"] = RUSH
        rush = os.path.join(work, f"rush-{orders}.json")
        with open(rush, "w") as f:
            json.dump(day, f)
        for name, scenario in (("flat", flat), ("rush hours", rush)):
            print(f"[bench] {orders} orders, {name}, {args.iterations} iterations ...", file=sys.stderr)
            out = os.path.join(work, f"plan-{name[:4]}-{orders}.json")
            seconds = plan(args.dispatch, scenario, out, args.iterations, args.seed)
            with open(out) as f:
                kpis = json.load(f)["kpis"]
            short, windows, found = check(args.dispatch, rush, out)
            rows.append([str(x) for x in (orders, technicians, name, f"{seconds:.1f}", f"{args.iterations / seconds:.0f}",
                                          kpis["assigned"], kpis["travel_minutes"], short, windows, found)])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    print(f"day parts: {RUSH}; plan s is the whole command (reading, search, writing); "
          "'checked on rush' replays each plan on the rush-hour clock with `dispatch check`.")


if __name__ == "__main__":
    main()
