"""Prometheus metrics of the notifier, per channel (served at /metrics)."""

from prometheus_client import Counter

SENT = Counter("notifier_deliveries_sent_total", "Deliveries that reached the channel", ["channel"])
FAILED = Counter(
    "notifier_deliveries_failed_total", "Deliveries given up on (attempts exhausted)", ["channel"]
)
RETRIED = Counter(
    "notifier_deliveries_retried_total", "Failed attempts that will be tried again", ["channel"]
)
SKIPPED = Counter(
    "notifier_deliveries_skipped_total",
    "Deliveries not sent (e.g. the phone opted out)",
    ["channel"],
)
TEMPLATE_FAILURES = Counter(
    "notifier_template_failures_total",
    "Restaurant templates that failed to render (the default was used)",
    ["kind"],
)
