"""One function per contract section, derived from the facts.

Each ``derive_*`` takes fact tables (Ibis) and returns an Ibis expression. The public functions in
``metrics`` compose them with a warehouse's facts, so an analyst gets one expression that runs
wholly in the engine; the Snapshot runs the very same derivations over the facts it already
fetched. Ranking with tie-breaks, dense daily series and rounding are shaping (``shaping``).
"""

from __future__ import annotations

import ibis


def derive_kpis(totals: ibis.Table, by_project: ibis.Table, facts: ibis.Table, existing: ibis.Table) -> ibis.Table:
    """One row with every KPI (``existing``: the ids of the projects that existed during P)."""
    all_projects = existing.select("project_id").union(by_project.select("project_id"), distinct=True)
    return totals.select(
        "total_requests",
        "total_tokens",
        "total_conversations",
        "failed_requests",
        unique_models=facts.model.nunique().as_scalar(),
        active_projects=by_project.count().as_scalar(),
        total_projects=all_projects.count().as_scalar(),
        total_cost=ibis.coalesce(facts.cost.sum().as_scalar(), 0.0),
    )


def derive_cost_by_service_type(facts: ibis.Table) -> ibis.Table:
    return facts.group_by("service_type").aggregate(cost=facts.cost.sum())


def derive_daily_cost_by_service_type(facts: ibis.Table) -> ibis.Table:
    return facts.group_by("day", "service_type").aggregate(cost=facts.cost.sum())


def derive_cost_by_project(facts: ibis.Table, projects: ibis.Table) -> ibis.Table:
    """Cost per project with an item in P, with its name and colour (null when not in ``projects``)."""
    by_project = facts.group_by("project_id").aggregate(cost=facts.cost.sum())
    names = projects.select("project_id", "name", "color")
    return by_project.left_join(names, "project_id").select("project_id", "name", "color", "cost")


def derive_project_trends(facts: ibis.Table, service_type: str | None = None) -> ibis.Table:
    """Daily cost per project, optionally for one service type."""
    if service_type is not None:
        facts = facts.filter(facts.service_type == service_type)
    return facts.group_by("day", "project_id").aggregate(cost=facts.cost.sum())


def derive_service_daily_cost_by_project(facts: ibis.Table) -> ibis.Table:
    return facts.group_by("service_type", "day", "project_id").aggregate(cost=facts.cost.sum())


def derive_service_daily_usage(facts: ibis.Table) -> ibis.Table:
    """Daily quantity by (pricing_rule, unit): quantities of different units are never added."""
    return facts.group_by("service_type", "day", "pricing_rule", "unit").aggregate(
        quantity=ibis.coalesce(facts.quantity.sum(), 0.0)
    )


def derive_agent_kpis(totals: ibis.Table, facts: ibis.Table) -> ibis.Table:
    """One row of an agent's KPIs from its request totals and item facts (see ``metrics.agent``)."""
    return totals.select(
        conversations=totals.total_conversations,
        requests=totals.total_requests,
        tokens=totals.total_tokens,
        cost=ibis.coalesce(facts.cost.sum().as_scalar(), 0.0),
        models=facts.model.nunique().as_scalar(),
    )


def derive_monthly_kpis(totals: ibis.Table, projects: ibis.Table, models: ibis.Table) -> ibis.Table:
    """One row per local month with a request or an item: the KPI cards' numbers of that month, from
    the monthly facts (``monthly_totals``, ``monthly_projects``, ``monthly_models``), counted as
    :func:`derive_kpis` counts a month's."""
    active = projects.group_by("month").aggregate(active_projects=projects.count())
    used = models.group_by("month").aggregate(unique_models=models.model.nunique(), total_cost=models.cost.sum())
    months = totals.select("month").union(used.select("month"), distinct=True)
    joined = months.left_join(totals, "month").left_join(active, "month").left_join(used, "month")
    return joined.select(
        "month",
        **{
            key: ibis.coalesce(joined[key], 0)
            for key in ("total_requests", "failed_requests", "total_tokens", "total_conversations")
        },
        unique_models=ibis.coalesce(joined.unique_models, 0),
        active_projects=ibis.coalesce(joined.active_projects, 0),
        total_cost=ibis.coalesce(joined.total_cost, 0.0),
    )
