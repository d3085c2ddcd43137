"""The Usage Requests and Usage Items tables as pure Ibis builders: filter, sort, page, totals, options.

Nothing here executes. Every function takes the canonical tables, a :class:`Period` and a filters
dict (already cleaned by :func:`org_analytics_widgets.filters.clean_filters`, whose vocabulary is
re-exported here) and returns an Ibis expression, so filtering, sorting, counting and paging run in
the warehouse's engine and the kernel receives one page.

>>> from org_analytics_widgets.period import Period
>>> period = Period.for_month("2026-03", "America/New_York", "2026-11-25T12:00:00Z")
>>> filters = clean_filters("items", {"project_id": "p_support", "page": 1}, "2026-03")
>>> expr = page(wh, period, "items", filters, page_size=50)      # doctest: +SKIP
>>> wh.execute(expr)                                              # doctest: +SKIP
"""

from __future__ import annotations

import ibis

from data_connectors.schema import STATUS_SUCCESS

from ..filters import (
    COLUMNS,
    DEFAULT_SORT,
    EQUALITY_FILTERS,
    ID_COLUMN,
    OPTION_FILTERS,
    SORTABLE,
    FilterError,
    check_kind,
    day_bounds,
)
from ..filters import (  # re-exported (redundant aliases) for the callers of metrics.tables
    KINDS as KINDS,
    clean_filters as clean_filters,
    default_filters as default_filters,
    row_filters as row_filters,
)
from ..period import Period
from . import integrity
from .time import in_period, local_timestamp

_CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CSV_SEPARATORS = (",", ";", "\t", "|")  # what spreadsheets split CSV cells on, by locale


# -- rows ---------------------------------------------------------------------------------------
def _source(tables, kind: str) -> ibis.Table:
    check_kind(kind)
    return tables.usage_requests if kind == "requests" else tables.usage_items


def month_rows(tables, period: Period, kind: str) -> ibis.Table:
    """Every row of the kind in the period (raw canonical columns)."""
    return in_period(_source(tables, kind), period)


def filtered(tables, period: Period, kind: str, filters: dict) -> ibis.Table:
    """The rows of the kind in the period that match ``filters`` (raw canonical columns, unsorted).

    Days are local dates in the period's zone, turned into a UTC range so the engine can prune. The
    ``integrity`` filter keeps the rows :mod:`.integrity` counts for the period (unpriced items,
    items naming no request, requests without items).
    """
    t = _source(tables, kind)
    lo, hi = day_bounds(period, filters)
    preds = [t.created_at >= ibis.literal(lo, type="timestamp"), t.created_at < ibis.literal(hi, type="timestamp")]
    for key in EQUALITY_FILTERS[kind]:
        if filters.get(key):
            preds.append(_matches(t, key, filters[key]))
    if filters.get("search"):
        preds.append(t.request_id.contains(ibis.literal(filters["search"], type="string")))
    rows = t.filter(*preds)
    check = filters.get("integrity")
    if check == "unpriced":
        return integrity.unpriced(tables, rows, period)
    if check == "orphan":
        return integrity.orphans(tables, rows, period)
    if check == "no_items":
        return integrity.without_items(tables, rows, period)
    if check:
        raise FilterError(f"unknown integrity check {check!r}")
    return rows


def _matches(t: ibis.Table, key: str, value: str) -> ibis.Value:
    """The rows whose ``key`` is ``value``; a null status is a success (data contract, "Request
    status"), so the status ``success`` ("Succeeded") matches null statuses too."""
    equal = t[key] == ibis.literal(value, type="string")
    return equal | t[key].isnull() if key == "status" and value == STATUS_SUCCESS else equal


def _with_names(tables, t: ibis.Table, kind: str) -> ibis.Table:
    """``t`` plus ``project`` (name, else id) and, for requests, ``agent`` (name, else id)."""
    projects = tables.projects.select(_p_id="project_id", _p_name="name")
    joined = t.left_join(projects, t.project_id == projects._p_id)
    extra = {"project": ibis.coalesce(joined._p_name, joined.project_id)}
    if kind == "requests":
        base = joined.select(*t.columns, **extra).view()
        agents = tables.agents.select(_a_id="agent_id", _a_name="name")
        joined2 = base.left_join(agents, base.agent_id == agents._a_id)
        return joined2.select(*base.columns, agent=ibis.coalesce(joined2._a_name, joined2.agent_id)).view()
    return joined.select(*t.columns, **extra).view()


def _display(t: ibis.Table, period: Period, kind: str) -> ibis.Table:
    """The table's display columns (:data:`COLUMNS`), time in the org zone."""
    cols = {name: t[name] for name in COLUMNS[kind] if name not in ("time",)}
    cols["cost"] = t.cost.cast("float64")
    if kind == "items":
        cols["quantity"] = t.quantity.cast("float64")
        cols["unit_price"] = t.unit_price.cast("float64")
    return t.select(time=local_timestamp(t.created_at, period), **cols).select(*COLUMNS[kind])


def _sort_keys(t: ibis.Table, kind: str, filters: dict) -> list:
    """Order: the chosen column, then created_at, then the row id, all in the chosen direction."""
    column = filters.get("sort") or DEFAULT_SORT
    if column not in SORTABLE[kind]:
        raise FilterError(f"cannot sort the {kind} table by {column!r}")
    descending = filters.get("descending", True)
    first = "created_at" if column == "time" else column
    names = [first] + [c for c in ("created_at", ID_COLUMN[kind]) if c != first]
    return [ibis.desc(t[c], nulls_first=False) if descending else ibis.asc(t[c], nulls_first=False) for c in names]


