"""The month as one file to send: self-contained HTML (inline CSS, charts as SVG, no script, no
network), readable printed on A4, and PDF through a headless Chromium.

Everything comes from one :class:`Snapshot` (``Engine.month``), the same that the ``report`` JSON
is made of, and the current month's forecast (``Engine.forecast``), so the file's numbers are the
report's (``kpis`` with the error rate, ``cost_by_model``, ``efficiency``, ``cache_savings``,
``forecast``; not ``integrity``, a check of the warehouse rather than a number of the month). Each
number a reader checks carries its exact value and key (``data-key``/``data-exact``), which is how
the tests read it back. Every name is escaped; colours are the resolved ``#RRGGBB`` of the snapshot.

>>> html_text = render(Engine.open().month("2026-10"))                 # doctest: +SKIP
>>> write_pdf(html_text, Path("org-2026-10.pdf"))                      # doctest: +SKIP
"""

from __future__ import annotations

import html
import math
import os
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from . import cache_savings, efficiency
from .colors import OTHERS_COLOR, PALETTE, rule_label, service_color, service_label
from .formatting import change, compact, exact, money, month_label, percent, points_change
from .forecast import MonthForecast
from .snapshot import Snapshot

TOP_PROJECTS_IN_TRENDS = 8  # lines on the trends chart; the rest are summed in the table only
WIDTH, HEIGHT = 640, 220  # the charts' SVG box, scaled to the page's width

