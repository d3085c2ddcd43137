"""Period filtering and local dates as portable Ibis expressions."""

from __future__ import annotations

import ibis

from ..period import Period


def in_period(table: ibis.Table, period: Period) -> ibis.Table:
    """Rows whose ``created_at`` (naive UTC) falls in ``[period.start, period.end)``."""
    start = ibis.literal(period.start_utc, type="timestamp")
    end = ibis.literal(period.end_utc, type="timestamp")
    return table.filter(table.created_at >= start, table.created_at < end)


def local_timestamp(ts: ibis.Value, period: Period) -> ibis.Value:
    """The local wall-clock time of a naive-UTC timestamp in the period's zone.

    Adds the UTC offset in force at that instant (one CASE branch per offset the zone uses
    within the period): correct across DST, at +05:30, in any engine.
    """

    def shifted(seconds: int) -> ibis.Value:
        return ts + ibis.interval(seconds=seconds) if seconds else ts

    segments = period.offsets
    if len(segments) == 1:
        return shifted(segments[0][1])
    branches = [
        (ts < ibis.literal(next_start, type="timestamp"), shifted(seconds))
        for (_, seconds), (next_start, _) in zip(segments, segments[1:])
    ]
    return ibis.cases(*branches, else_=shifted(segments[-1][1]))


def local_date(ts: ibis.Value, period: Period) -> ibis.Value:
    """The local calendar date of a naive-UTC timestamp in the period's zone."""
    return local_timestamp(ts, period).date()


def local_month(ts: ibis.Value, period: Period) -> ibis.Value:
    """The first day of the local calendar month of a naive-UTC timestamp in the period's zone (of a
    ``Period`` or a ``Months``). MAKE_DATE on every engine: DATE_TRUNC of a date is a timestamp on
    PostgreSQL and Spark."""
    day = local_date(ts, period)
    return ibis.date(day.year(), day.month(), 1)
