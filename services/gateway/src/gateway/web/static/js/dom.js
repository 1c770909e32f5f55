// Small DOM helpers: elements are built with textContent, never from HTML strings.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function show(el, visible = true) {
  if (el) el.hidden = !visible;
}

// Shows the problem's field errors under their fields; the rest (and the detail) at the form's top.
export function showErrors(form, formError, error, prefix) {
  clearErrors(form, formError);
  const leftover = [];
  let first = null;
  for (const { field, message } of error.fieldErrors || []) {
    const input = field ? form.querySelector(`[name="${CSS.escape(field)}"]`) : null;
    const slot = document.getElementById(`${prefix}-${slotName(field)}-error`) || (input && document.getElementById(`${input.id}-error`));
    if (!slot) { leftover.push(message); continue; }
    slot.textContent = message;
    slot.hidden = false;
    if (input) input.setAttribute("aria-invalid", "true");
    first = first || input;
  }
  if (!first || leftover.length) {
    formError.textContent = leftover.length ? leftover.join(" ") : error.message;
    formError.hidden = false;
  }
  (first || formError).focus?.();
}

const SLOT_NAMES = { party_size: "size" };
function slotName(field) {
  return SLOT_NAMES[field] || field;
}

export function clearErrors(form, formError) {
  for (const el of form.querySelectorAll(".field__error")) { el.textContent = ""; el.hidden = true; }
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  if (formError) { formError.textContent = ""; formError.hidden = true; }
}

export function setFieldError(input, message) {
  const slot = document.getElementById(`${input.id}-error`);
  if (slot) { slot.textContent = message; slot.hidden = false; }
  input.setAttribute("aria-invalid", "true");
}

export function setBusy(button, busy, label) {
  if (!button) return;
  if (busy) {
    button.dataset.label = button.textContent;
    button.textContent = label || "Working…";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  } else {
    if (button.dataset.label) button.textContent = button.dataset.label;
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
