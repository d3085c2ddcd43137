"""The Organization Analytics page: one state, one snapshot per month, widgets that render it."""
from __future__ import annotations

import html
from collections import OrderedDict
from datetime import datetime
from urllib.parse import parse_qs

import ipywidgets as w

from data_connectors.errors import first_line

from .app_request import open_app_request
from .formatting import month_label, month_short
from .period import Period, PeriodError, current_month, parse_month, parse_now, shift_month
from .snapshot import Snapshot
from .state import DashboardState
from .usage_tables import UsageTables
from .widgets.batch import batch
from .widgets.cost_overview import CostOverview
from .widgets.kpi_cards import KpiCards
from .widgets.month_selector import MonthSelector
from .widgets.project_costs import ProjectCostDoughnut
from .widgets.project_trends import ProjectTrends
from .widgets.service_cards import ServiceTypeCards
from .widgets.top_agents import TopAgents

STYLE = """<style>
.oa-page { max-width: 1400px; margin: 0 auto; padding: 8px 16px; font-family: system-ui, sans-serif; }
.oa-header h1 { margin: 0; font-size: 22px; }
.oa-header .oa-sub { color: #666; font-size: 13px; }
.oa-kpis { gap: 12px; } .oa-month-selector { gap: 6px; } .oa-charts-row { gap: 12px; }
.oa-kpis { display: grid !important; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); }
.oa-kpis > .widget-html { min-width: 0; margin: 0; }
.oa-kpis > .widget-html > .widget-html-content { height: 100%; }
.oa-kpi-card { height: 100%; box-sizing: border-box; }
.oa-kpi-card { border: 1px solid #e3e3e3; border-radius: 8px; padding: 10px 14px; background: #fff; }
.oa-kpi-label { color: #666; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.oa-kpi-value { font-size: 26px; font-weight: 600; margin: 2px 0; }
.oa-kpi-delta { font-size: 12px; color: #666; }
.oa-kpi-delta.oa-up { color: #1b7f3b; } .oa-kpi-delta.oa-down { color: #b3261e; } .oa-kpi-delta.oa-new { color: #2e86ab; }
.oa-kpi-vs { color: #999; }
.oa-stale { opacity: .45; }
.oa-section { border: 1px solid #e3e3e3; border-radius: 8px; padding: 8px 12px; margin-top: 12px; background: #fff; }
.oa-section h3 { margin: 4px 0 8px 0; font-size: 16px; }
.oa-status { padding: 8px 12px; border-radius: 6px; margin: 8px 0; }
.oa-status-loading { background: #eef4fb; color: #1f4e79; }
.oa-status-error { background: #fdecea; color: #8a1c13; }
.oa-status-empty { background: #f4f4f4; color: #444; font-size: 16px; padding: 24px; text-align: center; }
/* names are data of any length: truncate them, the full text is in the title */
.oa-page .widget-html, .oa-page .widget-html-content, .oa-legend, .oa-legend-row { min-width: 0; max-width: 100%; }
.oa-legend-name, .oa-card-title { max-width: 40ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.oa-legend-detail { flex: none; white-space: nowrap; }
.oa-page a.oa-agent-link, .oa-agent-project { display: inline-block; max-width: 32ch; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; vertical-align: bottom; }
.oa-page .oa-table td { max-width: 28ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
</style>"""


CACHED_MONTHS = 24  # snapshots are aggregates (kilobytes to a few MB): two years of months at most


def _is_whole(period: Period) -> bool:
    """True for a month that has ended (not cut at "now")."""
    return period.end >= Period.for_month(period.month, period.timezone, "9999-12-31T00:00:00Z").end


def comparison_period(period: Period) -> Period:
    """What a month is compared with: the previous month, or for the current (partial) month the
    same elapsed span of the previous month, so that 25 days are not compared with 31."""
    previous = Period.for_month(shift_month(period.month, -1), period.timezone, period.end)
    if _is_whole(period):
        return previous
    return Period.for_month(previous.month, period.timezone, previous.start + (period.end - period.start))


def comparison_label(period: Period, shown: Period) -> str:
    """``'Oct'`` (``'Dec 2025'`` across a year) for a whole month, ``'Oct 1–25'`` for a partial one."""
    if _is_whole(period):
        return month_short(period.month) if period.month[:4] != shown.month[:4] else f"{period.start:%b}"
    if not period.days:
        return f"{month_short(period.month)} (nothing yet)"
    return f"{period.start:%b} {period.days[0].day}–{period.days[-1].day}"


