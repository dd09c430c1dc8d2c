#!/usr/bin/env python3
"""Measures the appointment workflow on a stored 2,000-order day (issue targets: `dispatch slots`
for one order, whole process, <= 1 s; `dispatch notices send` of 1,000 due notices to a loopback
receiver, >= 200 notices/s).

  python3 bench/appointments.py DISPATCH [--database URL] [--orders 2000] [--technicians 200]
                                [--runs 5] [--notices 1000]

Without --database a fresh SQLite file under /tmp is used. The receiver is a threaded HTTP
server on 127.0.0.1 that answers 202 and counts idempotency keys.
"""
import argparse, json, statistics, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from benchlib import published_day, run


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    keys = {}
    lock = threading.Lock()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        key = self.headers.get("Idempotency-Key", "")
        with Receiver.lock:
            Receiver.keys[key] = Receiver.keys.get(key, 0) + 1
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("--database")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--technicians", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--notices", type=int, default=1000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-appointments-")
    database = args.database or f"sqlite:{work}/dispatch.sqlite"
    db = [f"--database={database}"]
    d = args.dispatch

    took = published_day(d, database, work, args.orders, args.technicians, 20)
    print(f"setup: {args.orders} orders, {args.technicians} technicians, day planned and published in {took:.1f} s",
          file=sys.stderr)

    orders = json.loads(run([d, "orders", "list", "--date", "2026-11-23", "--format", "json"] + db).stdout)
    waiting = [o["id"] for o in orders if o["status"] == "new" and not o.get("group")]
    planned = sum(1 for o in orders if o.get("planned"))
    target = waiting[len(waiting) // 2]

    now = "--now=2026-11-22T20:30:00+08:00"
    times, offered = [], 0
    for _ in range(args.runs):
        started = time.perf_counter()
        result = run([d, "slots", "--order", target, "--days", "7", "--format", "json", now] + db)
        times.append(time.perf_counter() - started)
        offered = len(json.loads(result.stdout))

    due = json.loads(run([d, "notices", "list", "--due", "--format", "json", "--now=2026-11-23T23:59:00+08:00"] + db).stdout)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/notices"
    # Send the first --notices of them: the run's --now is the due time of the N-th.
    due.sort(key=lambda n: (n["due_at"], n["id"]))
    batch = due[: args.notices]
    cutoff = batch[-1]["due_at"]
    started = time.perf_counter()
    result = run([d, "notices", "send", "--sink", url, f"--now={cutoff}"] + db)
    seconds = time.perf_counter() - started
    server.shutdown()
    sent = int(result.stdout.split(" delivered")[0].split(", ")[-1])
    repeats = sum(1 for count in Receiver.keys.values() if count > 1)

    backend = database.split(":")[0] if database.startswith("sqlite") else "postgresql"
    print(f"backend: {backend}; day: {args.orders} orders, {planned} planned, {args.technicians} technicians")
    print(f"{'measure':<40} {'value':>10}  target")
    print(f"{'slots, whole process, median s':<40} {statistics.median(times):>10.3f}  <= 1 s   ({args.runs} runs, max {max(times):.3f} s, {offered} windows over 7 days)")
    print(f"{'notices sent':<40} {sent:>10}")
    print(f"{'notices send, whole process, s':<40} {seconds:>10.3f}")
    print(f"{'notices per second':<40} {sent / seconds:>10.1f}  >= 200")
    print(f"{'keys received twice':<40} {repeats:>10}")


if __name__ == "__main__":
    main()
