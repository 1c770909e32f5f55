// The tiles at the top: from the waitlist's stats when it has them, else from the lists shown.
import { ApiError } from "./api.js";
import { $, $$, h } from "./dom.js";
import { minutes, elapsedSince, label, TABLE_STATUS } from "./format.js";

const IN_QUEUE = new Set(["waiting", "called"]);
const TABLE_ORDER = ["available", "held", "occupied", "cleaning", "out_of_service"];

// The first of these keys that holds a number (stats shapes differ between waitlist versions).
function pick(obj, ...keys) {
  for (const key of keys) {
    const value = obj ? obj[key] : undefined;
    if (typeof value === "number" && Number.isFinite(value)) return value;
  }
  return null;
}

export function dashboardPanel(ctx) {
  let statsMissing = false;

  async function load() {
    let stats = null;
    if (!statsMissing) {
      try {
        stats = await ctx.call(`/v1/restaurants/${ctx.rid}/waitlist/stats`);
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 405)) statsMissing = true;
      }
    }
    render(stats || {});
  }

  function render(stats) {
    const queue = ctx.parties.filter((p) => IN_QUEUE.has(p.status));
    const waiting = pick(stats, "parties_waiting", "waiting") ?? queue.length;

    let average = pick(stats, "average_wait_minutes", "avg_wait_minutes", "average_actual_wait_minutes");
    if (average === null) {
      const waits = queue.map((p) => elapsedSince(p.joined_at)).filter((m) => m !== null);
      average = waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : null;
    }

    let accuracy = pick(stats, "quote_accuracy", "quote_accuracy_percent", "accuracy");
    if (accuracy === null) {
      const quoted = ctx.parties.filter((p) => p.actual_wait_minutes != null && p.quoted_wait_minutes != null);
      if (quoted.length) {
        const close = quoted.filter((p) => Math.abs(p.actual_wait_minutes - p.quoted_wait_minutes) <= Math.max(5, p.quoted_wait_minutes * 0.25));
        accuracy = close.length / quoted.length;
      }
    }
    if (accuracy !== null && accuracy <= 1) accuracy *= 100;

    let covers = pick(stats, "covers_seated", "covers");
    if (covers === null) {
      const seatedParties = ctx.parties.filter((p) => ["checked_in", "seated", "completed"].includes(p.status));
      const seatedBookings = ctx.bookings.filter((b) => ["seated", "completed"].includes(b.status));
      covers = [...seatedParties, ...seatedBookings].reduce((n, x) => n + Number(x.party_size || 0), 0);
    }

    set("waiting", String(waiting));
    set("average", average === null ? "—" : minutes(average));
    set("accuracy", accuracy === null ? "—" : `${Math.round(accuracy)}%`);
    set("covers", String(covers));

    const counts = new Map();
    for (const t of ctx.tables) counts.set(t.status, (counts.get(t.status) || 0) + 1);
    const statuses = [...TABLE_ORDER.filter((s) => counts.has(s)), ...[...counts.keys()].filter((s) => !TABLE_ORDER.includes(s))];
    const tablesEl = $('[data-stat="tables"]');
    tablesEl.replaceChildren(...(statuses.length ? statuses.map((s) =>
      h("span", { class: "tally" }, h("span", { class: `swatch swatch--${s}`, "aria-hidden": "true" }), `${counts.get(s)} ${label(TABLE_STATUS, s).toLowerCase()}`))
      : ["—"]));
  }

  function set(stat, text) {
    for (const el of $$(`[data-stat="${stat}"]`)) el.textContent = text;
  }

  return { load };
}
