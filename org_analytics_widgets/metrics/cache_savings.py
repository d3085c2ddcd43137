"""Cache savings (issue 15, item 5), derived from the ``items`` fact: no query of its own.

Providers bill input tokens read from a prompt cache under their own pricing rule
(``cached_input_tokens``: OpenAI's cached input, Anthropic's cache reads), at a lower price than
uncached input (``input_tokens``). Per project and model, this gives the token quantities and costs
of both rules; ``org_analytics_widgets.cache_savings`` turns them into the cached share of input and
the saving against the uncached price. Only quantities counted in tokens (unit ``token``) are read,
so no two units are ever added. Nothing here executes.

>>> wh.execute(cache_rows(wh, Period.for_month("2026-10")))   # doctest: +SKIP
"""

from __future__ import annotations

import ibis

from ..period import Period
from . import facts as fact_defs

CACHED_RULES = ("cached_input_tokens",)  # input read from a prompt cache
INPUT_RULES = ("input_tokens",)  # input at the uncached price
TOKEN = "token"


def derive_cache_rows(items: ibis.Table) -> ibis.Table:
    """Per (project_id, model) with token input in P: cached_tokens, cached_cost (the cached rules'),
    input_tokens, input_cost (the uncached input rule's)."""
    t = items.filter(items.unit == TOKEN, items.pricing_rule.isin([*CACHED_RULES, *INPUT_RULES]))
    cached = t.pricing_rule.isin(list(CACHED_RULES))
    return t.group_by("project_id", "model").aggregate(
        cached_tokens=ibis.coalesce(cached.ifelse(t.quantity, 0.0).sum(), 0.0),
        cached_cost=ibis.coalesce(cached.ifelse(t.cost, 0.0).sum(), 0.0),
        input_tokens=ibis.coalesce((~cached).ifelse(t.quantity, 0.0).sum(), 0.0),
        input_cost=ibis.coalesce((~cached).ifelse(t.cost, 0.0).sum(), 0.0),
    )


def cache_rows(tables, period: Period) -> ibis.Table:
    """The cached and uncached token input of each project and model in P (see ``derive_cache_rows``)."""
    return derive_cache_rows(fact_defs.item_facts(tables, period))
