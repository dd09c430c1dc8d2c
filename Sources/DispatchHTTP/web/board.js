// The dispatcher's live board (/board/): the day's chart, map and waiting orders as the server
// draws them (/board/day), drawn again whenever the day's stream (/v1/days/{date}/stream) says a
// change was committed — by a technician, another dispatcher, the nightly job or the call centre.
// Changes: drag a visit (or a waiting order) onto a technician's row, or pick it (click, Enter)
// and use the panel; every change is previewed by the server first and can be undone.
const $ = (id) => document.getElementById(id);
const STATES = ["new", "scheduled", "confirmed", "notified", "en_route", "on_site", "completed", "customer_absent",
  "transferred", "cancelled", "rebooking"];
const TYPES = ["fielddispatch.order.created", "fielddispatch.order.updated", "fielddispatch.order.booked",
  "fielddispatch.plan.published", ...STATES.map((s) => `fielddispatch.order.${s}`)];

let date = null;
let csrf = "";
let source = null;
let pending = null;
let selected = null; // the order the panel is about
let undo = null; // { body, label }: the last change's undoing
let draft = null; // the re-plan under review

function live(text, stale = false) {
  $("live").textContent = text;
  $("live").className = stale ? "live stale" : "live";
}

function say(text, bad = false) {
  $("message").textContent = text;
  $("message").className = bad ? "message bad" : "message";
}

async function post(url, body, method = "POST") {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (response.status === 401) signIn();
  return { ok: response.ok, status: response.status, answer };
}

// The chart's geometry, as the server drew it.
function chart() { return document.querySelector("#board .chart"); }
function version() { return Number(chart()?.dataset.version || 0); }
function technicians() { return [...document.querySelectorAll("#board g.technician")].map((g) => g.dataset.technician); }

function tooltips() {
  for (const g of document.querySelectorAll("#board g.visit")) {
    const title = g.querySelector("title");
    if (title) title.remove();
  }
}

function highlight(technician) {
  for (const element of document.querySelectorAll("#board .hl")) element.classList.remove("hl");
  if (!technician) return;
  for (const element of document.querySelectorAll(`#board [data-technician="${CSS.escape(technician)}"]`)) {
    if (element.matches("g.route, g.technician")) element.classList.add("hl");
  }
}

