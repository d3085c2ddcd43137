"""Every metric of the data contract as a pure function ``(tables, period) -> Ibis expression``.

Nothing here executes: run an expression with ``warehouse.execute(expr)`` (or ``.to_pandas()``),
or let :class:`org_analytics_widgets.snapshot.Snapshot` compute a whole month at once.

>>> from data_connectors import connect                       # doctest: +SKIP
>>> from org_analytics_widgets.period import Period
>>> wh = connect()                                              # doctest: +SKIP
>>> expr = cost_by_service_type(wh, Period.for_month("2026-10"))  # doctest: +SKIP
>>> wh.execute(expr)                                            # doctest: +SKIP
"""

from __future__ import annotations

import ibis

from ..period import Period
from . import facts as F
from . import sections as S


def kpis(tables, period: Period) -> ibis.Table:
    """One row: total_requests, total_tokens, total_conversations, failed_requests, unique_models,
    active_projects, total_projects, total_cost."""
    return S.derive_kpis(
        F.request_totals(tables, period),
        F.request_projects(tables, period),
        F.item_facts(tables, period),
        F.existing_projects(tables, period),
    )


def cost_by_service_type(tables, period: Period) -> ibis.Table:
    return S.derive_cost_by_service_type(F.item_facts(tables, period))


def daily_cost_by_service_type(tables, period: Period) -> ibis.Table:
    """Sparse: days without cost for a type have no row (``Snapshot`` densifies)."""
    return S.derive_daily_cost_by_service_type(F.item_facts(tables, period))


def cost_by_project(tables, period: Period) -> ibis.Table:
    """Cost per project with items in P (before the top-6 + Others grouping)."""
    return S.derive_cost_by_project(F.item_facts(tables, period), tables.projects)


def project_trends(tables, period: Period, service_type: str | None = None) -> ibis.Table:
    return S.derive_project_trends(F.item_facts(tables, period), service_type)


def top_agents(tables, period: Period, n: int = 10) -> ibis.Table:
    """The ``n`` agents with the highest cost (ties beyond the engine's collation: see ``shaping``)."""
    agents = F.agent_facts(tables, period)
    return agents.order_by([ibis.desc("cost"), ibis.coalesce(agents.name, agents.agent_id), "agent_id"]).limit(n)


def service_type_daily_cost_by_project(tables, period: Period) -> ibis.Table:
    return S.derive_service_daily_cost_by_project(F.item_facts(tables, period))


def service_type_daily_requests(tables, period: Period) -> ibis.Table:
    return F.item_requests(tables, period)


def service_type_daily_usage(tables, period: Period) -> ibis.Table:
    return S.derive_service_daily_usage(F.item_facts(tables, period))


__all__ = [
    "kpis",
    "cost_by_service_type",
    "daily_cost_by_service_type",
    "cost_by_project",
    "project_trends",
    "top_agents",
    "service_type_daily_cost_by_project",
    "service_type_daily_requests",
    "service_type_daily_usage",
]
