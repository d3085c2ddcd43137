"""One agent's month: pure functions ``(tables, period, agent_id) -> Ibis expression``.

The counting rules are the contract's (section 3) restricted to the rows whose ``agent_id`` is
the agent's: cost and models from ``usage_items`` (null cost counts 0), requests, conversations
and tokens from ``usage_requests``. The agent id travels as an Ibis literal (a bound value),
never as SQL text, so any string is just an id.

>>> from data_connectors import connect                                   # doctest: +SKIP
>>> from org_analytics_widgets.period import Period
>>> wh = connect()                                                          # doctest: +SKIP
>>> wh.execute(agent_kpis(wh, Period.for_month("2026-10"), "a_conc"))       # doctest: +SKIP
"""

from __future__ import annotations

import ibis

from ..period import Period
from . import sections
from .facts import ITEMS, REQUEST_TOTALS, only_agent, scan
from .time import in_period


def _id(agent_id: str) -> ibis.Value:
    return ibis.literal(str(agent_id), type="string")


def agent_items(tables, period: Period, agent_id: str) -> ibis.Table:
    """The agent's usage_items in P."""
    return only_agent(in_period(tables.usage_items, period), agent_id)


def agent_requests(tables, period: Period, agent_id: str) -> ibis.Table:
    """The agent's usage_requests in P."""
    return only_agent(in_period(tables.usage_requests, period), agent_id)


def agent_listing(tables, agent_id: str) -> ibis.Table:
    """The agent's row in ``agents`` (none when it is not listed): name, project_id, project_name,
    project_color (the project's, null when it has none or is not in ``projects``).

    >>> agent_listing(wh, "a_conc")                                         # doctest: +SKIP
    """
    a = tables.agents.filter(tables.agents.agent_id == _id(agent_id)).select("name", "project_id")
    p = project_of(tables)
    return a.left_join(p, a.project_id == p.p_id).select("name", "project_id", "project_name", "project_color")


def project_of(tables) -> ibis.Table:
    """``projects`` as p_id, project_name, project_color (to name an agent's project)."""
    return tables.projects.select(p_id="project_id", project_name="name", project_color="color")


def agent_project(tables, project_id: str) -> ibis.Table:
    """project_name, project_color of one project (no row when it is not in ``projects``): an
    unlisted agent's project, the smallest project_id among its rows in P."""
    p = project_of(tables)
    return p.filter(p.p_id == ibis.literal(str(project_id), type="string")).select("project_name", "project_color")


def agent_kpis(tables, period: Period, agent_id: str) -> ibis.Table:
    """One row: conversations, requests, tokens (from usage_requests), cost, models (usage_items):
    the organisation's facts restricted to the agent (``facts.scan(..., agent_id)``).

    >>> agent_kpis(wh, Period.for_month("2026-03"), "a_conc")              # doctest: +SKIP
    """
    return sections.derive_agent_kpis(
        scan(REQUEST_TOTALS, tables, period, agent_id), scan(ITEMS, tables, period, agent_id)
    )


def agent_daily_cost_by_service_type(tables, period: Period, agent_id: str) -> ibis.Table:
    """day, service_type, cost of the agent's items (sparse: days without items have no row).

    >>> agent_daily_cost_by_service_type(wh, Period.for_month("2026-03"), "a_voice")  # doctest: +SKIP
    """
    return sections.derive_daily_cost_by_service_type(scan(ITEMS, tables, period, agent_id))


REQUEST_PAGE_COLUMNS = (  # agent_requests_page's columns: the table's seven, then what it derives
    "request_id",
    "created_at",
    "service_type",
    "model",
    "status",
    "input_tokens",
    "output_tokens",
    "tokens",
    "cost",
)


def agent_requests_page(tables, period: Period, agent_id: str, limit: int = 50, offset: int = 0) -> ibis.Table:
    """One page of the agent's requests in P, newest first (created_at, then request_id, descending).

    Columns: request_id, created_at (naive UTC), service_type, model, status, input_tokens,
    output_tokens, tokens, cost (``usage_requests.cost``, informational). How many requests the
    agent has in P is its KPIs' ``requests`` (a count beside the page made its scan 3-6x slower).

    >>> agent_requests_page(wh, Period.for_month("2026-03"), "a_conc", limit=50)  # doctest: +SKIP
    """
    if int(limit) < 0 or int(offset) < 0:
        raise ValueError(f"limit and offset must be >= 0, got limit={limit} offset={offset}")
    r = agent_requests(tables, period, agent_id)
    page = r.select(
        *REQUEST_PAGE_COLUMNS[:7],
        tokens=ibis.coalesce(r.input_tokens, 0) + ibis.coalesce(r.output_tokens, 0),
        cost=r.cost.cast("float64"),
    )
    return page.order_by([ibis.desc("created_at"), ibis.desc("request_id")]).limit(int(limit), offset=int(offset))


__all__ = [
    "agent_listing",
    "agent_project",
    "agent_kpis",
    "agent_daily_cost_by_service_type",
    "agent_requests_page",
    "REQUEST_PAGE_COLUMNS",
    "agent_items",
    "agent_requests",
]
