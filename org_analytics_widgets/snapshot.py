"""A month of numbers: runs the facts once on the warehouse and derives every section from them."""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field

import duckdb
import ibis
import pandas as pd
import pyarrow as pa

from . import metrics, shaping
from .colors import project_color
from .metrics import facts as F
from .metrics import rollup as R
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
    source: str = "raw"  # where the numbers came from: "raw" tables or "rollups"
    _facts: pa.Table | None = field(repr=False, default=None)  # the item facts, for local re-derivation

    @property
    def is_empty(self) -> bool:
        return self.kpis["total_requests"] == 0 and self.cost_by_service_type.empty

    @classmethod
    def compute(cls, warehouse, period: Period, rollups=None) -> "Snapshot":
        """Five warehouse queries (plus one for project names), then local derivations; from the
        rollups instead when they are given, fresh and fit the period (the numbers are the same)."""
        if rollups is not None and rollups.usable(warehouse, period):
            return cls._from_rollups(warehouse, period, rollups)
        run = warehouse.con.to_pyarrow
        facts = run(F.item_facts(warehouse, period))
        item_requests = run(F.item_requests(warehouse, period))
        totals = run(F.request_totals(warehouse, period))
        by_project = run(F.request_projects(warehouse, period))
        agents = warehouse.con.execute(F.agent_facts(warehouse, period))
        return cls._named(warehouse, period, facts, item_requests, totals, by_project, agents)

    @classmethod
    def _named(cls, warehouse, period, facts, item_requests, totals, by_project, agents,
               more_ids: list | None = None) -> "Snapshot":
        """Fetch the names of the projects the facts (and ``more_ids``) name, then derive."""
        names = _project_names(warehouse, period, facts, by_project, more_ids)
        if callable(agents):  # agents named from the projects just fetched (rollups)
            agents = agents(names)
        return cls._derive(period, facts, item_requests, totals, by_project, agents, names)

    @staticmethod
    def kpis_of(warehouse, period: Period, rollups=None) -> dict:
        """Only the KPIs of a period (what a month is compared with), from the rollups when they
        are given, fresh and fit the period, else from the raw tables; shaped like ``kpis``."""
        if rollups is not None and rollups.usable(warehouse, period):
            got = _rollup_facts(warehouse, period, rollups, ("facts", "totals", "by_project"))
            names = _project_names(warehouse, period, got["facts"], got["by_project"])
            inputs = {"facts": got["facts"], "names": names, "totals": got["totals"], "by_project": got["by_project"]}
            row = _run_local(inputs, ("kpis",))["kpis"]
        else:
            row = warehouse.execute(metrics.kpis(warehouse, period))
        return {k: (shaping.money(v) if k == "total_cost" else shaping.count(v))
                for k, v in row.iloc[0].to_dict().items()}

    @classmethod
    def _from_rollups(cls, warehouse, period: Period, rollups) -> "Snapshot":
        """The period's whole buckets from the rollups; the part of the current month after the
        last whole bucket (under 15 minutes) from the raw tables, in rollup form, merged in."""
        got = _rollup_facts(warehouse, period, rollups)
        by_items, by_reqs = got["by_items"], got["by_reqs"]
        agent_ids = shaping.unique([*by_items.column("i_id").to_pylist(), *by_reqs.column("r_id").to_pylist()])
        agents = warehouse.con.to_pyarrow(warehouse.agents.filter(
            warehouse.agents.agent_id.isin(agent_ids or [""])).select("agent_id", "name", "project_id"))
        more = [*agents.column("project_id").to_pylist(), *by_items.column("item_project").to_pylist(),
                *by_reqs.column("request_project").to_pylist()]

        def named_agents(projects: pa.Table) -> pd.DataFrame:
            inputs = {"by_items": by_items, "by_reqs": by_reqs, "agents": agents,
                      "projects": projects.select(["project_id", "name", "color"])}
            return _run_local(inputs, ("named_agents",))["named_agents"]

        snapshot = cls._named(warehouse, period, got["facts"], got["item_requests"], got["totals"],
                              got["by_project"], named_agents, more)
        snapshot.source = "rollups"
        return snapshot

    @classmethod
    def _derive(cls, period, facts, item_requests, totals, by_project, agents, names) -> "Snapshot":
        local = _run_local(
            {"facts": facts, "names": names, "totals": totals, "by_project": by_project},
            ("kpis", "cost_by_type", "daily_by_type", "per_project", "svc_by_project", "svc_usage"),
        )
        kpis_row = local["kpis"].iloc[0]
        cost_by_type, daily_by_type, per_project = local["cost_by_type"], local["daily_by_type"], local["per_project"]
        svc_by_project, svc_usage = local["svc_by_project"], local["svc_usage"]

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
        parts = [_by_type(frame) for frame in (svc_by_project, item_requests.to_pandas(), svc_usage)]
        cards = [
            cls._card(service_type, cost, *(part.get(service_type, empty) for part, empty in zip(parts, (
                svc_by_project.iloc[:0], item_requests.schema.empty_table().to_pandas(), svc_usage.iloc[:0]))), days)
            for service_type, cost in zip(cost_by_type["service_type"], cost_by_type["cost"])
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
    def _card(service_type, cost, by_project, requests, usage, days) -> ServiceTypeCard:
        """One card from the rows of its service type."""
        # every day, even for a type none of whose items names a request (the rollups have no row then)
        by_day = dict(zip(map(shaping.as_date, requests["day"].tolist()), requests["requests"].tolist()))
        dense_requests = pd.DataFrame({"date": list(days), "requests": [shaping.count(by_day.get(d)) for d in days]})
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
        if service_type is None:
            trends = _run_local({"facts": self._facts}, ("trends",))["trends"]
        else:
            local = ibis.duckdb.connect()
            try:
                trends = local.execute(S.derive_project_trends(ibis.memtable(self._facts), service_type))
            finally:
                local.disconnect()
        return shaping.ordered(
            shaping.densify(trends, self.period.days, ["project_id"], ["cost"]), shaping.daily_key("project_id")
        )


def _project_names(warehouse, period: Period, facts: pa.Table, by_project: pa.Table,
                   more_ids: list | None = None) -> pa.Table:
    """``metrics.facts.project_names`` of the projects that existed in the period or that the facts,
    ``by_project`` and ``more_ids`` name (one warehouse query)."""
    ids = shaping.unique(
        [*facts.column("project_id").to_pylist(), *by_project.column("project_id").to_pylist(), *(more_ids or [])]
    )
    return warehouse.con.to_pyarrow(F.project_names(warehouse, period, ids or [""]))


def _rollup_facts(warehouse, period: Period, rollups, keys: tuple[str, ...] | None = None) -> dict[str, pa.Table]:
    """``rollups.facts`` (``keys`` of them, else all) for the period, with the raw tail after its
    last whole bucket (under 15 minutes of the current month) read in rollup form."""
    end = period.end_utc
    tail_from = max(period.start_utc, R.floor_to_grain(end))
    tail = {}
    if tail_from < end:
        run = warehouse.con.to_pyarrow
        tail = {"rollup_items": run(R.item_buckets(warehouse, tail_from, end)),
                "rollup_requests": run(R.request_buckets(warehouse, tail_from, end)),
                "rollup_conversations": run(R.conversation_buckets(warehouse, tail_from, end)),
                "rollup_request_spans": run(R.request_pairs(warehouse, tail_from, end))}
    return rollups.facts(period, tail, tail_from if tail_from < end else None, keys)


def _by_type(frame: pd.DataFrame) -> dict:
    """The rows of ``frame`` per service type."""
    return dict(tuple(frame.groupby("service_type", sort=False)))


# The local derivations run over the facts fetched from the warehouse, whose schemas are fixed by
# metrics.facts. Their SQL is compiled once per process from the same ``derive_*`` functions the
# public metrics use (compiling an Ibis expression costs ~25 ms; running it on the facts, ~2 ms).
_FACTS = ibis.table({"day": "date", "service_type": "string", "project_id": "string", "model": "string",
                     "pricing_rule": "string", "unit": "string", "cost": "float64", "quantity": "float64"},
                    name="facts")
_NAMES = ibis.table({"project_id": "string", "name": "string", "color": "string",
                     "monthly_budget": "float64", "existed": "boolean"}, name="names")
_TOTALS = ibis.table({"total_requests": "int64", "total_tokens": "int64", "total_conversations": "int64"},
                     name="totals")
_BY_PROJECT = ibis.table({"project_id": "string", "requests": "int64"}, name="by_project")
_DERIVATIONS = {
    "kpis": lambda: S.derive_kpis(_TOTALS, _BY_PROJECT, _FACTS, _NAMES.filter(_NAMES.existed)),
    "cost_by_type": lambda: S.derive_cost_by_service_type(_FACTS),
    "daily_by_type": lambda: S.derive_daily_cost_by_service_type(_FACTS),
    "per_project": lambda: S.derive_cost_by_project(_FACTS, _NAMES),
    "svc_by_project": lambda: S.derive_service_daily_cost_by_project(_FACTS),
    "svc_usage": lambda: S.derive_service_daily_usage(_FACTS),
    "trends": lambda: S.derive_project_trends(_FACTS),
    "named_agents": lambda: F.name_agents(
        ibis.table({"i_id": "string", "item_cost": "float64", "item_project": "string"}, name="by_items"),
        ibis.table({"r_id": "string", "requests": "int64", "request_project": "string", "conversations": "int64"},
                   name="by_reqs"),
        ibis.table({"agent_id": "string", "name": "string", "project_id": "string"}, name="agents"),
        ibis.table({"project_id": "string", "name": "string", "color": "string"}, name="projects")),
}


@functools.cache
def _local_sql(name: str) -> str:
    return ibis.to_sql(_DERIVATIONS[name](), dialect="duckdb")


_local = threading.local()


def _run_local(inputs: dict[str, pa.Table], names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Run the named derivations on an in-process DuckDB over the given Arrow tables (one
    connection per thread, kept: opening one costs more than most derivations)."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
    try:
        for table, data in inputs.items():
            con.register(table, data)
        return {name: con.sql(_local_sql(name)).df() for name in names}
    finally:
        for table in inputs:
            con.unregister(table)
