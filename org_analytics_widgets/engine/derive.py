"""From fetched facts to a Snapshot or an AgentMonth: the contract's sections, derived in the kernel.

The facts arrive as small Arrow tables (whichever source gave them). Every section is one of the
``metrics.sections`` derivations, run on an in-process DuckDB over those tables: the very Ibis
expressions the public metrics compose with a warehouse's facts, compiled once per process from
the facts' own schemas. Then ``shaping`` orders, densifies and rounds.
"""

from __future__ import annotations

import functools
import threading

import duckdb
import ibis
import pandas as pd
import pyarrow as pa

from .. import cache_savings, efficiency, shaping
from ..colors import project_color
from ..metrics import cache_savings as cache_defs
from ..metrics import change as change_defs
from ..metrics import efficiency as efficiency_defs
from ..metrics import facts as fact_defs
from ..metrics import sections
from ..period import Month, Period
from ..snapshot import HISTORY_KEYS, KPI_KEYS, AgentMonth, ServiceTypeCard, Snapshot


@functools.cache
def _inputs() -> dict[str, ibis.Table]:
    """Unbound tables named like the fetched inputs, with the schemas the facts' scans give."""
    tables = fact_defs.abstract_tables()
    period = Period.for_month(Month.of(2000, 1))  # any period: only the schemas are used
    out = {
        name: ibis.table(fact_defs.scan(fact, tables, period).schema(), name=name)
        for name, fact in fact_defs.FACTS.items()
    }
    out["names"] = ibis.table(fact_defs.project_names(tables, period, [""]).schema(), name="names")
    out["agents"] = ibis.table(tables.agents.select("agent_id", "name", "project_id").schema(), name="agents")
    out["agent_projects"] = ibis.table(
        tables.projects.select("project_id", "name", "color").schema(), name="agent_projects"
    )
    return out


def empty(fact: str) -> pa.Table:
    """A fact with no rows (what a source cannot give for one project), with its columns."""
    return _inputs()[fact].schema().to_pyarrow().empty_table()


def _derivation(name: str) -> ibis.Table:
    t = _inputs()
    items, names = t["items"], t["names"]
    return {
        "kpis": lambda: sections.derive_kpis(t["totals"], t["by_project"], items, names.filter(names.existed)),
        "cost_by_type": lambda: sections.derive_cost_by_service_type(items),
        "daily_by_type": lambda: sections.derive_daily_cost_by_service_type(items),
        "per_project": lambda: sections.derive_cost_by_project(items, names),
        "svc_by_project": lambda: sections.derive_service_daily_cost_by_project(items),
        "svc_usage": lambda: sections.derive_service_daily_usage(items),
        "trends": lambda: sections.derive_project_trends(items),
        "agent_kpis": lambda: sections.derive_agent_kpis(t["totals"], items),
        "monthly_kpis": lambda: sections.derive_monthly_kpis(
            t["monthly_totals"], t["monthly_projects"], t["monthly_models"]
        ),
        "cost_by_model": lambda: efficiency_defs.derive_cost_by_model(items),
        "cache_rows": lambda: cache_defs.derive_cache_rows(items),
        "cost_cells": lambda: change_defs.derive_cost_cells(items),
        "project_efficiency": lambda: efficiency_defs.derive_project_efficiency(items, t["by_project"], names),
        "named_agents": lambda: fact_defs.name_agents(
            t["agent_items"], t["agent_requests"], t["agents"], t["agent_projects"]
        ),
    }[name]()


@functools.cache
def _sql(name: str) -> str:
    return ibis.to_sql(_derivation(name), dialect="duckdb")


_local = threading.local()


