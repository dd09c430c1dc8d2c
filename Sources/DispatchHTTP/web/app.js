// The technician's day (/t/): today's visits from /v1/me/agenda, the reports a visit's state
// allows as buttons, each through the same status operation as the API. Reports are queued in
// IndexedDB first and sent in order with their idempotency keys, so a report made offline is
// sent when the connection returns, once; one the state machine refuses is listed, never dropped.

const SESSION = "fd-session";
const AGENDA = "fd-agenda";
const LABELS = {
  en_route: "On the way", on_site: "Arrived", completed: "Done", customer_absent: "Customer not home",
  transferred: "Transferred", scheduled: "Scheduled", confirmed: "Confirmed", notified: "Customer told",
  rebooking: "Rebooking", cancelled: "Cancelled", new: "New",
};
// What a technician may report from each state (the server's state machine has the last word).
const NEXT = {
  scheduled: ["en_route"], confirmed: ["en_route"], notified: ["en_route", "on_site"],
  en_route: ["on_site", "customer_absent"], on_site: ["completed", "customer_absent", "transferred"],
};
// States in which the technician can still say they will be late for the visit.
const LATE = new Set(["scheduled", "confirmed", "notified", "en_route"]);
const FINISHED = new Set(["completed", "customer_absent", "transferred", "cancelled", "rebooking"]);

const $ = (id) => document.getElementById(id);
let session = JSON.parse(localStorage.getItem(SESSION) || "null");
let agenda = JSON.parse(localStorage.getItem(AGENDA) || "null");
let pending = new Map(); // order -> state reported but not yet recorded
let replaying = false;

// --- the report queue (IndexedDB, in the order made) ---
function database() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("fielddispatch", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("reports", { keyPath: "seq", autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
async function store(mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("reports", mode);
    const result = work(tx.objectStore("reports"));
    tx.oncomplete = () => resolve(result.result);
    tx.onerror = () => reject(tx.error);
  });
}
const queued = () => store("readonly", (s) => s.getAll());
const enqueue = (item) => store("readwrite", (s) => s.add(item));
const dequeue = (seq) => store("readwrite", (s) => s.delete(seq));

function key() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// --- what the page says ---
function say(text, bad = false) {
  const message = $("message");
  message.textContent = text;
  message.className = bad ? "message bad" : "message";
  message.hidden = !text;
}
function connection(online, detail = "") {
  const line = $("connection");
  line.textContent = online ? (detail || "Online") : "Offline — reports are kept on this phone and sent when back online";
  line.className = online ? "connection" : "connection offline";
}
function refused(text) {
  $("refused").hidden = false;
  const item = document.createElement("li");
  item.textContent = text;
  $("refused-list").append(item);
}
const hhmm = (rfc3339) => (rfc3339 ? rfc3339.slice(11, 16) : "");

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children.filter(Boolean));
  return node;
}

