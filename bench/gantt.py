"""Renders the board of generated days to PNG; see gantt.sh."""
import argparse, json, os, shutil, struct, subprocess, sys, time
from datetime import datetime, timedelta

from benchlib import published_day, run

DAYS = [(40, 300), (150, 1100)]


def png_size(path):
    with open(path, "rb") as image:
        header = image.read(24)
    return struct.unpack(">II", header[16:24])


def replay_morning(dispatch, database, work, until="2026-11-23T10:00:00+08:00"):
    """The day as it stands at 10:00: notices due by then delivered (those visits are locked),
    visits that ended by then completed, those under way on site, the next ones en route."""
    db = [f"--database={database}"]
    run([dispatch, "notices", "send", "--sink", "file:" + os.path.join(work, "notices.jsonl"), "--now", until] + db)
    board = json.loads(run([dispatch, "board", "--date", "2026-11-23", "--format", "json"] + db).stdout)
    now = datetime.fromisoformat(until)
    refused = []
    for row in board["technicians"]:
        for visit in row["visits"]:
            start, end = datetime.fromisoformat(visit["start"]), datetime.fromisoformat(visit["end"])
            steps = []
            if end <= now:
                steps = [("en_route", start - timedelta(minutes=20)), ("on_site", start), ("completed", end)]
            elif start <= now:
                steps = [("en_route", start - timedelta(minutes=20)), ("on_site", start)]
            elif start <= now + timedelta(minutes=30) and visit["state"] == "notified":
                steps = [("en_route", now)]
            for state, at in steps:
                # Completion fields go with the completion only (other reports refuse them).
                details = ["--detail", "speed_test_mbps=95"] if state == "completed" else []
                command = [dispatch, "status", visit["order"], "--set", state, *details, "--now", min(at, now).isoformat()] + db
                result = subprocess.run(command, capture_output=True, text=True)
                if result.returncode == 2 and "cannot become" in result.stderr:
                    # An earlier report's reaction moved this visit (rebooked it, say): the board
                    # read at the start no longer holds for it; its other steps are left out.
                    refused.append(visit["order"])
                    break
                if result.returncode != 0:
                    sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    return refused


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("--out", default="/tmp/fielddispatch-gantt")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    rows = []
    for technicians, orders in DAYS:
        name = f"board-{technicians}"
        work = os.path.join(args.out, name)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        database = f"sqlite:{os.path.join(work, 'day.sqlite')}"
        published_day(args.dispatch, database, work, orders, technicians, args.seconds)
        refused = replay_morning(args.dispatch, database, work)
        if refused:
            print(f"{technicians} technicians: {len(refused)} visits moved by an earlier report's reaction, left as they stand: {', '.join(refused[:5])}", file=sys.stderr)
        svg, html = os.path.join(args.out, name + ".svg"), os.path.join(args.out, name + ".html")
        board = json.loads(run([args.dispatch, "board", "--date", "2026-11-23", "--format", "json", "--svg", svg, "--html", html,
                                f"--database={database}"]).stdout)
        visits = sum(len(row["visits"]) for row in board["technicians"])
        started = time.time()
        svg_png = os.path.join(args.out, name + ".png")
        run(["rsvg-convert", svg, "-o", svg_png])
        rsvg_seconds = time.time() - started
        started = time.time()
        html_png = os.path.join(args.out, name + "-page.png")
        run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1000",
             f"--screenshot={html_png}", "file://" + os.path.abspath(html)])
        chromium_seconds = time.time() - started
        width, height = png_size(svg_png)
        page_width, page_height = png_size(html_png)
        rows.append((technicians, visits, os.path.getsize(svg) // 1024, f"{width}x{height}", f"{rsvg_seconds:.2f}",
                     os.path.getsize(html) // 1024, f"{page_width}x{page_height}", f"{chromium_seconds:.2f}"))
    header = ("technicians", "visits", "svg KB", "rsvg PNG", "rsvg s", "html KB", "chromium PNG", "chromium s")
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    for line in [header] + rows:
        print("  ".join(str(cell).rjust(width) for cell, width in zip(line, widths)))
    print(f"PNGs in {args.out}: board-N.png (rsvg-convert, the whole chart), board-N-page.png (Chromium, the page's first screen)")


if __name__ == "__main__":
    sys.exit(main())
