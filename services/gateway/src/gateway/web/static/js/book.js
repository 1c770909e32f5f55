// Diner booking page: pick a date and party size, pick a time, leave a name and phone.
import { api, ApiError, itemsOf, newKey } from "./api.js";
import { $, h, show, showErrors, clearErrors, setFieldError, setBusy } from "./dom.js";
import { timeOf, dayOf, todayIn } from "./format.js";

const rid = document.body.dataset.restaurantId;
let restaurant = null;
let picked = null; // {starts_at, party_size}
let slotsAsked = 0; // only the latest question's answer is shown, whatever order answers arrive in

async function loadRestaurant() {
  try {
    restaurant = await api(`/v1/restaurants/${rid}`);
    if (restaurant && restaurant.name) {
      $("#place-name").textContent = restaurant.name;
      $("#book-title").textContent = `Book a table at ${restaurant.name}`;
      document.title = `${restaurant.name} · Book a table`;
    }
  } catch { /* the slots call says what is wrong */ }
}

// One entry per start time; a time is free when any fitting table is free then.
function groupByStart(slots) {
  const byStart = new Map();
  for (const slot of slots) {
    const entry = byStart.get(slot.starts_at) || { starts_at: slot.starts_at, ends_at: slot.ends_at, free: 0, total: 0 };
    entry.total += 1;
    if (slot.available !== false) entry.free += 1;
    byStart.set(slot.starts_at, entry);
  }
  return [...byStart.values()].sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
}

async function loadSlots(event) {
  if (event) event.preventDefault();
  const form = $("#slot-form");
  const formError = $("#slot-error");
  clearErrors(form, formError);
  const date = $("#slot-date").value;
  const size = Number.parseInt($("#slot-size").value, 10);
  if (!date) { setFieldError($("#slot-date"), "Pick a date."); $("#slot-date").focus(); return; }
  if (!Number.isInteger(size) || size < 1) { setFieldError($("#slot-size"), "Enter how many people, 1 or more."); $("#slot-size").focus(); return; }
  const freeOnly = $("#slot-free-only").checked;
  const list = $("#slots");
  const status = $("#slots-status");
  status.textContent = "Looking for times…";
  list.setAttribute("aria-busy", "true");
  const query = new URLSearchParams({ date, party_size: String(size) });
  if (freeOnly) query.set("available", "true");
  const asked = ++slotsAsked;
  try {
    const answer = await api(`/v1/restaurants/${rid}/slots?${query}`);
    if (asked !== slotsAsked) return;
    const times = groupByStart(itemsOf(answer));
    const tz = restaurant && restaurant.timezone;
    list.replaceChildren(...times.map((t) => {
      const free = t.free > 0;
      return h("li", {},
        h("button", {
          class: `slot ${free ? "slot--free" : "slot--full"}`,
          type: "button",
          disabled: !free,
          "aria-label": `${timeOf(t.starts_at, tz)}, ${free ? "free" : "fully booked"}`,
          onclick: () => pick({ starts_at: t.starts_at, party_size: size }),
        },
        h("span", { class: "slot__time" }, timeOf(t.starts_at, tz)),
        h("span", { class: "slot__state" }, free ? "Free" : "Full")));
    }));
    const freeCount = times.filter((t) => t.free).length;
    const day = dayOf(`${date}T12:00:00Z`, "UTC");
    status.textContent = times.length
      ? `${freeCount} free time${freeCount === 1 ? "" : "s"} for ${size} on ${day}.`
      : (freeOnly ? `No free times for ${size} on ${day}. Try another day.` : `No bookings are taken on ${day}.`);
  } catch (err) {
    if (asked !== slotsAsked) return;
    list.replaceChildren();
    status.textContent = "";
    if (err instanceof ApiError) showErrors(form, formError, err, "slot");
  } finally {
    list.removeAttribute("aria-busy");
  }
}

function pick(slot) {
  picked = slot;
  const tz = restaurant && restaurant.timezone;
  for (const btn of document.querySelectorAll(".slot")) btn.removeAttribute("aria-pressed");
  const chosen = [...document.querySelectorAll(".slot")].find((b) => b.querySelector(".slot__time").textContent === timeOf(slot.starts_at, tz));
  if (chosen) chosen.setAttribute("aria-pressed", "true");
  $("#picked").textContent = `${dayOf(slot.starts_at, tz)} at ${timeOf(slot.starts_at, tz)} · party of ${slot.party_size}`;
  show($("#details"), true);
  $("#details-title").focus();
}

async function book(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const formError = $("#book-error");
  clearErrors(form, formError);
  if (!picked) return;
  const name = $("#book-name").value.trim();
  const phone = $("#book-phone").value.replace(/[\s().-]/g, "");
  let invalid = null;
  if (!name) { setFieldError($("#book-name"), "Enter the name for the booking."); invalid ||= $("#book-name"); }
  if (!phone) { setFieldError($("#book-phone"), "Enter a phone number so we can send the booking link."); invalid ||= $("#book-phone"); }
  if (invalid) { invalid.focus(); return; }
  const submit = $("#book-submit");
  setBusy(submit, true, "Booking…");
  try {
    const booking = await api(`/v1/restaurants/${rid}/reservations`, {
      method: "POST",
      body: { starts_at: picked.starts_at, party_size: picked.party_size, name, phone },
      idempotencyKey: newKey(),
    });
    localStorage.setItem(`maitred.booking.${booking.id}`, booking.manage_token);
    location.assign(`/reservations/${booking.id}`);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.status === 409) {
      formError.textContent = "Sorry, that time was just taken. Pick another time.";
      formError.hidden = false;
      loadSlots();
    } else {
      showErrors(form, formError, err, "book");
    }
  } finally {
    setBusy(submit, false);
  }
}

$("#slot-form").addEventListener("submit", loadSlots);
$("#slot-free-only").addEventListener("change", () => loadSlots());
$("#slot-date").addEventListener("change", () => { show($("#details"), false); loadSlots(); });
$("#book-form").addEventListener("submit", book);

(async () => {
  await loadRestaurant();
  const today = todayIn(restaurant && restaurant.timezone);
  $("#slot-date").value = today;
  $("#slot-date").min = today;
  loadSlots();
})();
