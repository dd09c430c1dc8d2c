#!/usr/bin/env python3
"""The call centre's load (issue 27 targets): on a published horizon of 14 days of 150 technicians
and 2,000 orders a day, slot offers answer with p95 <= 1 s and p99 <= 2 s, alone and while the
agents book; 50 call-centre agents booking at once for 5 minutes make 0 double bookings and break 0 promises (`dispatch check --date`
on every day after), and every 409 carries alternatives.

  python3 bench/booking.py DISPATCH --database URL [--days 14] [--orders 2000] [--technicians 150]
                           [--agents 50] [--seconds 300] [--offers 100] [--plan-seconds 10]

Agents spend --think seconds (0.5x to 1.5x, default 10) with each customer between calls; 0 runs
them back to back, which measures the server's throughput rather than a call centre.

Sets up the horizon (days generated from tomorrow, in UTC, since `dispatch serve` acts at the
real clock; each imported, planned for --plan-seconds and published), then 5,000 new orders sent by
the order system for the day after the horizon (no plan there: they wait to be booked). Then
`dispatch serve`, and:
  1. --offers slot offers one after another (`days`: the whole horizon), timed;
  2. --agents threads for --seconds, each taking the next waiting order: an offer, then a booking
     of a random `best` slot; on 409 slot-taken a window of the alternatives (up to 5 tries).
Prints a table of latencies (p50/p95/p99/max) and counts, and the check of every day.
"""
import argparse, datetime, json, os, random, statistics, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.request
from benchlib import run


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def call(base, token, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Authorization": "Bearer " + token})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        payload = error.read()
        status = error.code
    took = time.perf_counter() - started
    try:
        answer = json.loads(payload) if payload else {}
    except ValueError:
        answer = {}
    return status, answer, took


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("--database", required=True)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--technicians", type=int, default=150)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--offers", type=int, default=100)
    parser.add_argument("--plan-seconds", type=int, default=10)
    parser.add_argument("--think", type=float, default=10.0,
                        help="seconds an agent spends with the customer between calls (0: back to back)")
    parser.add_argument("--port", type=int, default=18282)
    args = parser.parse_args()
    d, db = args.dispatch, [f"--database={args.database}"]
    work = tempfile.mkdtemp(prefix="bench-booking-")
    today = datetime.datetime.now(datetime.timezone.utc).date()
    days = [(today + datetime.timedelta(days=offset)).isoformat() for offset in range(1, args.days + 1)]

    started = time.time()
    run([d, "db", "migrate"] + db)
    for index, day in enumerate(days):
        path = os.path.join(work, f"{day}.json")
        scenario = json.loads(run([d, "generate", "--date", day, "--timezone", "UTC", "--orders", str(args.orders),
                                   "--technicians", str(args.technicians), "--seed", str(index + 1)]).stdout)
        # One workforce for the horizon (who a technician is, skills and certificate, is one record:
        # each day's file must agree on it), and each day's orders, customers and coordinated visits
        # its own (generated days reuse ids).
        if index == 0:
            workforce = (scenario["crews"], scenario["technicians"])
            # The calls come from the same city: places, territories and kinds of work of day 1's orders.
            templates = [o for o in scenario["orders"] if not o.get("group")]
        scenario["crews"], scenario["technicians"] = workforce
        known = {t["id"] for t in workforce[1]}
        for order in scenario["orders"]:
            for key in ("pinned", "locked"):
                if order.get(key, {}).get("technician") not in (None, *known):
                    del order[key]
            order["id"] = f"D{index + 1}-{order['id']}"
            order["customer"]["id"] = f"D{index + 1}-{order['customer']['id']}"
            if order.get("group"):
                order["group"] = f"D{index + 1}-{order['group']}"
        with open(path, "w") as out:
            json.dump(scenario, out)
        run([d, "import", path] + db)
        before = (datetime.date.fromisoformat(day) - datetime.timedelta(days=1)).isoformat() + "T20:00:00Z"
        run([d, "plan", "--date", day, "--commit", "--seconds", str(args.plan_seconds), "--no-progress", "--format", "table",
             "--now", before] + db)
        print(f"setup: {day} generated, imported, planned and published ({time.time() - started:.0f} s)", file=sys.stderr)
    writer = run([d, "clients", "token", "order-system", "--scope", "orders:write"] + db).stdout.strip()
    agent_token = run([d, "clients", "token", "call-centre", "--scope", "booking"] + db).stdout.strip()

    log = open(os.path.join(work, "serve.log"), "w")
    server = subprocess.Popen([d, "serve", "--port", str(args.port), "--rate-limit", "100000", "--connections", "8"] + db,
                              stderr=log)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        # The calls: new orders without a window, for the day after the horizon (not planned).
        waiting_day = (today + datetime.timedelta(days=args.days + 1)).isoformat()
        rng = random.Random(7)
        ids = [f"CALL-{n}" for n in range(5000)]
        for start in range(0, len(ids), 1000):
            batch = []
            for order in ids[start:start + 1000]:
                like = rng.choice(templates)
                call_order = {
                    "id": order, "type": like["type"], "service": like["service"], "skills": like.get("skills", [like["service"]]),
                    "customer": {"id": f"CC-{order}", "tier": rng.choice(["basic", "silver", "gold"])},
                    "location": {"lat": like["location"]["lat"], "lon": like["location"]["lon"]},
                    "duration_minutes": like["duration_minutes"], "day": waiting_day,
                }
                if like.get("territory"):
                    call_order["territory"] = like["territory"]
                batch.append(call_order)
            status, answer, _ = call(base, writer, "POST", "/v1/orders:bulk", {"orders": batch})
            refused = [r for r in answer.get("results", []) if r["status"] not in (200, 201)]
            if status != 200 or refused:
                sys.exit(f"bulk upsert failed: {status} {refused[:2]}")
        print(f"setup: {len(ids)} call-centre orders waiting ({time.time() - started:.0f} s)", file=sys.stderr)

        # 1. Offers one after another, over the whole horizon.
        offer_times, slot_counts = [], []
        for order in ids[-args.offers:]:
            status, answer, took = call(base, agent_token, "POST", f"/v1/orders/{order}/slot-offers", {"days": args.days})
            if status != 200:
                sys.exit(f"offer {order}: {status} {answer}")
            offer_times.append(took)
            slot_counts.append(len(answer.get("slots", [])))

        # 2. Agents booking at once.
        queue = iter(ids[:-args.offers])
        lock = threading.Lock()
        stats = {"booked": 0, "taken": 0, "taken_without_alternatives": 0, "gave_up": 0, "errors": 0,
                 "offer_times": [], "booking_times": [], "booked_days": set()}
        deadline = time.time() + args.seconds

        def agent(seed):
            rng = random.Random(seed)
            time.sleep(rng.random() * args.think)
            while time.time() < deadline:
                with lock:
                    order = next(queue, None)
                if order is None:
                    return
                status, offer, took = call(base, agent_token, "POST", f"/v1/orders/{order}/slot-offers", {"days": args.days})
                with lock:
                    stats["offer_times"].append(took)
                if status != 200:
                    with lock:
                        stats["errors"] += 1
                    continue
                for _ in range(5):
                    slots = offer.get("slots", [])
                    best = [s for s in slots if s["grade"] == "best"] or slots
                    if not best:
                        with lock:
                            stats["gave_up"] += 1
                        break
                    slot = rng.choice(best[:20])
                    status, answer, took = call(base, agent_token, "POST", f"/v1/orders/{order}/booking",
                                                {"offer": offer["offer"], "start": slot["start"]})
                    with lock:
                        stats["booking_times"].append(took)
                    if status == 200:
                        with lock:
                            stats["booked"] += 1
                            stats["booked_days"].add(answer.get("day"))
                        break
                    if status == 409 and answer.get("type", "").endswith("slot-taken"):
                        with lock:
                            stats["taken"] += 1
                            if not answer.get("alternatives", {}).get("offer"):
                                stats["taken_without_alternatives"] += 1
                        offer = answer.get("alternatives", {})
                        continue
                    with lock:
                        stats["errors"] += 1
                    break
                time.sleep(args.think * (0.5 + rng.random()))

        threads = [threading.Thread(target=agent, args=(n,)) for n in range(args.agents)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)

    # Every day after: no two visits in one technician's time, no promise broken.
    violations = 0
    checked = sorted(set(days) | {day for day in stats["booked_days"] if day})
    for day in checked:
        result = subprocess.run([d, "check", "--date", day] + db, capture_output=True, text=True)
        if result.returncode != 0:
            violations += max(1, len(result.stdout.strip().splitlines()))
            print(f"check {day}: exit {result.returncode}\n{result.stdout}{result.stderr}", file=sys.stderr)

    def row(name, values):
        ms = [v * 1000 for v in values]
        return (f"{name:<26} {len(ms):>7} {percentile(ms, 50):>9.1f} {percentile(ms, 95):>9.1f} {percentile(ms, 99):>9.1f}"
                f" {max(ms) if ms else float('nan'):>9.1f}")

    print(f"horizon: {args.days} days x {args.orders} orders, {args.technicians} technicians; "
          f"{args.agents} agents for {args.seconds} s, {args.think:g} s with each customer (0.5-1.5x)")
    print(f"{'latency (ms)':<26} {'count':>7} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}")
    print(row("offer, one at a time", offer_times))
    print(row("offer, under load", stats["offer_times"]))
    print(row("booking, under load", stats["booking_times"]))
    print(f"slots offered (median)       {statistics.median(slot_counts) if slot_counts else 0}")
    print(f"booked                       {stats['booked']}")
    print(f"409 slot-taken               {stats['taken']} (without alternatives: {stats['taken_without_alternatives']})")
    print(f"no slot left / errors        {stats['gave_up']} / {stats['errors']}")
    print(f"days checked                 {len(checked)}, violations {violations}")
    under_load = stats["offer_times"] or offer_times
    ok = (percentile(offer_times, 95) <= 1.0 and percentile(offer_times, 99) <= 2.0
          and percentile(under_load, 95) <= 1.0 and percentile(under_load, 99) <= 2.0 and violations == 0
          and stats["taken_without_alternatives"] == 0 and stats["errors"] == 0)
    print("targets: " + ("met" if ok else "NOT met"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
