#!/usr/bin/env python3
"""Solomon VRPTW benchmark: `dispatch bench solomon` on every instance, side by side with PyVRP,
VROOM and OR-Tools (../shared/peers/solomon_peers.py) at the same time limit, every answer
re-checked here with exact distances. Prints a table, mean gap per class and overall.

    bench/solomon.py DISPATCH [--seconds 1] [--instances R101,C201|all] [--objective distance|hierarchical]
                     [--peers pyvrp,vroom,ortools | --no-peers] [--data DIR] [--seed N]
"""
import argparse, csv, importlib.util, json, math, os, re, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
EPS = 1e-6


def read_instance(path):
    """name, vehicles, capacity, nodes [(x, y, demand, ready, due, service)] with node 0 the depot."""
    name, numbers = None, []
    for line in open(path):
        fields = line.split()
        if not fields:
            continue
        try:
            numbers.append([float(f) for f in fields])
        except ValueError:
            name = name or fields[0]
    vehicles, capacity = int(numbers[0][0]), int(numbers[0][1])
    nodes = [tuple(row[1:7]) for row in numbers[1:]]
    return name, vehicles, capacity, nodes


def check(instance, routes):
    """(feasible, distance, first problem): every customer once, capacity, windows on start,
    back at the depot by its due time, at most the fleet; exact Euclidean distances."""
    _, vehicles, capacity, nodes = instance
    routes = [r for r in routes if r]
    problems = []
    visited = sorted(c for r in routes for c in r)
    if visited != list(range(1, len(nodes))):
        problems.append(f"{len(set(visited))} of {len(nodes) - 1} customers visited, {len(visited)} visits")
    if len(routes) > vehicles:
        problems.append(f"{len(routes)} routes for {vehicles} vehicles")
    total = 0.0
    for k, route in enumerate(routes):
        if sum(nodes[c][2] for c in route if 0 < c < len(nodes)) > capacity:
            problems.append(f"route {k} over capacity")
        time_, at = nodes[0][3], 0
        for c in route + [0]:
            if not 0 <= c < len(nodes):
                problems.append(f"route {k}: no customer {c}")
                break
            d = math.hypot(nodes[at][0] - nodes[c][0], nodes[at][1] - nodes[c][1])
            total += d
            arrive = time_ + d
            if arrive > nodes[c][4] + EPS:
                problems.append(f"route {k}: customer {c} reached at {arrive:.3f} after its due time {nodes[c][4]:g}")
            time_ = max(arrive, nodes[c][3]) + nodes[c][5]
            at = c
    return not problems, total, (problems[0] if problems else "")


def read_bks(path):
    with open(path) as f:
        return {row["instance"]: (int(row["vehicles"]), float(row["distance"])) for row in csv.DictReader(f)}


def instance_class(name):
    """C1, R2, RC1, ... from R101 or rc2_2_10."""
    return re.match(r"[A-Za-z]+\d", name).group(0).upper()


