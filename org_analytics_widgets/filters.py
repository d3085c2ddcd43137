"""The Usage Requests and Usage Items tables' filter vocabulary and validation, free of Ibis.

The dashboard state validates every filters dict a viewer's browser sends with :func:`clean_filters`,
and the widgets name columns and sort keys from here, so neither imports a query builder;
:mod:`org_analytics_widgets.metrics.tables` turns a cleaned dict into an Ibis expression.

>>> clean_filters("items", {"project_id": "p_support", "page": 1}, "2026-03")
{'project_id': 'p_support', 'page': 1, 'sort': 'time', 'descending': True}
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .period import Period, local_midnight

KINDS = ("requests", "items")

# fmt: off
#: sortable column -> what it sorts by (display columns; "project"/"agent" sort by the name shown)
SORTABLE = {
    "requests": ("time", "request_id", "project", "service_type", "model", "agent", "status",
                 "input_tokens", "output_tokens", "cost"),
    "items": ("time", "request_id", "project", "service_type", "model", "pricing_rule", "quantity",
              "unit_price", "cost"),
}
#: the columns of a page and of an export, in order
COLUMNS = {
    "requests": ("time", "created_at", "request_id", "project_id", "project", "service_type", "model",
                 "agent_id", "agent", "status", "input_tokens", "output_tokens", "cost"),
    "items": ("time", "created_at", "item_id", "request_id", "project_id", "project", "service_type",
              "model", "agent_id", "pricing_rule", "quantity", "unit", "unit_price", "cost"),
}
# fmt: on
#: filter keys that select rows by equality on a column
EQUALITY_FILTERS = {
    "requests": ("project_id", "service_type", "model", "agent_id", "status"),
    "items": ("project_id", "service_type", "model", "agent_id", "request_id"),
}
#: the integrity checks (data contract, "Integrity") a table's ``integrity`` filter narrows it to:
#: value -> what a person reads; the same rows the dashboard's integrity badge counts
INTEGRITY_CHECKS = {
    "requests": {"no_items": "Without items"},
    "items": {"unpriced": "Unpriced (counted as $0)", "orphan": "Naming no request"},
}
#: every key a filters dict may hold; anything else is dropped by clean_filters
FILTER_KEYS = {
    kind: ("date_from", "date_to", *EQUALITY_FILTERS[kind], "search", "integrity", "sort", "descending", "page")
    for kind in KINDS
}
#: the dropdowns filled by ``metrics.tables.option_values`` (filter key -> option kind)
OPTION_FILTERS = {
    "requests": ("project_id", "service_type", "model", "agent_id", "status"),
    "items": ("project_id", "service_type", "model", "agent_id"),
}
#: what a person calls each filter (error messages read "From is after To", not field names)
FILTER_WORDS = {
    "date_from": "From",
    "date_to": "To",
    "project_id": "Project",
    "service_type": "Service type",
    "model": "Model",
    "agent_id": "Agent",
    "status": "Status",
    "search": "The request-id search",
    "request_id": "Request",
    "integrity": "Integrity",
    "sort": "Sort",
    "descending": "The order",
    "page": "The page",
}
DEFAULT_SORT = "time"
MAX_VALUE_LENGTH = 200
MAX_PAGE = 10_000_000
ID_COLUMN = {"requests": "request_id", "items": "item_id"}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FilterError(ValueError):
    """A filter value that breaks a rule; the message names the rule."""


def check_kind(kind: str) -> None:
    """Raise FilterError unless ``kind`` is one of :data:`KINDS`.

    >>> check_kind("orders")
    Traceback (most recent call last):
    ...
    org_analytics_widgets.filters.FilterError: unknown table 'orders': use one of requests, items
    """
    if kind not in KINDS:
        raise FilterError(f"unknown table {kind!r}: use one of {', '.join(KINDS)}")


def default_filters(kind: str) -> dict:
    """The filters of a freshly opened table: newest first, page 0, nothing selected.

    >>> default_filters("items")
    {'sort': 'time', 'descending': True, 'page': 0}
    """
    check_kind(kind)
    return {"sort": DEFAULT_SORT, "descending": True, "page": 0}


def _clean_date(key: str, value, month: str | None) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, str) and _DATE_RE.match(value):
        text = value
    else:
        raise FilterError(f"{FILTER_WORDS[key]} must be a date YYYY-MM-DD, got {value!r}")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise FilterError(f"{FILTER_WORDS[key]} {text!r} is not a calendar date") from None
    if month and text[:7] != month:
        raise FilterError(f"{FILTER_WORDS[key]} {text} is not in the month {month}")
    return text


def clean_filters(kind: str, value, month: str | None = None) -> dict:
    """Validate a filters dict that may come from a viewer's browser; returns a normalised copy.

    Unknown keys are dropped, empty values mean "no filter"; a date outside ``month``, a sort column
    not in :data:`SORTABLE`, an integrity check not in :data:`INTEGRITY_CHECKS`, a negative page or
    a value of the wrong type raises FilterError.

    >>> clean_filters("requests", {"status": "error", "colour": "red", "page": "2"}, "2026-03")
    {'status': 'error', 'page': 2, 'sort': 'time', 'descending': True}
    """
    check_kind(kind)
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise FilterError(f"table filters must be a dict, got {type(value).__name__}")
    out: dict = {}
    for key in FILTER_KEYS[kind]:
        if key not in value:
            continue
        raw = value[key]
        if key in ("date_from", "date_to"):
            if raw in (None, ""):
                continue
            out[key] = _clean_date(key, raw, month)
        elif key == "sort":
            if raw in (None, ""):
                continue
            if raw not in SORTABLE[kind]:
                raise FilterError(f"cannot sort the {kind} table by {raw!r}: use one of {', '.join(SORTABLE[kind])}")
            out[key] = raw
        elif key == "integrity":
            if raw in (None, ""):
                continue
            checks = INTEGRITY_CHECKS[kind]
            if not isinstance(raw, str) or raw not in checks:
                said = " or ".join(checks)
                raise FilterError(f"The integrity filter of the {kind} table must be {said}, got {raw!r}")
            out[key] = raw
        elif key == "descending":
            if not isinstance(raw, bool):
                raise FilterError(f"The order must be true or false (descending), got {raw!r}")
            out[key] = raw
        elif key == "page":
            if isinstance(raw, bool) or not isinstance(raw, (int, str)):
                raise FilterError(f"The page must be a whole number >= 0, got {raw!r}")
            try:
                number = int(raw)
            except ValueError:
                raise FilterError(f"The page must be a whole number >= 0, got {raw!r}") from None
            if not 0 <= number <= MAX_PAGE:
                raise FilterError(f"The page must be a whole number >= 0, got {raw!r}")
            out[key] = number
        else:  # equality filters and the request-id search: plain strings
            if raw is None or raw == "":
                continue
            if not isinstance(raw, str):
                raise FilterError(f"{FILTER_WORDS[key]} must be text, got {type(raw).__name__}")
            if len(raw) > MAX_VALUE_LENGTH:
                raise FilterError(f"{FILTER_WORDS[key]} is longer than {MAX_VALUE_LENGTH} characters")
            out[key] = raw
    if "date_from" in out and "date_to" in out and out["date_from"] > out["date_to"]:
        raise FilterError(f"From ({out['date_from']}) is after To ({out['date_to']}): pick a From day on or before To")
    out.setdefault("sort", DEFAULT_SORT)
    out.setdefault("descending", True)
    out.setdefault("page", 0)
    return out


def row_filters(filters: dict) -> dict:
    """The part of a filters dict that selects rows (what the totals depend on): no sort, no page.

    >>> row_filters({"model": "gpt", "sort": "cost", "descending": False, "page": 3})
    {'model': 'gpt'}
    """
    return {k: v for k, v in filters.items() if k not in ("sort", "descending", "page")}


def local_day_start_utc(day: date, period: Period) -> datetime:
    """The first instant of a local day in the period's zone, as naive UTC (DST gaps resolve forward)."""
    return local_midnight(day, ZoneInfo(period.timezone)).replace(tzinfo=None)


def day_bounds(period: Period, filters: dict) -> tuple[datetime, datetime]:
    """``[from, to)`` in naive UTC: the period narrowed to the filters' local days (inclusive)."""
    lo, hi = period.start_utc, period.end_utc
    if filters.get("date_from"):
        lo = max(lo, local_day_start_utc(date.fromisoformat(filters["date_from"]), period))
    if filters.get("date_to"):
        after = date.fromisoformat(filters["date_to"]) + timedelta(days=1)
        hi = min(hi, local_day_start_utc(after, period))
    return lo, hi
