"""Rollups: the facts pre-aggregated by 15-minute UTC bucket, derived from the facts' declarations.

Why 15 minutes and not hours: a local day in ``Asia/Kolkata`` (+05:30) or ``Asia/Kathmandu``
(+05:45) starts in the middle of a UTC hour, so hourly sums cannot be split into its days. Every
offset in use since 1980 and every DST transition is a multiple of 15 minutes, so each bucket lies
wholly inside one local day of any zone, and a month of any zone is a whole number of buckets.

The rollup tables (``ROLLUPS``) follow from ``facts.FACTS``, per canonical table:

- ``rollup_items`` / ``rollup_requests`` (*sums*): rows by bucket and every key, minimum column and
  ``agent_id`` any fact of that table uses; every sum measure, and ``rows`` (the row count). Sums,
  counts and minimums of any set of buckets re-aggregate exactly.
- ``rollup_conversations`` (*distinct*): the distinct (bucket, keys, id) of a distinct measure.
  Ids that last many buckets are counted as distinct ids over a period's rows, never summed.
- ``rollup_request_singles`` and ``rollup_request_spans``: for a distinct measure of ids that nearly
  always lie in one bucket (``one_bucket``: a request's items). An id (with its keys) whose rows
  all lie in one bucket is counted in ``singles`` (bucket, keys, count); the rare one with rows in
  several buckets is kept whole in ``spans`` (bucket, keys, id), so a day counts it once. Both are
  classified over all the data a build or refresh has seen. ``singles`` is built as the distinct
  ids of each bucket (:func:`id_counts`, bucket by bucket) less the spans among them: only the
  spans need the one query over all ids (:func:`classified`).

Beside the 15-minute tier, each table has a *local-day tier* (``DAYS``: ``rollup_items_by_day``, ...)
for one zone, the organisation's, chosen at build time: the same rows re-aggregated by the local day
of their bucket (its ``bucket`` column holds the local day's start, as a naive timestamp), so a month
is ~30 rows per key instead of ~2,900 buckets. A read takes the period's whole local days from it
when the period is in that zone, and the rest (a day cut at "now", or any other zone) from the
15-minute tier: both give the same numbers, because every bucket lies inside one local day.

In the local-day tier the ids of a *distinct* table (conversations) are classified like a request's
items: an id with rows in one (day, keys) only, in all the file (nearly every conversation lies
in one day), is counted in ``DAY_COUNTS`` (``rollup_conversations_counted_by_day``: day, keys,
rows); the rare one in several is kept whole in ``DAYS``. A period's distinct count is then the
counted ones of its whole days plus the distinct ids among the rest (kept ones, 15-minute rows,
the raw tail): a counted id has no row anywhere else, so it is counted once.

Everything here is a pure function returning an Ibis expression: :func:`build_rows` gives a rollup
table's rows from the canonical tables for ``[since, until)``; :func:`read` gives a fact from
rollup rows already given their local day (:func:`dated`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import ibis
import numpy as np

from ..period import Period
from .facts import FACTS, Fact, Measure, grouped, only_agent, only_project

GRAIN = timedelta(minutes=15)
SHORT = {"usage_items": "items", "usage_requests": "requests"}
KINDS = ("sums", "distinct", "singles", "spans")


@dataclass(frozen=True)
class RollupTable:
    """One rollup table: ``kind`` (see the module), its canonical ``table``, the ``keys`` of its grain
    besides the bucket, the ``sums`` it keeps (sums kind) and the ``column`` of its ids (others)."""

    name: str
    kind: str
    table: str
    keys: tuple[str, ...]
    sums: tuple[str, ...] = ()
    column: str | None = None

    @property
    def has_agents(self) -> bool:
        return "agent_id" in self.keys


def _unique(values) -> tuple:
    return tuple(dict.fromkeys(v for v in values if v is not None))


def _derive_rollups() -> dict[str, RollupTable]:
    out: dict[str, RollupTable] = {}
    for table, short in SHORT.items():
        facts = [f for f in FACTS.values() if f.table == table]
        measures = [m for f in facts for m in f.measures]
        keys = _unique(
            ["agent_id", *(k for f in facts for k in f.keys), *(m.column for m in measures if m.how == "min")]
        )
        sums = _unique(m.column for m in measures if m.how == "sum")
        out[f"rollup_{short}"] = RollupTable(f"rollup_{short}", "sums", table, keys, sums)
        for m in _unique(m for m in measures if m.how == "distinct"):
            users = [f for f in facts if m in f.measures]
            ids = m.column.removesuffix("_id")
            if m.one_bucket:  # the fact's exact keys: singles of a coarser grouping could count an id twice
                [user] = users
                out[f"rollup_{ids}_singles"] = RollupTable(
                    f"rollup_{ids}_singles", "singles", table, user.keys, column=m.column
                )
                out[f"rollup_{ids}_spans"] = RollupTable(
                    f"rollup_{ids}_spans", "spans", table, user.keys, column=m.column
                )
            else:  # one table per column, keyed by what every fact counting its ids groups by
                counting = [f for f in facts if any(x.how == "distinct" and x.column == m.column for x in f.measures)]
                out[f"rollup_{ids}s"] = RollupTable(
                    f"rollup_{ids}s",
                    "distinct",
                    table,
                    _unique(["agent_id", *(k for f in counting for k in f.keys)]),
                    column=m.column,
                )
    return out


ROLLUPS = _derive_rollups()
ROLLUP_TABLES = tuple(ROLLUPS)
# the raw tail after a period's last whole bucket is read in the form of these tables (a tail's ids
# are all kept as spans: too few rows to classify)
TAILED = tuple(name for name, spec in ROLLUPS.items() if spec.kind != "singles")
DAYS = {name: f"{name}_by_day" for name in ROLLUPS}  # the local-day tier of each table
# the ids of a distinct table counted per local day and keys (see the module)
DAY_COUNTS = {name: f"{name}_counted_by_day" for name, spec in ROLLUPS.items() if spec.kind == "distinct"}


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


def between(t: ibis.Table, since: datetime | None, until: datetime | None) -> ibis.Table:
    preds = []
    if since is not None:
        preds.append(t.created_at >= ibis.literal(since, type="timestamp"))
    if until is not None:
        preds.append(t.created_at < ibis.literal(until, type="timestamp"))
    return t.filter(*preds) if preds else t


# -- building: canonical tables -> rollup rows ------------------------------------------------
def _value(spec: RollupTable, t: ibis.Table, column: str) -> ibis.Value:
    return Measure(column, "sum", column).value(t, spec.table)


def build_rows(spec: RollupTable, tables, since: datetime | None = None, until: datetime | None = None) -> ibis.Table:
    """The rows of a sums or distinct table (or of a spans table, for a raw tail) for ``[since, until)``."""
    t = between(getattr(tables, spec.table), since, until)
    keys = {"bucket": bucket(t.created_at), **{k: t[k] for k in spec.keys}}
    if spec.kind == "sums":
        sums = {c: _value(spec, t, c).sum() for c in spec.sums}
        return t.group_by(**keys).aggregate(**sums, rows=t.count())
    assert spec.kind in ("distinct", "spans"), spec.kind
    t = t.filter(t[spec.column].notnull())
    return t.select(**keys, **{spec.column: t[spec.column]}).distinct()


def classified(
    spec: RollupTable, tables, since: datetime | None = None, part: tuple[int, int] = (0, 1)
) -> tuple[ibis.Table, ibis.Table]:
    """The ids (with their keys) of a singles/spans pair of tables with a row at or after ``since``:
    ``(rows, ids)``. ``rows``: their rows (created_at, keys, id), including those before ``since``.
    ``ids``: one row per id with its ``first_bucket`` and ``last_bucket``: equal for a single (counted
    in its bucket), different for a span (kept whole). One aggregation, no DISTINCT first: this is
    the largest query of a build (a row per id). ``part`` ``(k, n)``: only the ids whose hash is
    ``k`` modulo ``n`` (every row of an id is in its part), so that ``n`` queries of bounded size
    classify them all (DuckDB fails to spill this one beyond ~10M ids a GB)."""
    key = [*spec.keys, spec.column]
    t = getattr(tables, spec.table)
    t = t.filter(t[spec.column].notnull())  # an item of no request (OpenAI import) is no request to count
    k, n = part
    if n > 1:  # a hash may be negative (Spark's): its remainder too
        t = t.filter((t[spec.column].hash() % n + n) % n == k)
    rows = between(t, since, None).select("created_at", *key)
    if since is not None:
        seen = rows.select(*key).distinct()
        rows = rows.union(between(t, None, since).select("created_at", *key).semi_join(seen, key))
    ids = rows.group_by(*key).aggregate(first_at=rows.created_at.min(), last_at=rows.created_at.max())
    ids = ids.select(*key, first_bucket=bucket(ids.first_at), last_bucket=bucket(ids.last_at))
    return rows, ids


def id_counts(spec: RollupTable, tables, since: datetime | None = None, until: datetime | None = None) -> ibis.Table:
    """The distinct ids of a singles table's column per (bucket, keys) in ``[since, until)``: its
    singles plus the spans among them, which the build then takes away (a bucket's own query,
    unlike the classification of ids, so a build can run it range by range)."""
    t = between(getattr(tables, spec.table), since, until)
    t = t.filter(t[spec.column].notnull())
    ids = t.select(bucket=bucket(t.created_at), **{k: t[k] for k in (*spec.keys, spec.column)}).distinct()
    return ids.group_by("bucket", *spec.keys).aggregate(rows=ids.count())


def day_counts(tables, since: datetime | None = None) -> ibis.Table:
    """Rows of items and requests per UTC day at or after ``since`` (``day``, ``rows``): what a
    build splits into ranges of bounded size."""
    parts = []
    for name in SHORT:
        t = between(getattr(tables, name), since, None)
        parts.append(t.group_by(day=t.created_at.truncate("D")).aggregate(rows=t.count()))
    both = parts[0].union(parts[1], distinct=False)
    return both.group_by("day").aggregate(rows=both.rows.sum()).order_by("day")


def by_day(spec: RollupTable, rows: ibis.Table, days: ibis.Table) -> ibis.Table:
    """The local-day tier of a rollup table: its 15-minute ``rows`` re-aggregated by the local day
    of their bucket (``days``: ``bucket``, ``day_start``), which becomes their ``bucket``. Sums and
    counts add up; distinct ids stay distinct per day (a span stays a span: its count per day is
    still taken over its ids)."""
    t = rows.inner_join(days, "bucket")
    keys = {"bucket": t.day_start, **{k: t[k] for k in spec.keys}}
    if spec.kind == "sums":
        return t.group_by(**keys).aggregate(**{c: t[c].sum() for c in spec.sums}, rows=t.rows.sum())
    if spec.kind == "singles":
        return t.group_by(**keys).aggregate(rows=t.rows.sum())
    return t.select(**keys, **{spec.column: t[spec.column]}).distinct()


def day_ids(spec: RollupTable, ids: ibis.Table) -> tuple[ibis.Table, ibis.Table]:
    """A distinct table's local-day rows (``by_day``, of all the file) split into the ids kept
    whole (those in more than one day and keys) and the count of the others per day and keys
    (``DAY_COUNTS``): ``(kept, counted)``."""
    per_id = ids.group_by(spec.column).aggregate(places=ids.count())
    kept = ids.semi_join(per_id.filter(per_id.places > 1), spec.column)
    alone = ids.semi_join(per_id.filter(per_id.places == 1), spec.column)
    return kept, alone.group_by("bucket", *spec.keys).aggregate(rows=alone.count())


def span_rows(spec: RollupTable, rows: ibis.Table, ids: ibis.Table) -> ibis.Table:
    key = [*spec.keys, spec.column]
    spans = ids.filter(ids.first_bucket != ids.last_bucket)
    rows = rows.semi_join(spans, key)
    return rows.select(bucket=bucket(rows.created_at), **{k: rows[k] for k in key}).distinct()


def watermark(tables, probe_from: datetime | None = None) -> ibis.Table:
    """One row: the count and latest ``created_at`` of items and requests at or after ``probe_from``
    (all rows when None). Recorded by a build; the same query later tells whether anything
    arrived since (see ``rollups.Rollups.fresh``)."""
    items = between(tables.usage_items, probe_from, None)
    reqs = between(tables.usage_requests, probe_from, None)
    return items.aggregate(items=items.count(), items_max=items.created_at.max()).cross_join(
        reqs.aggregate(requests=reqs.count(), requests_max=reqs.created_at.max())
    )


# -- reading: rollup rows -> the facts ----------------------------------------------------------
# The reads are static expressions over named tables (the rollup tables, ``period_buckets`` and the
# raw tail's ``tail_*`` tables): a period only changes the rows of ``period_buckets`` and of the
# tail, so each read compiles once per process and a month switch runs SQL only.
TAIL = {name: "tail_" + name.removeprefix("rollup_") for name in TAILED}


def bucket_days(offsets, since: datetime, until: datetime) -> tuple[np.ndarray, np.ndarray]:
    """Every bucket in ``[since, until)`` and its local date, by the UTC ``offsets`` in force (a
    period's ``offsets``: the same rule as ``time.local_date``), as numpy datetime64 arrays: a year
    of buckets (a KPI's history) is 35,000 of them."""
    step = np.timedelta64(int(GRAIN.total_seconds()), "s")
    buckets = np.arange(np.datetime64(since, "us"), np.datetime64(until, "us"), step)
    starts = np.array([np.datetime64(start, "us") for start, _ in offsets])
    seconds = np.array([offset for _, offset in offsets], dtype="timedelta64[s]")
    segment = np.maximum(np.searchsorted(starts, buckets, side="right") - 1, 0)
    return buckets, (buckets + seconds[segment]).astype("datetime64[D]")


def local_day(instant: datetime, zone: str) -> np.datetime64:
    """The local date of a naive-UTC instant in ``zone`` (the same rule: the instant plus its offset)."""
    return np.datetime64(instant.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone)).date(), "D")


