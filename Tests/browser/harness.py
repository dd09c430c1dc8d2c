"""What the browser tests share: the sample day imported, planned and published in a fresh SQLite
file, and `dispatch serve` on a free port at the fixed clock NOW (DISPATCH_NOW)."""
import argparse, os, socket, subprocess, sys, tempfile, time, urllib.request

NOW = "2026-11-23T08:00:00+08:00"
EVENING = "2026-11-22T20:00:00+08:00"


def run(*command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)}: exit {result.returncode}\n{result.stdout}{result.stderr}")
    return result.stdout


def sample_day(dispatch, plan=True):
    """A new database with the sample day (planned and published the evening before): its work folder and --database."""
    work = tempfile.mkdtemp(prefix="browser-")
    db = f"--database=sqlite:{work}/day.sqlite"
    run(dispatch, "db", "migrate", db)
    run(dispatch, "import", "scenarios/sample-day.yaml", db, "--now", EVENING)
    if plan:
        run(dispatch, "plan", "--date", "2026-11-23", "--commit", "--seed", "1", "--iterations", "300", "--now", EVENING, db)
    return work, db


def clock():
    """The environment of a command acting at NOW."""
    return dict(os.environ, DISPATCH_NOW=NOW)


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def serve(dispatch, db, port, log, *extra):
    """`dispatch serve` at NOW (with `extra` options), once it answers /healthz."""
    server = subprocess.Popen([dispatch, "serve", "--port", str(port), db, *extra], stderr=log, env=clock())
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    return server


def collect_errors(page, errors):
    """Script errors of `page` into `errors`; a resource the browser could not load (offline, on purpose) is not one."""
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)


def arguments():
    """DISPATCH [--screenshots DIR] [--chromium PATH]."""
    parser = argparse.ArgumentParser()
    parser.add_argument("dispatch")
    parser.add_argument("--screenshots", default=None, help="save the pages' pictures here")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    return parser.parse_args()
