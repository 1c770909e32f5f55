// How times, waits and statuses read on screen.

export function timeOf(iso, timeZone) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  try {
    return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZone: timeZone || undefined }).format(date);
  } catch {
    return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" }).format(date);
  }
}

export function dayOf(iso, timeZone) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const options = { weekday: "long", day: "numeric", month: "long" };
  try {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone: timeZone || undefined }).format(date);
  } catch {
    return new Intl.DateTimeFormat(undefined, options).format(date);
  }
}

// YYYY-MM-DD of "now" in the restaurant's time zone (the browser's when unknown).
export function todayIn(timeZone) {
  const parts = (tz) => new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: tz }).format(new Date());
  try { return parts(timeZone || undefined); } catch { return parts(undefined); }
}

// Minutes since midnight of an instant in the restaurant's time zone.
export function minutesOfDay(iso, timeZone) {
  const date = new Date(iso);
  const fmt = (tz) => new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: tz }).format(date);
  let text;
  try { text = fmt(timeZone || undefined); } catch { text = fmt(undefined); }
  const [hh, mm] = text.split(":").map(Number);
  return hh * 60 + mm;
}

export function minutes(n) {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return "—";
  const m = Math.max(0, Math.round(Number(n)));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return rest ? `${h} h ${rest} min` : `${h} h`;
}

// "10–25 min" from the estimate's range; "about 15 min" from a single number.
export function waitRange(obj) {
  if (!obj) return "—";
  const low = obj.estimate_low_minutes;
  const high = obj.estimate_high_minutes;
  const mid = obj.estimated_wait_minutes;
  if (low !== null && low !== undefined && high !== null && high !== undefined && high > 0) {
    if (Math.round(low) === Math.round(high)) return `about ${minutes(high)}`;
    return `${Math.round(low)}–${minutes(high)}`;
  }
  if (mid === null || mid === undefined) return "—";
  if (Number(mid) <= 0) return "no wait";
  return `about ${minutes(mid)}`;
}

export function elapsedSince(iso, now = Date.now()) {
  const start = Date.parse(iso);
  if (Number.isNaN(start)) return null;
  return Math.max(0, (now - start) / 60000);
}

export function countdown(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, "0")}`;
}

export const PARTY_STATUS = {
  waiting: "Waiting",
  called: "Called",
  checked_in: "Checked in",
  seated: "Seated",
  completed: "Done",
  left: "Left",
  no_show: "No-show",
};

export const TABLE_STATUS = {
  available: "Available",
  held: "Held",
  occupied: "Occupied",
  cleaning: "Cleaning",
  out_of_service: "Out of service",
};

export const BOOKING_STATUS = {
  booked: "Booked",
  seated: "Seated",
  completed: "Completed",
  cancelled: "Cancelled",
  no_show: "No-show",
};

export function label(map, status) {
  return map[status] || String(status || "").replace(/_/g, " ");
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}
