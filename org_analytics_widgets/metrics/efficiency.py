"""Where the money goes and how well it works (issue 15, item 6), derived from the facts.

Cost by model comes from the ``items`` fact; each project's requests, failed requests, tokens and
conversations from ``by_project``, beside its cost from ``items``. The ratios (error rate, cost per
request, per conversation, per 1k tokens) are divisions of these sums, done in the kernel on the
small results (``org_analytics_widgets.efficiency``), so that "no requests" reads as no ratio
rather than a division by zero. Nothing here executes.

>>> wh.execute(project_efficiency(wh, Period.for_month("2026-10")))   # doctest: +SKIP
"""

from __future__ import annotations

import ibis

from ..period import Period
from . import facts as fact_defs


def derive_cost_by_model(items: ibis.Table) -> ibis.Table:
    """Cost per model with an item in P (model null: the items that name none)."""
    return items.group_by("model").aggregate(cost=items.cost.sum())


def derive_project_efficiency(items: ibis.Table, by_project: ibis.Table, names: ibis.Table) -> ibis.Table:
    """One row per project with an item or a request in P: project_id, name, color (null when not in
    ``names``), cost (items), requests, failed_requests, tokens, conversations (requests)."""
    cost = items.group_by(c_id=items.project_id).aggregate(cost=items.cost.sum())
    reqs = by_project.select("requests", "failed_requests", "tokens", "conversations", r_id=by_project.project_id)
    ids = cost.select(project_id="c_id").union(reqs.select(project_id="r_id"), distinct=True)
    joined = ids.left_join(cost, ids.project_id.identical_to(cost.c_id)).left_join(
        reqs, ids.project_id.identical_to(reqs.r_id)
    )
    rows = joined.select(
        "project_id",
        cost=ibis.coalesce(joined.cost, 0.0),
        requests=ibis.coalesce(joined.requests, 0),
        failed_requests=ibis.coalesce(joined.failed_requests, 0),
        tokens=ibis.coalesce(joined.tokens, 0),
        conversations=ibis.coalesce(joined.conversations, 0),
    ).view()
    named = names.select(n_id="project_id", name="name", color="color")
    out = rows.left_join(named, rows.project_id == named.n_id)
    return out.select("project_id", "name", "color", "cost", "requests", "failed_requests", "tokens", "conversations")


def cost_by_model(tables, period: Period) -> ibis.Table:
    """Cost per model in P (before the top models + Others grouping)."""
    return derive_cost_by_model(fact_defs.item_facts(tables, period))


def project_efficiency(tables, period: Period) -> ibis.Table:
    """Each active project's cost, requests, failed requests, tokens and conversations in P."""
    return derive_project_efficiency(
        fact_defs.item_facts(tables, period), fact_defs.request_projects(tables, period), tables.projects
    )
