#!/usr/bin/env python3
"""Load benchmark of the technicians' API (issue target: p99 <= 20 ms at 500 requests/s, 0 errors,
memory flat over 5 minutes), with wrk from Debian's packages on loopback.

  python3 bench/api_load.py DISPATCH --database URL [--technicians 300] [--rate 500]
                            [--seconds 300] [--connections 50]

Sets up a generated day (2,000 orders, the given technicians) planned and published, one bearer
token per technician, and `dispatch serve`. wrk then polls GET /v1/me/agenda with the 300 tokens
in turn, every second request with If-None-Match (the ETag fetched beforehand, so those answer
304); each connection waits connections/rate seconds less 5 ms between requests (wrk's delay()
hook), so the achieved rate is about --rate. Prints wrk's latency percentiles, errors, the achieved rate and
the server's resident memory sampled every 10 s.
"""
import argparse, json, os, signal, subprocess, sys, tempfile, threading, time, urllib.request
from benchlib import published_day, run

LUA = r"""
local entries = {ENTRIES}
local counter = 0
local pause = {PAUSE}
function request()
  counter = counter + 1
  local entry = entries[(counter % #entries) + 1]
  local headers = {["Authorization"] = "Bearer " .. entry[1]}
  if counter % 2 == 0 then headers["If-None-Match"] = entry[2] end
  return wrk.format("GET", "/v1/me/agenda?date=2026-11-23", headers)
end
function delay()
  return pause
end
function done(summary, latency, requests)
  io.write(string.format("JSON {\"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, \"requests\": %d, \"seconds\": %.3f, \"errors\": %d, \"non2xx\": %d}\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
"""


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("--database", required=True)
    parser.add_argument("--technicians", type=int, default=300)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--port", type=int, default=18181)
    args = parser.parse_args()
    d, db = args.dispatch, [f"--database={args.database}"]
    work = tempfile.mkdtemp(prefix="bench-api-")

    published_day(d, args.database, work, 2000, args.technicians, 10)
    technicians = [t["id"] for t in json.loads(run([d, "technicians", "list", "--format", "json"] + db).stdout)]
    tokens = [run([d, "technicians", "token", t] + db).stdout.strip() for t in technicians]
    print(f"setup: {len(tokens)} technicians with tokens, day planned and published", file=sys.stderr)

    log = open(os.path.join(work, "serve.log"), "w")
    server = subprocess.Popen([d, "serve", "--port", str(args.port), "--rate-limit", "10"] + db, stderr=log)
    base = f"http://127.0.0.1:{args.port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/readyz", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    entries = []
    for token in tokens:
        request = urllib.request.Request(base + "/v1/me/agenda?date=2026-11-23", headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(request) as response:
            entries.append((token, response.headers["ETag"]))
    visits = 0
    script = os.path.join(work, "agenda.lua")
    with open(script, "w") as out:
        table = ", ".join('{"%s", %s}' % (token, json.dumps(tag)) for token, tag in entries)
                # Each connection waits between requests; 5 ms less than connections/rate makes up for the
        # answer's own time, so the achieved rate is about --rate.
        pause = max(0, int(1000 * args.connections / args.rate) - 5)
        out.write(LUA.replace("{ENTRIES}", "{" + table + "}").replace("{PAUSE}", str(pause)))

    samples = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            samples.append(rss_kb(server.pid))
            stop.wait(10)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.time()
    result = run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-s", script, base])
    stop.set()
    sampler.join()
    samples.append(rss_kb(server.pid))
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    summary = json.loads(result.stdout.split("JSON ", 1)[1].splitlines()[0])
    rate = summary["requests"] / summary["seconds"]
    quarter = max(1, len(samples) // 4)
    early, late = max(samples[:quarter]), max(samples[-quarter:])
    print(f"{'measure':<34} {'value':>10}  target")
    print(f"{'target rate (req/s)':<34} {args.rate:>10}")
    print(f"{'achieved rate (req/s)':<34} {rate:>10.1f}  >= 500")
    print(f"{'p50 (ms)':<34} {summary['p50_ms']:>10.2f}")
    print(f"{'p90 (ms)':<34} {summary['p90_ms']:>10.2f}")
    print(f"{'p99 (ms)':<34} {summary['p99_ms']:>10.2f}  <= 20")
    print(f"{'max (ms)':<34} {summary['max_ms']:>10.2f}")
    print(f"{'requests':<34} {summary['requests']:>10}")
    print(f"{'socket errors + non-2xx/3xx':<34} {summary['errors'] + summary['non2xx']:>10}  0")
    print(f"{'server RSS MB first/last quarter':<34} {early / 1024:>5.1f}/{late / 1024:<5.1f}  flat ({len(samples)} samples over {time.time() - started:.0f} s)")
    print(f"{'server exit after SIGTERM':<34} {server.returncode:>10}  0")


if __name__ == "__main__":
    main()
