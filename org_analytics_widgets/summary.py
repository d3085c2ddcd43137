"""The month in a few lines of text, for a chat message or an e-mail subject: what
``org-analytics summary`` prints (the user wires it to their webhook; the product sends nothing).

>>> print(summary_text(Engine.open().month("2026-10")))        # doctest: +SKIP
Organization Analytics, October 2026 (UTC): $238.69 (+8.5 % vs September)
10,387 requests (274 failed, 2.6 %) · 32.4M tokens · 12 models · 12/12 active projects · 619 conversations
Costliest project: Support Bot $90.07 (37.7 %) · top agent: Concierge (Support Bot) $28.95

The current month (``forecast``: ``Engine.forecast``) says its month-end forecast after the cost.
"""

from __future__ import annotations

from .colors import service_label
from .forecast import MonthForecast
from .formatting import change, compact, money, month_label, percent
from .snapshot import Snapshot


def summary_text(snap: Snapshot, forecast: MonthForecast | None = None) -> str:
    k, period = snap.kpis, snap.period
    heading = f"Organization Analytics, {month_label(period.month)} ({period.timezone})"
    if not period.is_whole:
        heading += f", up to {period.end.astimezone(period.start.tzinfo):%-d %b %H:%M}"
    versus = ""
    if snap.previous_kpis is not None and snap.comparison is not None:
        text, _ = change(k["total_cost"], snap.previous_kpis.get("total_cost"))
        versus = f" ({text} vs {month_label(snap.comparison.month).split()[0]})" if text else ""
    failed = (
        f" ({k['failed_requests']:,} failed, {percent(k['error_rate'])})"
        if k.get("failed_requests") and k.get("error_rate") is not None
        else ""
    )
    ahead = ""
    if forecast is not None and forecast.total.forecast is not None:
        total = forecast.total
        spread = f", {money(total.low)}–{money(total.high)}" if total.low is not None and total.high is not None else ""
        ahead = f" · month-end forecast {money(total.forecast)}{spread}"
    lines = [
        f"{heading}: {money(k['total_cost'])}{versus}{ahead}",
        f"{k['total_requests']:,} requests{failed} · {compact(k['total_tokens'])} tokens · "
        f"{k['unique_models']:,} models · "
        f"{k['active_projects']}/{k['total_projects']} active projects · {k['total_conversations']:,} conversations",
    ]
    if snap.is_empty:
        lines.append("No usage in this period.")
        return "\n".join(lines)
    parts = []
    named = snap.cost_by_project.dropna(subset=["project_id"])
    if not named.empty and k["total_cost"]:
        top = named.iloc[0]
        parts.append(
            f"Costliest project: {top['name']} {money(top['cost'])} ({top['cost'] / k['total_cost'] * 100:.1f} %)"
        )
    if not snap.top_agents.empty:
        agent = snap.top_agents.iloc[0]
        parts.append(f"top agent: {agent['name']} ({agent['project_name']}) {money(agent['cost'])}")
    if not snap.cost_by_service_type.empty:
        kind = snap.cost_by_service_type.iloc[0]
        parts.append(f"most spent on {service_label(kind['service_type']).lower()} {money(kind['cost'])}")
    lines.append(" · ".join(parts))
    return "\n".join(lines)
