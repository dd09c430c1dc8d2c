#!/usr/bin/env python3
"""The dispatcher's changes on the live board in a real browser (issue 28): Debian's chromium
driven by Python Playwright against `dispatch serve` on the sample day at a fixed clock.

  python3 Tests/browser/desk.py DISPATCH [--screenshots DIR]

Checks: a visit dragged onto another technician's row shows the server's preview before the
drop, is published on the drop and is in `dispatch orders history`; Undo puts it back; a notified
visit dragged elsewhere is refused, saying why (H7); the keyboard alone picks a visit, previews
and makes a change; a click explains an order; the map's route and the chart's row are linked;
Re-plan shows the proposal beside the published plan and Discard changes nothing. Screenshots at
1440 and 360 px wide.
"""
import os
from playwright.sync_api import sync_playwright, expect
from harness import accessibility, arguments, collect_errors, free_port, run, sample_day, serve, sign_in_desk

NOTICE_TIME = "2026-11-23T08:31:00+08:00"


def box(locator):
    """The element's box, asked again while the board is being drawn anew (a change just made
    redraws it when the stream says so: the element found a moment ago may be gone)."""
    for _ in range(100):
        found = locator.bounding_box() if locator.count() == 1 else None
        if found:
            return found
        locator.page.wait_for_timeout(50)
    raise SystemExit(f"no box for {locator}")


def drag(page, order, technician):
    """Drags `order`'s visit onto `technician`'s row; returns the ghost's text just before the drop."""
    visit = box(page.locator(f'#board g.visit[data-order="{order}"]'))
    row = box(page.locator(f'#board g.technician[data-technician="{technician}"] rect.row'))
    page.mouse.move(visit["x"] + 4, visit["y"] + visit["height"] / 2)
    page.mouse.down()
    page.mouse.move(visit["x"] + 40, visit["y"] + 40, steps=4)
    page.mouse.move(row["x"] + 700, row["y"] + row["height"] / 2, steps=8)
    ghost = page.locator("#ghost")
    expect(ghost).not_to_contain_text("working it out", timeout=10000)
    expect(ghost).to_contain_text(f"{order} → {technician}")
    text = ghost.text_content()
    page.mouse.up()
    return text


