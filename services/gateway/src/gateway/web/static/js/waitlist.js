// Diner waitlist page: the summary, the join form, then the live status of the party.
import { api, ApiError, newKey, serverOffsetMs } from "./api.js";
import { $, h, show, showErrors, clearErrors, setFieldError, setBusy, debounce } from "./dom.js";
import { timeOf, waitRange, countdown, plural } from "./format.js";
import { connectRealtime, liveIndicator } from "./realtime.js";

const rid = document.body.dataset.restaurantId;
const STORE_KEY = `maitred.party.${rid}`;
const FINAL = new Set(["completed", "left", "no_show"]);
const POLL_MS = 10000;

let restaurant = null;
let party = null;
let shownKey = "";
let realtime = null;
let pollTimer = null;
let countdownTimer = null;

const stored = {
  read() {
    try { return JSON.parse(localStorage.getItem(STORE_KEY) || "null"); } catch { return null; }
  },
  write(value) { localStorage.setItem(STORE_KEY, JSON.stringify(value)); },
  clear() { localStorage.removeItem(STORE_KEY); },
};

async function loadRestaurant() {
  try {
    restaurant = await api(`/v1/restaurants/${rid}`);
    const name = restaurant && restaurant.name;
    if (name) {
      $("#place-name").textContent = name;
      $("#summary-title").textContent = name;
      document.title = `${name} · Waitlist`;
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      $("#summary-title").textContent = "Restaurant not found";
      $("#summary-state").replaceChildren(h("span", { class: "badge badge--closed" }, "Unknown restaurant"));
      show($("#join"), false);
    }
  }
}

async function loadSummary() {
  const state = $("#summary-state");
  try {
    const summary = await api(`/v1/restaurants/${rid}/waitlist`);
    const open = Boolean(summary.open);
    state.replaceChildren(open
      ? h("span", { class: "badge badge--open" }, "Open — join from your phone")
      : h("span", { class: "badge badge--closed" }, "The waitlist is closed right now"));
    $("#summary-waiting").textContent = String(summary.parties_waiting ?? "—");
    $("#summary-wait").textContent = waitRange(summary);
    const submit = $("#join-submit");
    submit.disabled = !open;
    submit.textContent = open ? "Join the waitlist" : "Waitlist closed";
  } catch (err) {
    state.replaceChildren(h("span", { class: "badge badge--muted" }, "Could not load the waitlist — pull to refresh"));
  }
}

function showJoin(message) {
  stopLive();
  show($("#summary"), true);
  show($("#join"), true);
  show($("#status"), false);
  const error = $("#join-error");
  error.textContent = message || "";
  error.hidden = !message;
  loadSummary();
}

function showStatusView() {
  show($("#summary"), false);
  show($("#join"), false);
  show($("#status"), true);
}

// ---- joining ----

function readJoinForm(form) {
  const data = new FormData(form);
  const body = {
    name: String(data.get("name") || "").trim(),
    party_size: Number.parseInt(String(data.get("party_size") || ""), 10),
    preference: String(data.get("preference") || "any"),
  };
  const phone = String(data.get("phone") || "").replace(/[\s().-]/g, "");
  if (phone) body.phone = phone;
  return body;
}

async function onJoin(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const formError = $("#join-error");
  clearErrors(form, formError);
  const body = readJoinForm(form);
  let invalid = null;
  if (!body.name) { setFieldError($("#join-name"), "Enter a name so the host can call you."); invalid ||= $("#join-name"); }
  if (!Number.isInteger(body.party_size) || body.party_size < 1) {
    setFieldError($("#join-size"), "Enter how many people, 1 or more."); invalid ||= $("#join-size");
  }
  if (invalid) { invalid.focus(); return; }

  const submit = $("#join-submit");
  setBusy(submit, true, "Joining…");
  try {
    const joined = await api(`/v1/restaurants/${rid}/waitlist/parties`, { method: "POST", body, idempotencyKey: newKey() });
    stored.write({ id: joined.id, token: joined.party_token, name: body.name });
    form.reset();
    showStatusView();
    render({ ...joined, name: body.name, party_size: body.party_size });
    $("#status-title").focus();
    await refreshParty();
    startLive();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    showErrors(form, formError, err, "join");
  } finally {
    setBusy(submit, false);
  }
}

// ---- the party's live status ----

async function refreshParty() {
  const me = stored.read();
  if (!me) return;
  try {
    render(await api(`/v1/parties/${me.id}`, { token: me.token }));
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) {
      stored.clear();
      showJoin("Your place in line is no longer held. You can join again.");
      return;
    }
    showStatusError(err.message || "Could not refresh your place. Retrying…");
  }
}

const refreshSoon = debounce(refreshParty, 150);

