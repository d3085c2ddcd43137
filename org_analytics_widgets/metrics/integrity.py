"""Integrity of the numbers: what in a period's usage cannot be trusted to add up, counted in the
engine (data contract, "Integrity"). Peers silently show $0 for an unpriced model; the dashboard
says how much usage has no price and which items or requests have no counterpart.

* unpriced items: items of P with ``quantity > 0`` and a null or zero ``cost`` or ``unit_price``,
  but for those of a failed request or a cache hit (their $0 is what the source charged);
* orphan items: items of P whose ``request_id`` is null or names no request created within a day
  of P (``[start - 1 day, end + 1 day)``: a request's items are written with it, and the window keeps
  the check to the month's part of the tables);
* requests without items: requests of P with no item created within a day of P.

Each is an Ibis expression (nothing runs here); ``unpriced_by_model`` names where the unpriced
usage comes from. The usage tables' ``integrity`` filter (``metrics.tables``) selects the same rows
with the same functions (:func:`unpriced`, :func:`orphans`, :func:`without_items`), so a filtered
table counts what the dashboard's badge says.
"""

from __future__ import annotations

from datetime import timedelta

import ibis

from ..period import Period
from .time import in_period

WINDOW = timedelta(days=1)


def _around(table: ibis.Table, period: Period) -> ibis.Table:
    start = ibis.literal(period.start_utc - WINDOW, type="timestamp")
    end = ibis.literal(period.end_utc + WINDOW, type="timestamp")
    return table.filter(table.created_at >= start, table.created_at < end)


NOT_CHARGED = ("error", "cache_hit")  # request statuses whose $0 is the source's charge, not a missing price


def unpriced(tables, items: ibis.Table, period: Period) -> ibis.Table:
    """The rows of ``items`` (items of P) with ``quantity > 0`` and a null or zero ``cost`` or
    ``unit_price``, except the items of a request that failed or was a cache hit (created within a
    day of P): LiteLLM logs those with their tokens at no cost, which is their price."""
    no_price = items.cost.isnull() | (items.cost == 0) | items.unit_price.isnull() | (items.unit_price == 0)
    requests = _around(tables.usage_requests, period)
    free = requests.filter(requests.status.isin(NOT_CHARGED)).select("request_id").distinct()
    return items.filter(items.quantity > 0, no_price).anti_join(free, "request_id").select(*items.columns)


def orphans(tables, items: ibis.Table, period: Period) -> ibis.Table:
    """The rows of ``items`` (items of P) whose ``request_id`` is null or names no request created
    within a day of P; the same columns as ``items``."""
    near_requests = _around(tables.usage_requests, period).select("request_id").distinct()
    return items.anti_join(near_requests, "request_id").select(*items.columns)


def without_items(tables, requests: ibis.Table, period: Period) -> ibis.Table:
    """The rows of ``requests`` (requests of P) with no item created within a day of P; the same
    columns as ``requests``."""
    near_items = _around(tables.usage_items, period).filter(lambda t: t.request_id.notnull())
    near_items = near_items.select("request_id").distinct()
    return requests.anti_join(near_items, "request_id").select(*requests.columns)


def counts(tables, period: Period) -> dict[str, ibis.Table]:
    """unpriced_items, orphan_items, requests_without_items: each a query of one row and column, to
    be run one after the other. In one query (a cross join of the three) the two anti-joins build
    their hash tables of a month's request ids at once: at 100M items that is more than DuckDB's
    512 MB, and the check failed every month (each alone takes ~0.8 s)."""
    items = in_period(tables.usage_items, period)
    requests = in_period(tables.usage_requests, period)
    return {
        "unpriced_items": unpriced(tables, items, period).aggregate(unpriced_items=ibis._.count()),
        "orphan_items": orphans(tables, items, period).aggregate(orphan_items=ibis._.count()),
        "requests_without_items": without_items(tables, requests, period).aggregate(
            requests_without_items=ibis._.count()
        ),
    }


def unpriced_by_model(tables, period: Period, n: int = 5) -> ibis.Table:
    """The ``n`` (model, pricing_rule, unit) with the most unpriced items: items, quantity."""
    rows = unpriced(tables, in_period(tables.usage_items, period), period)
    grouped = rows.group_by(["model", "pricing_rule", "unit"]).aggregate(
        items=ibis._.count(), quantity=ibis._.quantity.sum()
    )
    return grouped.order_by([ibis.desc("items"), "model", "pricing_rule", "unit"]).limit(n)