CSS = """
@page { size: A4; margin: 14mm; }
* { box-sizing: border-box; }
body { font: 13px/1.4 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328;
       margin: 24px auto; max-width: 900px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0; } h2 { font-size: 16px; margin: 22px 0 8px; }
.sub { color: #59636e; margin: 2px 0 14px; }
.kpis { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; }
.kpi { border: 1px solid #d1d9e0; border-radius: 8px; padding: 8px 12px; break-inside: avoid; }
.kpi .label { color: #59636e; font-size: 12px; } .kpi .value { font-size: 20px; font-weight: 600; }
.kpi .change { font-size: 12px; color: #59636e; } .kpi .failed { font-size: 12px; color: #b3261e; }
.row { display: flex; gap: 16px; align-items: flex-start; break-inside: avoid; }
.row > svg { flex: 1 1 auto; min-width: 0; }
svg { width: 100%; height: auto; display: block; } svg text { font: 10px sans-serif; fill: #59636e; }
.legend { list-style: none; padding: 0; margin: 0; min-width: 230px; }
.legend li { display: flex; gap: 6px; align-items: baseline; padding: 1px 0; }
.legend .name { flex: 1; overflow-wrap: anywhere; } .legend .amount { font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; flex: none; }
table { border-collapse: collapse; width: 100%; break-inside: auto; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eaeef2; overflow-wrap: anywhere; }
th { color: #59636e; font-weight: 600; font-size: 12px; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; }
.card { border: 1px solid #d1d9e0; border-radius: 8px; padding: 8px 12px; margin: 8px 0; break-inside: avoid; }
.empty { color: #59636e; font-style: italic; }
footer { color: #59636e; font-size: 11px; margin-top: 24px; }
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _period_text(snap: Snapshot) -> str:
    period = snap.period
    days = period.days
    if not days:
        return f"nothing yet ({period.timezone})"
    first, last = days[0], days[-1]
    through = "" if period.is_whole else f", up to {period.end.astimezone(period.start.tzinfo):%-d %b %H:%M}"
    return f"{first:%-d %b} – {last:%-d %b %Y}{through} ({period.timezone})"


def _kpis(snap: Snapshot) -> str:
    k, before = snap.kpis, snap.previous_kpis or {}
    rate = k.get("error_rate")
    cards = [
        ("total_cost", "Total cost", money(k["total_cost"]), k["total_cost"]),
        ("total_requests", "Requests", f"{k['total_requests']:,}", k["total_requests"]),
        ("total_tokens", "Tokens", compact(k["total_tokens"]), k["total_tokens"]),
        ("unique_models", "Models", f"{k['unique_models']:,}", k["unique_models"]),
        ("active_projects", "Active projects", f"{k['active_projects']}/{k['total_projects']}", k["active_projects"]),
        ("total_conversations", "Conversations", f"{k['total_conversations']:,}", k["total_conversations"]),
        ("error_rate", "Error rate", percent(rate) if rate is not None else "–", rate),
    ]
    versus = ""
    if snap.comparison is not None:
        versus = f" vs {month_label(snap.comparison.month)}"
    out = []
    for key, label, shown, value in cards:
        told = points_change if key == "error_rate" else change
        text, _direction = told(value, before.get(key)) if before and value is not None else ("", "flat")
        extra = f' data-total="{k["total_projects"]}"' if key == "active_projects" else ""
        failed = k.get("failed_requests") or 0 if key == "total_requests" else 0
        aside = f'<div class="failed" data-exact="{failed}">{failed:,} failed</div>' if failed else ""
        out.append(
            f'<div class="kpi"><div class="label">{_e(label)}</div>'
            f'<div class="value" data-key="{key}" data-exact="{_e(exact(value) if value is not None else "")}"{extra}>'
            f"{_e(shown)}</div>{aside}"
            f'<div class="change">{_e(text + versus) if text else ""}</div></div>'
        )
    return f'<section class="kpis">{"".join(out)}</section>'


def _legend(rows: list[tuple[str, str, float, str]], total: float, kind: str) -> str:
    """``rows`` of (key, label, cost, colour) as a list with amount and share."""
    items = []
    for key, label, cost, color in rows:
        share = f"{cost / total * 100:.1f} %" if total else "–"
        items.append(
            f'<li data-{kind}="{_e(key)}" data-exact="{_e(exact(float(cost)))}"><span class="swatch" '
            f'style="background:{color}"></span><span class="name">{_e(label)}</span>'
            f'<span class="amount">{_e(money(cost))} · {share}</span></li>'
        )
    return f'<ul class="legend">{"".join(items)}</ul>'


def _doughnut(rows: list[tuple[str, str, float, str]], total: float, size: int = 200) -> str:
    """A doughnut of the positive costs, with the total in the centre."""
    r, c = size * 0.42, size / 2
    parts, start = [], -math.pi / 2
    positive = [(key, label, cost, color) for key, label, cost, color in rows if cost > 0]
    whole = sum(cost for *_, cost, _ in positive)
    for _key, label, cost, color in positive:
        sweep = 2 * math.pi * cost / whole
        if sweep >= 2 * math.pi - 1e-9:
            parts.append(f'<circle cx="{c}" cy="{c}" r="{r:.1f}" fill="{color}"><title>{_e(label)}</title></circle>')
            break
        end = start + sweep
        x1, y1, x2, y2 = c + r * math.cos(start), c + r * math.sin(start), c + r * math.cos(end), c + r * math.sin(end)
        large = 1 if sweep > math.pi else 0
        parts.append(
            f'<path d="M{c},{c} L{x1:.2f},{y1:.2f} A{r:.1f},{r:.1f} 0 {large} 1 {x2:.2f},{y2:.2f} Z" '
            f'fill="{color}"><title>{_e(label)}: {_e(money(cost))}</title></path>'
        )
        start = end
    hole = f'<circle cx="{c}" cy="{c}" r="{r * 0.6:.1f}" fill="#fff"/>'
    centre = f'<text x="{c}" y="{c + 5}" text-anchor="middle" style="font-size:15px;font-weight:600;fill:#1f2328">{_e(money(total))}</text>'
    return (
        f'<svg viewBox="0 0 {size} {size}" style="max-width:{size}px" role="img" aria-label="doughnut">'
        f"{''.join(parts)}{hole}{centre}</svg>"
    )


def _ticks(top: float, count: int = 4) -> list[float]:
    """Round ticks from 0 to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(math.ceil(top / step - 1e-9) + 1)]


