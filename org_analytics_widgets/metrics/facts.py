"""The facts: every number of a month is derived from these few aggregates, each declared once.

A :class:`Fact` names its canonical table, its grain (the local day, the local month or neither, and
key columns) and its measures (a sum, a row count, a minimum or a distinct count of one column).
From that one declaration come all three ways of computing it, so they cannot drift apart:

- the raw scan (:func:`scan`): one ``GROUP BY`` over the period's rows of the warehouse table;
- the rollup build and the rollup read (:mod:`.rollup`): the same measures pre-aggregated by
  15-minute bucket, and re-aggregated over a period's buckets by local day.

A whole month needs one small query per fact however many sections are shown, and the dashboard's
interactive filters (a service type) re-derive locally from the fetched facts (see ``sections``).
Restricted to one agent (``agent_id=``), the same facts give the agent page its numbers; restricted
to one project (``project_id=``: the rows billed to it), the project view's.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import ibis

from data_connectors.schema import STATUS_ERROR, TABLES

from ..period import Period
from .time import in_period, local_date, local_month


def failed(t: ibis.Table) -> ibis.Value:
    """True for a request whose status is the contract's failure (``error``), false for any other
    status and for null (data contract, "Request status")."""
    return ibis.coalesce(t.status == STATUS_ERROR, False)


# row values a measure may sum, per canonical table (any other name is the column itself)
VALUES = {
    "usage_items": {
        "cost": lambda t: ibis.coalesce(t.cost.cast("float64"), 0.0),  # a null cost counts 0 (contract)
        "quantity": lambda t: t.quantity.cast("float64"),
    },
    "usage_requests": {
        # a failed request's tokens are left out (an estimate of the prompt, no answer)
        "tokens": lambda t: (
            failed(t).ifelse(0, ibis.coalesce(t.input_tokens, 0) + ibis.coalesce(t.output_tokens, 0)).cast("int64")
        ),
        "failed": lambda t: failed(t).ifelse(1, 0).cast("int64"),
    },
}
HOWS = ("sum", "count", "min", "distinct")


@dataclass(frozen=True)
class Measure:
    """``name`` = ``how`` of ``column`` (a row value of ``VALUES`` or a column; none for count).

    ``one_bucket``: for a distinct count of ids that nearly always lie in one 15-minute bucket (a
    request's items): the rollups count such ids per bucket instead of keeping each id.
    """

    name: str
    how: str
    column: str | None = None
    dtype: str = "float64"
    one_bucket: bool = False

    def __post_init__(self):
        assert self.how in HOWS, self.how

    def value(self, t: ibis.Table, table: str) -> ibis.Value:
        make = VALUES.get(table, {}).get(self.column)
        return make(t) if make is not None else t[self.column]


def Sum(name: str, column: str | None = None, dtype: str = "float64") -> Measure:
    return Measure(name, "sum", column or name, dtype)


def Count(name: str) -> Measure:
    return Measure(name, "count", None, "int64")


def Min(name: str, column: str | None = None) -> Measure:
    return Measure(name, "min", column or name, "string")


def Distinct(name: str, column: str, one_bucket: bool = False) -> Measure:
    return Measure(name, "distinct", column, "int64", one_bucket)


@dataclass(frozen=True)
class Fact:
    """One aggregate of one canonical table over a period.

    ``time``: grouped by the row's local ``"day"`` or ``"month"`` (its first day: a monthly fact is
    read over several months, a ``period.Months``) in the period's zone as well as ``keys``; None:
    by ``keys`` alone. ``present``: only rows where this column is not null. A fact with no key and
    no time is one row, whose sums and counts are 0 (not null) for an empty period.
    """

    name: str
    table: str
    keys: tuple[str, ...]
    measures: tuple[Measure, ...]
    time: str | None = "day"
    present: str | None = None

    def __post_init__(self):
        assert self.time in ("day", "month", None), self.time

    @property
    def grain(self) -> tuple[str, ...]:
        return ((self.time,) if self.time else ()) + self.keys


ITEMS = Fact(
    "items",
    "usage_items",
    ("service_type", "project_id", "model", "pricing_rule", "unit"),
    (Sum("cost"), Sum("quantity")),
)
ITEM_REQUESTS = Fact(
    "item_requests", "usage_items", ("service_type",), (Distinct("requests", "request_id", one_bucket=True),)
)
REQUEST_TOTALS = Fact(
    "totals",
    "usage_requests",
    (),
    (
        Count("total_requests"),
        Sum("failed_requests", "failed", "int64"),
        Sum("total_tokens", "tokens", "int64"),
        Distinct("total_conversations", "conversation_id"),
    ),
    time=None,
)
REQUEST_PROJECTS = Fact(
    "by_project",
    "usage_requests",
    ("project_id",),
    (
        Count("requests"),
        Sum("failed_requests", "failed", "int64"),
        Sum("tokens", "tokens", "int64"),
        Distinct("conversations", "conversation_id"),
    ),
    time=None,
)
AGENT_ITEMS = Fact(
    "agent_items", "usage_items", ("agent_id",), (Sum("cost"), Min("project_id")), time=None, present="agent_id"
)
AGENT_REQUESTS = Fact(
    "agent_requests",
    "usage_requests",
    ("agent_id",),
    (
        Count("requests"),
        Distinct("conversations", "conversation_id"),
        Min("project_id"),
        Sum("failed_requests", "failed", "int64"),
        Sum("tokens", "tokens", "int64"),
    ),
    time=None,
    present="agent_id",
)

# A KPI's history (issue 15, item 8): what the KPI cards count, per local month, read over several
# months at once (one query per fact, however many months). Their keys and measures are those of
# the facts above, so the rollups that serve a month serve them too.
MONTHLY_TOTALS = Fact("monthly_totals", "usage_requests", (), REQUEST_TOTALS.measures, time="month")
MONTHLY_PROJECTS = Fact("monthly_projects", "usage_requests", ("project_id",), (Count("requests"),), time="month")
MONTHLY_MODELS = Fact("monthly_models", "usage_items", ("model",), (Sum("cost"),), time="month")

FACTS = {
    fact.name: fact
    for fact in (
        ITEMS,
        ITEM_REQUESTS,
        REQUEST_TOTALS,
        REQUEST_PROJECTS,
        AGENT_ITEMS,
        AGENT_REQUESTS,
        MONTHLY_TOTALS,
        MONTHLY_PROJECTS,
        MONTHLY_MODELS,
    )
}


def _typed(fact: Fact, aggregates: dict[str, ibis.Value]) -> dict[str, ibis.Value]:
    """The measures (of ``aggregates``) cast to their declared type; a one-row fact's sums and counts
    are never null."""
    out = {}
    for m in fact.measures:
        if m.name not in aggregates:
            continue
        value = aggregates[m.name]
        if not fact.grain and m.how in ("sum", "count"):
            value = ibis.coalesce(value, 0)
        out[m.name] = value.cast(m.dtype)
    return out


def grouped(fact: Fact, t: ibis.Table, keys: dict[str, ibis.Value], aggregates: dict[str, ibis.Value]) -> ibis.Table:
    """``t`` grouped by ``keys`` (none: one row) with the fact's measures given in ``aggregates``."""
    measures = _typed(fact, aggregates)
    return t.group_by(**keys).aggregate(**measures) if keys else t.aggregate(**measures)


