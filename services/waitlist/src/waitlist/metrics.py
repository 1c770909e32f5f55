"""The waitlist's own Prometheus metrics: how honest its quotes are."""

from prometheus_client import Gauge, Histogram

QUOTE_MAE = Gauge(
    "maitred_waitlist_quote_mae_minutes",
    "Mean absolute error of quoted waits over the last 7 days (quoted vs join-to-seating)",
    ["restaurant_id"],
)
QUOTE_ERROR = Histogram(
    "maitred_waitlist_quote_error_minutes",
    "Absolute error of each quoted wait, recorded when the party is seated",
    ["restaurant_id"],
    buckets=(1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120),
)
