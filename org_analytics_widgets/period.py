"""The reporting period: one calendar month in the organisation's time zone, capped at "now".

A Period carries everything the metrics need to stay engine-agnostic: the month's bounds as
naive UTC instants (how warehouses store timestamps) and the zone's UTC offsets inside the
month, so that local dates can be computed as ``(created_at + offset).date()`` in any engine
(casting to a zoned type and taking ``.date()`` returns the UTC date on some backends).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

UTC = dt_timezone.utc
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    """A month, time zone or "now" that cannot be understood; the message says what to type."""


class Month(str):
    """A month parsed once: its ``YYYY-MM`` text, with ``year`` and ``number``.

    Made at the edge (``Month.parse`` of a URL parameter, ``shift_month``, ``current_month``); every
    later ``parse_month`` of it (the state's validation, ``Period.for_month``) reads the numbers
    instead of parsing the text again.

    >>> Month.parse("2026-03"), Month.parse("2026-03").number
    ('2026-03', 3)
    """

    year: int
    number: int

    @classmethod
    def parse(cls, text) -> "Month":
        if isinstance(text, Month):
            return text
        m = _MONTH_RE.match(str(text).strip())
        if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
            raise PeriodError(f"invalid month {text!r}: use YYYY-MM, e.g. 2026-03")
        return cls.of(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, year: int, number: int) -> "Month":
        month = str.__new__(cls, f"{year:04d}-{number:02d}")
        month.year, month.number = year, number
        return month

    def __reduce__(self):  # pickles (the month cache) as the numbers
        return (Month.of, (self.year, self.number))


def parse_month(text) -> tuple[int, int]:
    """``"2026-03"`` -> ``(2026, 3)``; anything else raises PeriodError. A Month is not parsed again."""
    month = Month.parse(text)
    return month.year, month.number


def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone such as ``Europe/Paris``; unknown names raise PeriodError."""
    try:
        return ZoneInfo(str(name).strip())
    except Exception:
        raise PeriodError(
            f"unknown time zone {name!r}: use an IANA name such as UTC, Europe/Paris or America/New_York"
        ) from None


def parse_now(text: str | datetime | None) -> datetime:
    """ISO 8601 instant (``2026-11-25T12:00:00Z``); without an offset it means UTC. Returns aware UTC."""
    if text is None:
        return datetime.now(UTC)
    if isinstance(text, datetime):
        value = text
    else:
        try:
            value = datetime.fromisoformat(str(text).strip())
        except ValueError:
            raise PeriodError(f"invalid --now {text!r}: use an ISO 8601 instant such as 2026-11-25T12:00:00Z") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def current_month(zone: str = "UTC", now: datetime | str | None = None) -> Month:
    """The month that contains ``now`` in ``zone``, as YYYY-MM."""
    local = parse_now(now).astimezone(parse_zone(zone))
    return Month.of(local.year, local.month)


def shift_month(month: str, delta: int) -> Month:
    """``shift_month("2026-01", -1) == "2025-12"``."""
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) + delta
    return Month.of(index // 12, index % 12 + 1)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local day, as aware UTC.

    Where local midnight falls in a DST gap, ``fold=0`` resolves it with the pre-gap offset,
    which lands exactly on the transition: the first instant after the gap.
    """
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


@functools.lru_cache(maxsize=512)  # an hour-by-hour walk of the month (a few ms): asked on every switch
def _offset_segments(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[tuple[datetime, int], ...]:
    """``((from_utc_naive, offset_seconds), ...)`` covering [start, end): one per UTC offset in force."""

    def offset(instant: datetime) -> int:
        return int(instant.astimezone(zone).utcoffset().total_seconds())

    segments = [(start, offset(start))]
    step = timedelta(hours=1)
    cursor = start
    while cursor + step < end:
        nxt = cursor + step
        if offset(nxt) != segments[-1][1]:
            lo, hi = cursor, nxt  # offset(lo) is the old one, offset(hi) the new: bisect to the second
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if offset(mid) == segments[-1][1]:
                    lo = mid
                else:
                    hi = mid
            segments.append((hi, offset(hi)))
        cursor = nxt
    return tuple((s.replace(tzinfo=None), o) for s, o in segments)


def offsets_between(start: datetime, end: datetime, zone: str) -> tuple[tuple[datetime, int], ...]:
    """The UTC offsets of ``zone`` over ``[start, end)`` (naive UTC), in the form of ``Period.offsets``."""
    return _offset_segments(start.replace(tzinfo=UTC), end.replace(tzinfo=UTC), parse_zone(zone))


class _Bounds:
    """A span's aware ``start`` and ``end`` as naive UTC instants, comparable with warehouse timestamps."""

    start: datetime
    end: datetime

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC).replace(tzinfo=None)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Period(_Bounds):
    """A calendar month in an IANA zone, half-open ``[start, end)``; the current month ends at now.

    >>> p = Period.for_month("2026-03", "America/New_York", now="2026-11-25T12:00:00Z")
    >>> p.start.isoformat(), p.end.isoformat(), len(p.days)
    ('2026-03-01T00:00:00-05:00', '2026-04-01T00:00:00-04:00', 31)
    """

    month: str
    timezone: str
    start: datetime  # aware, in the org zone
    end: datetime  # aware, in the org zone; == start for a month wholly after now
    days: tuple[date, ...] = field(repr=False)
    offsets: tuple[tuple[datetime, int], ...] = field(repr=False)

    def __repr__(self) -> str:
        cut = "" if self.is_whole else f", to {self.end.isoformat()}"
        return f"Period({self.month!r}, {self.timezone!r}{cut}, {len(self.days)} days)"

    @classmethod
    def for_month(cls, month: str, timezone: str = "UTC", now: datetime | str | None = None) -> "Period":
        year, mon = parse_month(month)
        zone = parse_zone(timezone)
        now_utc = parse_now(now)
        first = date(year, mon, 1)
        after = date(year + (mon == 12), mon % 12 + 1, 1)
        start_utc = local_midnight(first, zone)
        month_end_utc = local_midnight(after, zone)
        end_utc = min(month_end_utc, max(now_utc, start_utc))
        if end_utc == month_end_utc:
            last_day = after - timedelta(days=1)
        elif end_utc > start_utc:
            last_day = end_utc.astimezone(zone).date()  # through today's local date
        else:
            last_day = first - timedelta(days=1)  # wholly after now: no days
        n_days = (last_day - first).days + 1
        days = tuple(first + timedelta(days=i) for i in range(max(n_days, 0)))
        offsets = _offset_segments(start_utc, max(end_utc, start_utc + timedelta(seconds=1)), zone)
        return cls(
            month=Month.of(year, mon),
            timezone=zone.key,
            start=start_utc.astimezone(zone),
            end=end_utc.astimezone(zone),
            days=days,
            offsets=offsets,
        )

    @property
    def is_whole(self) -> bool:
        """True for a month that has ended (not cut at "now")."""
        year, mon = parse_month(self.month)
        return self.end >= local_midnight(date(year + (mon == 12), mon % 12 + 1, 1), parse_zone(self.timezone))

    @property
    def is_empty(self) -> bool:
        return self.end <= self.start

    def previous(self, now: datetime | str | None = None) -> "Period":
        return Period.for_month(shift_month(self.month, -1), self.timezone, now)

    def next(self, now: datetime | str | None = None) -> "Period":
        return Period.for_month(shift_month(self.month, 1), self.timezone, now)