def only_agent(t: ibis.Table, agent_id: str | None) -> ibis.Table:
    """The rows of one agent (the id travels as a literal, never as SQL text); all rows for None."""
    return t if agent_id is None else t.filter(t.agent_id == ibis.literal(str(agent_id), type="string"))


def only_project(t: ibis.Table, project_id: str | None) -> ibis.Table:
    """The rows billed to one project (the id a literal, like an agent's); all rows for None."""
    return t if project_id is None else t.filter(t.project_id == ibis.literal(str(project_id), type="string"))


def scan(fact: Fact, tables, period: Period, agent_id: str | None = None, project_id: str | None = None) -> ibis.Table:
    """The raw scan: the fact over the period's rows of its warehouse table (one agent's or one
    project's, if given)."""
    t = only_project(only_agent(in_period(getattr(tables, fact.table), period), agent_id), project_id)
    if fact.present:
        t = t.filter(t[fact.present].notnull())
    keys = {}
    if fact.time == "day":
        keys["day"] = local_date(t.created_at, period)
    elif fact.time == "month":
        keys["month"] = local_month(t.created_at, period)
    keys.update({k: t[k] for k in fact.keys})
    raw = {
        "sum": lambda m: m.value(t, fact.table).sum(),
        "count": lambda m: t.count(),
        "min": lambda m: t[m.column].min(),
        "distinct": lambda m: t[m.column].nunique(),
    }
    return grouped(fact, t, keys, {m.name: raw[m.how](m) for m in fact.measures})


def item_facts(tables, period: Period) -> ibis.Table:
    """usage_items in P by (day, service_type, project_id, model, pricing_rule, unit): cost, quantity."""
    return scan(ITEMS, tables, period)


