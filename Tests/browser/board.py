#!/usr/bin/env python3
"""The dispatcher's live board in a real browser (issue 28): Debian's chromium driven by Python
Playwright against `dispatch serve` on the sample day at a fixed clock (DISPATCH_NOW).

  python3 Tests/browser/board.py DISPATCH [--screenshots DIR]

Checks: a dispatcher signs in with their token; the day's chart is drawn; when a technician
reports "on the way" from their phone (another browser context), the board shows it without a
reload (the day's stream), and says how long it took; when the stream drops, the board says it
may be out of date. Saves screenshots at 1440 and 360 px wide.
"""
import os, time
from playwright.sync_api import sync_playwright, expect
from harness import arguments, clock, collect_errors, free_port, run, sample_day, serve, sign_in_desk


def main():
    args = arguments()
    d = args.dispatch
    work, db = sample_day(d)
    env = clock()
    token = run(d, "dispatchers", "token", "anna", db).strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(work, "serve.log"), "w")
    server = serve(d, db, port, log)
    try:
        technician = "T07"
        link = run(d, "technicians", "token", technician, "--signin", "--base-url", base, db, env=env).strip()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            desk = browser.new_context(viewport={"width": 1440, "height": 900})
            board = desk.new_page()
            errors = []
            collect_errors(board, errors)
            sign_in_desk(board, base, token)
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
            server = serve(d, db, port, log)
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
