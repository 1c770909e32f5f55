// The live queue: who is waiting, for how long, and the host's actions on each party.
import { ApiError, itemsOf } from "./api.js";
import { $, h, show } from "./dom.js";
import { minutes, elapsedSince, timeOf, waitRange, label, PARTY_STATUS } from "./format.js";

const ACTIONS = {
  waiting: ["call", "seat", "remove"],
  called: ["seat", "no-show", "remove"],
  checked_in: ["seat", "complete"],
  seated: ["complete"],
};
const ACTION_LABELS = { call: "Call", seat: "Seat", "no-show": "No-show", remove: "Remove", complete: "Done" };
const ACTION_DONE = { call: "called", seat: "seated", "no-show": "marked no-show", remove: "removed", complete: "finished" };
const NEEDS_TABLE = new Set(["call", "seat"]);

export function queuePanel(ctx) {
  const list = $("#queue");
  const chosenTable = new Map(); // party id -> table id picked in its select, kept across refreshes

  async function load() {
    try {
      ctx.parties = itemsOf(await ctx.call(`/v1/restaurants/${ctx.rid}/waitlist/parties`));
      render();
    } catch (err) {
      if (err.status !== 401) ctx.toast(`Queue: ${err.message}`, "error");
    }
    try {
      const summary = await ctx.call(`/v1/restaurants/${ctx.rid}/waitlist`);
      const badge = $("#queue-open");
      badge.textContent = summary.open ? "Open" : "Closed";
      badge.className = `badge ${summary.open ? "badge--open" : "badge--closed"}`;
      ctx.summary = summary;
    } catch { /* the badge keeps its last value */ }
  }

  function freeTablesFor(party) {
    return ctx.tables
      .filter((t) => t.status === "available" && Number(t.capacity) >= Number(party.party_size))
      .sort((a, b) => a.capacity - b.capacity);
  }

  function render() {
    const focusKey = document.activeElement && list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    const active = ctx.parties.filter((p) => ACTIONS[p.status]);
    list.replaceChildren(...active.map((party, index) => row(party, index)));
    show($("#queue-empty"), active.length === 0);
    if (focusKey) {
      const again = list.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      if (again) again.focus();
    }
  }

  function row(party, index) {
    // A checked-in party the host has walked to its table shows as seated.
    const status = party.status === "checked_in" && party.seated_at ? "seated" : party.status || "waiting";
    const inLine = status === "waiting" || status === "called";
    // Live from joined_at while in line; the service's figure once the wait is over.
    const waited = inLine ? elapsedSince(party.joined_at) ?? party.wait_so_far_minutes : party.wait_so_far_minutes ?? null;
    const meta = [];
    if (waited !== null && waited !== undefined) meta.push(`${inLine ? "waiting" : "waited"} ${minutes(waited)}`);
    if (status === "waiting" && (party.estimated_wait_minutes !== undefined || party.estimate_high_minutes !== undefined)) {
      meta.push(`quoted ${waitRange(party)}`);
    }
    if (status === "called" && party.checkin_deadline) meta.push(`check in by ${timeOf(party.checkin_deadline, ctx.restaurant && ctx.restaurant.timezone)}`);
    const table = party.table_id && ctx.tables.find((t) => t.id === party.table_id);
    if (table) meta.push(`table ${table.label}`);
    const suggested = status === "waiting" && party.suggested_table_id && ctx.tables.find((t) => t.id === party.suggested_table_id);
    if (suggested) meta.push(`suggested: ${suggested.label}`);
    if (party.overdue) meta.push("over the expected time");

    const actions = ACTIONS[status] || [];
    let select = null;
    // Without a free table that fits, calling or seating a waiting party cannot work: say so.
    let noTable = false;
    if (actions.some((a) => NEEDS_TABLE.has(a)) && !party.table_id) {
      const tables = freeTablesFor(party);
      noTable = tables.length === 0;
      select = h("select", {
        class: "party__table",
        "aria-label": `Table for ${party.name}`,
        dataset: { focusKey: `${party.id}:table` },
        onchange: (e) => chosenTable.set(party.id, e.currentTarget.value),
      },
      h("option", { value: "" }, tables.length ? "Any free table" : "No free table"),
      ...tables.map((t) => h("option", { value: t.id, selected: (chosenTable.get(party.id) ?? party.suggested_table_id) === t.id }, `${t.label} (${t.capacity})`)));
    }

    return h("li", { class: "party", dataset: { status, partyId: party.id } },
      h("div", { class: "party__main" },
        h("span", { class: "party__pos", "aria-hidden": "true" }, inLine ? String(party.position ?? index + 1) : "✓"),
        h("div", { class: "party__who" },
          h("strong", { class: "party__name" }, party.name || "Guest"),
          h("span", { class: "party__size" }, ` · ${party.party_size} ${Number(party.party_size) === 1 ? "guest" : "guests"}`),
          party.preference && party.preference !== "any" ? h("span", { class: "chip chip--small" }, party.preference) : null,
          h("div", { class: "party__meta" }, meta.join(" · "))),
        h("span", { class: `badge badge--${status}` }, label(PARTY_STATUS, status))),
      h("div", { class: "party__actions" },
        select,
        ...actions.map((action) => h("button", {
          class: `btn btn--small ${action === "call" || action === "seat" ? "btn--primary" : action === "remove" || action === "no-show" ? "btn--danger-ghost" : "btn--secondary"}`,
          type: "button",
          dataset: { focusKey: `${party.id}:${action}` },
          disabled: noTable && NEEDS_TABLE.has(action),
          title: noTable && NEEDS_TABLE.has(action) ? "No free table fits this party" : null,
          "aria-label": `${ACTION_LABELS[action]} ${party.name}`,
          onclick: (e) => act(party, action, e.currentTarget),
        }, ACTION_LABELS[action]))));
  }

  async function act(party, action, button) {
    button.disabled = true;
    const select = button.closest(".party")?.querySelector(".party__table");
    const tableId = select ? select.value : "";
    const body = NEEDS_TABLE.has(action) && tableId ? { table_id: tableId } : {};
    try {
      await post(party, action, body);
      ctx.toast(`${party.name} ${ACTION_DONE[action]}.`);
      chosenTable.delete(party.id);
    } catch (err) {
      ctx.toast(`Could not ${ACTION_LABELS[action].toLowerCase()} ${party.name}: ${err.message}`, "error");
    } finally {
      button.disabled = false;
      ctx.changed("queue", "floor");
    }
  }

  async function post(party, action, body) {
    const path = `/v1/parties/${party.id}/${action}`;
    try {
      return await ctx.call(path, { method: "POST", body });
    } catch (err) {
      // Older waitlist builds have no /remove: a staff "leave" does the same.
      if (action === "remove" && err instanceof ApiError && (err.status === 404 || err.status === 405)) {
        return ctx.call(`/v1/parties/${party.id}/leave`, { method: "POST", body: {} });
      }
      throw err;
    }
  }

  return { load, tick: render };
}
