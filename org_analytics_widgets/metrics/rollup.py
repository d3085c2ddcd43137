"""Rollups: the warehouse pre-aggregated by 15-minute UTC bucket, and the facts read back from them.

Why 15 minutes and not hours: a local day in ``Asia/Kolkata`` (+05:30) or ``Asia/Kathmandu``
(+05:45) starts in the middle of a UTC hour, so hourly sums cannot be split into its days. Every
offset in use since 1980 and every DST transition is a multiple of 15 minutes, so each bucket lies
wholly inside one local day of any zone, and a month of any zone is a whole number of buckets.

The tables (``ROLLUP_TABLES``):

- ``rollup_items``: items by (bucket, service_type, project_id, model, agent_id, pricing_rule, unit):
  cost (null as 0), quantity, items. Every cost, quantity and ``unique_models`` (a key) is a sum or
  a distinct of keys, so any set of buckets adds up exactly.
- ``rollup_requests``: requests by (bucket, project_id, agent_id, service_type, model): requests
  and tokens. Total requests, tokens, active projects and an agent's requests add up the same way.
- ``rollup_conversations``: the distinct (bucket, agent_id, conversation_id). Conversations last
  many buckets, so their count over a month is a distinct count over these pairs (a few % of the
  items' rows), never a sum.
- ``rollup_request_singles`` and ``rollup_request_spans``: a card's daily requests are the
  distinct request ids among a service type's items per local day. A (request, service type) pair
  whose items all lie in one bucket — every pair when items share their request's timestamp, as
  the contract expects — is counted in ``singles`` (bucket, service_type, requests). The rare pair
  with items in several buckets is kept whole in ``spans`` (bucket, service_type, request_id), so a
  day counts it once however many of its buckets fall in that day. Both are classified over all
  the data a build or refresh has seen.

Everything here is a pure function returning an Ibis expression: ``*_buckets`` build a table's
rows from the canonical tables for ``[since, until)``; ``*_from_rollups`` read the facts of
``metrics.facts`` from rollup rows already given their local day (``dated``).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import ibis

from ..period import Period

GRAIN = timedelta(minutes=15)
ROLLUP_TABLES = ("rollup_items", "rollup_requests", "rollup_conversations",
                 "rollup_request_singles", "rollup_request_spans")


def bucket(ts: ibis.Value) -> ibis.Value:
    """The start of the 15-minute UTC bucket of a naive-UTC timestamp (portable: no TIME_BUCKET)."""
    return ts.truncate("h") + (ts.minute() // 15 * 15).as_interval("m")


def floor_to_grain(instant: datetime) -> datetime:
    return instant.replace(minute=instant.minute // 15 * 15, second=0, microsecond=0)


def is_aligned(instant: datetime) -> bool:
    return instant == floor_to_grain(instant)


def aligned_period(period: Period) -> bool:
    """True when every local day of the period is a whole number of buckets (any zone whose
    offsets in the period are multiples of 15 minutes, i.e. every zone since 1980)."""
    return is_aligned(period.start_utc) and all(seconds % 900 == 0 for _, seconds in period.offsets)


def _between(t: ibis.Table, since: datetime | None, until: datetime | None) -> ibis.Table:
    preds = []
    if since is not None:
        preds.append(t.created_at >= ibis.literal(since, type="timestamp"))
    if until is not None:
        preds.append(t.created_at < ibis.literal(until, type="timestamp"))
    return t.filter(*preds) if preds else t


def _money(value: ibis.Value) -> ibis.Value:
    return ibis.coalesce(value.cast("float64"), 0.0)


# -- building: canonical tables -> rollup rows ------------------------------------------------
def item_buckets(tables, since: datetime | None = None, until: datetime | None = None) -> ibis.Table:
    t = _between(tables.usage_items, since, until)
    return t.group_by(
        bucket=bucket(t.created_at), service_type=t.service_type, project_id=t.project_id, model=t.model,
        agent_id=t.agent_id, pricing_rule=t.pricing_rule, unit=t.unit,
    ).aggregate(cost=_money(t.cost).sum(), quantity=t.quantity.cast("float64").sum(), items=t.count())


def request_buckets(tables, since: datetime | None = None, until: datetime | None = None) -> ibis.Table:
    t = _between(tables.usage_requests, since, until)
    tokens = ibis.coalesce(t.input_tokens, 0) + ibis.coalesce(t.output_tokens, 0)
    return t.group_by(
        bucket=bucket(t.created_at), project_id=t.project_id, agent_id=t.agent_id,
        service_type=t.service_type, model=t.model,
    ).aggregate(requests=t.count(), tokens=ibis.coalesce(tokens.sum(), 0).cast("int64"))


def conversation_buckets(tables, since: datetime | None = None, until: datetime | None = None) -> ibis.Table:
    t = _between(tables.usage_requests, since, until)
    t = t.filter(t.conversation_id.notnull())
    return t.select(bucket=bucket(t.created_at), agent_id=t.agent_id, conversation_id=t.conversation_id).distinct()


def request_pairs(tables, since: datetime | None = None, until: datetime | None = None) -> ibis.Table:
    """Distinct (bucket, service_type, request_id) of the items in ``[since, until)``."""
    t = _between(tables.usage_items, since, until)
    return t.select(bucket=bucket(t.created_at), service_type=t.service_type, request_id=t.request_id).distinct()


def classified_pairs(tables, since: datetime | None = None) -> tuple[ibis.Table, ibis.Table]:
    """The (request, service type) pairs with an item at or after ``since``: ``(items, pairs)``.
    ``items``: their items (created_at, service_type, request_id), including those before ``since``.
    ``pairs``: one row per pair with its ``first_bucket`` and ``last_bucket``: equal for a single (counted
    in its bucket), different for a span (kept whole). One aggregation, no DISTINCT first: this is
    the largest query of a build (a row per request and type) and must spill within the memory limit."""
    t = tables.usage_items
    t = t.filter(t.request_id.notnull())  # an item of no request (OpenAI import) is no request to count
    items = _between(t, since, None).select("created_at", "service_type", "request_id")
    if since is not None:
        keys = items.select("service_type", "request_id").distinct()
        older = _between(t, None, since).select("created_at", "service_type", "request_id")
        items = items.union(older.semi_join(keys, ["service_type", "request_id"]))
    pairs = items.group_by("service_type", "request_id").aggregate(
        first_at=items.created_at.min(), last_at=items.created_at.max())
    pairs = pairs.select("service_type", "request_id", first_bucket=bucket(pairs.first_at),
                         last_bucket=bucket(pairs.last_at))
    return items, pairs


def single_counts(pairs: ibis.Table) -> ibis.Table:
    singles = pairs.filter(pairs.first_bucket == pairs.last_bucket)
    return singles.group_by(bucket=singles.first_bucket, service_type=singles.service_type).aggregate(
        requests=singles.count())


def span_rows(items: ibis.Table, pairs: ibis.Table) -> ibis.Table:
    spans = pairs.filter(pairs.first_bucket != pairs.last_bucket)
    rows = items.semi_join(spans, ["service_type", "request_id"])
    return rows.select(bucket=bucket(rows.created_at), service_type=rows.service_type,
                       request_id=rows.request_id).distinct()


def watermark(tables, probe_from: datetime | None = None) -> ibis.Table:
    """One row: the count and latest ``created_at`` of items and requests at or after ``probe_from``
    (all rows when None). Recorded by a build; the same query later tells whether anything
    arrived since (see ``rollups.Rollups.fresh``)."""
    items = _between(tables.usage_items, probe_from, None)
    reqs = _between(tables.usage_requests, probe_from, None)
    return items.aggregate(items=items.count(), items_max=items.created_at.max()).cross_join(
        reqs.aggregate(requests=reqs.count(), requests_max=reqs.created_at.max()))


# -- reading: rollup rows -> the facts of metrics.facts ---------------------------------------
# The reads are static expressions over named tables (the rollup tables, ``period_buckets`` and the
# raw tail's ``tail_*`` tables): a period only changes the rows of ``period_buckets`` and of the
# tail, so each read compiles once per process and a month switch runs SQL only.
TAIL = {name: "tail_" + name.removeprefix("rollup_") for name in ROLLUP_TABLES if name != "rollup_request_singles"}


def bucket_days(period: Period, since: datetime, until: datetime) -> list[tuple[datetime, object]]:
    """(bucket, local date) of every bucket in ``[since, until)``, by the period's UTC offsets
    (the same rule as ``time.local_date``)."""
    out, cursor, segments = [], since, period.offsets
    k = 0
    while cursor < until:
        while k + 1 < len(segments) and segments[k + 1][0] <= cursor:
            k += 1
        out.append((cursor, (cursor + timedelta(seconds=segments[k][1])).date()))
        cursor += GRAIN
    return out


def dated(rows: ibis.Table, buckets: ibis.Table, tail: ibis.Table | None = None,
          tail_buckets: ibis.Table | None = None) -> ibis.Table:
    """Rollup rows of the period's buckets (``buckets``: bucket, day) with their local day, plus the
    raw tail's rows in the same form when given."""
    columns = [c for c in rows.columns if c != "bucket"]
    out = rows.inner_join(buckets, "bucket").select("day", *columns)
    if tail is not None:
        out = out.union(tail.inner_join(tail_buckets, "bucket").select("day", *columns), distinct=False)
    return out