@dataclass(frozen=True)
class Months(_Bounds):
    """Consecutive calendar months in an IANA zone, half-open ``[first's start, last's end)``, the
    last cut at "now" like a Period: what a monthly fact (``metrics.facts``, ``time="month"``) is read
    over. It has what the metrics read of a Period (``timezone``, ``start_utc``, ``end_utc``,
    ``offsets``: the zone's UTC offsets over all the months), so a row's local month is found as
    its local day is.

    >>> m = Months.ending("2026-03", 12, "Europe/Paris", now="2026-11-25T12:00:00Z")
    >>> m.months[0], m.months[-1], m.start.isoformat(), len(m.offsets)
    ('2025-04', '2026-03', '2025-04-01T00:00:00+02:00', 3)
    """

    months: tuple[Month, ...]
    timezone: str
    start: datetime  # aware, in the zone
    end: datetime  # aware, in the zone; the last month's end, or "now" within it
    offsets: tuple[tuple[datetime, int], ...] = field(repr=False)

    @classmethod
    def ending(cls, last: str, count: int, timezone: str = "UTC", now: datetime | str | None = None) -> "Months":
        """The ``count`` months through ``last`` (YYYY-MM)."""
        months = tuple(shift_month(last, k) for k in range(1 - count, 1))
        first, final = Period.for_month(months[0], timezone, now), Period.for_month(months[-1], timezone, now)
        zone = parse_zone(timezone)
        start_utc = first.start.astimezone(UTC)
        end_utc = max(final.end.astimezone(UTC), start_utc)
        offsets = _offset_segments(start_utc, max(end_utc, start_utc + timedelta(seconds=1)), zone)
        return cls(months, zone.key, first.start, end_utc.astimezone(zone), offsets)


def month_of(text: str | None, latest: str, first: str | None = None) -> tuple[Month, str]:
    """A month from a viewer (``?month=``), parsed once and checked against ``latest`` and the
    first month with data: (month, problem or '')."""
    latest = Month.parse(latest)
    if not text:
        return latest, ""
    try:
        month = Month.parse(text)
    except ValueError as exc:
        return latest, f"{exc}. Showing the current month instead."
    if month > latest:
        return latest, f"{month} is in the future. Showing the current month instead."
    if first and month < first:
        first = Month.parse(first)
        return first, f"There is no data before {first}. Showing {first} instead."
    return month, ""
