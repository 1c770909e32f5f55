// The waitlist settings form (owners change them; hosts see them).
import { ApiError } from "./api.js";
import { $, $$, show, showErrors, clearErrors } from "./dom.js";

const NUMBERS = ["checkin_timeout_seconds", "max_party_size", "heads_up_minutes"];

export function settingsPanel(ctx) {
  const form = $("#settings-form");
  const formError = $("#settings-error");
  const owner = ctx.role === "owner";

  function fill(settings) {
    form.elements.open.checked = Boolean(settings.open);
    if (settings.mode) form.elements.mode.value = settings.mode;
    if (settings.strategy) form.elements.strategy.value = settings.strategy;
    for (const name of NUMBERS) {
      if (settings[name] !== undefined && settings[name] !== null) form.elements[name].value = settings[name];
    }
  }

  async function load() {
    // A form being edited is left alone; a refresh would throw the host's typing away.
    if (form.contains(document.activeElement) && form.dataset.dirty === "true") return;
    try {
      ctx.settings = await ctx.call(`/v1/restaurants/${ctx.rid}/waitlist/settings`);
      fill(ctx.settings);
      form.dataset.dirty = "false";
    } catch (err) {
      if (err.status !== 401) ctx.toast(`Settings: ${err.message}`, "error");
    }
    for (const el of $$("input, select, button", form)) el.disabled = !owner;
    if (!owner) {
      formError.textContent = "Only an owner can change these settings.";
      formError.classList.add("form-error--info");
      show(formError, true);
    }
  }

  async function save(event) {
    event.preventDefault();
    clearErrors(form, formError);
    const body = {
      open: form.elements.open.checked,
      mode: form.elements.mode.value,
      strategy: form.elements.strategy.value,
    };
    for (const name of NUMBERS) {
      const raw = form.elements[name].value;
      if (raw !== "") body[name] = Number(raw);
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      ctx.settings = await ctx.call(`/v1/restaurants/${ctx.rid}/waitlist/settings`, { method: "PATCH", body });
      if (ctx.settings) fill(ctx.settings);
      form.dataset.dirty = "false";
      ctx.toast("Settings saved.");
      ctx.changed("queue");
    } catch (err) {
      if (err instanceof ApiError) showErrors(form, formError, err, "set");
      else throw err;
    } finally {
      button.disabled = !owner;
    }
  }

  form.addEventListener("submit", save);
  form.addEventListener("input", () => { form.dataset.dirty = "true"; });
  return { load };
}
