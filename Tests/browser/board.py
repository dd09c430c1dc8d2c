#!/usr/bin/env python3
"""The dispatcher's live board in a real browser (issue 28): Debian's chromium driven by Python
Playwright against `dispatch serve` on the sample day at a fixed clock (DISPATCH_NOW).

  python3 Tests/browser/board.py DISPATCH [--screenshots DIR]

Checks: a dispatcher signs in with their token; the day's chart is drawn; when a technician
reports "on the way" from their phone (another browser context), the board shows it without a
reload (the day's stream), and says how long it took; when the stream drops, the board says it
may be out of date. Saves screenshots at 1440 and 360 px wide.
"""
import argparse, os, socket, subprocess, sys, tempfile, time, urllib.request
from playwright.sync_api import sync_playwright, expect

NOW = "2026-11-23T08:00:00+08:00"


def run(*command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)}: exit {result.returncode}\n{result.stdout}{result.stderr}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("--screenshots", default=None)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    d = args.dispatch
    work = tempfile.mkdtemp(prefix="browser-board-")
    db = f"--database=sqlite:{work}/day.sqlite"
    run(d, "db", "migrate", db)
    run(d, "import", "scenarios/sample-day.yaml", db, "--now", "2026-11-22T20:00:00+08:00")
    run(d, "plan", "--date", "2026-11-23", "--commit", "--seed", "1", "--iterations", "300", "--now", "2026-11-22T20:00:00+08:00", db)
    env = dict(os.environ, DISPATCH_NOW=NOW)
    token = run(d, "dispatchers", "token", "anna", db).strip()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(work, "serve.log"), "w")

    def serve():
        server = subprocess.Popen([d, "serve", "--port", str(port), db], stderr=log, env=env)
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        return server

    server = serve()
    try:
        technician = "T07"
        link = run(d, "technicians", "token", technician, "--signin", "--base-url", base, db, env=env).strip()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            desk = browser.new_context(viewport={"width": 1440, "height": 900})
            board = desk.new_page()
            errors = []
            board.on("pageerror", lambda error: errors.append(str(error)))
            board.on("console", lambda message: errors.append(message.text)
                     if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
            board.goto(base + "/board/")
            expect(board.get_by_label("Token")).to_be_visible()
            board.get_by_label("Token").fill(token)
            board.get_by_role("button", name="Sign in").click()
            expect(board.locator("#title")).to_have_text("Live board · 2026-11-23")
            expect(board.locator("#board g.visit").first).to_be_attached()
            expect(board.locator("#live")).to_contain_text("Live")
            if args.screenshots:
                os.makedirs(args.screenshots, exist_ok=True)
                board.screenshot(path=os.path.join(args.screenshots, "board-1440.png"))

            # The technician reports from their phone: the board shows it without a reload.
            phone = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True)
            page = phone.new_page()
            page.goto(link)
            page.wait_for_url(base + "/t/")
            first = page.locator("li.visit").first.get_attribute("data-order")
            visit = board.locator(f'#board g.visit[data-order="{first}"]')
            expect(visit).to_have_attribute("data-state", "scheduled")
            page.get_by_role("button", name=f"On the way: {first}").click()
            expect(page.locator("#message")).to_contain_text(f"{first}: On the way recorded")
            recorded = time.perf_counter()
            expect(visit).to_have_attribute("data-state", "en_route", timeout=10000)
            took = time.perf_counter() - recorded
            expect(visit).to_have_class("visit changed")

            # The stream drops (the server stops): the board says it may be out of date, and
            # catches up by itself once the server is back.
            server.terminate()
            server.wait(timeout=30)
            expect(board.locator("#live")).to_contain_text("out of date", timeout=15000)
            if args.screenshots:
                board.screenshot(path=os.path.join(args.screenshots, "board-1440-stale.png"))
            server = serve()
            run(d, "status", first, "--set", "on_site", db, env=env)
            expect(visit).to_have_attribute("data-state", "on_site", timeout=15000)
            expect(board.locator("#live")).to_contain_text("Live")

            narrow = browser.new_context(viewport={"width": 360, "height": 780})
            narrow.add_cookies(desk.cookies())
            small = narrow.new_page()
            small.goto(base + "/board/")
            expect(small.locator("#board g.visit").first).to_be_attached()
            expect(small.locator("#live")).to_contain_text("Live")
            if args.screenshots:
                small.screenshot(path=os.path.join(args.screenshots, "board-360.png"))
            assert not errors, f"the board reported errors: {errors}"
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"live board: signed in; {first} on the way shown {took * 1000:.0f} ms after the phone's report was recorded; "
          "stale when the stream dropped, caught up after")


if __name__ == "__main__":
    main()
