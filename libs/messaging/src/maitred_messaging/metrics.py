"""Prometheus metrics of the messaging runtime."""

from prometheus_client import Counter, Gauge, Histogram

PUBLISHED = Counter("maitred_events_published_total", "Events confirmed by the broker", ["type"])
PUBLISH_FAILURES = Counter(
    "maitred_events_publish_failures_total", "Publishes not confirmed (nack, return, timeout)"
)
PENDING = Gauge("maitred_outbox_pending", "Outbox rows not yet published")
RELAY_ACTIVE = Gauge("maitred_relay_active", "1 when this process holds the relay lock")
CONSUMED = Counter(
    "maitred_events_consumed_total", "Events handled and acknowledged", ["type", "outcome"]
)
RETRIED = Counter("maitred_events_retried_total", "Events sent to the retry path", ["type"])
PARKED = Counter("maitred_events_parked_total", "Events sent to the parking queue", ["type"])
HANDLER_SECONDS = Histogram(
    "maitred_event_handler_seconds",
    "Time to apply an event and commit",
    ["type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