def sorted_rows(tables, period: Period, kind: str, filters: dict) -> ibis.Table:
    """The whole filtered set with display columns (:data:`COLUMNS`), in the table's order."""
    rows = _display(_with_names(tables, filtered(tables, period, kind, filters), kind), period, kind)
    return rows.order_by(_sort_keys(rows, kind, filters))


def page(tables, period: Period, kind: str, filters: dict, page_size: int = 50) -> ibis.Table:
    """One page (``filters["page"]``, 0-based) of the filtered set, display columns, in order.

    Names are joined onto the page's rows only, unless the sort needs them (project/agent), so a
    page of a 10M-row month is a top-N in the engine plus a join of ``page_size`` rows.
    """
    offset = int(filters.get("page", 0)) * page_size
    rows = filtered(tables, period, kind, filters)
    if filters.get("sort") in ("project", "agent"):
        rows = _with_names(tables, rows, kind)
        chosen = rows.order_by(_sort_keys(rows, kind, filters)).limit(page_size, offset=offset).view()
    else:
        chosen = rows.order_by(_sort_keys(rows, kind, filters)).limit(page_size, offset=offset).view()
        chosen = _with_names(tables, chosen, kind)
    shown = _display(chosen, period, kind)
    return shown.order_by(_sort_keys(shown, kind, filters))


def summary(tables, period: Period, kind: str, filters: dict) -> ibis.Table:
    """One row: ``rows`` (count) and ``cost`` (sum, null as 0) of the filtered set.

    For requests the cost is ``usage_requests.cost`` (informational), for items ``usage_items.cost``.
    """
    t = filtered(tables, period, kind, filters)
    return t.aggregate(rows=t.count(), cost=ibis.coalesce(t.cost.cast("float64").sum(), 0.0))


def option_values(tables, period: Period, kind: str) -> ibis.Table:
    """(filter, value, label) of every dropdown option present in the period, one small query.

    ``filter`` is a key of :data:`OPTION_FILTERS`; labels are project/agent names (else the id) and
    the value itself for the other filters. Null values are not options, but a null status is
    the option ``success`` (see :func:`_matches`).
    """
    t = month_rows(tables, period, kind)
    parts = []
    for key in OPTION_FILTERS[kind]:
        col = t[key].cast("string")
        if key == "status":
            col = ibis.coalesce(col, ibis.literal(STATUS_SUCCESS, type="string"))
        values = t.filter(col.notnull()).select(value=col).distinct()
        if key == "project_id":
            names = tables.projects.select(_id="project_id", _name="name")
            j = values.left_join(names, values.value == names._id)
            part = j.select(filter=ibis.literal(key), value=j.value, label=ibis.coalesce(j._name, j.value))
        elif key == "agent_id":
            names = tables.agents.select(_id="agent_id", _name="name")
            j = values.left_join(names, values.value == names._id)
            part = j.select(filter=ibis.literal(key), value=j.value, label=ibis.coalesce(j._name, j.value))
        else:
            part = values.select(filter=ibis.literal(key), value=values.value, label=values.value)
        parts.append(part)
    return ibis.union(*parts, distinct=False).order_by(["filter", "label", "value"])


# -- export -------------------------------------------------------------------------------------
def csv_safe(t: ibis.Table) -> ibis.Table:
    """Neutralise spreadsheet formulas: a text cell starting with = + - @ (or tab/CR) gets a leading
    ', and so does such a start after a separator inside the cell (``x;=HYPERLINK(…)`` is two cells,
    the second live, in locales whose CSV separator is ``;``). Plain literal replaces, so every
    backend runs them the same way.

    For CSV exports only (Parquet keeps the data as it is).
    """
    cols = {}
    for name, dtype in t.schema().items():
        col = t[name]
        if dtype.is_string():
            for separator in _CSV_SEPARATORS:
                for start in _CSV_FORMULA_STARTS:
                    col = col.replace(separator + start, separator + "'" + start)
            risky = col.left(1).isin(list(_CSV_FORMULA_STARTS))
            cols[name] = risky.ifelse(ibis.literal("'") + col, col)
        else:
            cols[name] = col
    return t.select(**cols)


def export_expression(tables, period: Period, kind: str, filters: dict, fmt: str, ordered: bool = True) -> ibis.Table:
    """What an export of the filtered set writes: the display columns with ``time`` renamed
    ``time_local`` (org zone) and ``created_at`` renamed ``created_at_utc``; the CSV form has
    formula-like text neutralised (:func:`csv_safe`). ``ordered`` sorts it in the table's order
    (the engine then buffers the whole set to sort it); otherwise rows stream in storage order."""
    if fmt not in ("csv", "parquet"):
        raise FilterError(f"unknown export format {fmt!r}: use csv or parquet")
    rows = _display(_with_names(tables, filtered(tables, period, kind, filters), kind), period, kind)
    if fmt == "csv":
        rows = csv_safe(rows)
    if ordered:
        rows = rows.order_by(_sort_keys(rows, kind, filters))
    return rows.rename(time_local="time", created_at_utc="created_at")