function render() {
  const list = $("visits");
  list.replaceChildren();
  if (!agenda) return;
  $("title").textContent = `${agenda.technician} · ${agenda.date}`;
  if (agenda.visits.length === 0) {
    list.append(element("li", { class: "empty", text: "No visits planned today." }));
    return;
  }
  const current = agenda.visits.find((v) => !FINISHED.has(pending.get(v.order) || v.state));
  for (const visit of agenda.visits) {
    const state = pending.get(visit.order) || visit.state;
    const window = visit.window ? `${hhmm(visit.window.start)}–${hhmm(visit.window.end)}` : "no window";
    const badge = element("span", {
      class: `state ${pending.has(visit.order) ? "queued" : state}`,
      text: pending.has(visit.order) ? `${LABELS[state] || state} (not sent yet)` : LABELS[state] || state,
    });
    const item = element("li", {
      class: `visit${visit === current ? " current" : ""}${FINISHED.has(state) ? " done" : ""}`,
      "data-order": visit.order,
    });
    item.append(element("h2", {}, element("span", { text: `${window} · ${visit.order}` }), badge));
    item.append(element("p", { class: "meta" },
      element("strong", { text: `${visit.type} ${visit.service}` }),
      ` · ${visit.duration_minutes} min · planned ${hhmm(visit.planned_start)}–${hhmm(visit.planned_end)}`));
    if (visit.address) item.append(element("p", { class: "meta", text: visit.address }));
    if (visit.customer) {
      const line = element("p", { class: "meta", text: `Customer: ${visit.customer.name}` });
      if (visit.customer.phone) line.append(" · ", element("a", { href: `tel:${visit.customer.phone}`, text: visit.customer.phone }));
      item.append(line);
    }
    for (const partner of visit.partners || []) {
      item.append(element("p", { class: "meta", text: `Together with ${partner.technician} (${partner.order})${visit.contact ? " — you are the customer's contact" : ""}` }));
    }
    if (visit.notes) item.append(element("p", { class: "meta", text: `Notes: ${visit.notes}` }));
    const actions = element("div", { class: "actions" });
    const { lat, lon } = visit.location;
    actions.append(element("a", { class: "nav", href: `geo:${lat},${lon}?q=${lat},${lon}`, text: "Navigate", "aria-label": `Navigate to ${visit.order}` }));
    for (const next of NEXT[state] || []) {
      // A broadband install is completed with its speed-test result (the completion rule).
      let speed = null;
      if (next === "completed" && visit.type === "install" && visit.service === "broadband") {
        const id = `speed-${visit.order}`;
        speed = element("input", { id, type: "number", inputmode: "decimal", min: "0", step: "0.1", required: "" });
        actions.append(element("span", { class: "speed" }, element("label", { for: id, text: "Speed test (Mbit/s)" }), speed));
      }
      const button = element("button", { type: "button", "data-report": next, text: LABELS[next] });
      button.className = next === "en_route" || next === "on_site" || next === "completed" ? "" : "secondary";
      button.setAttribute("aria-label", `${LABELS[next]}: ${visit.order}`);
      button.addEventListener("click", () => {
        if (speed && !speed.value) {
          say(`Enter the speed-test result of ${visit.order} before it is done.`, true);
          return speed.focus();
        }
        report(visit.order, next, button, speed ? { speed_test_mbps: Number(speed.value) } : undefined);
      });
      actions.append(button);
    }
    if (LATE.has(state)) {
      // Running late: the visit and the ones after it are re-planned, their customers told.
      const id = `late-${visit.order}`;
      const minutes = element("input", { id, type: "number", inputmode: "numeric", min: "1", max: "720", step: "5", value: "15" });
      const button = element("button", { type: "button", class: "secondary", text: "Running late", "aria-label": `Running late: ${visit.order}` });
      button.addEventListener("click", () => {
        const value = Math.round(Number(minutes.value));
        if (!(value >= 1 && value <= 720)) {
          say("Say how late, from 1 to 720 minutes.", true);
          return minutes.focus();
        }
        late(visit.order, value, button);
      });
      actions.append(element("span", { class: "speed" }, element("label", { for: id, text: "Minutes late" }), minutes, button));
    }
    item.append(actions);
    list.append(item);
  }
}

// --- talking to the server ---
async function whoAmI() {
  const response = await fetch("/t/session", { credentials: "same-origin", cache: "no-store" });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`session: ${response.status}`);
  return response.json();
}

function signedOut() {
  localStorage.removeItem(SESSION);
  localStorage.removeItem(AGENDA);
  agenda = null;
  render();
  connection(true, "Not signed in");
  say("This phone is not signed in. Ask your dispatcher for a sign-in link and open it here.", true);
}

