#!/usr/bin/env python3
"""Bredström–Rönnqvist benchmark (synchronised visits): `dispatch bench sync` on every instance,
each answer re-checked here (every visit once, windows, staff availability, travel recomputed,
each pair started at the same time by two different staff), travel compared with BKS.csv and,
unless --no-peer, with OR-Tools (../shared/peers/sync_peer.py) at the same time limit.

    bench/sync.py DISPATCH [--seconds 10] [--instances all|Bred_01S,...] [--no-peer] [--data DIR]
"""
import argparse, csv, importlib.util, json, os, re, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))


def read_instance(path):
    """Integers in the order of the data README; processing times mapped by id."""
    tokens = []
    for line in open(path, encoding="latin-1"):
        tokens += [int(t) for t in line.split("//")[0].split()]
    it = iter(tokens)
    vehicles, n, _ = next(it), next(it), next(it)
    processing = [0] * (n + 1)
    for _ in range(n):
        i, p = next(it), next(it)
        processing[i] = p
    open_, close = next(it), next(it)
    windows = [(0, 0)] + [(next(it), next(it)) for _ in range(n)]
    for _ in range(n):
        next(it), next(it)
    matrix = [[next(it) for _ in range(n)] for _ in range(n)]
    depot = [0] * (n + 1)
    for _ in range(n):
        i, d = next(it), next(it)
        depot[i] = d
    pairs = [(next(it), next(it)) for _ in range(next(it))]

    def travel(a, b):
        if a == b == 0:
            return 0
        if a == 0:
            return depot[b]
        if b == 0:
            return depot[a]
        return matrix[a - 1][b - 1]

    return dict(vehicles=vehicles, n=n, processing=processing, open=open_, close=close, windows=windows,
                travel=travel, pairs=pairs)


def check(inst, routes, starts):
    """(feasible, travel, first problem). `starts` may be None: then earliest starts are used, and
    pairs are checked on them only if the routes carry no explicit schedule."""
    problems = []
    routes = [r for r in routes if r]
    visited = sorted(v for r in routes for v in r)
    if visited != list(range(1, inst["n"] + 1)):
        problems.append(f"{len(set(visited))} of {inst['n']} visits served ({len(visited)} visits)")
    if len(routes) > inst["vehicles"]:
        problems.append(f"{len(routes)} routes for {inst['vehicles']} staff")
    total, vehicle_of, start_of = 0, {}, {}
    for k, route in enumerate(routes):
        times = starts[k] if starts else None
        clock, at = inst["open"], 0
        for position, v in enumerate(route):
            if not 1 <= v <= inst["n"]:
                problems.append(f"route {k}: no visit {v}")
                break
            arrive = clock + inst["travel"](at, v)
            total += inst["travel"](at, v)
            begin = max(arrive, inst["windows"][v][0])
            if times is not None:
                if times[position] < begin:
                    problems.append(f"route {k}: visit {v} starts at {times[position]}, before it can ({begin})")
                begin = times[position]
            if begin > inst["windows"][v][1]:
                problems.append(f"route {k}: visit {v} starts at {begin}, after its window {inst['windows'][v]}")
            vehicle_of[v], start_of[v] = k, begin
            clock, at = begin + inst["processing"][v], v
        total += inst["travel"](at, 0)
        if clock + inst["travel"](at, 0) > inst["close"]:
            problems.append(f"route {k}: back at {clock + inst['travel'](at, 0)}, after the depot closes ({inst['close']})")
    for a, b in inst["pairs"]:
        if a in vehicle_of and b in vehicle_of:
            if vehicle_of[a] == vehicle_of[b]:
                problems.append(f"pair {a},{b} on one staff member")
            if start_of[a] != start_of[b]:
                problems.append(f"pair {a},{b} starts at {start_of[a]} and {start_of[b]}")
    return not problems, total, (problems[0] if problems else "")


def read_bks(path):
    with open(path) as f:
        return {row["instance"]: float(row["travel"]) for row in csv.DictReader(f)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dispatch")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--instances", default="all")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--data", default=os.path.join(SHARED, "bench", "sync"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="ours: searches side by side on this many threads (default 1)")
    args = parser.parse_args()

    bks = read_bks(os.path.join(args.data, "BKS.csv"))
    names = sorted(bks, key=lambda n: (n[5:7], "SML".index(n[7]))) if args.instances == "all" else args.instances.split(",")
    peer = None
    if not args.no_peer:
        spec = importlib.util.spec_from_file_location("sync_peer", os.path.join(SHARED, "peers", "sync_peer.py"))
        peer = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = peer
        spec.loader.exec_module(peer)

    print(f"Bredström–Rönnqvist, least travel, every visit served, {args.seconds:g} s per instance, seed {args.seed}")
    header = f"{'instance':9} {'staff':>5} {'travel':>7} {'BKS':>7} {'gap %':>7} {'sec':>5} {'pairs':>6}"
    if peer:
        header += f" {'OR-Tools':>9} {'gap %':>7}"
    print(header)
    print("-" * len(header))
    gaps, peer_gaps, invalid, slow = [], [], 0, 0
    for name in names:
        path = os.path.join(args.data, f"{name}.txt")
        inst = read_instance(path)
        started = time.perf_counter()
        out = subprocess.run([args.dispatch, "bench", "sync", path, "--seconds", str(args.seconds), "--seed", str(args.seed),
                              "--threads", str(args.threads)],
                             capture_output=True, text=True)
        seconds = time.perf_counter() - started
        answer = json.loads(out.stdout) if out.returncode == 0 else {"routes": [], "starts": []}
        ok, travel, problem = check(inst, answer["routes"], answer["starts"])
        gap = 100 * (travel - bks[name]) / bks[name] if ok else None
        if ok:
            gaps.append(gap)
        else:
            invalid += 1
        slow += seconds > args.seconds + 0.5
        line = f"{name:9} {sum(1 for r in answer['routes'] if r):5} {travel:7.0f} {bks[name]:7g} "
        line += f"{gap:7.2f}" if ok else f"{'INVALID':>7}"
        line += f" {seconds:5.1f} {'ok' if ok else '-':>6}"
        if peer:
            peer_inst = peer.read_instance(path)
            routes, times, _ = peer.solve_ortools(peer_inst, args.seconds, "SEQUENTIAL_CHEAPEST_INSERTION",
                                                  "GUIDED_LOCAL_SEARCH", 0, False)
            if routes:
                peer_starts = [[times[v] for v in r] for r in routes if r]
                peer_ok, peer_travel, _ = check(inst, [r for r in routes if r], peer_starts)
            else:
                peer_ok, peer_travel = False, 0
            if peer_ok:
                peer_gaps.append(100 * (peer_travel - bks[name]) / bks[name])
                line += f" {peer_travel:9.0f} {peer_gaps[-1]:7.2f}"
            else:
                line += f" {'none':>9} {'':>7}"
        print(line, flush=True)
        if not ok:
            print(f"  ours invalid: {problem or out.stderr.strip()}", flush=True)
    print()
    mean = sum(gaps) / len(gaps) if gaps else float("nan")
    print(f"ours: {len(gaps)} of {len(names)} valid (all visits, pairs together), mean gap {mean:.2f}%, "
          f"{slow} over the time limit")
    if peer:
        peer_mean = sum(peer_gaps) / len(peer_gaps) if peer_gaps else float("nan")
        print(f"OR-Tools (all visits mandatory): {len(peer_gaps)} of {len(names)} feasible, mean gap {peer_mean:.2f}% on those")


if __name__ == "__main__":
    main()
