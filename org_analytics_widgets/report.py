"""The contract's ``report`` JSON (section 4): :func:`month_report` builds it (what ``Engine.report``
and ``org-analytics report`` give), :func:`to_report` its sections read from a Snapshot alone.

>>> snap = engine.month("2026-10")                                                   # doctest: +SKIP
>>> month_report(snap, engine.integrity("2026-10"), None, engine.unusual_days("2026-10", snap),  # doctest: +SKIP
...              engine.kpi_history("2026-10", snap))
"""

from __future__ import annotations

import pandas as pd

from . import cache_savings, efficiency, spend_change
from .forecast import MonthForecast
from .kpi_history import KpiHistory
from .shaping import count, money, text
from .snapshot import ProjectMonth, Snapshot
from .unusual import UnusualDays


def _records(frame: pd.DataFrame, spec: dict) -> list[dict]:
    """Rows of ``frame`` as dicts of the columns in ``spec`` (column -> converter)."""
    return [{col: conv(row[col]) for col, conv in spec.items()} for row in frame.to_dict("records")]


def _day(value) -> str:
    return value.isoformat()


def _ratio(value) -> float | None:
    return None if text(value) is None else money(value)


def month_report(
    snap: Snapshot, integrity: dict, forecast: MonthForecast | None, unusual: UnusualDays, history: KpiHistory
) -> dict:
    """The whole report of one month (every key of data-contract section 4): the snapshot's sections,
    then ``integrity`` (``Engine.integrity``) and ``forecast`` (``Engine.forecast``: None for a closed
    month, printed as null), then ``spend_change`` (a snapshot of ``Engine.month``, with its comparison),
    ``unusual_days`` (``Engine.unusual_days``) and ``kpi_history`` (``Engine.kpi_history``)."""
    return {
        **to_report(snap),
        "integrity": integrity,
        "forecast": forecast.to_report() if forecast is not None else None,
        "spend_change": spend_change.report_section(snap),
        "unusual_days": unusual.to_report(),
        "kpi_history": history.to_report(),
    }


def to_report(snap: Snapshot) -> dict:
    """The report's sections computed from the snapshot, in the contract's order and rounding: every
    key but those asked of the engine apart or needing the comparison (:func:`month_report`).
    What raw tables and rollups must agree on."""
    p = snap.period
    return {
        "period": {"month": p.month, "timezone": p.timezone, "start": p.start.isoformat(), "end": p.end.isoformat()},
        "kpis": dict(snap.kpis),
        "cost_by_service_type": _records(snap.cost_by_service_type, {"service_type": str, "cost": money}),
        "daily_cost_by_service_type": _records(
            snap.daily_cost_by_service_type, {"date": _day, "service_type": str, "cost": money}
        ),
        "cost_by_project": {
            "total": snap.kpis["total_cost"],
            "slices": _records(snap.cost_by_project, {"project_id": text, "name": str, "cost": money}),
        },
        "project_trends": _records(snap.project_trends(), {"date": _day, "project_id": str, "cost": money}),
        "top_agents": _records(
            snap.top_agents,
            {
                "agent_id": str,
                "name": str,
                "project_id": text,
                "project_name": text,
                "conversations": count,
                "requests": count,
                "cost": money,
                "failed_requests": count,
                "tokens": count,
                **dict.fromkeys(efficiency.RATIOS, _ratio),
            },
        ),
        "service_types": [
            {
                "service_type": card.service_type,
                "cost": money(card.cost),
                "daily_cost_by_project": _records(
                    card.daily_cost_by_project, {"date": _day, "project_id": str, "cost": money}
                ),
                "daily_requests": _records(card.daily_requests, {"date": _day, "requests": count}),
                "daily_usage": _records(
                    card.daily_usage, {"date": _day, "pricing_rule": str, "unit": str, "quantity": money}
                ),
            }
            for card in snap.service_types
        ],
        **efficiency.report_sections(snap),
        "cache_savings": cache_savings.report_section(snap),
    }


def project_report(project: ProjectMonth, forecast: dict | None = None) -> dict:
    """The report's ``project`` section (data-contract "Project"): what the project view shows, from
    ``Engine.project_month``: the project, its KPIs and the comparison's, its budget (with its row of
    the report's ``forecast`` section, when given: the current month), cost by service type and by
    model, its daily cost by service type (its trends) and all its agents."""
    head = {"project_id": project.project_id, "status": project.status}
    if project.month is None:  # unknown: nothing more to say
        return head
    snap, info = project.month, project.info
    sections = to_report(snap)
    budget, spent = info["monthly_budget"], snap.kpis["total_cost"]
    rows = [r for r in (forecast or {}).get("projects", []) if r["project_id"] == project.project_id]
    return {
        **head,
        **{key: info[key] for key in ("name", "color")},
        "kpis": sections["kpis"],
        "previous_kpis": dict(snap.previous_kpis) if snap.previous_kpis is not None else None,
        "budget": {
            "monthly_budget": None if budget is None else money(budget),
            "spent": spent,
            "share": money(spent / budget) if budget else None,
            "forecast": rows[0] if rows else None,
        },
        "cost_by_service_type": sections["cost_by_service_type"],
        "daily_cost_by_service_type": sections["daily_cost_by_service_type"],
        "cost_by_model": sections["cost_by_model"],
        "agents": sections["top_agents"],
    }
