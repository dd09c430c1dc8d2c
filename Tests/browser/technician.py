#!/usr/bin/env python3
"""The technician's page in a real browser (issue 28): Debian's chromium driven by Python
Playwright (through executable_path: no browser download), against `dispatch serve` on the
sample day, planned and published, at a fixed clock (DISPATCH_NOW).

  python3 Tests/browser/technician.py DISPATCH [--screenshots DIR]

Checks: a sign-in link signs the phone in (and leaves no code in the address bar); on the way,
arrived, done are reported by the buttons and the next visit becomes the current one; offline,
two reports are queued and shown as not sent; back online, both are recorded once each in the
order's history (`dispatch orders history`); running late moves the visit and says so; a report
refused on arrival is listed. Saves screenshots at 360 and 1440 px wide.
"""
import json, os
from playwright.sync_api import sync_playwright, expect
from harness import accessibility, arguments, clock, collect_errors, free_port, run, sample_day, serve


def main():
    args = arguments()
    d = args.dispatch
    work, db = sample_day(d)
    env = clock()
    # The technician with the most visits on the published day.
    board = json.loads(run(d, "board", "--date", "2026-11-23", "--format", "json", db))
    counts = {row["id"]: len(row["visits"]) for row in board["technicians"]}
    technician = max(sorted(counts), key=lambda t: counts[t])
    assert counts[technician] >= 3, f"{technician} has {counts[technician]} visits: the test needs three"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(work, "serve.log"), "w")
    server = serve(d, db, port, log)
    try:
        link = run(d, "technicians", "token", technician, "--signin", "--base-url", base, db, env=env).strip()
        assert link.startswith(base + "/t/signin#fds_"), link
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            phone = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=2, is_mobile=True, has_touch=True)
            page = phone.new_page()
            errors = []
            collect_errors(page, errors)

            # Sign in: the link's code is exchanged for the cookie and wiped from the address bar.
            page.goto(link)
            page.wait_for_url(base + "/t/")
            assert "fds_" not in page.url
            expect(page.locator("#title")).to_contain_text(technician)
            cards = page.locator("li.visit")
            expect(cards.first).to_be_visible()
            first = cards.nth(0).get_attribute("data-order")
            second = cards.nth(1).get_attribute("data-order")
            third = cards.nth(2).get_attribute("data-order")
            assert "fds_" not in open(os.path.join(work, "serve.log")).read(), "the sign-in code reached the server's log"
            # The service worker takes the page over (it caches the day for offline use).
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            page.reload()
            # (Polled with evaluate: wait_for_function evaluates a string, which the page's CSP forbids.)
            for _ in range(100):
                if page.evaluate("navigator.serviceWorker.controller !== null"):
                    break
                page.wait_for_timeout(100)
            assert page.evaluate("navigator.serviceWorker.controller !== null"), "no service worker controls the page"
            accessibility(page, "technician's page at 360 px")
            if args.screenshots:
                os.makedirs(args.screenshots, exist_ok=True)
                page.screenshot(path=os.path.join(args.screenshots, "technician-360.png"), full_page=False)

            # On the way, arrived, done: each button is a legal next state; the next visit becomes current.
            card = page.locator(f'li.visit[data-order="{first}"]')
            for label, state in (("On the way", "en_route"), ("Arrived", "on_site"), ("Done", "completed")):
                speed = card.get_by_label("Speed test (Mbit/s)")
                if state == "completed" and speed.count():
                    speed.fill("94.5")  # a broadband install is done with its speed test
                card.get_by_role("button", name=f"{label}: {first}").click()
                expect(card.locator(".state")).to_have_class(f"state {state}")
                expect(page.locator("#message")).to_contain_text(f"{first}: {label} recorded")
            expect(card.get_by_role("button")).to_have_count(0)
            expect(page.locator("li.visit.current")).to_have_attribute("data-order", second)

            # Running late for the next visit: it and the later ones move, and the page says so.
            card2 = page.locator(f'li.visit[data-order="{second}"]')
            planned = card2.locator(".meta").first.inner_text()
            card2.get_by_label("Minutes late").fill("25")
            card2.get_by_role("button", name=f"Running late: {second}").click()
            expect(page.locator("#message")).to_contain_text(f"{second}: running 25 min late recorded")
            expect(page.locator("#message")).to_contain_text(f"{second} moved to")
            assert card2.locator(".meta").first.inner_text() != planned, "the delayed visit's planned time did not change"

            # Offline: two reports are queued on the phone and shown as not sent.
            phone.set_offline(True)
            card2.get_by_role("button", name=f"On the way: {second}").click()
            expect(card2.locator(".state")).to_contain_text("not sent yet")
            card2.get_by_role("button", name=f"Arrived: {second}").click()
            expect(card2.locator(".state")).to_contain_text("Arrived (not sent yet)")
            expect(page.locator("#connection")).to_contain_text("Offline")
            accessibility(page, "technician's page offline")
            if args.screenshots:
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=os.path.join(args.screenshots, "technician-360-offline.png"), full_page=False)
            # Back online: both sent in order, once each.
            phone.set_offline(False)
            expect(card2.locator(".state")).to_have_class("state on_site", timeout=10000)
            history = json.loads(run(d, "orders", "history", second, "--format", "json", db))
            states = [entry["to"] for entry in history if entry["to"] in ("en_route", "on_site")]
            assert states == ["en_route", "on_site"], f"{second}: recorded {states}"

            # A report the state machine refuses is listed, never lost: the dispatcher cancels the
            # third visit while the phone is offline, the technician reports it on the way.
            phone.set_offline(True)
            card3 = page.locator(f'li.visit[data-order="{third}"]')
            card3.get_by_role("button", name=f"On the way: {third}").click()
            run(d, "status", third, "--set", "cancelled", "--reason", "customer called off", db, env=env)
            phone.set_offline(False)
            expect(page.locator("#refused-list")).to_contain_text(f"{third}: On the way", timeout=10000)

            wide = browser.new_context(viewport={"width": 1440, "height": 900})
            wide.add_cookies(phone.cookies())
            desk = wide.new_page()
            desk.goto(base + "/t/")
            expect(desk.locator("li.visit").first).to_be_visible()
            accessibility(desk, "technician's page at 1440 px")
            if args.screenshots:
                desk.screenshot(path=os.path.join(args.screenshots, "technician-1440.png"), full_page=False)
            assert not errors, f"the page reported errors: {errors}"
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"technician page: signed in as {technician}; {first} on the way, arrived, done; {second} running late, then reported offline twice, "
          f"recorded once each; {third}'s refused report listed")


if __name__ == "__main__":
    main()
