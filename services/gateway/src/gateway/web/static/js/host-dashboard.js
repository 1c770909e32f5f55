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

    // Quote accuracy: how far the quoted waits were from the real ones, in minutes (mean error).
    let accuracy = pick(stats, "quote_mae_minutes", "quote_error_minutes");
    if (accuracy === null) {
      const quoted = ctx.parties.filter((p) => p.actual_wait_minutes != null && p.quoted_wait_minutes != null);
      if (quoted.length) {
        accuracy = quoted.reduce((n, p) => n + Math.abs(p.actual_wait_minutes - p.quoted_wait_minutes), 0) / quoted.length;
      }
    }

    let covers = pick(stats, "covers_seated_today", "covers_seated");
    if (covers === null) {
      const seatedParties = ctx.parties.filter((p) => ["checked_in", "seated", "completed"].includes(p.status));
      const seatedBookings = ctx.bookings.filter((b) => ["seated", "completed"].includes(b.status));
      covers = [...seatedParties, ...seatedBookings].reduce((n, x) => n + Number(x.party_size || 0), 0);
    }

    set("waiting", String(waiting));
    set("average", average === null ? "—" : minutes(average));
    set("accuracy", accuracy === null ? "—" : `±${minutes(accuracy)}`);
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