def _section(title: str, body: w.Widget, css: str) -> w.VBox:
    box = w.VBox([w.HTML(f"<h3>{html.escape(title)}</h3>"), body], layout=w.Layout(width="100%"))
    box.add_class("oa-section")
    box.add_class(css)
    return box


class Dashboard(w.VBox):
    """The whole page for one warehouse.

    >>> Dashboard(connect(), timezone="Europe/Paris")          # doctest: +SKIP
    """

    def __init__(self, warehouse, timezone: str = "UTC", month: str | None = None,
                 now: datetime | str | None = None, rollups=None, **kwargs):
        self.warehouse = warehouse
        self.rollups = rollups  # rollups.Rollups: used for a month whenever they are fresh
        self._now = parse_now(now) if now is not None else None
        latest = current_month(timezone, self._now)
        self.state = DashboardState(timezone=timezone, latest_month=latest, month=month or latest)
        self.snapshot: Snapshot | None = None
        self._failed = False
        # closed months computed before, by (month, warehouse version): switching back is instant
        self._closed_months: OrderedDict[tuple, tuple] = OrderedDict()
        self.previous_kpis: dict | None = None

        self.month_selector = MonthSelector(self.state)
        self.kpis = KpiCards()
        self.cost_overview = CostOverview(self.state)
        self.project_costs = ProjectCostDoughnut()
        self.project_trends = ProjectTrends(self.state)
        self.top_agents = TopAgents()
        self.service_cards = ServiceTypeCards()
        self.top_agents_section = _section("Top agents by cost", self.top_agents, "oa-top-agents-section")
        self.usage_tables = UsageTables(warehouse, state=self.state, period=self.period(), load=False)
        self.status = w.HTML()
        self.status.add_class("oa-status-box")
        header = w.HTML(
            '<div class="oa-header"><h1>Organization Analytics</h1>'
            f'<div class="oa-sub">Times in {html.escape(self.state.timezone)}</div></div>'
        )
        self.charts = w.VBox([
            _section("Cost overview", self.cost_overview, "oa-cost-overview"),
            w.HBox([
                _section("Cost by project", self.project_costs, "oa-project-costs"),
                _section("Project usage trends", self.project_trends, "oa-project-trends"),
            ], layout=w.Layout(flex_flow="row wrap")),
            self.top_agents_section,
            _section("Service types", self.service_cards, "oa-service-types"),
            _section("Usage", self.usage_tables, "oa-usage-tables-section"),
        ])
        self.charts.children[1].add_class("oa-charts-row")
        top = w.HBox([header, self.month_selector],
                     layout=w.Layout(justify_content="space-between", align_items="center", flex_flow="row wrap"))
        super().__init__([w.HTML(STYLE), top, self.status, self.kpis, self.charts], **kwargs)
        self.add_class("oa-page")

        self.state.observe(self._on_month, names=["month", "refresh_count"])
        self.state.observe(self._on_trend_type, names=["trend_service_type"])
        self.state.observe(self._render_status, names=["status", "message"])
        self.load()

    # -- loading -------------------------------------------------------------------------
    def period(self) -> Period:
        return Period.for_month(self.state.month, self.state.timezone, self._now)

    def load(self) -> None:
        """Compute the selected month; on failure keep the last content, marked as stale."""
        month = self.state.month
        self.state.status = "loading"  # before the message: the page must never pair the new month with "ready"
        self.state.message = f"Loading {month_label(month)}…"
        self.kpis.stale = True
        try:
            if self._failed or self.warehouse.changed():  # it went away or was replaced: open it again
                self.warehouse.reconnect()
            period = self.period()
            snapshot, comparison, previous = self._compute(period)
        except Exception as exc:  # the page must say what broke and keep working
            self._failed = True
            first = first_line(exc).rstrip(".")
            shown = f" Still showing {month_label(self.snapshot.period.month)}." if self.snapshot else ""
            self.state.message = f"Could not load {month_label(month)}: {first}.{shown} Use Refresh to try again."
            self.state.status = "error"
            return
        self._failed = False
        self.snapshot = snapshot
        self.comparison = comparison
        self.usage_tables.set_period(period, load=False)  # marked loading; filled after the page is ready
        self.previous_kpis = previous
        self._render_snapshot()
        if snapshot.is_empty:
            self.state.message = f"No usage in {month_label(month)}."
            self.state.status = "empty"
        else:
            self.state.message = ""
            self.state.status = "ready"
        self.usage_tables.load_visible()  # last: the KPIs and charts reach the page first

    def _compute(self, period: Period) -> tuple:
        """The month's snapshot, comparison period and previous KPIs; a closed month comes from the
        cache while the warehouse version is unchanged (the current month is always computed)."""
        closed = period.month < self.state.latest_month
        key = (period.month, self.warehouse.opened_version)  # the data this connection reads
        if closed and key in self._closed_months:
            self._closed_months.move_to_end(key)
            return self._closed_months[key]
        with self.warehouse.deadline():
            snapshot = Snapshot.compute(self.warehouse, period, self.rollups)
            comparison = comparison_period(period)
            previous = Snapshot.kpis_of(self.warehouse, comparison, self.rollups)
        if closed:
            self._closed_months[key] = (snapshot, comparison, previous)
            while len(self._closed_months) > CACHED_MONTHS:
                self._closed_months.popitem(last=False)
        return snapshot, comparison, previous

    def _on_month(self, change) -> None:
        if change["name"] == "refresh_count":  # Refresh means: read the warehouse again
            self._closed_months.clear()
        self.load()

    def _on_trend_type(self, change) -> None:
        if self.snapshot is not None:
            self.project_trends.trends = self.snapshot.project_trends(change["new"] or None)

    # -- rendering -----------------------------------------------------------------------
    def _render_snapshot(self) -> None:
        """Every widget is given the month's data and drawn once."""
        snap = self.snapshot
        with batch(self.kpis):
            self.kpis.values = snap.kpis
            self.kpis.previous = self.previous_kpis
            self.kpis.previous_label = comparison_label(self.comparison, snap.period)
            self.kpis.stale = False
        with batch(self.cost_overview, "_on_data"):
            self.cost_overview.totals = snap.cost_by_service_type
            self.cost_overview.daily = snap.daily_cost_by_service_type
        with batch(self.project_costs):
            self.project_costs.slices = snap.cost_by_project
            self.project_costs.total = snap.kpis["total_cost"]
        types = list(snap.cost_by_service_type["service_type"])
        with batch(self.project_trends):
            if self.state.trend_service_type not in ("", *types):
                self.state.trend_service_type = ""
            self.project_trends.projects = snap.projects
            self.project_trends.service_types = types
            self.project_trends.trends = snap.project_trends(self.state.trend_service_type or None)
        with batch(self.top_agents):
            self.top_agents.month = snap.period.month
            self.top_agents.agents = snap.top_agents
        self.top_agents_section.layout.display = "none" if snap.top_agents.empty else None
        self.service_cards.show(snap.service_types, snap.projects)

    def _render_status(self, _change=None) -> None:
        status, message, month = self.state.status, self.state.message, self.state.month
        marker = f'data-status="{status}" data-month="{html.escape(month)}"'
        if self.snapshot is not None and status in ("ready", "empty"):  # raw tables or rollups
            marker += f' data-source="{self.snapshot.source}"'
        self.status.value = (
            f'<div class="oa-status oa-status-{status}" {marker}>{html.escape(message)}</div>'
            if message else f"<div {marker}></div>"
        )
        self.charts.layout.display = "none" if status == "empty" else None
        self.kpis.stale = status in ("loading", "error")


