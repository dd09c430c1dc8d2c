// The dispatcher's live board (/board/): the day's chart and waiting orders as the server draws
// them (/board/day), drawn again whenever the day's stream (/v1/days/{date}/stream) says a change
// was committed — by a technician, another dispatcher, the nightly job or the call centre.
const $ = (id) => document.getElementById(id);
const STATES = ["new", "scheduled", "confirmed", "notified", "en_route", "on_site", "completed", "customer_absent",
  "transferred", "cancelled", "rebooking"];
const TYPES = ["fielddispatch.order.created", "fielddispatch.order.updated", "fielddispatch.order.booked",
  "fielddispatch.plan.published", ...STATES.map((s) => `fielddispatch.order.${s}`)];

let date = null;
let source = null;
let pending = null;

function live(text, stale = false) {
  $("live").textContent = text;
  $("live").className = stale ? "live stale" : "live";
}

function tooltips() {
  const tip = $("tip");
  for (const g of document.querySelectorAll("#board g.visit")) {
    const title = g.querySelector("title");
    if (title) title.remove();
    g.addEventListener("mousemove", (event) => {
      tip.textContent = g.getAttribute("data-tip");
      tip.style.display = "block";
      tip.style.left = `${event.clientX + 14}px`;
      tip.style.top = `${event.clientY + 14}px`;
    });
    g.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  }
}

async function draw() {
  const response = await fetch(`/board/day?date=${encodeURIComponent(date)}`, { credentials: "same-origin", cache: "no-store" });
  if (response.status === 401) return signIn();
  if (!response.ok) {
    live(`The board could not be read (${response.status})`, true);
    return;
  }
  const before = new Map([...document.querySelectorAll("#board g.visit")].map((g) => [g.dataset.order, `${g.dataset.state}|${g.dataset.start}|${g.dataset.technician}`]));
  $("board").innerHTML = await response.text();
  // What changed since the last drawing is outlined.
  for (const g of document.querySelectorAll("#board g.visit")) {
    const was = before.get(g.dataset.order);
    if (before.size && was !== `${g.dataset.state}|${g.dataset.start}|${g.dataset.technician}`) g.classList.add("changed");
  }
  tooltips();
  document.body.dataset.drawn = String(Date.now());
}

function changed() {
  // Several events of one commit come together: one drawing for them.
  clearTimeout(pending);
  pending = setTimeout(async () => {
    await draw();
    live(`Live · updated ${new Date().toLocaleTimeString()}`);
  }, 100);
}

function listen() {
  if (source) source.close();
  source = new EventSource(`/v1/days/${encodeURIComponent(date)}/stream`);
  for (const type of TYPES) source.addEventListener(type, changed);
  source.onopen = () => changed(); // (re)connected: catch up with anything missed
  source.onerror = () => live("Connection lost — reconnecting; the board may be out of date", true);
}

function signIn() {
  if (source) source.close();
  $("signin").hidden = false;
  $("pick").hidden = true;
  $("board").replaceChildren();
  live("Not signed in", true);
}

async function start() {
  $("signin").addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch("/board/session", {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: $("token").value.trim() }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      $("signin-message").textContent = answer.detail || `refused (${response.status})`;
      return;
    }
    $("token").value = "";
    location.reload();
  });
  $("pick").addEventListener("submit", (event) => {
    event.preventDefault();
    location.search = `?date=${encodeURIComponent($("date").value)}`;
  });
  const response = await fetch("/board/session", { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) return signIn();
  const me = await response.json();
  date = new URLSearchParams(location.search).get("date") || me.today;
  $("title").textContent = `Live board · ${date}`;
  $("date").value = date;
  $("pick").hidden = false;
  await draw();
  listen();
}
start();
