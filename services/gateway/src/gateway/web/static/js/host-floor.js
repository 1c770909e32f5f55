// The floor plan: tables placed by their x/y, coloured by status, one tap to change status.
import { itemsOf } from "./api.js";
import { $, $$, h, show } from "./dom.js";
import { label, TABLE_STATUS } from "./format.js";

export function floorPanel(ctx) {
  const floor = $("#floor");
  const menu = $("#table-menu");
  let selected = null;

  async function load() {
    try {
      ctx.tables = itemsOf(await ctx.call(`/v1/restaurants/${ctx.rid}/tables`));
      render();
    } catch (err) {
      if (err.status !== 401) ctx.toast(`Floor: ${err.message}`, "error");
    }
  }

  // Placed tables keep their x/y proportions; tables without coordinates go in rows below.
  function positions(tables) {
    const ROW = 92;
    const placed = tables.filter((t) => Number.isFinite(t.x) && Number.isFinite(t.y));
    const xs = placed.map((t) => t.x);
    const ys = placed.map((t) => t.y);
    const minX = Math.min(...xs), spanX = Math.max(...xs) - minX;
    const minY = Math.min(...ys), spanY = Math.max(...ys) - minY;
    const placedHeight = placed.length ? Math.min(new Set(ys).size, 8) * ROW : 0;
    const result = new Map();
    for (const t of placed) {
      const nx = spanX ? (t.x - minX) / spanX : 0;
      const ny = spanY ? (t.y - minY) / spanY : 0;
      result.set(t.id, {
        left: `calc((100% - 112px) * ${nx.toFixed(4)} + 6px)`,
        top: `${Math.round(8 + ny * (placedHeight - ROW))}px`,
      });
    }
    const perRow = Math.max(2, Math.floor((floor.clientWidth || 480) / 112));
    const unplaced = tables.filter((t) => !result.has(t.id));
    unplaced.forEach((t, i) => {
      result.set(t.id, { left: `${6 + (i % perRow) * 112}px`, top: `${8 + placedHeight + Math.floor(i / perRow) * ROW}px` });
    });
    const height = placedHeight + Math.ceil(unplaced.length / perRow) * ROW + 16;
    return { result, height };
  }

  function render() {
    const tables = [...ctx.tables].sort((a, b) => String(a.label).localeCompare(String(b.label), undefined, { numeric: true }));
    const { result, height } = positions(tables);
    floor.style.setProperty("--floor-height", `${Math.max(height, 200)}px`);
    floor.replaceChildren(...tables.map((table) => {
      const pos = result.get(table.id);
      const status = table.status || "available";
      const button = h("button", {
        class: `table table--${status} table--${table.kind || "table"}`,
        type: "button",
        "aria-label": `Table ${table.label}, ${table.capacity} seats, ${label(TABLE_STATUS, status)}`,
        "aria-expanded": selected === table.id ? "true" : "false",
        "aria-controls": "table-menu",
        dataset: { tableId: table.id, status },
        onclick: () => open(table.id),
      },
      h("span", { class: "table__label" }, table.label),
      h("span", { class: "table__seats" }, `${table.capacity} seat${table.capacity === 1 ? "" : "s"}`),
      h("span", { class: "table__status" }, label(TABLE_STATUS, status)));
      button.style.setProperty("left", pos.left);
      button.style.setProperty("top", pos.top);
      return button;
    }));
    if (!tables.length) floor.replaceChildren(h("p", { class: "muted empty" }, "No tables yet. An owner adds them through the API or the app."));
    if (selected) open(selected, false);
  }

  function open(tableId, focus = true) {
    const table = ctx.tables.find((t) => t.id === tableId);
    if (!table) { close(); return; }
    selected = tableId;
    for (const el of $$(".table", floor)) el.setAttribute("aria-expanded", el.dataset.tableId === tableId ? "true" : "false");
    $("#table-menu-title").textContent = `Table ${table.label} · ${table.capacity} seats · now ${label(TABLE_STATUS, table.status).toLowerCase()}. Set it to:`;
    for (const button of $$("[data-status]", menu)) {
      const current = button.dataset.status === table.status;
      button.disabled = current;
      button.setAttribute("aria-pressed", current ? "true" : "false");
    }
    show(menu, true);
    if (focus) {
      const first = $$("[data-status]", menu).find((b) => !b.disabled);
      if (first) first.focus();
    }
  }

  function close() {
    const previous = selected;
    selected = null;
    show(menu, false);
    for (const el of $$(".table", floor)) el.setAttribute("aria-expanded", "false");
    const back = previous && floor.querySelector(`[data-table-id="${CSS.escape(previous)}"]`);
    if (back) back.focus();
  }

  async function setStatus(status) {
    const table = ctx.tables.find((t) => t.id === selected);
    if (!table) return;
    try {
      const updated = await ctx.call(`/v1/restaurants/${ctx.rid}/tables/${table.id}`, { method: "PATCH", body: { status } });
      Object.assign(table, updated && typeof updated === "object" ? updated : { status });
      ctx.toast(`Table ${table.label} is now ${label(TABLE_STATUS, table.status).toLowerCase()}.`);
      close();
      render();
    } catch (err) {
      ctx.toast(`Could not change table ${table.label}: ${err.message}`, "error");
    } finally {
      ctx.changed("floor", "queue");
    }
  }

  for (const button of $$("[data-status]", menu)) button.addEventListener("click", () => setStatus(button.dataset.status));
  $("#table-menu-close").addEventListener("click", close);
  menu.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });

  return { load };
}
