// Today's bookings on a timeline: one row per table, one bar per booking.
import { itemsOf } from "./api.js";
import { $, h, show } from "./dom.js";
import { timeOf, todayIn, minutesOfDay, label, BOOKING_STATUS } from "./format.js";

const ACTIONS = { booked: ["seat", "no-show", "cancel"], seated: ["complete"] };
const ACTION_LABELS = { seat: "Seat", "no-show": "No-show", cancel: "Cancel booking", complete: "Complete" };

export function bookingsPanel(ctx) {
  const timeline = $("#timeline");
  const detail = $("#booking-detail");
  let selected = null;

  const tz = () => ctx.restaurant && ctx.restaurant.timezone;

  async function load() {
    const date = todayIn(tz());
    try {
      ctx.bookings = itemsOf(await ctx.call(`/v1/restaurants/${ctx.rid}/reservations?date=${date}`));
      render();
    } catch (err) {
      if (err.status !== 401) ctx.toast(`Bookings: ${err.message}`, "error");
    }
  }

  function render() {
    const bookings = ctx.bookings.filter((b) => b.starts_at);
    const live = bookings.filter((b) => b.status !== "cancelled");
    $("#bookings-count").textContent = `${live.length} booked · ${live.reduce((n, b) => n + Number(b.party_size || 0), 0)} covers`;
    if (!bookings.length) {
      timeline.replaceChildren(h("p", { class: "muted empty" }, "No bookings today."));
      show(detail, false);
      return;
    }
    const starts = bookings.map((b) => minutesOfDay(b.starts_at, tz()));
    const ends = bookings.map((b) => {
      const end = b.ends_at ? minutesOfDay(b.ends_at, tz()) : minutesOfDay(b.starts_at, tz()) + 60;
      return end === 0 ? 24 * 60 : end;
    });
    const now = minutesOfDay(new Date().toISOString(), tz());
    const from = Math.floor(Math.min(...starts, now) / 60) * 60;
    const to = Math.max(from + 4 * 60, Math.ceil(Math.max(...ends, now + 30) / 60) * 60);
    const span = to - from;
    const pct = (m) => `${(((m - from) / span) * 100).toFixed(2)}%`;

    const hours = [];
    for (let m = from; m <= to; m += 60) {
      const edge = m === from ? " timeline__hour--first" : m === to ? " timeline__hour--last" : "";
      const tick = h("span", { class: `timeline__hour${edge}` }, `${String(Math.floor(m / 60) % 24).padStart(2, "0")}:00`);
      tick.style.setProperty("left", pct(m));
      hours.push(tick);
    }
    // Every table gets a row, so free tables for walk-ins show too.
    const byTable = new Map(ctx.tables.map((t) => [t.id, []]));
    for (const b of bookings) {
      const key = b.table_id || "unassigned";
      if (!byTable.has(key)) byTable.set(key, []);
      byTable.get(key).push(b);
    }
    const tableLabel = (id) => {
      const table = ctx.tables.find((t) => t.id === id);
      const any = byTable.get(id)[0];
      return (table && table.label) || (any && any.table_label) || "—";
    };
    const rows = [...byTable.keys()]
      .sort((a, b) => String(tableLabel(a)).localeCompare(String(tableLabel(b)), undefined, { numeric: true }))
      .map((key) => h("div", { class: "timeline__row", role: "listitem" },
        h("span", { class: "timeline__table" }, tableLabel(key)),
        h("div", { class: "timeline__track" }, ...byTable.get(key).map((b) => bar(b, pct, span)))));

    const nowLine = now >= from && now <= to ? h("span", { class: "timeline__now", "aria-hidden": "true" }) : null;
    if (nowLine) nowLine.style.setProperty("left", pct(now));
    timeline.replaceChildren(
      h("div", { class: "timeline__scale", "aria-hidden": "true" }, h("span", { class: "timeline__table" }), h("div", { class: "timeline__track" }, ...hours, nowLine)),
      h("div", { role: "list", "aria-label": "Bookings by table" }, ...rows));
    if (selected) showDetail(ctx.bookings.find((b) => b.id === selected), false);
  }

  function bar(b, pct, span) {
    const start = minutesOfDay(b.starts_at, tz());
    let end = b.ends_at ? minutesOfDay(b.ends_at, tz()) : start + 60;
    if (end <= start) end = start + 60;
    const status = b.status || "booked";
    const el = h("button", {
      class: `booking-bar booking-bar--${status}`,
      type: "button",
      "aria-label": `${timeOf(b.starts_at, tz())} ${b.name || "Guest"}, party of ${b.party_size}, ${label(BOOKING_STATUS, status)}`,
      dataset: { bookingId: b.id },
      onclick: () => showDetail(b),
    }, `${timeOf(b.starts_at, tz())} ${b.name || "Guest"} · ${b.party_size}`);
    el.style.setProperty("left", pct(start));
    el.style.setProperty("width", `${(((end - start) / span) * 100).toFixed(2)}%`);
    return el;
  }

  function showDetail(b, focus = true) {
    if (!b) { selected = null; show(detail, false); return; }
    selected = b.id;
    const status = b.status || "booked";
    const actions = ACTIONS[status] || [];
    detail.replaceChildren(
      h("p", {},
        h("strong", {}, b.name || "Guest"),
        ` · ${b.party_size} · ${timeOf(b.starts_at, tz())}–${timeOf(b.ends_at, tz())} `,
        h("span", { class: `badge badge--${status}` }, label(BOOKING_STATUS, status))),
      h("div", { class: "party__actions" },
        ...actions.map((a) => h("button", {
          class: `btn btn--small ${a === "seat" ? "btn--primary" : a === "complete" ? "btn--secondary" : "btn--danger-ghost"}`,
          type: "button",
          onclick: (e) => act(b, a, e.currentTarget),
        }, ACTION_LABELS[a])),
        h("button", { class: "btn btn--ghost btn--small", type: "button", onclick: () => showDetail(null) }, "Close")));
    show(detail, true);
    if (focus) { const first = detail.querySelector("button"); if (first) first.focus(); }
  }

  async function act(b, action, button) {
    button.disabled = true;
    try {
      if (action === "cancel") await ctx.call(`/v1/reservations/${b.id}`, { method: "DELETE" });
      else await ctx.call(`/v1/reservations/${b.id}/${action}`, { method: "POST", body: {} });
      ctx.toast(`${b.name || "Booking"}: ${ACTION_LABELS[action].toLowerCase()} done.`);
    } catch (err) {
      ctx.toast(`Could not ${ACTION_LABELS[action].toLowerCase()}: ${err.message}`, "error");
    } finally {
      button.disabled = false;
      ctx.changed("bookings", "floor");
    }
  }

  return { load };
}
