"""The agent page: one agent's month (KPIs, daily cost by service type, latest requests).

A view of the app (:class:`..app.App`), opened from the dashboard's Top agents links
(``?agent=…&month=…``); every problem with those parameters becomes a sentence on the page,
never a traceback.
"""

from __future__ import annotations

import html
from datetime import datetime

import ipywidgets as w
import pandas as pd

from data_connectors.errors import first_line

from ..colors import service_label, status_label
from ..engine import Engine
from ..formatting import money, month_label, month_short
from ..links import VIEW_LINK, agent_url, dashboard_url
from ..period import Period, PeriodError, parse_month, parse_zone, shift_month
from ..shaping import count, text
from ..snapshot import AgentMonth
from ..widgets.batch import batch
from ..widgets.cost_overview import CostOverview
from ..widgets.kpi_cards import KpiCards, money_card, number_card
from ._layout import STYLE, DrillDownPage, section

PAGE_STYLE = """<style>
.oa-agent-nav { display: flex; justify-content: space-between; align-items: center; flex-wrap: wrap; gap: 8px;
                font-size: 13px; }
.oa-agent-nav a { color: #1f4e79; text-decoration: none; } .oa-agent-nav a:hover { text-decoration: underline; }
.oa-agent-nav .oa-month-links { display: flex; gap: 14px; align-items: center; }
.oa-agent-nav .oa-disabled { color: #bbb; }
.oa-agent-project { display: inline-flex; align-items: center; gap: 6px; }
.oa-swatch { flex: none; width: 10px; height: 10px; border-radius: 2px; display: inline-block; }
.oa-agent-requests table { border-collapse: collapse; width: 100%; font-size: 13px; }
.oa-agent-requests th { text-align: left; color: #666; font-weight: 600; font-size: 12px; padding: 6px 8px;
                        border-bottom: 1px solid #e3e3e3; white-space: nowrap; }
.oa-agent-requests td { padding: 5px 8px; border-bottom: 1px solid #f0f0f0; white-space: nowrap; }
.oa-agent-requests .oa-num { text-align: right; font-variant-numeric: tabular-nums; }
.oa-agent-requests code { font-size: 12px; color: #444; }
.oa-agent-requests .oa-caption { color: #666; font-size: 12px; margin: 0 0 6px 0; }
.oa-request-error { color: #b3261e; }
</style>"""

AGENT_CARDS = (
    number_card("conversations", "Conversations"),
    number_card("requests", "Requests"),
    money_card("cost", "Cost"),
    number_card("tokens", "Tokens"),
    number_card("models", "Models used"),
)


def _status_html(status: str, message: str) -> str:
    css = {"ready": "", "empty": "oa-status-empty", "loading": "oa-status-loading"}.get(status, "oa-status-error")
    return (
        f'<div class="oa-status {css}" data-status="{html.escape(status)}">{html.escape(message)}</div>'
        if message
        else f'<div data-status="{html.escape(status)}"></div>'
    )


def _back_link(month: str | None, tz: str = "") -> str:
    shown = f" · {html.escape(month_label(month))}" if month else ""
    return (
        f'<a class="oa-back-link {VIEW_LINK}" href="{html.escape(dashboard_url(month or None, tz))}" target="_self">'
        f"← Organization Analytics{shown}</a>"
    )