def month_from_query(query: str | None, latest: str) -> tuple[str, str]:
    """The ``?month=YYYY-MM`` of a Voilà URL, validated; returns (month, problem or '')."""
    values = parse_qs(query or "").get("month")
    if not values:
        return latest, ""
    try:
        year, mon = parse_month(values[0])
    except PeriodError as exc:
        return latest, f"{exc}. Showing the current month instead."
    month = f"{year:04d}-{mon:02d}"
    if month > latest:
        return latest, f"{month} is in the future. Showing the current month instead."
    return month, ""


def dashboard_from_environment() -> w.Widget:
    """The app notebook's one call: warehouse, zone and month from the environment and the URL.

    A warehouse that cannot be opened becomes a page-level error, not a traceback.
    """
    request = open_app_request()
    try:
        if request.error:
            raise RuntimeError(request.error)
        latest = current_month(request.timezone, request.now)
        month, problem = month_from_query(request.query, latest)
        dashboard = Dashboard(request.warehouse, timezone=request.timezone, month=month, now=request.now,
                              rollups=request.rollups)
    except Exception as exc:
        return w.HTML(STYLE + f'<div class="oa-status oa-status-error" data-status="error">'
                      f"The dashboard cannot open its warehouse: {html.escape(first_line(exc))}</div>")
    if problem:
        dashboard.state.message = problem
    return dashboard