function fillTechnicians() {
  const ids = technicians();
  for (const select of [$("change-technician"), $("absent-technician")]) {
    const kept = select.value;
    select.replaceChildren(...ids.map((id) => new Option(id, id)));
    if (ids.includes(kept)) select.value = kept;
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
  const scroll = chart() ? [chart().scrollLeft, chart().scrollTop] : null;
  $("board").innerHTML = await response.text();
  if (scroll) [chart().scrollLeft, chart().scrollTop] = scroll;
  // What changed since the last drawing is outlined.
  for (const g of document.querySelectorAll("#board g.visit")) {
    const was = before.get(g.dataset.order);
    if (before.size && was !== `${g.dataset.state}|${g.dataset.start}|${g.dataset.technician}`) g.classList.add("changed");
    if (g.dataset.order === selected) g.classList.add("selected");
  }
  tooltips();
  fillTechnicians();
  document.body.dataset.drawn = String(Date.now());
}

function changed() {
  // Several events of one commit come together (one read of the feed): one drawing for them.
  clearTimeout(pending);
  pending = setTimeout(async () => {
    await draw();
    live(`Live · updated ${new Date().toLocaleTimeString()}`);
  }, 30);
}

function listen() {
  if (source) source.close();
  source = new EventSource(`/v1/days/${encodeURIComponent(date)}/stream`);
  for (const type of TYPES) source.addEventListener(type, changed);
  source.onopen = () => changed(); // (re)connected: catch up with anything missed
  source.onerror = () => live("Connection lost — reconnecting; the board may be out of date", true);
}

// ---- Changes ----

// The body of a change; `based_on` says which plan the dispatcher looked at (a move is about
// another day's plan: none).
function body(action, fields = {}) {
  const result = { action, ...fields };
  if (action !== "move" && action !== "delay") result.based_on = version();
  return result;
}

function describe(answer) {
  return answer.summary || answer.detail || answer.title || "done";
}

async function preview(order, change) {
  const { ok, answer } = await post(`/v1/orders/${encodeURIComponent(order)}/changes`, { ...change, preview: true });
  return { ok, text: ok ? `Preview: ${describe(answer)}` : describe(answer) };
}

async function apply(order, change, label) {
  const { ok, answer } = await post(`/v1/orders/${encodeURIComponent(order)}/changes`, change);
  if (!ok) {
    say(describe(answer), true);
    $("preview").textContent = describe(answer);
    return false;
  }
  say(`${label}: ${describe(answer)}`);
  $("preview").textContent = describe(answer);
  if (answer.undo) {
    const back = { ...answer.undo };
    const order = back.order;
    delete back.order;
    const published = (answer.versions || []).find((v) => v.day === date);
    if (back.action !== "move" && published) back.based_on = published.version;
    undo = { order, body: back, label: `${label}` };
    $("undo").disabled = false;
    $("undo").textContent = `Undo: ${label}`;
  } else {
    undo = null;
    $("undo").disabled = true;
    $("undo").textContent = "Undo";
  }
  changed();
  return true;
}

async function undoLast() {
  if (!undo) return;
  const { order, body: change, label } = undo;
  const { ok, answer } = await post(`/v1/orders/${encodeURIComponent(order)}/changes`, change);
  if (!ok) return say(`Undo refused: ${describe(answer)}`, true);
  undo = null;
  $("undo").disabled = true;
  $("undo").textContent = "Undo";
  say(`Undone (${label}): ${describe(answer)}`);
  changed();
}

// ---- The panel: one order, its explanation and every change by keyboard ----

async function open(order, focus = true) {
  selected = order;
  $("tip").style.display = "none";
  for (const g of document.querySelectorAll("#board g.visit.selected")) g.classList.remove("selected");
  for (const g of document.querySelectorAll(`#board g.visit[data-order="${CSS.escape(order)}"]`)) g.classList.add("selected");
  const visit = document.querySelector(`#board g.visit[data-order="${CSS.escape(order)}"]`);
  $("panel").hidden = false;
  $("panel-title").textContent = order;
  $("preview").textContent = "";
  if (visit) {
    $("change-technician").value = visit.dataset.technician;
    highlight(visit.dataset.technician);
  }
  $("change-start").value = "";
  $("change-pin").checked = false;
  $("explain").textContent = "Reading…";
  if (focus) $("change-technician").focus();
  const response = await fetch(`/board/explain?order=${encodeURIComponent(order)}`, { credentials: "same-origin", cache: "no-store" });
  if (selected !== order) return;
  if (response.ok) {
    $("explain").innerHTML = await response.text();
  } else {
    const problem = await response.json().catch(() => ({}));
    $("explain").textContent = problem.detail || `The explanation could not be read (${response.status})`;
  }
}

function close() {
  const order = selected;
  selected = null;
  $("panel").hidden = true;
  highlight(null);
  for (const g of document.querySelectorAll("#board g.visit.selected")) g.classList.remove("selected");
  const back = order && document.querySelector(`#board g.visit[data-order="${CSS.escape(order)}"], #board .pick-order[data-order="${CSS.escape(order)}"]`);
  if (back) back.focus();
}

// The start typed in the panel (a local time on the board's day), as RFC 3339 with the day's
// offset, which the chart's span start carries.
function startOf(time) {
  if (!time) return undefined;
  const spanStart = chart()?.dataset.spanStart || "";
  const offset = spanStart.slice(19) || "Z";
  return `${date}T${time}:00${offset}`;
}

function assignment() {
  const action = $("change-pin").checked ? "pin" : "assign";
  const fields = { technician: $("change-technician").value };
  const start = startOf($("change-start").value);
  if (start) fields.start = start;
  return body(action, fields);
}

function label(change) {
  const verb = { assign: "assign", pin: "pin", unpin: "unpin", unassign: "unassign", move: "move", delay: "delay" }[change.action];
  const to = change.technician ? ` to ${change.technician}` : change.date ? ` to ${change.date}` : change.minutes ? ` ${change.minutes} min` : "";
  return `${verb} ${selected}${to}`;
}

function panelActions() {
  $("panel-close").addEventListener("click", close);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape" && !$("panel").hidden) close(); });
  $("change-preview").addEventListener("click", async () => {
    $("preview").textContent = "Working it out…";
    $("preview").textContent = (await preview(selected, assignment())).text;
  });
  $("change").addEventListener("submit", async (event) => {
    event.preventDefault();
    const change = assignment();
    await apply(selected, change, label(change));
  });
  const simple = (id, make) => $(id).addEventListener("click", async () => {
    const change = make();
    if (change) await apply(selected, change, label(change));
  });
  simple("change-unpin", () => body("unpin"));
  simple("change-unassign", () => body("unassign"));
  simple("change-delay", () => body("delay", { minutes: Number($("change-minutes").value) }));
  simple("change-move", () => ($("change-date").value ? body("move", { date: $("change-date").value }) : null));
  $("change-pin").addEventListener("change", () => { $("change-apply").textContent = $("change-pin").checked ? "Pin" : "Assign"; });
}

// ---- Drag and drop (pointer events: SVG has no HTML drag and drop) ----

let drag = null;

function rowAt(x, y) {
  const element = document.elementFromPoint(x, y);
  return element ? element.closest("#board g.technician") : null;
}

function pointerDown(event) {
  if (event.button !== 0) return;
  const source = event.target.closest("#board g.visit, #board tr[data-order]");
  if (!source) return;
  drag = { order: source.dataset.order, x: event.clientX, y: event.clientY, moving: false, over: null, previews: new Map(), timer: null };
}

function pointerMove(event) {
  if (!drag) return;
  if (!drag.moving) {
    if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) < 6) return;
    drag.moving = true;
    document.body.classList.add("dragging");
  }
  event.preventDefault();
  const ghost = $("ghost");
  ghost.hidden = false;
  ghost.style.left = `${event.clientX + 16}px`;
  ghost.style.top = `${event.clientY + 12}px`;
  const row = rowAt(event.clientX, event.clientY);
  const technician = row ? row.dataset.technician : null;
  if (technician !== drag.over) {
    drag.over = technician;
    highlight(technician);
    clearTimeout(drag.timer);
    if (!technician) {
      ghost.textContent = `${drag.order}: drop on a technician's row`;
      return;
    }
    const known = drag.previews.get(technician);
    ghost.textContent = known || `${drag.order} → ${technician}: working it out…`;
    ghost.dataset.technician = technician;
    if (!known) {
      const order = drag.order;
      // Asked for once the pointer rests on a row, not for every row it crosses.
      drag.timer = setTimeout(async () => {
        const { text } = await preview(order, body("assign", { technician }));
        if (!drag || drag.order !== order) return;
        drag.previews.set(technician, `${order} → ${technician}: ${text}`);
        if (drag.over === technician) ghost.textContent = drag.previews.get(technician);
      }, 150);
    }
  }
}