def requests_table_html(page: pd.DataFrame, total: int, timezone: str, month: str) -> str:
    """The latest requests (time in the org zone, newest first) with how many there are in all."""
    when = month_label(month)
    if total == 0 or page.empty:
        return f'<div class="oa-caption">No requests by this agent in {html.escape(when)}.</div>'
    zone = parse_zone(timezone)
    caption = (
        f"Latest {len(page):,} of {total:,} requests in {when}"
        if total > len(page)
        else f"{total:,} request{'' if total == 1 else 's'} in {when}"
    )
    rows = []
    for r in page.to_dict("records"):
        local = pd.Timestamp(r["created_at"]).tz_localize("UTC").tz_convert(zone)
        status = text(r["status"])
        cost = r["cost"]
        cost_text = "–" if text(cost) is None else money(float(cost))
        rows.append(
            f'<tr class="oa-request-row" data-request-id="{html.escape(str(r["request_id"]))}">'
            f'<td title="{html.escape(local.isoformat())}">{html.escape(local.strftime("%Y-%m-%d %H:%M:%S %Z"))}</td>'
            f"<td><code>{html.escape(str(r['request_id']))}</code></td>"
            f'<td title="{html.escape(str(r["service_type"]))}">{html.escape(service_label(r["service_type"]))}</td>'
            f"<td>{html.escape(text(r['model']) or '–')}</td>"
            f'<td class="{"oa-request-error" if status == "error" else ""}" title="{html.escape(status or "")}">'
            f"{html.escape(status_label(status) if status else '–')}</td>"
            f'<td class="oa-num">{count(r["tokens"]):,}</td>'
            f'<td class="oa-num">{html.escape(cost_text)}</td></tr>'
        )
    return (
        f'<div class="oa-caption">{html.escape(caption)} · times in {html.escape(timezone)}</div>'
        "<table><thead><tr><th>Time</th><th>Request</th><th>Service type</th><th>Model</th><th>Status</th>"
        '<th class="oa-num">Tokens</th><th class="oa-num">Cost</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


class AgentPage(DrillDownPage):
    """One agent's month: link back to the dashboard, name and project, KPIs, daily cost, requests.

    ``status`` is ``ready``, ``empty`` (no usage by the agent in the month), ``unknown`` (no such
    agent), ``invalid`` (bad month) or ``error`` (the warehouse failed); ``message`` says it in words.

    ``link_zone``: the viewer's zone when it is not the organisation's, carried by the page's links.

    >>> AgentPage(connect(), "a_conc", "2026-03", timezone="America/New_York")   # doctest: +SKIP
    """

    def __init__(
        self,
        engine: Engine | object,
        agent_id: str,
        month: str | None = None,
        timezone: str | None = None,
        now: datetime | str | None = None,
        link_zone: str = "",
        **kwargs,
    ):
        if not isinstance(engine, Engine):  # a Warehouse: the analyst's AgentPage(connect(), ...)
            engine = Engine(engine, None, timezone or "UTC", now)
        self.engine = engine
        self.agent_id = "" if agent_id is None else str(agent_id)
        self.timezone = engine.timezone
        self.link_zone = link_zone
        self.month = month or ""
        self._latest = ""
        self.period: Period | None = None
        self.result: AgentMonth | None = None
        self.status, self.message = "loading", ""

        self.nav = w.HTML()
        self.header = w.HTML()
        self.status_box = w.HTML()
        self.status_box.add_class("oa-status-box")
        self.kpis = KpiCards(AGENT_CARDS)
        self.kpis.add_class("oa-agent-kpis")
        self.cost_overview: CostOverview | None = None
        self.cost_box = w.VBox()
        self.requests_table = w.HTML(layout=w.Layout(width="100%", overflow="auto"))
        self.requests_table.add_class("oa-agent-requests")
        self.content = w.VBox(
            [
                self.kpis,
                section("Daily cost by service type", self.cost_box, "oa-agent-cost"),
                section("Requests", self.requests_table, "oa-agent-requests-section"),
            ]
        )
        super().__init__([w.HTML(STYLE + PAGE_STYLE), self.nav, self.header, self.status_box, self.content], **kwargs)
        self.add_class("oa-page")
        self.add_class("oa-agent-page")
        self.load()

    def show(self, agent_id: str, month: str | None, engine: Engine | None = None, link_zone: str = "") -> None:
        """Show another agent or month in the same widgets (the app's agent view is one page);
        ``engine``: another zone's (``Engine.in_zone``)."""
        if engine is not None:
            self.engine, self.timezone = engine, engine.timezone
        self.link_zone = link_zone
        self.agent_id, self.month = str(agent_id or ""), month or ""
        self.period, self.result, self.status, self.message = None, None, "loading", ""
        self.status_box.value = _status_html("loading", "Loading…")
        self.load()

    def make_ahead(self, timezone: str, month: str) -> None:
        """Make the chart (empty) and lay the content out before any agent is shown: the app makes
        its agent view while the viewer reads the dashboard, in a box out of sight. (A chart in a
        hidden box was drawn with a negative plot area: console errors.)"""
        self.build_chart(timezone, month)
        self.content.layout.display = None

    # -- loading -------------------------------------------------------------------------

    def load(self) -> None:
        """Validate the parameters, then ask the engine for the agent's month."""
        try:
            self._latest = latest = self.engine.latest_month
            if not self.month:
                self.month = latest
            year, mon = parse_month(self.month)
            self.month = f"{year:04d}-{mon:02d}"
        except PeriodError as exc:
            bad_month = self.month
            self.month = ""
            return self._fail("invalid", f"{exc}." if bad_month else str(exc))
        if self.month > latest:
            return self._fail(
                "invalid",
                f"{month_label(self.month)} is after the current month ({month_label(latest)}): pick an earlier month.",
            )
        if not self.agent_id.strip():
            return self._fail("unknown", "No agent given: open an agent from the dashboard's Top agents table.")
        try:
            self.period = self.engine.period(self.month)
            self.result = result = self.engine.agent_month(self.agent_id, self.period)
        except Exception as exc:  # the page must say what broke, not show a traceback
            first = first_line(exc)
            return self._fail("error", f"Could not load this agent's {month_label(self.month)}: {first}")
        if result.status == "unknown":
            return self._fail(
                "unknown",
                f"There is no agent “{self.agent_id}”: it is not in the agents table and "
                f"has no usage in {month_label(self.month)}. Check the link, or "
                "pick an agent from the dashboard.",
            )
        self.status = result.status
        self.message = "" if self.status == "ready" else f"No usage by this agent in {month_label(self.month)}."
        self._render()

    @property
    def info(self) -> dict:
        return self.result.info if self.result is not None else {}

    @property
    def kpi_values(self) -> dict:
        return self.result.kpis

    @property
    def daily(self) -> pd.DataFrame:
        return self.result.daily

    @property
    def totals(self) -> pd.DataFrame:
        return self.result.totals

    @property
    def requests_page(self) -> pd.DataFrame:
        return self.result.requests if self.result is not None else pd.DataFrame()

    @property
    def requests_total(self) -> int:
        return self.result.requests_total if self.result is not None else 0

    # -- rendering -----------------------------------------------------------------------
    def _render(self) -> None:
        month = self.month or None
        links = ""
        if month and self.status in ("ready", "empty"):
            before = shift_month(month, -1)
            after = shift_month(month, 1)
            prev_link = (
                f'<a class="oa-month-prev {VIEW_LINK}" href="{html.escape(agent_url(self.agent_id, before, self.link_zone))}" '
                f'target="_self">‹ {html.escape(month_short(before))}</a>'
            )
            next_link = (
                f'<a class="oa-month-next {VIEW_LINK}" href="{html.escape(agent_url(self.agent_id, after, self.link_zone))}" '
                f'target="_self">{html.escape(month_short(after))} ›</a>'
                if after <= self._latest
                else f'<span class="oa-disabled">{html.escape(month_short(after))} ›</span>'
            )
            links = (
                f'<span class="oa-month-links">{prev_link}<b>{html.escape(month_label(month))}</b>{next_link}</span>'
            )
        self.nav.value = f'<div class="oa-agent-nav">{_back_link(month, self.link_zone)}{links}</div>'
        self.status_box.value = _status_html(self.status, self.message)
        if self.status not in ("ready", "empty"):
            self.header.value = ""
            return
        info = self.info
        project = (
            f'<span class="oa-agent-project"><span class="oa-swatch" '
            f'style="background:{html.escape(info["project_color"])}"></span>'
            f"{html.escape(info['project_name'])}</span>"
            if info["project_id"]
            else "no project"
        )
        self.header.value = (
            f'<div class="oa-header oa-agent-header" data-agent-id="{html.escape(info["agent_id"])}">'
            f'<h1 class="oa-agent-name">{html.escape(info["name"])}</h1>'
            f'<div class="oa-sub">{project} · agent <code>{html.escape(info["agent_id"])}</code>'
            f"{'' if info['listed'] else ' (not in the agents table)'} · "
            f"Times in {html.escape(self.timezone)}</div></div>"
        )
        self.kpis.values = self.kpi_values
        self.build_chart(self.period.timezone, self.month)
        with batch(self.cost_overview, "_on_data"):
            self.cost_overview.totals = self.totals
            self.cost_overview.daily = self.daily
        self.requests_table.value = requests_table_html(
            self.requests_page, self.requests_total, self.period.timezone, self.month
        )
        self.content.layout.display = None