def _axes(ticks: list[float], days: list, left: int, bottom: int) -> str:
    top = ticks[-1]
    lines = []
    for value in ticks:
        y = bottom - (bottom - 10) * value / top
        lines.append(
            f'<line x1="{left}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eaeef2"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{_e(money(value, 2) if value else "$0")}</text>'
        )
    step = max(1, math.ceil(len(days) / 10))
    width = (WIDTH - left) / max(1, len(days))
    for i, day in enumerate(days):
        if i % step == 0:
            x = left + width * (i + 0.5)
            lines.append(f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle">{day:%-d %b}</text>')
    return "".join(lines)


def _stacked_bars(frame: pd.DataFrame, days: list, order: list[str]) -> str:
    """Daily cost stacked by service type (``frame``: date, service_type, cost)."""
    left, bottom = 56, HEIGHT - 20
    by_day = {day: {} for day in days}
    for date, kind, cost in frame[["date", "service_type", "cost"]].itertuples(index=False):
        by_day.setdefault(pd.Timestamp(date).date(), {})[kind] = max(0.0, float(cost))
    top = max([sum(v.values()) for v in by_day.values()] + [0.0])
    ticks = _ticks(top)
    scale = (bottom - 10) / ticks[-1]
    width = (WIDTH - left) / max(1, len(days))
    bars = []
    for i, day in enumerate(days):
        y = bottom
        for kind in reversed(order):
            cost = by_day.get(day, {}).get(kind, 0.0)
            if cost <= 0:
                continue
            h = cost * scale
            y -= h
            bars.append(
                f'<rect x="{left + width * i + 1:.1f}" y="{y:.1f}" width="{max(1.0, width - 2):.1f}" height="{h:.1f}" '
                f'fill="{service_color(kind)}"><title>{day:%-d %b} · {_e(service_label(kind))}: {_e(money(cost))}</title></rect>'
            )
    return f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="daily cost">{_axes(ticks, days, left, bottom)}{"".join(bars)}</svg>'


def _lines(frame: pd.DataFrame, days: list, colors: dict[str, str], names: dict[str, str]) -> str:
    """A line per project (``frame``: date, project_id, cost), each in its own colour."""
    left, bottom = 56, HEIGHT - 20
    top = float(frame["cost"].max()) if not frame.empty else 0.0
    ticks = _ticks(max(top, 0.0))
    scale = (bottom - 10) / ticks[-1]
    width = (WIDTH - left) / max(1, len(days))
    index = {day: i for i, day in enumerate(days)}
    paths = []
    for project_id, rows in frame.groupby("project_id", sort=False):
        costs = {pd.Timestamp(d).date(): float(c) for d, c in rows[["date", "cost"]].itertuples(index=False)}
        points = " ".join(
            f"{left + width * (index[day] + 0.5):.1f},{bottom - max(0.0, costs.get(day, 0.0)) * scale:.1f}"
            for day in days
        )
        paths.append(
            f'<polyline points="{points}" fill="none" stroke="{colors.get(project_id, OTHERS_COLOR)}" '
            f'stroke-width="1.6"><title>{_e(names.get(project_id, project_id))}</title></polyline>'
        )
    return f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="project trends">{_axes(ticks, days, left, bottom)}{"".join(paths)}</svg>'


def _cost_overview(snap: Snapshot, days: list) -> str:
    split = snap.cost_by_service_type
    order = list(split["service_type"])
    rows = [
        (k, service_label(k), float(c), service_color(k))
        for k, c in split[["service_type", "cost"]].itertuples(index=False)
    ]
    total = snap.kpis["total_cost"]
    return (
        '<h2>Cost overview</h2><div class="row">'
        f"{_stacked_bars(snap.daily_cost_by_service_type, days, order)}"
        f"<div>{_doughnut(rows, total, 160)}{_legend(rows, total, 'service-type')}</div></div>"
    )


def _cost_by_project(snap: Snapshot) -> str:
    frame = snap.cost_by_project
    rows = []
    for project_id, name, cost, color in frame[["project_id", "name", "cost", "color"]].itertuples(index=False):
        key = "" if pd.isna(project_id) else str(project_id)
        rows.append((key, str(name), float(cost), color if key else OTHERS_COLOR))
    others = snap.others()
    note = ""
    if not others.empty:
        listed = ", ".join(_e(n) for n in others["name"].astype(str).head(12))
        more = f" and {len(others) - 12} more" if len(others) > 12 else ""
        note = f'<p class="sub">Others: {listed}{more}.</p>'
    total = sum(cost for _, _, cost, _ in rows)
    return (
        '<h2>Cost by project</h2><div class="row">'
        f"{_doughnut(rows, total)}<div>{_legend(rows, total, 'project')}{note}</div></div>"
    )


def _forecast(forecast: MonthForecast | None) -> str:
    """The current month's month-end forecast and its 80 % range, in a sentence."""
    if forecast is None or forecast.total.forecast is None:
        return ""
    total = forecast.total
    spread = (
        f" (80 % range {_e(money(total.low))} to {_e(money(total.high))})"
        if total.low is not None and total.high is not None
        else ""
    )
    return (
        f'<p class="sub">Month-end forecast <b data-key="forecast" data-exact="{_e(exact(total.forecast))}">'
        f"{_e(money(total.forecast))}</b>{spread}, from {forecast.weeks} recent "
        f"week{'s' if forecast.weeks != 1 else ''}.</p>"
    )


def _cost_by_model(snap: Snapshot) -> str:
    """The report's ``cost_by_model``: the costliest models and Others, as a doughnut and a legend."""
    section = efficiency.report_sections(snap)["cost_by_model"]
    rows = [
        (
            s["model"] or "",
            s["name"],
            s["cost"],
            OTHERS_COLOR if s["model"] is None and s["name"] == "Others" else PALETTE[i % len(PALETTE)],
        )
        for i, s in enumerate(section["slices"])
    ]
    total = section["total"]
    return (
        '<h2>Cost by model</h2><div class="row">'
        f"{_doughnut(rows, total, 160)}<div>{_legend(rows, total, 'model')}</div></div>"
    )


def _cost_per_use(snap: Snapshot) -> str:
    """The report's ``efficiency``: the organisation's ratios, then each project's."""
    section = efficiency.report_sections(snap)["efficiency"]

    def amount(value) -> str:
        return (
            f'<td class="num" data-exact="{_e(exact(value))}">{_e(money(value))}</td>'
            if value is not None
            else ('<td class="num">–</td>')
        )

    def row(attr: str, label: str, r: dict) -> str:
        rate = r["error_rate"]
        return (
            f'<tr {attr}><td>{label}</td>{amount(r["cost"])}<td class="num">{r["requests"]:,}</td>'
            f'<td class="num">{_e(percent(rate)) if rate is not None else "–"}</td>'
            f"{amount(r['cost_per_request'])}{amount(r['cost_per_conversation'])}{amount(r['cost_per_1k_tokens'])}</tr>"
        )

    head = (
        '<tr><th></th><th class="num">Cost</th><th class="num">Requests</th><th class="num">Error rate</th>'
        '<th class="num">Cost / request</th><th class="num">Cost / conversation</th>'
        '<th class="num">Cost / 1k tokens</th></tr>'
    )
    rows = [row('data-project=""', "<b>Organization</b>", section["organization"])]
    rows += [row(f'data-project="{_e(r["project_id"])}"', _e(r["name"]), r) for r in section["projects"]]
    return f"<h2>Cost per use</h2><table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _cache_savings(snap: Snapshot) -> str:
    """The report's ``cache_savings`` in a sentence (nothing when nothing was read from a cache)."""
    org = cache_savings.report_section(snap)["organization"]
    if not org["cached_tokens"]:
        return ""
    share, saving = org["cached_share"], org["saving"]
    said = (
        f"{_e(percent(share))} of the input tokens of models with a cache were read from it"
        if share is not None
        else "Input tokens were read from a cache"
    )
    if saving is not None:
        said += (
            f', saving <b data-key="cache_saving" data-exact="{_e(exact(saving))}">{_e(money(saving))}</b>'
            " against the uncached price"
        )
    return f'<h2>Cache savings</h2><p data-key="cached_share" data-exact="{_e(exact(share) if share is not None else "")}">{said}.</p>'


def _trends(snap: Snapshot, days: list) -> str:
    projects = snap.projects.sort_values("cost", ascending=False, kind="stable")
    shown = list(projects["project_id"].astype(str).head(TOP_PROJECTS_IN_TRENDS))
    colors = dict(zip(projects["project_id"].astype(str), projects["color"]))
    names = dict(zip(projects["project_id"].astype(str), projects["name"].astype(str)))
    frame = snap.trends[snap.trends["project_id"].astype(str).isin(shown)]
    rows = [(p, names.get(p, p), float(projects.set_index("project_id").loc[p, "cost"]), colors.get(p)) for p in shown]
    more = len(projects) - len(shown)
    note = f'<p class="sub">The {len(shown)} costliest projects of {len(projects)}.</p>' if more > 0 else ""
    return (
        '<h2>Project usage trends</h2><div class="row">'
        f"{_lines(frame, days, colors, names)}<div>{_legend(rows, snap.kpis['total_cost'], 'trend')}{note}</div></div>"
    )


def _top_agents(snap: Snapshot) -> str:
    agents = snap.top_agents
    if agents.empty:
        return '<h2>Top agents by cost</h2><p class="empty">No agent used the platform in this period.</p>'
    rows = []
    for rank, a in enumerate(agents.itertuples(index=False), 1):
        rows.append(
            f'<tr data-agent="{_e(a.agent_id)}"><td class="num">{rank}</td><td>{_e(a.name)}</td>'
            f'<td><span class="swatch" style="background:{a.project_color}"></span> {_e(a.project_name)}</td>'
            f'<td class="num">{int(a.conversations):,}</td><td class="num">{int(a.requests):,}</td>'
            f'<td class="num" data-exact="{_e(exact(float(a.cost)))}">{_e(money(float(a.cost)))}</td></tr>'
        )
    head = (
        '<tr><th class="num">#</th><th>Agent</th><th>Project</th><th class="num">Conversations</th>'
        '<th class="num">Requests</th><th class="num">Cost</th></tr>'
    )
    return f"<h2>Top agents by cost</h2><table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _units(unit, quantity) -> str:
    """``second`` -> ``seconds`` unless the quantity is one (units are singular nouns in the contract)."""
    unit = "" if pd.isna(unit) else str(unit)
    return unit if not unit or unit.endswith("s") or float(quantity) == 1 else unit + "s"


def _service_cards(snap: Snapshot) -> str:
    if not snap.service_types:
        return ""
    names = dict(zip(snap.projects["project_id"].astype(str), snap.projects["name"].astype(str)))
    cards = []
    for card in snap.service_types:
        usage = card.daily_usage.groupby(["pricing_rule", "unit"], sort=True, dropna=False)["quantity"].sum()
        usage_rows = "".join(
            f'<tr><td>{_e(rule_label(rule))}</td><td class="num">{_e(compact(float(q)))} {_e(_units(unit, q))}</td></tr>'
            for (rule, unit), q in usage.items()
        )
        by_project = (
            card.daily_cost_by_project.groupby("project_id", sort=False)["cost"].sum().sort_values(ascending=False)
        )
        top = ", ".join(f"{_e(names.get(str(p), p))} {_e(money(float(c)))}" for p, c in by_project.head(3).items())
        requests = int(card.daily_requests["requests"].sum()) if not card.daily_requests.empty else 0
        cards.append(
            f'<div class="card" data-service-type="{_e(card.service_type)}"><b>{_e(service_label(card.service_type))}</b> · '
            f'<span data-exact="{_e(exact(float(card.cost)))}">{_e(money(card.cost))}</span> · {requests:,} requests'
            f'<p class="sub">Costliest projects: {top or "none"}</p>'
            f"<table><thead><tr><th>Usage by pricing rule</th><th class='num'>Quantity</th></tr></thead>"
            f"<tbody>{usage_rows}</tbody></table></div>"
        )
    return "<h2>Service types</h2>" + "".join(cards)


def render(
    snap: Snapshot,
    title: str = "Organization Analytics",
    generated: datetime | None = None,
    forecast: MonthForecast | None = None,
) -> str:
    """The month's report as one self-contained HTML document (``forecast``: the current month's,
    ``Engine.forecast``; None for a closed month)."""
    period = snap.period
    days = list(period.days)
    heading = f"{title} — {month_label(period.month)}"
    generated = generated or datetime.now(period.start.tzinfo)
    body = [
        f"<header><h1>{_e(heading)}</h1>",
        f'<p class="sub" data-key="period">{_e(_period_text(snap))}</p></header>',
        _kpis(snap),
        _forecast(forecast),
    ]
    if snap.is_empty:
        body.append(f'<p class="empty">No usage in {_e(month_label(period.month))}.</p>')
    else:
        body += [_cost_overview(snap, days), _cost_by_model(snap), _cost_per_use(snap), _cache_savings(snap)]
        body += [_cost_by_project(snap), _trends(snap, days), _top_agents(snap)]
        body.append(_service_cards(snap))
    body.append(
        f"<footer>Generated {generated:%-d %b %Y %H:%M} ({_e(period.timezone)}) by org-analytics from the "
        f"{'rollups' if snap.source == 'rollups' else 'warehouse'}; amounts in the organisation's currency.</footer>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        # no script may run and nothing may be fetched, even if a name slipped through unescaped
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(heading)}</title>'
        f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>"
    )


class PdfError(RuntimeError):
    """The PDF could not be made; the message says why and what to do."""


def chromium() -> str | None:
    """A headless-capable Chromium or Chrome on PATH (``$ORG_ANALYTICS_CHROMIUM`` first)."""
    for name in (os.environ.get("ORG_ANALYTICS_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def write_pdf(html_text: str, out: Path, timeout: float = 120) -> None:
    """Print ``html_text`` to ``out`` (A4) with a headless Chromium; PdfError without one."""
    browser = chromium()
    if browser is None:
        raise PdfError(
            "PDF needs Chromium (Debian: apt-get install chromium; or set ORG_ANALYTICS_CHROMIUM): use --format html"
        )
    with tempfile.TemporaryDirectory(prefix="org-analytics-pdf-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html_text, encoding="utf-8")
        argv = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={folder}/profile",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not print the report within {timeout:g} s") from None
    if done.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        tail = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise PdfError(f"Chromium could not print the report: {tail}")