async function pointerUp(event) {
  if (!drag) return;
  const { order, moving, timer } = drag;
  clearTimeout(timer);
  drag = null;
  $("ghost").hidden = true;
  document.body.classList.remove("dragging");
  if (!moving) {
    // A click: the order's panel, with why it is where it is.
    if (event.target.closest("#board g.visit")) open(order, false);
    return;
  }
  const row = rowAt(event.clientX, event.clientY);
  highlight(null);
  if (!row) return say(`${order}: not moved (dropped outside the technicians' rows)`);
  const change = body("assign", { technician: row.dataset.technician });
  await apply(order, change, `assign ${order} to ${row.dataset.technician}`);
}

function boardEvents() {
  const board = $("board");
  board.addEventListener("pointerdown", pointerDown);
  document.addEventListener("pointermove", pointerMove);
  document.addEventListener("pointerup", pointerUp);
  board.addEventListener("keydown", (event) => {
    const visit = event.target.closest("g.visit");
    if (visit && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      open(visit.dataset.order);
    }
  });
  board.addEventListener("click", (event) => {
    const pick = event.target.closest(".pick-order");
    if (pick) return open(pick.dataset.order);
    const route = event.target.closest("g.route");
    if (route) {
      const row = document.querySelector(`#board g.technician[data-technician="${CSS.escape(route.dataset.technician)}"]`);
      highlight(route.dataset.technician);
      if (row) row.scrollIntoView({ block: "center", inline: "nearest" });
    }
  });
  board.addEventListener("mouseover", (event) => {
    if (drag) return;
    const tip = $("tip");
    const visit = event.target.closest("g.visit");
    if (visit) {
      tip.textContent = visit.dataset.tip;
      tip.style.display = "block";
    } else {
      tip.style.display = "none";
    }
    const linked = event.target.closest("g.technician, g.route");
    if (!selected) highlight(linked ? linked.dataset.technician : null);
  });
  board.addEventListener("mousemove", (event) => {
    const tip = $("tip");
    tip.style.left = `${event.clientX + 14}px`;
    tip.style.top = `${event.clientY + 14}px`;
  });
  board.addEventListener("mouseleave", () => { $("tip").style.display = "none"; });
}