def item_facts_from_rollups(items: ibis.Table) -> ibis.Table:
    return items.group_by("day", "service_type", "project_id", "model", "pricing_rule", "unit").aggregate(
        cost=items.cost.sum(), quantity=items.quantity.sum())


def item_requests_from_rollups(singles: ibis.Table, spans: ibis.Table) -> ibis.Table:
    """(day, service_type, requests): the singles summed, plus each span pair once per day."""
    counted = singles.group_by("day", "service_type").aggregate(requests=singles.requests.sum())
    spread = spans.select("day", "service_type", "request_id").distinct()
    spread = spread.group_by("day", "service_type").aggregate(requests=spread.count())
    both = counted.union(spread, distinct=False)
    return both.group_by("day", "service_type").aggregate(requests=both.requests.sum().cast("int64"))


def request_totals_from_rollups(requests: ibis.Table, conversations: ibis.Table) -> ibis.Table:
    return requests.aggregate(
        total_requests=ibis.coalesce(requests.requests.sum(), 0).cast("int64"),
        total_tokens=ibis.coalesce(requests.tokens.sum(), 0).cast("int64"),
    ).cross_join(conversations.aggregate(total_conversations=conversations.conversation_id.nunique()))


def request_projects_from_rollups(requests: ibis.Table) -> ibis.Table:
    return requests.group_by("project_id").aggregate(requests=requests.requests.sum().cast("int64"))


def agent_usage_from_rollups(items: ibis.Table, requests: ibis.Table, conversations: ibis.Table):
    """The two per-agent aggregates ``facts.name_agents`` takes, from rollup rows."""
    items = items.filter(items.agent_id.notnull())
    requests = requests.filter(requests.agent_id.notnull())
    conversations = conversations.filter(conversations.agent_id.notnull())
    by_items = items.group_by(i_id=items.agent_id).aggregate(
        item_cost=items.cost.sum(), item_project=items.project_id.min())
    counted = requests.group_by(r_id=requests.agent_id).aggregate(
        requests=requests.requests.sum().cast("int64"), request_project=requests.project_id.min())
    talks = conversations.group_by(c_id=conversations.agent_id).aggregate(
        conversations=conversations.conversation_id.nunique())
    joined = counted.left_join(talks, counted.r_id == talks.c_id)
    by_reqs = joined.select("r_id", "requests", "request_project",
                            conversations=ibis.coalesce(joined.conversations, 0))
    return by_items, by_reqs
