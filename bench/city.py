#!/usr/bin/env python3
"""City-day benchmark: generated days of several sizes, planned by `dispatch` (search), by its
greedy construction alone (--iterations 0, the floor), and by the OR-Tools peer
(../shared/peers/ortools_plan.py) with the same time limit. Every plan is re-checked with
`dispatch check`. Prints one table.

usage: bench/city.py DISPATCH_BINARY [--sizes 150x25,300x40,2000x150] [--seconds S] [--seeds 1,2]
                     [--peer PYTHON] [--no-peer]
"""
import argparse, json, os, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "..", "..", "shared", "peers", "ortools_plan.py")


def run(command, stdout_path):
    """Runs a command, stdout to a file; returns (seconds, peak resident MB, exit code)."""
    with open(stdout_path, "w") as out:
        start = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.monotonic() - start
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def violations(dispatch, scenario, plan):
    result = subprocess.run([dispatch, "check", "--scenario", scenario, "--plan", plan], capture_output=True, text=True)
    if result.returncode == 0:
        return 0
    return len([line for line in result.stdout.splitlines() if line.strip()]) or -1


def kpis(plan):
    try:
        with open(plan) as f:
            k = json.load(f)["kpis"]
        return k["assigned"], k["travel_minutes"]
    except Exception:
        return 0, 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("--sizes", default="150x25,300x40,600x60,2000x150")
    parser.add_argument("--seconds", type=float, default=None, help="time limit for every size (default: 5 s, 60 s from 1000 orders)")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--peer", default=os.environ.get("PEER_PYTHON", "/tmp/peers-venv/bin/python"))
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--threads", type=int, default=None,
                        help="ours: --threads N (default: the binary's own, the machine's cores; a build before 2026-12-07 has no such option)")
    args = parser.parse_args()
    peer = not args.no_peer and os.path.exists(args.peer) and os.path.exists(PEER)
    work = tempfile.mkdtemp(prefix="fielddispatch-bench-")
    header = ["orders", "techs", "seed", "limit s", "ours s", "peak MB", "served %", "travel/visit", "viol",
              "greedy served", "ortools served", "ortools travel/visit", "ortools viol", "ours/greedy", "ortools/greedy"]
    rows = []
    for size in args.sizes.split(","):
        orders, technicians = (int(x) for x in size.split("x"))
        for seed in args.seeds.split(","):
            limit = args.seconds or (60.0 if orders >= 1000 else 5.0)
            scenario = os.path.join(work, f"day-{orders}-{technicians}-{seed}.json")
            with open(scenario, "w") as f:
                subprocess.run([args.dispatch, "generate", "--date", "2026-11-23", "--orders", str(orders), "--technicians", str(technicians),
                                "--seed", seed], stdout=f, check=True)
            print(f"[bench] {orders} orders, {technicians} technicians, seed {seed}, {limit:g} s ...", file=sys.stderr)
            ours = os.path.join(work, f"ours-{orders}-{seed}.json")
            # The limit covers the whole run, reading and writing included: the search gets the
            # limit less a margin for them (half a second, a second from 1000 orders).
            margin = 1.0 if orders >= 1000 else 0.5
            threads = ["--threads", str(args.threads)] if args.threads else []
            seconds, peak, _ = run([args.dispatch, "plan", "--scenario", scenario, "--seconds", str(max(0.5, limit - margin)),
                                    "--no-progress", "--seed", seed] + threads, ours)
            served, travel = kpis(ours)
            greedy = os.path.join(work, f"greedy-{orders}-{seed}.json")
            run([args.dispatch, "plan", "--scenario", scenario, "--iterations", "0", "--no-progress"], greedy)
            greedy_served, _ = kpis(greedy)
            row = [orders, technicians, seed, f"{limit:g}", f"{seconds:.1f}", f"{peak:.0f}", f"{100 * served / orders:.1f}",
                   f"{travel / max(1, served):.2f}", violations(args.dispatch, scenario, ours), greedy_served]
            if peer:
                theirs = os.path.join(work, f"ortools-{orders}-{seed}.json")
                run([args.peer, PEER, scenario, str(int(limit))], theirs)
                peer_served, peer_travel = kpis(theirs)
                row += [peer_served, f"{peer_travel / max(1, peer_served):.2f}", violations(args.dispatch, scenario, theirs)]
            else:
                peer_served = 0
                row += ["-", "-", "-"]
            row += [f"{served / max(1, greedy_served):.2f}", f"{peer_served / max(1, greedy_served):.2f}" if peer else "-"]
            rows.append([str(x) for x in row])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    print("viol: violations found by `dispatch check` (H1-H9 and unassigned codes); peak MB: resident set of the planner.")


if __name__ == "__main__":
    main()
