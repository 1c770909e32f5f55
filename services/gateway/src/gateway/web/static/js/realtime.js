// The realtime channel (/v1/realtime): authenticate, subscribe, resume after a drop.
//
// Pages refetch what they show on every event (robust whatever the event's data), so a
// missed or repeated event costs one request, never a wrong screen.

const PING_MS = 20000;
const MAX_BACKOFF_MS = 15000;

export function connectRealtime({ token, channels, onEvent, onResync, onStatus, onUnauthorized }) {
  const lastIds = new Map();
  let socket = null;
  let attempts = 0;
  let pingTimer = null;
  let retryTimer = null;
  let stopped = false;
  let everReady = false;

  const status = (state) => onStatus && onStatus(state);

  function open() {
    if (stopped) return;
    clearTimeout(retryTimer);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    status(everReady ? "reconnecting" : "connecting");
    try {
      socket = new WebSocket(`${scheme}://${location.host}/v1/realtime`);
    } catch {
      scheduleRetry();
      return;
    }
    const ws = socket;
    ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "auth", token })));
    ws.addEventListener("message", (message) => handle(ws, message));
    ws.addEventListener("close", (event) => {
      clearInterval(pingTimer);
      if (ws !== socket) return;
      if (event.code === 4401 || event.code === 4403) {
        status("offline");
        if (onUnauthorized) onUnauthorized();
        return;
      }
      scheduleRetry();
    });
    ws.addEventListener("error", () => { /* a close follows */ });
  }

  function handle(ws, message) {
    let msg;
    try { msg = JSON.parse(message.data); } catch { return; }
    switch (msg.type) {
      case "ready":
        attempts = 0;
        for (const channel of channels) {
          ws.send(JSON.stringify({ type: "subscribe", channel }));
          const after = lastIds.get(channel);
          if (after) ws.send(JSON.stringify({ type: "resume", channel, after }));
        }
        clearInterval(pingTimer);
        pingTimer = setInterval(() => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping" }));
        }, PING_MS);
        status("live");
        // After a reconnect, catch up at once even if the server still holds what we missed.
        if (everReady && onResync) for (const channel of channels) onResync(channel);
        everReady = true;
        break;
      case "event":
        if (msg.id) lastIds.set(msg.channel, msg.id);
        if (onEvent) onEvent(msg);
        break;
      case "resync":
        if (onResync) onResync(msg.channel);
        break;
      case "ping":
        ws.send(JSON.stringify({ type: "pong" }));
        break;
      case "error":
        console.warn("realtime:", msg);
        break;
      default:
        break;
    }
  }

  function scheduleRetry() {
    if (stopped) return;
    status("reconnecting");
    const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempts);
    attempts += 1;
    retryTimer = setTimeout(open, base / 2 + Math.random() * base / 2);
  }

  // Coming back online or to the foreground: try now instead of waiting out the back-off.
  const retryNow = () => {
    if (!stopped && (!socket || socket.readyState === WebSocket.CLOSED)) { attempts = 0; open(); }
  };
  window.addEventListener("online", retryNow);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) retryNow(); });

  open();
  return {
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      if (socket) socket.close(1000);
      status("offline");
    },
  };
}

// The "Live / Reconnecting" pill in the top bar.
export function liveIndicator(state) {
  const el = document.getElementById("live");
  if (!el) return;
  const text = el.querySelector(".live__text");
  const labels = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…", offline: "Offline" };
  el.hidden = false;
  el.dataset.state = state;
  text.textContent = labels[state] || state;
}
