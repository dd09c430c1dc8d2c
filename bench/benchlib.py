"""What the bench scripts share: running `dispatch` and setting up a stored, published day."""
import os, subprocess, sys, time


def run(cmd, **kw):
    """Runs a command; exits the bench with its standard error when it fails."""
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stderr}")
    return result


def published_day(dispatch, database, work, orders, technicians, seconds):
    """A generated day (seed 1, 2026-11-23) imported into `database`, planned for `seconds` and
    published as of 2026-11-22 20:00 local; returns the seconds it took."""
    db = [f"--database={database}"]
    day = os.path.join(work, "day.json")
    with open(day, "w") as out:
        out.write(run([dispatch, "generate", "--date", "2026-11-23", "--orders", str(orders), "--technicians", str(technicians), "--seed", "1"]).stdout)
    started = time.time()
    run([dispatch, "db", "migrate"] + db)
    run([dispatch, "import", day] + db)
    run([dispatch, "plan", "--date", "2026-11-23", "--commit", "--seconds", str(seconds), "--no-progress", "--format", "table",
         "--now", "2026-11-22T20:00:00+08:00"] + db)
    return time.time() - started
