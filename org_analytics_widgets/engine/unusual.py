"""A month's unusual days, from what the engine already has: the month's daily cost per project and
model (its snapshot's ``daily_costs``) and the previous month's (the read the forecast makes, kept in
the month cache: a month switch scans nothing again for it)."""

from __future__ import annotations

import pandas as pd

from ..period import UTC, Period, parse_zone
from ..unusual import UnusualDays, unusual_days
from .forecast import previous_daily_models


def month_unusual_days(engine, period: Period, snapshot) -> UnusualDays:
    """The unusual days of ``period`` (see ``Engine.unusual_days``)."""
    history = previous_daily_models(engine, period)
    current = snapshot.daily_costs
    daily = pd.concat([history, current], ignore_index=True) if len(history) else current
    names = {str(p): str(n) for p, n in zip(snapshot.projects["project_id"], snapshot.projects["name"])}
    first = engine.data_span()[0]
    first_day = first.replace(tzinfo=UTC).astimezone(parse_zone(period.timezone)).date() if first else None
    return unusual_days(period, daily, names, first_day)