function render(next) {
  party = { ...(party || {}), ...next };
  showStatusError("");
  const key = JSON.stringify([party.status, party.position, party.parties_ahead, party.estimated_wait_minutes,
    party.estimate_low_minutes, party.estimate_high_minutes, party.checkin_deadline, party.seated_at]);
  if (key === shownKey) return;
  shownKey = key;

  const status = $("#status");
  status.dataset.status = party.status || "waiting";
  const title = $("#status-title");
  const body = $("#status-body");
  const lines = [];
  const tz = restaurant && restaurant.timezone;
  clearInterval(countdownTimer);
  show($("#ready"), false);

  switch (party.status) {
    case "called": {
      const by = timeOf(party.checkin_deadline, tz);
      title.textContent = "Your table is ready";
      lines.push(h("p", { class: "status__big" }, by ? `Check in by ${by}` : "Please come to the host stand"));
      lines.push(h("p", { class: "status__line" }, "Show this screen at the host stand, or tap check in when you arrive."));
      show($("#ready"), true);
      startCountdown();
      break;
    }
    case "checked_in":
      title.textContent = party.seated_at ? "Enjoy your meal" : "You're checked in";
      lines.push(h("p", { class: "status__line" }, party.seated_at
        ? "You're at your table. Thanks for waiting with us."
        : "The host will take you to your table now."));
      break;
    case "completed":
      title.textContent = "Thanks for dining with us";
      break;
    case "left":
      title.textContent = "You left the waitlist";
      lines.push(h("p", { class: "status__line" }, "Changed your mind? You can join again."));
      break;
    case "no_show":
      title.textContent = "Your table was given away";
      lines.push(h("p", { class: "status__line" }, "We could not hold it any longer. Ask the host, or join again."));
      break;
    default: {
      const position = party.position;
      title.textContent = position ? `You're #${position} in line` : "You're on the list";
      const ahead = party.parties_ahead ?? (position ? position - 1 : null);
      const dl = h("dl", { class: "stats stats--status" },
        h("div", { class: "stat" }, h("dt", {}, "Position"), h("dd", { "data-testid": "position" }, position ?? "—")),
        h("div", { class: "stat" }, h("dt", {}, "Parties ahead"), h("dd", { "data-testid": "ahead" }, ahead ?? "—")),
        h("div", { class: "stat stat--wide" }, h("dt", {}, "Estimated wait"), h("dd", { "data-testid": "wait" }, waitRange(party))));
      lines.push(dl);
      lines.push(h("p", { class: "status__line" },
        ahead === 0 ? "You're next. Stay close — we'll tell you here the moment your table is ready."
          : `${plural(ahead ?? 0, "party", "parties")} ahead of you. Keep this page open or come back to it any time.`));
    }
  }
  if (party.name) lines.push(h("p", { class: "muted" }, `${party.name} · party of ${party.party_size ?? "?"}`));
  body.replaceChildren(title, ...lines);

  const final = FINAL.has(party.status);
  show($("#leave"), !final && party.status !== "checked_in");
  show($("#leave-confirm"), false);
  show($("#rejoin"), final);
  if (final) { stored.clear(); stopLive(); }
}

function startCountdown() {
  const el = $("#countdown");
  const deadline = Date.parse(party.checkin_deadline || "");
  const tick = () => {
    if (Number.isNaN(deadline)) { el.textContent = ""; return; }
    const left = deadline - (Date.now() + serverOffsetMs);
    if (left > 0) {
      el.replaceChildren(h("span", { class: "countdown__time" }, countdown(left)), h("span", { class: "countdown__label" }, "left to check in"));
    } else {
      el.replaceChildren(h("span", { class: "countdown__label" }, "Check-in time is up — see the host"));
    }
    el.dataset.late = left <= 60000 ? "true" : "false";
  };
  tick();
  countdownTimer = setInterval(tick, 1000);
}

function showStatusError(message) {
  const el = $("#status-error");
  el.textContent = message;
  el.hidden = !message;
}

async function partyAction(action, button) {
  const me = stored.read();
  if (!me) return;
  setBusy(button, true);
  try {
    render(await api(`/v1/parties/${me.id}/${action}`, { method: "POST", token: me.token, idempotencyKey: newKey() }));
    $("#status-title").focus();
  } catch (err) {
    showStatusError(err.message);
    refreshParty();
  } finally {
    setBusy(button, false);
  }
}

function startLive() {
  const me = stored.read();
  if (!me || realtime) return;
  realtime = connectRealtime({
    token: me.token,
    channels: [`party:${me.id}`],
    onEvent: refreshSoon,
    onResync: refreshSoon,
    onStatus: (state) => {
      liveIndicator(state);
      // Without the live channel, keep the page right by asking now and then.
      clearInterval(pollTimer);
      if (state !== "live") pollTimer = setInterval(refreshParty, POLL_MS);
    },
    onUnauthorized: refreshParty,
  });
}

function stopLive() {
  clearInterval(pollTimer);
  if (realtime) { realtime.close(); realtime = null; }
  const live = $("#live");
  if (live) live.hidden = true;
}

// ---- wiring ----

$("#join-form").addEventListener("submit", onJoin);
$("#checkin").addEventListener("click", (e) => partyAction("check-in", e.currentTarget));
$("#leave").addEventListener("click", () => { show($("#leave"), false); show($("#leave-confirm"), true); $("#leave-yes").focus(); });
$("#leave-no").addEventListener("click", () => { show($("#leave-confirm"), false); show($("#leave"), true); $("#leave").focus(); });
$("#leave-yes").addEventListener("click", (e) => partyAction("leave", e.currentTarget));
$("#rejoin").addEventListener("click", () => { stored.clear(); party = null; shownKey = ""; showJoin(); $("#join-name").focus(); });

(async () => {
  await loadRestaurant();
  if (stored.read()) {
    showStatusView();
    await refreshParty();
    startLive();
  } else {
    showJoin();
  }
})();