def item_requests(tables, period: Period) -> ibis.Table:
    """usage_items in P by (day, service_type): distinct request ids."""
    return scan(ITEM_REQUESTS, tables, period)


def request_totals(tables, period: Period) -> ibis.Table:
    """One row: requests, failed requests, tokens (failed ones' left out) and distinct conversations
    of usage_requests in P."""
    return scan(REQUEST_TOTALS, tables, period)


def request_projects(tables, period: Period) -> ibis.Table:
    """usage_requests in P by project_id: requests (the active projects), failed requests, tokens
    (failed ones' left out) and distinct conversations."""
    return scan(REQUEST_PROJECTS, tables, period)


def existing_projects(tables, period: Period) -> ibis.Table:
    """Projects that existed during P: created before its end, not archived before its start."""
    p = tables.projects
    start = ibis.literal(period.start_utc, type="timestamp")
    end = ibis.literal(period.end_utc, type="timestamp")
    return p.filter(p.created_at < end, p.archived_at.isnull() | (p.archived_at >= start))


def project_names(tables, period: Period, project_ids) -> ibis.Table:
    """(project_id, name, color, monthly_budget, existed) of the projects that existed during P
    or whose id is in ``project_ids`` (a list, or a column of ids)."""
    p = tables.projects
    existed = existing_projects(tables, period).select("project_id").distinct().mutate(existed=True)
    wanted = p.filter(p.project_id.isin(project_ids) | p.project_id.isin(existed.project_id))
    return wanted.left_join(existed, "project_id").select(
        "project_id", "name", "color", "monthly_budget", existed=ibis.coalesce(existed.existed, False)
    )


def agent_facts(tables, period: Period) -> ibis.Table:
    """One row per candidate agent (non-null agent_id with an item or a request in P).

    Columns: agent_id, name (null when missing from ``agents``), project_id (the agent's, else the
    smallest among its rows in P), project_name, project_color, cost, conversations, requests,
    failed_requests, tokens (failed requests' left out).
    """
    return name_agents(
        scan(AGENT_ITEMS, tables, period), scan(AGENT_REQUESTS, tables, period), tables.agents, tables.projects
    )


def name_agents(by_items: ibis.Table, by_reqs: ibis.Table, agents: ibis.Table, projects: ibis.Table) -> ibis.Table:
    """The candidate agents of the ``agent_items`` and ``agent_requests`` facts with their names and
    projects (see ``agent_facts``)."""
    # distinct key names on every side keep this one join chain free of column collisions
    by_items = by_items.select(i_id="agent_id", item_cost="cost", item_project="project_id")
    by_reqs = by_reqs.select(
        "requests", "conversations", "failed_requests", "tokens", r_id="agent_id", request_project="project_id"
    )
    ids = by_items.select(agent_id="i_id").union(by_reqs.select(agent_id="r_id"), distinct=True)
    agents = agents.select(a_id="agent_id", name="name", agent_project="project_id")
    joined = (
        ids.left_join(by_items, ids.agent_id == by_items.i_id)
        .left_join(by_reqs, ids.agent_id == by_reqs.r_id)
        .left_join(agents, ids.agent_id == agents.a_id)
    )
    with_project = joined.select(
        "agent_id",
        "name",
        project_id=ibis.coalesce(joined.agent_project, ibis.least(joined.item_project, joined.request_project)),
        cost=ibis.coalesce(joined.item_cost, 0.0),
        conversations=ibis.coalesce(joined.conversations, 0),
        requests=ibis.coalesce(joined.requests, 0),
        failed_requests=ibis.coalesce(joined.failed_requests, 0),
        tokens=ibis.coalesce(joined.tokens, 0),
    )
    projects = projects.select(p_id="project_id", project_name="name", project_color="color")
    with_project = with_project.view()  # a fresh relation: joining onto a projected join chain trips ibis
    named = with_project.left_join(projects, with_project.project_id == projects.p_id)
    return named.select(
        "agent_id",
        "name",
        "project_id",
        "project_name",
        "project_color",
        "cost",
        "conversations",
        "requests",
        "failed_requests",
        "tokens",
    )


_KIND_TYPES = {"string": "string", "integer": "int64", "number": "float64", "timestamp": "timestamp"}


def abstract_tables() -> SimpleNamespace:
    """The four canonical tables as unbound Ibis tables: what an expression's schema is computed on
    (the rollup tables' and the fetched facts' column types), independent of any warehouse."""
    return SimpleNamespace(
        **{
            name: ibis.table({c: _KIND_TYPES[kind] for c, kind in columns.items()}, name=name)
            for name, columns in TABLES.items()
        }
    )
