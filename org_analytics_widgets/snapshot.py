"""A month of numbers: runs the facts once on the warehouse and derives every section from them."""
from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import pandas as pd
import pyarrow as pa

from . import shaping
from .colors import project_color
from .metrics import facts as F
from .metrics import sections as S
from .period import Period


@dataclass
class ServiceTypeCard:
    """One service type's card: its cost and three daily views."""

    service_type: str
    cost: float
    daily_cost_by_project: pd.DataFrame  # date, project_id, cost
    daily_requests: pd.DataFrame  # date, requests
    daily_usage: pd.DataFrame  # date, pricing_rule, unit, quantity


@dataclass
class Snapshot:
    """Every section of one month, as small shaped DataFrames.

    >>> snap = Snapshot.compute(connect(), Period.for_month("2026-10"))   # doctest: +SKIP
    >>> snap.kpis["total_cost"]                                            # doctest: +SKIP
    """

    period: Period
    kpis: dict
    cost_by_service_type: pd.DataFrame
    daily_cost_by_service_type: pd.DataFrame
    cost_by_project: pd.DataFrame
    projects: pd.DataFrame  # project_id, name, color (resolved), cost: every project with items
    top_agents: pd.DataFrame
    service_types: list[ServiceTypeCard]
    _facts: pa.Table | None = field(repr=False, default=None)  # the item facts, for local re-derivation

    @property
    def is_empty(self) -> bool:
        return self.kpis["total_requests"] == 0 and self.cost_by_service_type.empty

    @classmethod
    def compute(cls, warehouse, period: Period) -> "Snapshot":
        """Five warehouse queries (plus one for project names), then local derivations."""
        run = warehouse.con.to_pyarrow
        facts = run(F.item_facts(warehouse, period))
        item_requests = run(F.item_requests(warehouse, period))
        totals = run(F.request_totals(warehouse, period))
        by_project = run(F.request_projects(warehouse, period))
        agents = warehouse.con.execute(F.agent_facts(warehouse, period))
        ids = shaping.unique(
            [*facts.column("project_id").to_pylist(), *by_project.column("project_id").to_pylist()]
        )
        names = run(F.project_names(warehouse, period, ids or [""]))
        return cls._derive(period, facts, item_requests, totals, by_project, agents, names)

    @classmethod
    def _derive(cls, period, facts, item_requests, totals, by_project, agents, names) -> "Snapshot":
        local = ibis.duckdb.connect()
        try:
            facts_t, names_t = ibis.memtable(facts), ibis.memtable(names)
            kpis_row = local.execute(
                S.derive_kpis(
                    ibis.memtable(totals),
                    ibis.memtable(by_project),
                    facts_t,
                    names_t.filter(names_t.existed),
                )
            ).iloc[0]
            cost_by_type = local.execute(S.derive_cost_by_service_type(facts_t))
            daily_by_type = local.execute(S.derive_daily_cost_by_service_type(facts_t))
            per_project = local.execute(S.derive_cost_by_project(facts_t, names_t))
            svc_by_project = local.execute(S.derive_service_daily_cost_by_project(facts_t))
            svc_usage = local.execute(S.derive_service_daily_usage(facts_t))
        finally:
            local.disconnect()

        days = period.days
        kpis = {
            "total_requests": shaping.count(kpis_row["total_requests"]),
            "total_tokens": shaping.count(kpis_row["total_tokens"]),
            "unique_models": shaping.count(kpis_row["unique_models"]),
            "active_projects": shaping.count(kpis_row["active_projects"]),
            "total_projects": shaping.count(kpis_row["total_projects"]),
            "total_conversations": shaping.count(kpis_row["total_conversations"]),
            "total_cost": shaping.money(kpis_row["total_cost"]),
        }
        cost_by_type["cost"] = cost_by_type["cost"].map(shaping.money)
        cost_by_type = shaping.ordered(cost_by_type, shaping.by_cost_then("service_type"))
        daily_by_type = shaping.ordered(
            shaping.densify(daily_by_type, days, ["service_type"], ["cost"]), shaping.daily_key("service_type")
        )
        per_project["color"] = [project_color(p, c) for p, c in zip(per_project["project_id"], per_project["color"])]
        per_project["name"] = [shaping.text(n) or p for n, p in zip(per_project["name"], per_project["project_id"])]
        slices = shaping.project_slices(per_project)
        slices["color"] = [project_color(p, c) for p, c in zip(slices["project_id"], slices["color"])]
        cards = [
            cls._card(row["service_type"], row["cost"], svc_by_project, item_requests, svc_usage, days)
            for row in cost_by_type.to_dict("records")
        ]
        agents = shaping.rank_agents(agents)
        agents["project_color"] = [project_color(p, c) for p, c in zip(agents["project_id"], agents["project_color"])]
        return cls(
            period=period,
            kpis=kpis,
            cost_by_service_type=cost_by_type,
            daily_cost_by_service_type=daily_by_type,
            cost_by_project=slices,
            projects=shaping.ordered(per_project, shaping.by_cost_then("name", "project_id")),
            top_agents=agents,
            service_types=cards,
            _facts=facts,
        )

    @staticmethod
    def _card(service_type, cost, svc_by_project, item_requests, svc_usage, days) -> ServiceTypeCard:
        by_project = svc_by_project[svc_by_project["service_type"] == service_type]
        requests = item_requests.to_pandas()
        requests = requests[requests["service_type"] == service_type]
        usage = svc_usage[svc_usage["service_type"] == service_type]
        dense_requests = shaping.densify(requests[["day", "requests"]].assign(k=0), days, ["k"], ["requests"])
        dense_requests["requests"] = dense_requests["requests"].map(shaping.count)
        return ServiceTypeCard(
            service_type=service_type,
            cost=cost,
            daily_cost_by_project=shaping.ordered(
                shaping.densify(by_project, days, ["project_id"], ["cost"]), shaping.daily_key("project_id")
            ),
            daily_requests=dense_requests[["date", "requests"]],
            daily_usage=shaping.ordered(
                shaping.densify(usage, days, ["pricing_rule", "unit"], ["quantity"]),
                lambda r: (r["date"], r["pricing_rule"] or "", r["unit"] or ""),
            ),
        )

    def project_trends(self, service_type: str | None = None) -> pd.DataFrame:
        """Daily cost per project (date, project_id, cost), optionally for one service type."""
        local = ibis.duckdb.connect()
        try:
            trends = local.execute(S.derive_project_trends(ibis.memtable(self._facts), service_type))
        finally:
            local.disconnect()
        return shaping.ordered(
            shaping.densify(trends, self.period.days, ["project_id"], ["cost"]), shaping.daily_key("project_id")
        )
