"""Why spend changed (issue 15, item 2): the cost cells a change is split on, derived from the facts.

A cell is one project's cost and quantity of one (service type, model, pricing rule, unit) over the
period: the ``items`` fact without its day. Each project's requests and tokens come from
``by_project`` (``metrics.efficiency.derive_project_efficiency``). The split itself is arithmetic
on these small results, done in the kernel (``org_analytics_widgets.spend_change``). Nothing here
executes.

>>> wh.execute(cost_cells(wh, Period.for_month("2026-10")))   # doctest: +SKIP
"""

from __future__ import annotations

import ibis

from ..period import Period
from . import facts as fact_defs

CELL_KEYS = ("project_id", "service_type", "model", "pricing_rule", "unit")


def derive_cost_cells(items: ibis.Table) -> ibis.Table:
    """Cost (null as 0) and quantity (null as 0) per project, service type, model, pricing rule and unit."""
    return items.group_by(*CELL_KEYS).aggregate(
        cost=ibis.coalesce(items.cost.sum(), 0.0), quantity=ibis.coalesce(items.quantity.sum(), 0.0)
    )


def cost_cells(tables, period: Period) -> ibis.Table:
    """The period's cost cells (see ``derive_cost_cells``)."""
    return derive_cost_cells(fact_defs.item_facts(tables, period))