async function refresh() {
  try {
    const response = await fetch("/v1/me/agenda", { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401) return signedOut();
    if (!response.ok) throw new Error(`agenda: ${response.status}`);
    const before = agenda;
    agenda = await response.json();
    localStorage.setItem(AGENDA, JSON.stringify(agenda));
    connection(response.headers.get("X-FieldDispatch-Offline") !== "1");
    render();
    return before;
  } catch (error) {
    connection(false);
    render();
  }
}

/// Later visits whose planned start the reaction moved, in words.
function moved(before, after) {
  if (!before || !after) return [];
  const was = new Map(before.visits.map((v) => [v.order, v.planned_start]));
  return after.visits.filter((v) => was.has(v.order) && was.get(v.order) !== v.planned_start)
    .map((v) => `${v.order} moved to ${hhmm(v.planned_start)}${v.state === "notified" ? ", customer told" : ""}`);
}

async function send(item) {
  const body = item.minutes ? { minutes: item.minutes }
    : item.details ? { state: item.state, details: item.details } : { state: item.state };
  return fetch(`/v1/me/orders/${encodeURIComponent(item.order)}/${item.minutes ? "delay" : "status"}`, {
    method: "POST", credentials: "same-origin", cache: "no-store",
    headers: { "Content-Type": "application/json", "Idempotency-Key": item.key, "X-CSRF-Token": session ? session.csrf : "" },
    body: JSON.stringify(body),
  });
}

const described = (item) => (item.minutes ? `running ${item.minutes} min late` : LABELS[item.state] || item.state);

async function replay() {
  if (replaying) return;
  replaying = true;
  const outcomes = [];
  let stalled = false;
  try {
    for (const item of await queued()) {
      let response;
      try {
        response = await send(item);
      } catch (error) {
        stalled = true; // offline: everything waits, in order
        break;
      }
      const answer = await response.json().catch(() => ({}));
      if (response.ok) {
        await dequeue(item.seq);
        if (item.state) pending.delete(item.order);
        const told = answer.notices_queued ? ` (${answer.notices_queued} customer${answer.notices_queued > 1 ? "s" : ""} told)` : "";
        const refusedReaction = answer.reaction_refused ? ` (the plan was not changed: ${answer.reaction_refused})` : "";
        outcomes.push(`${item.order}: ${described(item)} recorded${told}${refusedReaction}`);
      } else if (response.status === 401) {
        stalled = true;
        signedOut();
        break;
      } else if (response.status === 429 || response.status >= 500 || (answer.type || "").endsWith("idempotency-in-flight")) {
        stalled = true; // tried again later, in order
        break;
      } else {
        await dequeue(item.seq);
        if (item.state) pending.delete(item.order);
        refused(`${item.order}: ${described(item)} (${item.at.slice(11, 16)}) was refused — ${answer.detail || response.status}`);
      }
    }
  } finally {
    replaying = false;
  }
  const before = await refresh();
  const changes = moved(before, agenda);
  if (outcomes.length) say([...outcomes, ...changes].join("; "));
  if (stalled) connection(false);
  return outcomes;
}

async function report(order, state, button, details) {
  button.disabled = true;
  const item = { key: key(), order, state, details, at: new Date().toISOString() };
  await enqueue(item);
  pending.set(order, state);
  render();
  await replay();
}

async function late(order, minutes, button) {
  button.disabled = true;
  await enqueue({ key: key(), order, minutes, at: new Date().toISOString() });
  await replay();
}

async function start() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/t/sw.js", { scope: "/t/" }).catch(() => {});
  $("refresh").addEventListener("click", () => replay());
  $("signout").addEventListener("click", async () => {
    await fetch("/t/signout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": session ? session.csrf : "" } }).catch(() => {});
    signedOut();
  });
  window.addEventListener("online", () => replay());
  window.addEventListener("offline", () => connection(false));
  for (const item of await queued()) if (item.state) pending.set(item.order, item.state);
  render();
  try {
    const me = await whoAmI();
    if (!me) return signedOut();
    session = me;
    localStorage.setItem(SESSION, JSON.stringify(me));
  } catch (error) {
    connection(false); // offline: the day as last seen, the queue kept
    if (!session) return say("Offline, and this phone has not loaded its day yet.", true);
  }
  await replay();
}
start();
