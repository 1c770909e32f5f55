// Host console: staff sign-in, restaurant choice, then the live panels.
import { api, ApiError, newKey } from "./api.js";
import { $, $$, h, show, showErrors, clearErrors, setFieldError, debounce } from "./dom.js";
import { connectRealtime, liveIndicator } from "./realtime.js";
import { queuePanel } from "./host-queue.js";
import { floorPanel } from "./host-floor.js";
import { bookingsPanel } from "./host-bookings.js";
import { settingsPanel } from "./host-settings.js";
import { dashboardPanel } from "./host-dashboard.js";

const JWT_KEY = "maitred.staff.jwt";
const RID_KEY = "maitred.host.restaurant";

let realtime = null;
let ticker = null;

function jwt() { return sessionStorage.getItem(JWT_KEY); }

function signOut(message) {
  sessionStorage.removeItem(JWT_KEY);
  if (realtime) { realtime.close(); realtime = null; }
  clearInterval(ticker);
  show($("#live"), false);
  show($("#console"), false);
  show($("#pick"), false);
  show($("#login"), true);
  const error = $("#login-error");
  error.textContent = message || "";
  error.hidden = !message;
  $("#login-email").focus();
}

async function onLogin(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const formError = $("#login-error");
  clearErrors(form, formError);
  const email = $("#login-email").value.trim();
  const password = $("#login-password").value;
  if (!email) { setFieldError($("#login-email"), "Enter your e-mail."); $("#login-email").focus(); return; }
  if (!password) { setFieldError($("#login-password"), "Enter your password."); $("#login-password").focus(); return; }
  try {
    const answer = await api("/v1/auth/token", { method: "POST", body: { email, password } });
    sessionStorage.setItem(JWT_KEY, answer.access_token);
    $("#login-password").value = "";
    await start();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.status === 401) {
      formError.textContent = "That e-mail and password do not match an account.";
      formError.hidden = false;
    } else {
      showErrors(form, formError, err, "login");
    }
  }
}

async function start() {
  let me;
  try {
    me = await api("/v1/auth/me", { token: jwt() });
  } catch (err) {
    signOut(err.status === 401 ? "Your session has ended. Please sign in again." : err.message);
    return;
  }
  const memberships = Array.isArray(me.memberships) ? me.memberships : [];
  const remembered = sessionStorage.getItem(RID_KEY);
  const chosen = memberships.find((m) => m.restaurant_id === remembered) || (memberships.length === 1 ? memberships[0] : null);
  if (chosen) {
    openConsole(chosen, memberships.length > 1 ? memberships : null);
  } else {
    showPicker(memberships);
  }
}

async function showPicker(memberships) {
  show($("#login"), false);
  show($("#console"), false);
  show($("#pick"), true);
  show($("#pick-empty"), memberships.length === 0);
  const list = $("#pick-list");
  list.replaceChildren(...memberships.map((m) => {
    const button = h("button", { class: "btn btn--secondary btn--block", type: "button", onclick: () => openConsole(m, memberships) },
      m.restaurant_name || m.name || "Restaurant", h("span", { class: "muted" }, ` · ${m.role}`));
    api(`/v1/restaurants/${m.restaurant_id}`).then((r) => { if (r && r.name) button.firstChild.textContent = r.name; }).catch(() => {});
    return h("li", {}, button);
  }));
  $("#pick-title").focus();
}

async function openConsole(membership, others) {
  const rid = membership.restaurant_id;
  sessionStorage.setItem(RID_KEY, rid);
  show($("#login"), false);
  show($("#pick"), false);
  show($("#console"), true);
  const switcher = $("#switch-restaurant");
  show(switcher, Boolean(others));
  switcher.onclick = () => { sessionStorage.removeItem(RID_KEY); if (realtime) { realtime.close(); realtime = null; } showPicker(others); };

  const toastEl = $("#toast");
  let toastTimer = null;
  const ctx = {
    rid,
    role: membership.role,
    restaurant: null,
    tables: [],
    parties: [],
    bookings: [],
    settings: null,
    async call(path, options = {}) {
      try {
        return await api(path, { ...options, token: jwt(), idempotencyKey: options.method && options.method !== "GET" ? newKey() : null });
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) signOut("Your session has ended. Please sign in again.");
        throw err;
      }
    },
    toast(message, kind = "info") {
      toastEl.textContent = message;
      toastEl.dataset.kind = kind;
      toastEl.hidden = false;
      clearTimeout(toastTimer);
      toastTimer = setTimeout(() => { toastEl.hidden = true; }, kind === "error" ? 7000 : 4000);
    },
    changed(...panels) { for (const panel of panels) refresh[panel](); },
  };

  try { ctx.restaurant = await api(`/v1/restaurants/${rid}`); } catch { ctx.restaurant = null; }
  const name = (ctx.restaurant && ctx.restaurant.name) || "Your restaurant";
  $("#console-title").textContent = name;
  document.title = `${name} · Host console`;
  $("#qr-image").src = `/r/${rid}/qr.svg`;
  $("#qr-download").href = `/r/${rid}/qr.svg`;
  const link = $("#qr-link");
  link.href = `/r/${rid}`;
  link.textContent = `${location.origin}/r/${rid}`;

  const dashboard = dashboardPanel(ctx);
  const panels = {
    queue: queuePanel(ctx),
    floor: floorPanel(ctx),
    bookings: bookingsPanel(ctx),
    settings: settingsPanel(ctx),
  };
  // Each panel refetches on its own, at most once per burst of events; the dashboard follows.
  const refresh = {};
  for (const [key, panel] of Object.entries(panels)) {
    refresh[key] = debounce(async () => {
      await panel.load();
      // The queue's table choices come from the floor: redraw them with the new tables.
      if (key === "floor") panels.queue.tick();
      dashboard.load();
    }, 200);
  }
  refresh.dashboard = debounce(() => dashboard.load(), 200);
  await Promise.allSettled(Object.values(panels).map((p) => p.load()));
  panels.queue.tick();
  dashboard.load();
  $("#console-title").focus();

  clearInterval(ticker);
  ticker = setInterval(() => { panels.queue.tick(); dashboard.load(); }, 30000);

  if (realtime) realtime.close();
  realtime = connectRealtime({
    token: jwt(),
    channels: [`restaurant:${rid}`],
    onEvent: (msg) => {
      for (const panel of panelsFor(msg.event || "")) refresh[panel]();
    },
    onResync: () => { for (const key of Object.keys(panels)) refresh[key](); },
    onStatus: liveIndicator,
    onUnauthorized: () => signOut("Your session has ended. Please sign in again."),
  });
}

function panelsFor(type) {
  if (type.startsWith("waitlist.waitlist.")) return ["settings", "queue"];
  if (type.startsWith("waitlist.")) return ["queue"];
  if (type.startsWith("reservations.table.")) return ["floor", "queue"];
  if (type.startsWith("reservations.reservation.")) return ["bookings"];
  if (type.startsWith("reservations.restaurant.")) return ["bookings"];
  return [];
}

$("#login-form").addEventListener("submit", onLogin);
for (const button of $$("[data-action=sign-out]")) button.addEventListener("click", () => signOut());

if (jwt()) start(); else signOut();
