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


def sign_in_desk(page, base, token):
    """Opens the live board and signs the desk in with a dispatcher's token."""
    from playwright.sync_api import expect
    page.goto(base + "/board/")
    expect(page.get_by_label("Token")).to_be_visible()
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()


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


ACCESSIBILITY = """() => {
  const problems = [];
  const parse = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(parseFloat);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  // The colour under an element: its own background and its ancestors', composed over white.
  const background = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let base = { r: 255, g: 255, b: 255 };
    for (const c of layers.reverse()) {
      base = { r: c.r * c.a + base.r * (1 - c.a), g: c.g * c.a + base.g * (1 - c.a), b: c.b * c.a + base.b * (1 - c.a) };
    }
    return base;
  };
  for (const element of document.querySelectorAll("body *")) {
    if (element.closest("svg")) continue;
    if (![...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || element.getClientRects().length === 0) continue;
    const fg = parse(style.color);
    const bg = background(element);
    const a = luminance(fg), b = luminance(bg);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    if (ratio < needed) {
      problems.push(`${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""} "${element.textContent.trim().slice(0, 30)}": contrast ${ratio.toFixed(2)} < ${needed}`);
    }
  }
  for (const element of document.querySelectorAll("input, select, button, textarea, [role=button]")) {
    if (element.getClientRects().length === 0) continue;
    const labels = element.labels ? [...element.labels].map((l) => l.textContent).join(" ") : "";
    const name = element.getAttribute("aria-label") || labels || element.textContent;
    if (!name || !name.trim()) problems.push(`${element.tagName.toLowerCase()}#${element.id}: no accessible name`);
  }
  return problems;
}"""


def accessibility(page, where):
    """WCAG AA contrast of every visible text outside the SVG drawings (4.5:1, 3:1 for large text)
    and an accessible name for every control; exits naming each problem."""
    problems = page.evaluate(ACCESSIBILITY)
    if problems:
        raise SystemExit(f"{where}: accessibility problems:\n  " + "\n  ".join(problems))
