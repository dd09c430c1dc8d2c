#!/usr/bin/env python3
"""The live board at a real size (issue 28 targets): on a published day of --technicians and
--orders (default 150 and 2,000), the board's first paint (navigation to the chart drawn) under
2 s, and a technician's report on screen within 1 s of being committed.

  python3 bench/board.py DISPATCH [--orders 2000] [--technicians 150] [--runs 5] [--reports 10]

Generates the day (today, in UTC: `dispatch serve` acts at the real clock), imports it, plans it
for --plan-seconds and publishes it; serves it; then in Debian's chromium (Python Playwright):
--runs cold loads of /board/ (a new browser context each, signed in by cookie), each timed from
navigation to the chart in the page; and --reports status reports (`POST /v1/me/orders/{id}/status`
as the visit's technician), each timed from the report's answer to the visit's new state on the
board; then desk changes through the API (`POST /v1/orders/{id}/changes`) on --changes planned
visits: a move to the next technician's row previewed (on a full day mostly refused by a rule),
then the visit unassigned and put back by its undo, each previewed first and then made; each
timed by its answer: a preview is the change in a rolled-back transaction under the day's lock.
Prints a table.
"""
import argparse, collections, datetime, json, os, sys, tempfile, time, urllib.error, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "browser"))
from harness import free_port, run  # noqa: E402
from playwright.sync_api import sync_playwright, expect  # noqa: E402


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--technicians", type=int, default=150)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reports", type=int, default=10)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--plan-seconds", type=int, default=10)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    d = args.dispatch
    work = tempfile.mkdtemp(prefix="bench-board-")
    db = f"--database=sqlite:{work}/day.sqlite"
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    run(d, "db", "migrate", db)
    with open(os.path.join(work, "day.json"), "w") as out:
        out.write(run(d, "generate", "--date", today, "--timezone", "UTC", "--orders", str(args.orders),
                      "--technicians", str(args.technicians), "--seed", "1"))
    run(d, "import", os.path.join(work, "day.json"), db)
    run(d, "plan", "--date", today, "--commit", "--seconds", str(args.plan_seconds), "--no-progress", "--now",
        f"{today}T00:00:00Z", db)
    board = json.loads(run(d, "board", "--date", today, "--format", "json", db))
    targets = [(row["id"], visit["order"]) for row in board["technicians"] for visit in row["visits"]
               if visit.get("state") in ("scheduled", "confirmed", "notified")]
    dispatcher = run(d, "dispatchers", "token", "anna", db).strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(work, "serve.log"), "w")
    import subprocess
    server = subprocess.Popen([d, "serve", "--port", str(port), "--rate-limit", "100000", db], stderr=log)
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    paints, updates, previews, changes = [], [], [], []
    refused = 0
    reasons = collections.Counter()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            cookie = {"name": "fd_desk", "value": dispatcher, "url": base}
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                context.add_cookies([cookie])
                page = context.new_page()
                started = time.perf_counter()
                page.goto(f"{base}/board/?date={today}")
                page.wait_for_selector("body[data-drawn]", state="attached", timeout=30000)
                paints.append(time.perf_counter() - started)
                context.close()
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.add_cookies([cookie])
            page = context.new_page()
            page.goto(f"{base}/board/?date={today}")
            expect(page.locator("#live")).to_contain_text("Live", timeout=30000)
            for technician, order in targets[: args.reports]:
                token = run(d, "technicians", "token", technician, db).strip()
                request = urllib.request.Request(
                    f"{base}/v1/me/orders/{order}/status", data=b'{"state": "en_route"}', method="POST",
                    headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
                with urllib.request.urlopen(request) as response:
                    response.read()
                answered = time.perf_counter()
                expect(page.locator(f'#board g.visit[data-order="{order}"]')).to_have_attribute(
                    "data-state", "en_route", timeout=30000)
                updates.append(time.perf_counter() - answered)
            browser.close()
        rows = [row["id"] for row in board["technicians"]]
        undo = None

        def change(order, body):
            request = urllib.request.Request(
                f"{base}/v1/orders/{order}/changes", data=json.dumps(body).encode(), method="POST",
                headers={"Authorization": "Bearer " + dispatcher, "Content-Type": "application/json"})
            started = time.perf_counter()
            nonlocal undo
            try:
                with urllib.request.urlopen(request) as response:
                    answer = json.loads(response.read())
                    status = response.status
                    if answer.get("applied"):
                        undo = answer.get("undo")
            except urllib.error.HTTPError as error:
                detail = json.loads(error.read() or b"{}").get("detail", str(error.code))
                reasons[detail.split(":")[0] + ": " + " ".join(detail.split(" ")[3:6])] += 1
                status = error.code
            return status, time.perf_counter() - started

        for technician, order in targets[args.reports: args.reports + args.changes]:
            # A move to the next row (on a full day mostly refused by a rule: timed all the same),
            # then the visit taken off the plan and put back by its undo, each previewed first.
            other = rows[(rows.index(technician) + 1) % len(rows)]
            status, took = change(order, {"action": "assign", "technician": other, "preview": True})
            previews.append(took)
            refused += status != 200
            for body in ({"action": "unassign"}, None):
                if body is None:
                    if undo is None:
                        break
                    body = dict(undo)
                    body.pop("order")
                status, took = change(order, dict(body, preview=True))
                previews.append(took)
                refused += status != 200
                status, took = change(order, body)
                if status == 200:
                    changes.append(took)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"board of {args.orders} orders, {args.technicians} technicians ({len(board['technicians'])} rows), SQLite")
    print(f"{'(ms)':<34} {'count':>6} {'p50':>8} {'p95':>8} {'max':>8}")
    for name, values in (("first paint (navigation to chart)", paints), ("report to board", updates),
                         ("change previewed (API)", previews), ("change made (API)", changes)):
        ms = [v * 1000 for v in values]
        if not ms:
            continue
        print(f"{name:<34} {len(ms):>6} {percentile(ms, 50):>8.0f} {percentile(ms, 95):>8.0f} {max(ms):>8.0f}")
    print(f"previews refused by a rule: {refused} of {len(previews)}; changes made: {len(changes)}")
    for reason, count in reasons.most_common(3):
        print(f"  {count} × {reason} …")
    ok = max(paints) <= 2.0 and max(updates) <= 1.0
    print("targets (first paint <= 2 s, updates <= 1 s): " + ("met" if ok else "NOT met"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
