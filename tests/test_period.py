"""Period: month bounds, days and UTC offsets, worked out by hand from the zones' rules."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from org_analytics_widgets.period import Period, PeriodError, current_month, shift_month

NOW = "2026-11-25T12:00:00Z"


def test_new_york_march_spans_the_dst_change():
    p = Period.for_month("2026-03", "America/New_York", NOW)
    assert p.start.isoformat() == "2026-03-01T00:00:00-05:00"
    assert p.end.isoformat() == "2026-04-01T00:00:00-04:00"
    assert len(p.days) == 31
    # EST until 2026-03-08 02:00 local = 07:00 UTC, then EDT
    assert p.offsets == ((datetime(2026, 3, 1, 5), -18000), (datetime(2026, 3, 8, 7), -14400))


def test_kolkata_month_starts_at_1830_utc_the_day_before():
    p = Period.for_month("2026-03", "Asia/Kolkata", NOW)
    assert p.start_utc == datetime(2026, 2, 28, 18, 30)
    assert p.end_utc == datetime(2026, 3, 31, 18, 30)
    assert p.offsets == ((datetime(2026, 2, 28, 18, 30), 19800),)


def test_current_month_is_capped_at_now_and_runs_through_today():
    p = Period.for_month("2026-11", "America/New_York", NOW)
    assert p.end.isoformat() == "2026-11-25T07:00:00-05:00"
    assert p.days[0] == date(2026, 11, 1) and p.days[-1] == date(2026, 11, 25)
    # DST ends 2026-11-01 02:00 EDT = 06:00 UTC
    assert p.offsets[1] == (datetime(2026, 11, 1, 6), -18000)


def test_month_after_now_is_empty():
    p = Period.for_month("2026-12", "UTC", NOW)
    assert p.end == p.start and p.days == () and p.is_empty


def test_day_starts_after_a_midnight_gap():
    # Santiago springs forward at 2026-09-06 00:00 local (-04 -> -03): the day starts at 01:00 local
    p = Period.for_month("2026-09", "America/Santiago", NOW)
    assert p.offsets[1] == (datetime(2026, 9, 6, 4), -10800)
    assert len(p.days) == 30


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "march", "2026-3", "", "0000-01"])
def test_invalid_months_are_refused(month):
    with pytest.raises(PeriodError, match="YYYY-MM"):
        Period.for_month(month)


def test_unknown_zone_and_bad_now_are_refused():
    with pytest.raises(PeriodError, match="unknown time zone"):
        Period.for_month("2026-03", "Mars/Base")
    with pytest.raises(PeriodError, match="ISO 8601"):
        Period.for_month("2026-03", "UTC", "yesterday")


def test_month_arithmetic_and_current_month():
    assert shift_month("2026-01", -1) == "2025-12"
    assert shift_month("2025-12", 1) == "2026-01"
    assert current_month("UTC", "2026-11-30T23:30:00Z") == "2026-11"
    assert current_month("Asia/Kolkata", "2026-11-30T23:30:00Z") == "2026-12"