// ---- Absence and re-plan ----

function absence() {
  let armed = null;
  $("absence").addEventListener("submit", async (event) => {
    event.preventDefault();
    const technician = $("absent-technician").value;
    if (armed !== technician) {
      // Asked twice: an absence moves every visit of theirs.
      armed = technician;
      $("absent-button").textContent = `Confirm: ${technician} absent on ${date}`;
      setTimeout(() => { armed = null; $("absent-button").textContent = "Mark absent…"; }, 6000);
      return;
    }
    armed = null;
    $("absent-button").textContent = "Mark absent…";
    const { ok, answer } = await post(`/v1/technicians/${encodeURIComponent(technician)}/absence`, { date });
    say(ok ? `${technician} absent: ${describe(answer)}` : describe(answer), !ok);
    if (ok) changed();
  });
}

function row(name, before, after) {
  const tr = document.createElement("tr");
  for (const text of [name, before, after]) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

function list(title, items) {
  const section = document.createElement("div");
  const heading = document.createElement("h3");
  heading.textContent = `${title} (${items.length})`;
  const ul = document.createElement("ul");
  for (const item of items.slice(0, 50)) {
    const li = document.createElement("li");
    li.textContent = item;
    ul.append(li);
  }
  if (items.length > 50) ul.append(Object.assign(document.createElement("li"), { textContent: `… ${items.length - 50} more` }));
  section.append(heading, ul);
  return section;
}

function replan() {
  $("replan").addEventListener("click", async () => {
    $("review").hidden = false;
    $("review-publish").hidden = true;
    $("review-body").textContent = "Searching for a better plan of the day…";
    const { ok, answer } = await post("/board/replan", { date });
    if (!ok) {
      $("review-body").textContent = describe(answer);
      return;
    }
    draft = answer.id;
    const table = document.createElement("table");
    table.innerHTML = "<thead><tr><th></th><th>Published</th><th>Proposed</th></tr></thead>";
    const tbody = document.createElement("tbody");
    const p = answer.published || {};
    const q = answer.proposed;
    tbody.append(
      row("Orders planned", `${p.assigned ?? "–"} of ${p.orders ?? "–"}`, `${q.assigned} of ${q.orders}`),
      row("Travel (min)", String(p.travel_minutes ?? "–"), String(q.travel_minutes)),
      row("Outsourced orders", String(p.outsourced_orders ?? "–"), String(q.outsourced_orders)),
      row("Late repairs", String(p.late_repairs ?? "–"), String(q.late_repairs)),
    );
    table.append(tbody);
    const note = document.createElement("p");
    note.textContent = `${answer.unchanged} visits stay as they are. Nothing is published until you say so.`;
    $("review-body").replaceChildren(table, note, list("Moved", answer.moved), list("Newly planned", answer.added),
      list("Taken off", answer.removed));
    $("review-publish").hidden = false;
    $("review-publish").focus();
  });
  $("review-publish").addEventListener("click", async () => {
    if (!draft) return;
    const { ok, answer } = await post(`/board/replan/${encodeURIComponent(draft)}/publish`);
    draft = null;
    $("review").hidden = true;
    say(ok ? `Re-plan: ${describe(answer)}` : describe(answer), !ok);
    undo = null;
    $("undo").disabled = true;
    $("undo").textContent = "Undo";
    if (ok) changed();
  });
  $("review-discard").addEventListener("click", async () => {
    if (draft) await post(`/board/replan/${encodeURIComponent(draft)}`, undefined, "DELETE");
    draft = null;
    $("review").hidden = true;
    say("Re-plan discarded: nothing changed");
  });
}

function signIn() {
  if (source) source.close();
  $("signin").hidden = false;
  $("pick").hidden = true;
  $("tools").hidden = true;
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
  csrf = me.csrf;
  date = new URLSearchParams(location.search).get("date") || me.today;
  $("title").textContent = `Live board · ${date}`;
  $("date").value = date;
  $("pick").hidden = false;
  $("tools").hidden = false;
  boardEvents();
  panelActions();
  absence();
  replan();
  $("undo").addEventListener("click", undoLast);
  await draw();
  listen();
}
start();