def tab_to(page, expression, wanted, presses):
    """Presses Tab until `expression` (about the focused element) is `wanted`, at most `presses` times."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(expression) == wanted:
            return
    raise SystemExit(f"Tab never reached {wanted}")


def main():
    args = arguments()
    d = args.dispatch
    work, db = sample_day(d)
    # WO-2003's pre-arrival notice goes out (its visit is locked: notified).
    run(d, "notices", "send", "--sink", f"file:{work}/notices", "--now", NOTICE_TIME, db)
    token = run(d, "dispatchers", "token", "anna", db).strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(work, "serve.log"), "w")
    server = serve(d, db, port, log, "--replan-seconds", "1")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            desk = browser.new_context(viewport={"width": 1440, "height": 900})
            page = desk.new_page()
            errors = []
            collect_errors(page, errors)
            sign_in_desk(page, base, token)
            expect(page.locator("#board g.visit").first).to_be_attached()
            expect(page.locator("#live")).to_contain_text("Live")

            # Drag and drop: the preview before the drop, the change on the drop, in the history.
            moving = page.locator('#board g.visit[data-order="WO-1009"]')
            expect(moving).to_have_attribute("data-technician", "T07")
            ghost = drag(page, "WO-1009", "T01")
            assert "Preview: WO-1009 T07" in ghost and "T01 +" in ghost and "min" in ghost, ghost
            expect(page.locator("#message")).to_contain_text("assign WO-1009 to T01: WO-1009 T07")
            expect(moving).to_have_attribute("data-technician", "T01")
            history = run(d, "orders", "history", "WO-1009", db)
            assert "assigned to T01 at" in history and "anna" in history, history

            # Undo puts it back, and says so in the history too.
            expect(page.locator("#undo")).to_have_text("Undo: assign WO-1009 to T01")
            page.locator("#undo").click()
            expect(page.locator("#message")).to_contain_text("Undone (assign WO-1009 to T01)")
            expect(moving).to_have_attribute("data-technician", "T07")
            expect(page.locator("#undo")).to_be_disabled()
            history = run(d, "orders", "history", "WO-1009", db)
            assert "assigned to T07 at 10:03" in history, history

            # A notified visit may not move: refused before the drop and on it, saying why.
            locked = page.locator('#board g.visit[data-order="WO-2003"]')
            expect(locked).to_have_attribute("data-state", "notified")
            ghost = drag(page, "WO-2003", "T01")
            assert "refused (H7): WO-2003 is notified" in ghost, ghost
            expect(page.locator("#message")).to_contain_text("refused (H7): WO-2003 is notified: the customer was told who comes when")
            expect(page.locator("#message")).to_have_class("message bad")
            expect(locked).to_have_attribute("data-technician", "T07")

            # A click explains an order; the map's route and the chart's row are one technician.
            page.locator('#board g.visit[data-order="WO-1002"]').click()
            expect(page.locator("#panel")).to_be_visible()
            expect(page.locator("#explain")).to_contain_text("Who could take it")
            expect(page.locator('#board g.route[data-technician="T07"]')).to_have_class("route hl")
            expect(page.locator('#board g.technician[data-technician="T07"]')).to_have_class("technician hl")
            accessibility(page, "live board with the panel open")
            if args.screenshots:
                os.makedirs(args.screenshots, exist_ok=True)
                page.screenshot(path=os.path.join(args.screenshots, "desk-1440.png"))
            page.keyboard.press("Escape")
            expect(page.locator("#panel")).to_be_hidden()

            # The keyboard alone: Tab to a visit, Enter, pick a technician, preview, assign.
            page.locator("#title").click()
            tab_to(page, "document.activeElement.dataset && document.activeElement.dataset.order", "WO-2002", 80)
            page.keyboard.press("Enter")
            expect(page.locator("#panel")).to_be_visible()
            expect(page.locator("#explain")).to_contain_text("Who could take it")
            fits = page.locator("#explain tr.fits td:first-child").all_text_contents()
            target = next(t for t in fits if t != "T07")
            assert page.evaluate("document.activeElement.id") == "change-technician"
            page.keyboard.type(target)
            expect(page.locator("#change-technician")).to_have_value(target)
            # On past the start time (its hour and minute fields) and the pin, to Preview.
            tab_to(page, "document.activeElement.id", "change-preview", 8)
            page.keyboard.press("Enter")
            expect(page.locator("#preview")).to_contain_text("Preview: WO-2002 T07")
            page.keyboard.press("Tab")  # Assign
            page.keyboard.press("Enter")
            expect(page.locator("#message")).to_contain_text(f"assign WO-2002 to {target}")
            expect(page.locator('#board g.visit[data-order="WO-2002"]')).to_have_attribute("data-technician", target)
            page.keyboard.press("Escape")
            expect(page.locator("#panel")).to_be_hidden()
            assert f"assigned to {target} at" in run(d, "orders", "history", "WO-2002", db)

            # Re-plan: the proposal beside the published plan; Discard publishes nothing.
            version = page.locator("#board .chart").get_attribute("data-version")
            page.get_by_role("button", name="Re-plan…").click()
            expect(page.locator("#review")).to_contain_text("Orders planned", timeout=20000)
            expect(page.get_by_role("button", name="Publish this plan")).to_be_visible()
            accessibility(page, "live board reviewing a re-plan")
            page.get_by_role("button", name="Discard").click()
            expect(page.locator("#message")).to_have_text("Re-plan discarded: nothing changed")
            expect(page.locator("#board .chart")).to_have_attribute("data-version", version)

            narrow = browser.new_context(viewport={"width": 360, "height": 780})
            narrow.add_cookies(desk.cookies())
            small = narrow.new_page()
            small.goto(base + "/board/")
            expect(small.locator("#board g.visit").first).to_be_attached()
            small.locator(".pick-order").first.click()
            expect(small.locator("#explain")).to_contain_text("Who could take it")
            accessibility(small, "live board at 360 px")
            if args.screenshots:
                small.screenshot(path=os.path.join(args.screenshots, "desk-360.png"))
            assert not errors, errors
            browser.close()
        print("desk: drag and drop previewed, published, in the history and undone; H7 refusal said; "
              "keyboard-only change; explain; map linked; re-plan reviewed and discarded")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