def run_ours(dispatch, path, seconds, objective, seed, threads):
    started = time.perf_counter()
    out = subprocess.run([dispatch, "bench", "solomon", path, "--seconds", str(seconds), "--objective", objective,
                          "--seed", str(seed), "--threads", str(threads)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        return [], elapsed
    return json.loads(out.stdout)["routes"], elapsed


def load_peers(path):
    spec = importlib.util.spec_from_file_location("solomon_peers", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dispatch")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--instances", default="all")
    parser.add_argument("--objective", choices=["distance", "hierarchical"], default="distance")
    parser.add_argument("--peers", default="pyvrp,vroom,ortools")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--data", default=os.path.join(SHARED, "bench", "solomon"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1,
                        help="ours: searches side by side on this many threads (default 1; the peers use one)")
    parser.add_argument("--bks", help="best-known file (default: BKS.csv for hierarchical, BKS_distance.csv for distance, in --data)")
    args = parser.parse_args()

    hierarchical = args.objective == "hierarchical"
    bks = read_bks(args.bks or os.path.join(args.data, "BKS.csv" if hierarchical else "BKS_distance.csv"))
    by_upper = {name.upper(): name for name in bks}
    names = sorted(bks) if args.instances == "all" else [by_upper[n.strip().upper()] for n in args.instances.split(",")]
    peers = [] if args.no_peers else [p for p in args.peers.split(",") if p]
    module = load_peers(os.path.join(SHARED, "peers", "solomon_peers.py")) if peers else None

    header = f"{'instance':10} {'veh':>4} {'distance':>9} {'BKS veh':>7} {'BKS dist':>9} {'gap %':>7} {'sec':>5}"
    header += "".join(f" {p + ' gap':>11}" for p in peers)
    print(f"{os.path.basename(os.path.normpath(args.data))}, {args.objective} objective, {args.seconds:g} s per instance "
          f"and solver, seed {args.seed}, ours on {args.threads} thread{'s' if args.threads > 1 else ''}, gaps to {os.path.basename(args.bks or ('BKS.csv' if hierarchical else 'BKS_distance.csv'))}")
    print(header)
    print("-" * len(header))
    results = []  # (name, ours gap or None, vehicles ok, {peer: gap or None})
    for name in names:
        path = os.path.join(args.data, f"{name}.txt")
        instance = read_instance(path)
        routes, seconds = run_ours(args.dispatch, path, args.seconds, args.objective, args.seed, args.threads)
        ok, distance, problem = check(instance, routes)
        vehicles = sum(1 for r in routes if r)
        bks_vehicles, bks_distance = bks[name]
        gap = round(100 * (distance - bks_distance) / bks_distance, 2) + 0.0 if ok else None  # no "-0.00"
        line = f"{name:10} {vehicles:4} {distance:9.2f} {bks_vehicles:7} {bks_distance:9.2f} "
        line += f"{gap:7.2f}" if gap is not None else f"{'INVALID':>7}"
        line += f" {seconds:5.1f}"
        peer_gaps = {}
        for peer in peers:
            try:
                peer_routes = module.SOLVERS[peer](module.read_solomon(path), args.seconds, hierarchical, args.seed)
            except Exception as error:
                print(f"{peer} on {name}: {error!r}", file=sys.stderr)
                peer_routes = []
            peer_ok, peer_distance, peer_problem = check(instance, peer_routes)
            peer_vehicles = sum(1 for r in peer_routes if r)
            peer_gaps[peer] = (round(100 * (peer_distance - bks_distance) / bks_distance, 2) + 0.0 if peer_ok else None,
                               peer_vehicles)
            line += f" {peer_gaps[peer][0]:11.2f}" if peer_ok else f" {'infeasible':>11}"
        print(line, flush=True)
        if not ok:
            print(f"  ours invalid: {problem}", flush=True)
        results.append((name, gap, vehicles, bks_vehicles, peer_gaps))

    def mean(values):
        values = [v for v in values if v is not None]
        return sum(values) / len(values) if values else float("nan")

    print()
    classes = ["C1", "C2", "R1", "R2", "RC1", "RC2"]
    print(f"{'class':6} {'n':>3} {'ours %':>8}" + "".join(f" {p + ' %':>10}" for p in peers))
    for group in classes + ["all"]:
        rows = [r for r in results if group == "all" or instance_class(r[0]) == group]
        if not rows:
            continue
        line = f"{group:6} {len(rows):3} {mean([r[1] for r in rows]):8.2f}"
        line += "".join(f" {mean([r[4][p][0] for r in rows]):10.2f}" for p in peers)
        print(line)
    invalid = sum(1 for r in results if r[1] is None)
    print(f"\nours: {len(results) - invalid} of {len(results)} valid")
    if hierarchical:
        same = [r for r in results if r[1] is not None and r[2] == r[3]]
        print(f"ours: vehicles equal to BKS.csv on {len(same)} of {len(results)}, "
              f"mean distance gap on those {mean([r[1] for r in same]):.2f}%")
        for peer in peers:
            same = sum(1 for r in results if r[4][peer][0] is not None and r[4][peer][1] == r[3])
            print(f"{peer}: vehicles equal to BKS.csv on {same} of {len(results)}")
    if "pyvrp" in peers:
        ours, theirs = mean([r[1] for r in results]), mean([r[4]["pyvrp"][0] for r in results])
        if theirs > 0:
            print(f"mean gap ratio ours / PyVRP: {ours / theirs:.2f}")
    for peer in peers:
        failed = sum(1 for r in results if r[4][peer][0] is None)
        if failed:
            print(f"{peer}: {failed} of {len(results)} infeasible or incomplete (left out of its mean)")


if __name__ == "__main__":
    main()
