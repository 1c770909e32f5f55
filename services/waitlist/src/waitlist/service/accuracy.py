"""How far quotes were from reality: every seated party's quoted vs actual wait."""

from __future__ import annotations

from datetime import datetime, timedelta

from waitlist import metrics
from waitlist.domain.party import Party
from waitlist.service.repositories import Waitlists

METRIC_WINDOW = timedelta(days=7)


async def record(waitlists: Waitlists, party: Party, now: datetime) -> None:
    """Called when a party was just seated: its quote error joins the metrics."""
    if party.checked_in_at != now or party.actual_wait_minutes is None:
        return
    if party.quoted_wait_minutes is None:
        return
    label = str(party.restaurant_id)
    metrics.QUOTE_ERROR.labels(label).observe(
        abs(party.actual_wait_minutes - party.quoted_wait_minutes)
    )
    mae, _ = await waitlists.quote_error(party.restaurant_id, now - METRIC_WINDOW)
    if mae is not None:
        metrics.QUOTE_MAE.labels(label).set(mae)
