"""The shared scans: each fact is one pass over one warehouse table for the period.

Every contract section is derived from these few aggregates (see ``sections``), so a whole
month needs five small queries on the warehouse however many sections are shown, and the
interactive filters of the dashboard (a service type, a project) re-derive locally from the
facts without touching the warehouse again.
"""
from __future__ import annotations

import ibis

from ..period import Period
from .time import in_period, local_date


def _money(value: ibis.Value) -> ibis.Value:
    return ibis.coalesce(value.cast("float64"), 0.0)


def item_facts(tables, period: Period) -> ibis.Table:
    """usage_items in P by (day, service_type, project_id, model, pricing_rule, unit): cost, quantity."""
    t = in_period(tables.usage_items, period)
    return t.group_by(
        day=local_date(t.created_at, period),
        service_type=t.service_type,
        project_id=t.project_id,
        model=t.model,
        pricing_rule=t.pricing_rule,
        unit=t.unit,
    ).aggregate(cost=_money(t.cost).sum(), quantity=t.quantity.cast("float64").sum())


def item_requests(tables, period: Period) -> ibis.Table:
    """usage_items in P by (day, service_type): distinct request ids."""
    t = in_period(tables.usage_items, period)
    return t.group_by(day=local_date(t.created_at, period), service_type=t.service_type).aggregate(
        requests=t.request_id.nunique()
    )


def request_totals(tables, period: Period) -> ibis.Table:
    """One row: requests, tokens and distinct conversations of usage_requests in P."""
    t = in_period(tables.usage_requests, period)
    tokens = ibis.coalesce(t.input_tokens, 0) + ibis.coalesce(t.output_tokens, 0)
    return t.aggregate(
        total_requests=t.count(),
        total_tokens=ibis.coalesce(tokens.sum(), 0),
        total_conversations=t.conversation_id.nunique(),
    )


def request_projects(tables, period: Period) -> ibis.Table:
    """usage_requests in P by project_id: request count (the active projects)."""
    t = in_period(tables.usage_requests, period)
    return t.group_by("project_id").aggregate(requests=t.count())


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
    smallest among its rows in P), project_name, cost, conversations, requests.
    """
    items = in_period(tables.usage_items, period)
    items = items.filter(items.agent_id.notnull())
    reqs = in_period(tables.usage_requests, period)
    reqs = reqs.filter(reqs.agent_id.notnull())
    # distinct key names on every side keep this one join chain free of column collisions
    by_items = items.group_by(i_id=items.agent_id).aggregate(
        item_cost=_money(items.cost).sum(), item_project=items.project_id.min()
    )
    by_reqs = reqs.group_by(r_id=reqs.agent_id).aggregate(
        requests=reqs.count(), conversations=reqs.conversation_id.nunique(), request_project=reqs.project_id.min()
    )
    return name_agents(by_items, by_reqs, tables.agents, tables.projects)


def name_agents(by_items: ibis.Table, by_reqs: ibis.Table, agents: ibis.Table, projects: ibis.Table) -> ibis.Table:
    """The candidate agents of ``by_items`` (i_id, item_cost, item_project) and ``by_reqs`` (r_id,
    requests, conversations, request_project) with their names and projects (see ``agent_facts``)."""
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
    )
    projects = projects.select(p_id="project_id", project_name="name", project_color="color")
    with_project = with_project.view()  # a fresh relation: joining onto a projected join chain trips ibis
    named = with_project.left_join(projects, with_project.project_id == projects.p_id)
    return named.select(
        "agent_id", "name", "project_id", "project_name", "project_color", "cost", "conversations", "requests"
    )
