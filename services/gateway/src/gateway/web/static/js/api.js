// The public API (/v1) as the pages use it: JSON in and out, problems turned into ApiError.

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `Request failed (${status})`);
    this.status = status;
    this.problem = problem || {};
    this.retryAfter = null;
  }

  // [{field, message}] with the field reduced to its last name ("body.party_size" -> "party_size").
  get fieldErrors() {
    const errors = Array.isArray(this.problem.errors) ? this.problem.errors : [];
    return errors.map((e) => ({ field: fieldName(e.field ?? e.loc), message: readable(e.message || e.msg) }));
  }
}

// "Value error, phone must be ..." (the validator's wording) -> "Phone must be ...".
function readable(message) {
  const text = String(message || "This value is not valid.").replace(/^Value error,\s*/i, "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function fieldName(field) {
  if (Array.isArray(field)) field = field[field.length - 1];
  if (field === undefined || field === null) return "";
  const parts = String(field).split(/[./]/);
  return parts[parts.length - 1];
}

// Milliseconds to add to Date.now() to get the server's clock (from the Date header).
export let serverOffsetMs = 0;

export async function api(path, { method = "GET", token = null, body = undefined, idempotencyKey = null } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  } catch (err) {
    throw new ApiError(0, { detail: "No connection. Check your signal and try again." });
  }
  const date = response.headers.get("Date");
  if (date) {
    const server = Date.parse(date);
    if (!Number.isNaN(server)) serverOffsetMs = server - Date.now();
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data || { detail: friendlyStatus(response.status) });
    error.retryAfter = response.headers.get("Retry-After");
    throw error;
  }
  return data;
}

function friendlyStatus(status) {
  if (status === 429) return "Too many tries. Wait a moment and try again.";
  if (status >= 500) return "Something went wrong on our side. Please try again.";
  return `Request failed (${status})`;
}

export function itemsOf(data) {
  if (Array.isArray(data)) return data;
  return (data && Array.isArray(data.items)) ? data.items : [];
}

export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}