def run_local(inputs: dict[str, pa.Table], names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Run the named derivations on an in-process DuckDB over the given Arrow tables (one
    connection per thread, kept: opening one costs more than most derivations)."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
    try:
        for table, data in inputs.items():
            con.register(table, data)
        return {name: con.sql(_sql(name)).df() for name in names}
    finally:
        for table in inputs:
            con.unregister(table)


def kpis(facts: dict[str, pa.Table], names: pa.Table) -> dict:
    """The KPI dict of a period from its items, totals and by_project facts and project names."""
    return _kpi_dict(run_local({**facts, "names": names}, ("kpis",))["kpis"])


def comparison(facts: dict[str, pa.Table], names: pa.Table) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """What a month is compared with, from the period's items, totals and by_project facts: its KPI
    dict, its cost cells and each project's requests and tokens (what ``spend_change`` splits)."""
    local = run_local({**facts, "names": names}, ("kpis", "cost_cells", "project_efficiency"))
    return _kpi_dict(local["kpis"]), local["cost_cells"], local["project_efficiency"]


def monthly_kpis(facts: dict[str, pa.Table]) -> dict[str, dict]:
    """The KPI dicts of the months with usage (``YYYY-MM`` -> the keys of :func:`kpis` but
    ``total_projects``) from the monthly facts of several months (``Engine.kpi_history``)."""
    frame = run_local(facts, ("monthly_kpis",))["monthly_kpis"]
    return {f"{shaping.as_date(row['month']):%Y-%m}": _kpi_dict(row, HISTORY_KEYS) for _, row in frame.iterrows()}


def _kpi_dict(frame: pd.DataFrame | pd.Series, keys: tuple[str, ...] = KPI_KEYS) -> dict:
    row = frame.iloc[0] if isinstance(frame, pd.DataFrame) else frame
    kpis = {key: shaping.money(row[key]) if key == "total_cost" else shaping.count(row[key]) for key in keys}
    return {**kpis, "error_rate": efficiency.ratio(kpis["failed_requests"], kpis["total_requests"])}


def snapshot(
    period: Period,
    facts: dict[str, pa.Table],
    names: pa.Table,
    agents: pd.DataFrame,
    source: str,
    top_agents: int | None = shaping.TOP_AGENTS,
) -> Snapshot:
    """Every section of the month from its facts, project names and named agents (the
    ``top_agents`` costliest; None: all of them, as a project's view lists them)."""
    local = run_local(
        {**facts, "names": names},
        ("kpis", "cost_by_type", "daily_by_type", "per_project", "svc_by_project", "svc_usage", "trends")
        + ("cost_by_model", "project_efficiency", "cache_rows", "cost_cells"),
    )
    days = period.days
    cost_by_type = local["cost_by_type"]
    cost_by_type["cost"] = cost_by_type["cost"].map(shaping.money)
    cost_by_type = shaping.ordered(cost_by_type, shaping.by_cost_then("service_type"))
    daily_by_type = shaping.ordered(
        shaping.densify(local["daily_by_type"], days, ["service_type"], ["cost"]), shaping.daily_key("service_type")
    )
    per_project = local["per_project"]
    per_project["color"] = [project_color(p, c) for p, c in zip(per_project["project_id"], per_project["color"])]
    per_project["name"] = [shaping.text(n) or p for n, p in zip(per_project["name"], per_project["project_id"])]
    slices = shaping.project_slices(per_project)
    slices["color"] = [project_color(p, c) for p, c in zip(slices["project_id"], slices["color"])]
    by_type = [
        _by_type(frame) for frame in (local["svc_by_project"], facts["item_requests"].to_pandas(), local["svc_usage"])
    ]
    empty = [
        local["svc_by_project"].iloc[:0],
        facts["item_requests"].schema.empty_table().to_pandas(),
        local["svc_usage"].iloc[:0],
    ]
    cards = [
        _card(service_type, cost, *(part.get(service_type, none) for part, none in zip(by_type, empty)), days)
        for service_type, cost in zip(cost_by_type["service_type"], cost_by_type["cost"])
    ]
    agents = efficiency.with_ratios(shaping.rank_agents(agents, top_agents))
    models = efficiency.models(local["cost_by_model"])
    agents["project_color"] = [project_color(p, c) for p, c in zip(agents["project_id"], agents["project_color"])]
    return Snapshot(
        period=period,
        kpis=_kpi_dict(local["kpis"]),
        cost_by_service_type=cost_by_type,
        daily_cost_by_service_type=daily_by_type,
        cost_by_project=slices,
        projects=shaping.ordered(per_project, shaping.by_cost_then("name", "project_id")),
        top_agents=agents,
        service_types=cards,
        trends=_daily_by_project(local["trends"], days),
        source=source,
        models=models,
        cost_by_model=efficiency.model_slices(models),
        project_efficiency=efficiency.projects(local["project_efficiency"]),
        cache_savings=cache_savings.savings(local["cache_rows"], per_project),
        cost_cells=local["cost_cells"],
        daily_costs=_daily_costs(facts["items"]),
    )


def _daily_costs(items: pa.Table) -> pd.DataFrame:
    """date, project_id, model, cost of the items fact (the days with items)."""
    frame = items.select(["day", "project_id", "model", "cost"]).to_pandas()
    frame = frame.groupby(["day", "project_id", "model"], dropna=False, as_index=False, sort=False)["cost"].sum()
    return pd.DataFrame(
        {
            "date": [shaping.as_date(d) for d in frame["day"]],
            "project_id": [shaping.text(p) for p in frame["project_id"]],
            "model": [shaping.text(m) for m in frame["model"]],
            "cost": frame["cost"].astype(float),
        }
    )


def _daily_by_project(frame: pd.DataFrame, days) -> pd.DataFrame:
    return shaping.ordered(shaping.densify(frame, days, ["project_id"], ["cost"]), shaping.daily_key("project_id"))


def _by_type(frame: pd.DataFrame) -> dict:
    """The rows of ``frame`` per service type."""
    return dict(tuple(frame.groupby("service_type", sort=False)))


def _card(service_type, cost, by_project, requests, usage, days) -> ServiceTypeCard:
    """One card from the rows of its service type."""
    # every day, even for a type none of whose items names a request (the rollups have no row then)
    by_day = dict(zip(map(shaping.as_date, requests["day"].tolist()), requests["requests"].tolist()))
    dense_requests = pd.DataFrame({"date": list(days), "requests": [shaping.count(by_day.get(d)) for d in days]})
    return ServiceTypeCard(
        service_type=service_type,
        cost=cost,
        daily_cost_by_project=_daily_by_project(by_project, days),
        daily_requests=dense_requests[["date", "requests"]],
        daily_usage=shaping.ordered(
            shaping.densify(usage, days, ["pricing_rule", "unit"], ["quantity"]),
            lambda r: (r["date"], r["pricing_rule"] or "", r["unit"] or ""),
        ),
    )


def named_agents(facts: dict[str, pa.Table], agents: pa.Table, projects: pa.Table) -> pd.DataFrame:
    """The candidate agents of the agent facts with their names (``agents``: the rows of the
    agents table they name) and projects (``projects``: project_id, name, color)."""
    inputs = {
        "agent_items": facts["agent_items"],
        "agent_requests": facts["agent_requests"],
        "agents": agents,
        "agent_projects": projects.select(["project_id", "name", "color"]),
    }
    return run_local(inputs, ("named_agents",))["named_agents"]


def agent_month(
    period: Period, agent_id: str, info: dict, facts: dict[str, pa.Table], page: pd.DataFrame, source: str
) -> AgentMonth:
    """One agent's month from its info row, its items and totals facts and its latest requests."""
    local = run_local(facts, ("agent_kpis", "daily_by_type"))
    row = local["agent_kpis"].iloc[0]
    daily = shaping.ordered(
        shaping.densify(local["daily_by_type"], period.days, ["service_type"], ["cost"]),
        shaping.daily_key("service_type"),
    )
    totals = (
        daily.groupby("service_type", as_index=False)["cost"].sum()
        if not daily.empty
        else pd.DataFrame({"service_type": [], "cost": []})
    )
    totals["cost"] = totals["cost"].map(shaping.money)
    project_id = shaping.text(info["project_id"])
    used = shaping.count(info["usage_rows"]) > 0
    return AgentMonth(
        period=period,
        agent_id=agent_id,
        status="ready" if used else "empty",
        info={
            "agent_id": agent_id,
            "name": shaping.text(info["name"]) or agent_id,
            "listed": bool(info["listed"]),
            "project_id": project_id,
            "project_name": shaping.text(info["project_name"]) or project_id,
            "project_color": project_color(project_id, shaping.text(info["project_color"])) if project_id else None,
        },
        kpis={
            "conversations": shaping.count(row["conversations"]),
            "requests": shaping.count(row["requests"]),
            "cost": shaping.money(row["cost"]),
            "tokens": shaping.count(row["tokens"]),
            "models": shaping.count(row["models"]),
        },
        daily=daily,
        totals=shaping.ordered(totals, shaping.by_cost_then("service_type")),
        requests=page,
        requests_total=shaping.count(row["requests"]),
        source=source,
    )
