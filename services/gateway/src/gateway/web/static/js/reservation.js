// Manage page of one booking: view it, cancel it. The manage token comes from the SMS link
// (?token=) or from this browser's storage; it is removed from the address bar at once.
import { api, ApiError } from "./api.js";
import { $, h, show, setBusy } from "./dom.js";
import { timeOf, dayOf, label, BOOKING_STATUS } from "./format.js";

const id = document.body.dataset.reservationId;
const KEY = `maitred.booking.${id}`;

function token() {
  const url = new URL(location.href);
  const fromLink = url.searchParams.get("token");
  if (fromLink) {
    localStorage.setItem(KEY, fromLink);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
    return fromLink;
  }
  return localStorage.getItem(KEY) || sessionStorage.getItem("maitred.staff.jwt");
}

const credential = token();
let booking = null;
let restaurant = null;

function render() {
  const tz = restaurant && restaurant.timezone;
  const status = booking.status || "booked";
  const body = $("#booking-body");
  const parts = [
    h("p", { class: `badge badge--${status}` }, label(BOOKING_STATUS, status)),
    h("p", { class: "status__big" }, dayOf(booking.starts_at, tz)),
    h("dl", { class: "stats" },
      h("div", { class: "stat stat--wide" }, h("dt", {}, "Time"), h("dd", {}, `${timeOf(booking.starts_at, tz)} – ${timeOf(booking.ends_at, tz)}`)),
      h("div", { class: "stat" }, h("dt", {}, "Party"), h("dd", {}, String(booking.party_size ?? "—"))),
      booking.table_label ? h("div", { class: "stat" }, h("dt", {}, "Table"), h("dd", {}, booking.table_label)) : null),
    booking.name ? h("p", { class: "muted" }, `Booked for ${booking.name}`) : null,
    status === "cancelled" ? h("p", { class: "status__line" }, "This booking is cancelled. Nothing more to do.") : null,
  ];
  body.replaceChildren(...parts.filter(Boolean));
  $("#booking-title").textContent = restaurant && restaurant.name ? `Your booking at ${restaurant.name}` : "Your booking";
  show($("#booking-actions"), status === "booked");
  show($("#cancel"), true);
  show($("#cancel-confirm"), false);
  const rid = booking.restaurant_id;
  if (rid) $("#booking-links").replaceChildren(h("a", { href: `/r/${rid}/book` }, "Make another booking"));
}

function showError(message) {
  const el = $("#booking-error");
  el.textContent = message;
  el.hidden = !message;
}

async function load() {
  if (!credential) {
    $("#booking-body").replaceChildren(h("p", {}, "Open this page from the link in your confirmation text to see the booking."));
    return;
  }
  try {
    booking = await api(`/v1/reservations/${id}`, { token: credential });
    try { restaurant = await api(`/v1/restaurants/${booking.restaurant_id}`); } catch { restaurant = null; }
    if (restaurant && restaurant.name) $("#place-name").textContent = restaurant.name;
    render();
  } catch (err) {
    if (err instanceof ApiError && [401, 403, 404].includes(err.status)) {
      localStorage.removeItem(KEY);
      $("#booking-body").replaceChildren(h("p", {}, "We could not find this booking with this link. Check the link in your text message."));
    } else {
      showError(err.message);
    }
  }
}

async function cancel(event) {
  const button = event.currentTarget;
  setBusy(button, true, "Cancelling…");
  showError("");
  try {
    booking = { ...booking, ...(await api(`/v1/reservations/${id}`, { method: "DELETE", token: credential })) };
    render();
    $("#booking-title").focus();
  } catch (err) {
    showError(err.message);
  } finally {
    setBusy(button, false);
  }
}

$("#cancel").addEventListener("click", () => { show($("#cancel"), false); show($("#cancel-confirm"), true); $("#cancel-no").focus(); });
$("#cancel-no").addEventListener("click", () => { show($("#cancel-confirm"), false); show($("#cancel"), true); $("#cancel").focus(); });
$("#cancel-yes").addEventListener("click", cancel);
load();