def split_days(
    period: Period, since: datetime, until: datetime, day_tier: bool
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The buckets of ``[since, until)`` split between the tiers: the local days wholly inside it
    (when ``day_tier``: the rollups have the period's zone), and every other bucket with its local
    day (``bucket_days``), for the 15-minute tier. A day is whole when the bucket before ``since``
    and the one at ``until`` are of other days."""
    buckets, days = bucket_days(period.offsets, since, until)
    none = np.array([], dtype="datetime64[D]")
    if not day_tier or not len(buckets):
        return none, (buckets, days)
    one = np.timedelta64(1, "D")
    first = days[0] + (one if local_day(since - GRAIN, period.timezone) == days[0] else 0)
    last = days[-1] - (one if local_day(until, period.timezone) == days[-1] else 0)
    whole = (days >= first) & (days <= last)
    return np.unique(days[whole]), (buckets[~whole], days[~whole])


def dated(parts: list[tuple[ibis.Table, ibis.Table]], time: str = "day") -> ibis.Table:
    """Rollup rows with their local ``time`` (``"day"``, or ``"month"``: its first day): each part
    is rows of one tier (or the raw tail) and the period's buckets they are read for (``bucket``,
    ``day``, ``month``), all in the same columns."""
    columns = [c for c in parts[0][0].columns if c != "bucket"]
    dated_parts = [rows.inner_join(buckets, "bucket").select(time, *columns) for rows, buckets in parts]
    out = dated_parts[0]
    for part in dated_parts[1:]:
        out = out.union(part, distinct=False)
    return out


def _rows_of(fact: Fact, t: ibis.Table, agent_id: str | None, project_id: str | None = None) -> ibis.Table:
    t = only_project(only_agent(t, agent_id), project_id)
    return t.filter(t[fact.present].notnull()) if fact.present else t


def _per(t: ibis.Table, grain: tuple[str, ...], **aggregates: ibis.Value) -> ibis.Table:
    return t.group_by(*grain).aggregate(**aggregates) if grain else t.aggregate(**aggregates)


def _distinct(
    fact: Fact, m: Measure, rows: dict[str, ibis.Table], agent_id: str | None, project_id: str | None = None
) -> ibis.Table:
    """The grain of ``fact`` with the distinct count ``m``, from dated rollup rows."""
    ids = m.column.removesuffix("_id")
    if not m.one_bucket:  # the day tier's counted ids, and the distinct ids of the rest
        t = _rows_of(fact, rows[f"rollup_{ids}s"], agent_id, project_id)
        c = _rows_of(fact, rows[DAY_COUNTS[f"rollup_{ids}s"]], agent_id, project_id)
        counted = _per(c, fact.grain, n=c.rows.sum())
        spread = t.select(*fact.grain, m.column).distinct()
        both = counted.union(_per(spread, fact.grain, n=spread.count()), distinct=False)
        return grouped(fact, both, {k: both[k] for k in fact.grain}, {m.name: both.n.sum()})
    if agent_id is not None or project_id is not None:  # its rows are keyed by the fact's keys only
        raise ValueError(f"rollups cannot give {fact.name} for one agent or project")
    singles, spans = rows[f"rollup_{ids}_singles"], rows[f"rollup_{ids}_spans"]
    counted = singles.group_by(*fact.grain).aggregate(n=singles.rows.sum())
    spread = spans.select(*fact.grain, m.column).distinct()
    spread = spread.group_by(*fact.grain).aggregate(n=spread.count())
    both = counted.union(spread, distinct=False)
    return grouped(fact, both, {k: both[k] for k in fact.grain}, {m.name: both.n.sum()})


def read(
    fact: Fact, rows: dict[str, ibis.Table], agent_id: str | None = None, project_id: str | None = None
) -> ibis.Table:
    """``fact`` from dated rollup rows (``rows``: rollup table name -> rows with ``day``), for one
    agent or one project when ``agent_id`` or ``project_id`` is given; the columns and types of
    ``facts.scan``."""
    additive = [m for m in fact.measures if m.how != "distinct"]
    parts = [_distinct(fact, m, rows, agent_id, project_id) for m in fact.measures if m.how == "distinct"]
    if additive:
        t = _rows_of(fact, rows[f"rollup_{SHORT[fact.table]}"], agent_id, project_id)
        again = {
            "sum": lambda m: t[m.column].sum(),
            "count": lambda m: t.rows.sum(),
            "min": lambda m: t[m.column].min(),
        }
        parts.insert(0, grouped(fact, t, {k: t[k] for k in fact.grain}, {m.name: again[m.how](m) for m in additive}))
    out = parts[0]
    for part in parts[1:]:  # every group of a distinct part is a group of the additive part
        # null-safe keys: a group whose key is null (a request of no project) keeps its count
        same = [out[k].identical_to(part[k]) for k in fact.grain]
        joined = out.cross_join(part) if not fact.grain else out.left_join(part, same)
        out = joined.select(*fact.grain, *(m.name for m in fact.measures if m.name in joined.columns))
        out = out.mutate(
            **{
                m.name: ibis.coalesce(out[m.name], 0)
                for m in fact.measures
                if m.how == "distinct" and m.name in part.columns
            }
        )
    return out.select(*fact.grain, *(m.name for m in fact.measures))
