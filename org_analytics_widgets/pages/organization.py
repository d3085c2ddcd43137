"""The Organization Analytics page: one state, one snapshot per month, widgets that render it."""

from __future__ import annotations

import html
from datetime import datetime

import ipywidgets as w

from data_connectors.errors import first_line

from ..efficiency import TOP_MODELS
from ..efficiency import organization as efficiency_of
from ..engine import Engine
from ..formatting import month_label, month_short
from ..kpi_history import KpiHistory
from ..period import UTC, Period, parse_zone
from ..snapshot import Snapshot
from ..state import DashboardState
from ..usage_tables import UsageTables
from ..widgets.batch import batch
from ..widgets.cache_savings import CacheSavings
from ..widgets.spend_change import SpendChange
from ..widgets.budget import BudgetForecast
from ..widgets.cost_overview import CostOverview
from ..widgets.efficiency import CostPerUse
from ..widgets.integrity_badge import IntegrityBadge
from .apart import check_apart, in_event_loop
from ..widgets.kpi_cards import KpiCards
from ..widgets.model_costs import ModelCostDoughnut
from ..widgets.month_selector import MonthSelector
from ..widgets.project_costs import ProjectCostDoughnut
from ..widgets.project_trends import ProjectTrends
from ..widgets.service_cards import ServiceTypeCards
from ..widgets.top_agents import TopAgents
from ..widgets.zone_selector import ZoneSelector
from ._layout import STYLE, section

#: parts of the page below its top (class names), drawn for a month when on screen: the app's page
#: reports which are (``parts_on_screen``); the KPIs and the cost overview are always drawn at once
# parts of the page drawn only when on screen (or near it), by their CSS class
LAZY_PARTS = (
    "oa-more-charts",
    "oa-charts-row",
    "oa-top-agents-section",
    "oa-service-types",
    "oa-usage-tables",
)


def comparison_label(period: Period, shown: Period) -> str:
    """``'Oct'`` (``'Dec 2025'`` across a year) for a whole month, ``'Oct 1–25'`` for a partial one,
    ``'Oct 1'`` for its first day."""
    if period.is_whole:
        return month_short(period.month) if period.month[:4] != shown.month[:4] else f"{period.start:%b}"
    if not period.days:
        return f"{month_short(period.month)} (nothing yet)"
    first, last = period.days[0].day, period.days[-1].day
    return f"{period.start:%b} {first}" + (f"–{last}" if last != first else "")


class Dashboard(w.VBox):
    """The whole page for one warehouse, in the organisation's time zone or the one the viewer
    chose (``state.timezone``: the engine asked is ``engine.in_zone`` of it).

    >>> Dashboard(connect(), timezone="Europe/Paris")          # doctest: +SKIP
    """

    def __init__(
        self,
        engine: Engine | object,
        timezone: str | None = None,
        month: str | None = None,
        now: datetime | str | None = None,
        rollups=None,
        state: DashboardState | None = None,
        load: bool = True,
        **kwargs,
    ):
        if not isinstance(engine, Engine):  # a Warehouse: the analyst's Dashboard(connect())
            engine = Engine(engine, rollups, timezone or "UTC", now)
        self.org_engine = engine
        self.warehouse = engine.warehouse
        latest = engine.latest_month
        if state is None:
            state = DashboardState(
                timezone=engine.timezone, org_timezone=engine.timezone, latest_month=latest, month=month or latest
            )
        self.state = state
        first = first_month(self.engine)
        if first and first <= latest:
            self.state.first_month = first
        self.snapshot: Snapshot | None = None
        self.active = True  # a hidden dashboard (the app shows an agent) loads its month when shown again
        self.off_screen: set[str] = set()  # LAZY_PARTS the page reported off screen: drawn when scrolled to
        self._undrawn: set[str] = set()  # LAZY_PARTS not drawn yet for the month shown
        self._stale = False
        #: in a kernel, leave the KPIs' history (a year of monthly facts) and the integrity checks
        #: (seconds of raw scans at 100M items) to the app's idle time (``run_pending_work``) instead of
        #: doing them as soon as a month is drawn
        self.work_when_idle = False
        self._checks_pending = False
        self.history: KpiHistory | None = None  # the KPI cards' sparklines (Engine.kpi_history)
        self._history_pending = False
        self._zoning = False  # the zone is changing: its month is loaded once, after

        self.month_selector = MonthSelector(self.state)
        self.zone_selector = ZoneSelector(self.state)
        self.kpis = KpiCards(notes=self.warehouse.kpi_notes, sparklines=True)  # notes: what a conversation is here
        self.integrity = IntegrityBadge(self.state)
        self.cost_overview = CostOverview(self.state)
        self.project_costs = ProjectCostDoughnut(self.state)
        self.project_trends = ProjectTrends(self.state)
        self.top_agents = TopAgents()
        self.service_cards = ServiceTypeCards(self.state)
        self.top_agents_section = section("Top agents by cost", self.top_agents, "oa-top-agents-section")
        self.budget = BudgetForecast(self.state)
        self.budget_section = section("Budgets and month-end forecast", self.budget, "oa-budget-section")
        self.forecast = None  # the current month's (Engine.forecast); None for a closed month
        self.model_costs, self.cost_per_use = ModelCostDoughnut(), CostPerUse()
        self.efficiency_row = efficiency_row(self.model_costs, self.cost_per_use)
        self.cache_savings = CacheSavings()
        self.cache_section = section("Cache savings", self.cache_savings, "oa-cache-savings-section")
        self.spend_change = SpendChange()
        self.spend_section = section("Why spend changed", self.spend_change, "oa-spend-change-section")
        self.usage_tables = UsageTables(engine, state=self.state, period=self.period(), load=False)
        self.status = w.HTML()
        self.status.add_class("oa-status-box")
        self.header = header = w.HTML()
        self._render_header()
        self.charts = w.VBox(
            [
                w.VBox(
                    [
                        section("Cost overview", self.cost_overview, "oa-cost-overview"),
                        w.VBox([self.efficiency_row, self.cache_section, self.spend_section]),
                    ]
                ),
                w.HBox(
                    [
                        section("Cost by project", self.project_costs, "oa-project-costs"),
                        section("Project usage trends", self.project_trends, "oa-project-trends"),
                    ],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.top_agents_section,
                section("Service types", self.service_cards, "oa-service-types"),
                section("Usage", self.usage_tables, "oa-usage-tables-section"),
            ]
        )
        more = self.charts.children[0].children[1]  # cost by model and per use, cache savings, spend change
        more.add_class("oa-more-charts")
        self.charts.children[1].add_class("oa-charts-row")
        self.parts = dict(zip(LAZY_PARTS, [more, *self.charts.children[1:4], self.usage_tables]))
        top = w.HBox(
            [header, w.HBox([self.zone_selector, self.month_selector], layout=w.Layout(flex_flow="row wrap"))],
            layout=w.Layout(justify_content="space-between", align_items="center", flex_flow="row wrap"),
        )
        super().__init__(
            [w.HTML(STYLE), top, self.status, self.kpis, self.integrity, self.budget_section, self.charts], **kwargs
        )
        self.add_class("oa-page")

        self.state.observe(self._on_month, names=["month", "refresh_count"])
        self.state.observe(self._on_zone, names=["timezone"])
        self.state.observe(self._on_trend_type, names=["trend_service_type"])
        self.state.observe(self._render_burn_down, names=["budget_project"])
        self.state.observe(self._render_status, names=["status", "message"])
        if load:
            self.load()
        else:
            self._stale = True

    # -- loading -------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """The engine of the zone shown: the organisation's engine itself, or its sibling in the
        viewer's zone (same connection, rollups and cache)."""
        return self.org_engine.in_zone(self.state.timezone)

    def period(self) -> Period:
        return self.engine.period(self.state.month)

    @property
    def comparison(self) -> Period | None:
        return self.snapshot.comparison if self.snapshot is not None else None

    @property
    def previous_kpis(self) -> dict | None:
        return self.snapshot.previous_kpis if self.snapshot is not None else None

    def load(self) -> None:
        """Show the selected month; on failure keep the last content, marked as stale."""
        month = self.state.month
        with self.state.hold_trait_notifications():  # drawn once: never the new month with "ready"
            self.state.status = "loading"
            self.state.message = f"Loading {month_label(month)}…"
        self.kpis.stale = True
        try:
            period = self.period()
            snapshot = self.engine.month(period)
        except Exception as exc:  # the page must say what broke and keep working
            first = first_line(exc).rstrip(".")
            shown = f" Still showing {month_label(self.snapshot.period.month)}." if self.snapshot else ""
            self.state.message = f"Could not load {month_label(month)}: {first}.{shown} Use Refresh to try again."
            self.state.status = "error"
            return
        self.snapshot = snapshot
        self.history = self._history_now(snapshot)
        self._history_pending = self.history is None
        self.usage_tables.set_period(period, load=False)  # marked loading; filled after the page is ready
        self._render_snapshot()
        self._render_forecast()
        self._render_header()
        with self.state.hold_trait_notifications():  # the status is drawn once, not with each trait
            if snapshot.is_empty:
                self.state.message = f"No usage in {month_label(month)}."
                self.state.status = "empty"
            else:
                self.state.message = ""
                self.state.status = "ready"
        self._draw(["oa-usage-tables"])  # last: the KPIs and charts reach the page first
        if self.work_when_idle and in_event_loop():
            self._checks_pending = True  # the app runs them when the viewer pauses (run_pending_work)
            self._show_integrity(snapshot.period, {}, "")
        else:
            self._render_integrity()  # after all that: its checks read the raw tables

    def parts_on_screen(self, parts) -> None:
        """The page says which LAZY_PARTS are on screen (or near it): those not drawn for the month
        shown are drawn now. Off screen they wait: the usage tables' queries scan the raw usage, and
        the charts below the top are most of what the page redraws on a month switch."""
        self.off_screen = set(LAZY_PARTS) - set(parts)
        if self.active and self.snapshot is not None:
            self._draw([part for part in LAZY_PARTS if part in self._undrawn and part not in self.off_screen])

    def _draw(self, parts: list[str]) -> None:
        """Draw each of ``parts`` now if it is on screen, else when it is (shown faded till then)."""
        for part in parts:
            widget = self.parts[part]
            if part in self.off_screen:
                if part != "oa-usage-tables":  # a table says "Loading…" itself
                    widget.add_class("oa-stale")
                self._undrawn.add(part)
                continue
            self._undrawn.discard(part)
            widget.remove_class("oa-stale")
            {
                "oa-more-charts": self._render_more_charts,
                "oa-charts-row": self._render_projects,
                "oa-top-agents-section": self._render_top_agents,
                "oa-service-types": self._render_cards,
                "oa-usage-tables": self.usage_tables.load_visible,
            }[part]()

    def _render_header(self) -> None:
        """Title, zone and freshness: the newest usage the warehouse holds and when this page loaded."""
        zone = parse_zone(self.state.timezone)
        try:
            latest = self.engine.data_span()[1]
        except Exception:  # the month's own load says what broke
            latest = None
        if latest is not None:  # rows stamped in the future (a skewed clock) are not "data up to"
            latest = min(latest.replace(tzinfo=UTC), self.engine.now or datetime.now(UTC))
        data = f" · data up to {latest.astimezone(zone):%-d %b %Y %H:%M}" if latest else ""
        loaded = f" · loaded {datetime.now(zone):%H:%M:%S}"
        self.header.value = (
            '<div class="oa-header"><h1>Organization Analytics</h1>'
            f'<div class="oa-sub oa-freshness">Times in {html.escape(self.state.timezone)}'
            f"{html.escape(data + loaded)}</div></div>"
        )

    def _on_zone(self, _change=None) -> None:
        """Another zone: the navigator's range is that zone's (its current month may be another),
        and the month is drawn again in it, once."""
        engine = self.engine
        latest = engine.latest_month
        first = first_month(engine)
        self._zoning = True
        try:
            self.state.set_range(first if first and first <= latest else "", latest)
        finally:
            self._zoning = False
        self._render_header()
        if self.active:
            self.load()
        else:
            self._stale = True

    def _on_month(self, change) -> None:
        if self._zoning:
            return
        if change["name"] == "refresh_count":  # Refresh means: read the warehouse again
            self.engine.refresh()
        if self.active:
            self.load()
        else:
            self._stale = True

    def show(self) -> None:
        """Become the visible view again: as it was, or with the month chosen meanwhile."""
        self.active = True
        shown = self.snapshot.period if self.snapshot is not None else None
        if self._stale or shown is None or (shown.month, shown.timezone) != (self.state.month, self.state.timezone):
            self._stale = False
            self.load()

    def hide(self) -> None:
        self.active = False

    def snapshot_is_stale(self) -> None:
        """Load the month again when next shown (its data may have grown since)."""
        self._stale = True

    def _on_trend_type(self, change) -> None:
        if self.snapshot is not None:
            self.project_trends.trends = self.snapshot.project_trends(change["new"] or None)

    # -- rendering -----------------------------------------------------------------------
    def _render_snapshot(self) -> None:
        """Every widget is given the month's data and drawn once (those off screen when scrolled to)."""
        snap = self.snapshot
        with batch(self.kpis):
            self.kpis.values = snap.kpis
            self.kpis.previous = self.previous_kpis
            self.kpis.previous_label = comparison_label(self.comparison, snap.period)
            self.kpis.history = list(self.history.rows) if self.history is not None else []
            self.kpis.stale = False
        with batch(self.cost_overview, "_on_data"):
            self.cost_overview.totals = snap.cost_by_service_type
            self.cost_overview.daily = snap.daily_cost_by_service_type
            self.cost_overview.unusual = self._unusual_days()
        types = list(snap.cost_by_service_type["service_type"])
        if self.state.trend_service_type not in ("", *types):
            self.state.trend_service_type = ""
        self.top_agents_section.layout.display = "none" if snap.top_agents.empty else None
        self._draw(["oa-more-charts", "oa-charts-row", "oa-top-agents-section", "oa-service-types"])

    def _unusual_days(self):
        """The month's unusual days (``Engine.unusual_days``), marked on the cost overview; none when
        they cannot be had (the month itself is drawn: they are an addition to it)."""
        try:
            return self.engine.unusual_days(self.snapshot.period, self.snapshot).days
        except Exception:
            return self.cost_overview.unusual.iloc[:0]

    def _render_projects(self) -> None:
        snap = self.snapshot
        with batch(self.project_costs):
            self.project_costs.month = snap.period.month
            self.project_costs.tz = "" if self.state.timezone == self.state.org_timezone else self.state.timezone
            self.project_costs.others_open = False
            self.project_costs.slices = snap.cost_by_project
            self.project_costs.others = snap.others()
            self.project_costs.total = snap.kpis["total_cost"]
        with batch(self.project_trends):
            self.project_trends.projects = snap.projects
            self.project_trends.service_types = list(snap.cost_by_service_type["service_type"])
            self.project_trends.trends = snap.project_trends(self.state.trend_service_type or None)

    def _render_more_charts(self) -> None:
        self._render_efficiency()
        self._render_spend_change()

    def _render_efficiency(self) -> None:
        """Cost by model and cost per use: a doughnut and a small table, drawn with the KPIs."""
        snap = self.snapshot
        with batch(self.model_costs):
            self.model_costs.slices = snap.cost_by_model
            self.model_costs.others = snap.models.iloc[TOP_MODELS:]  # what Others holds
            self.model_costs.total = snap.kpis["total_cost"]
        with batch(self.cost_per_use):
            self.cost_per_use.organization = efficiency_of(snap.kpis)
            self.cost_per_use.projects = snap.project_efficiency
        found = snap.cache_savings or {}
        with batch(self.cache_savings):
            self.cache_savings.organization = found.get("organization", {})
            self.cache_savings.projects = found.get("projects", self.cache_savings.projects.iloc[:0])
            self.cache_savings.models = found.get("models", self.cache_savings.models.iloc[:0])
        self.cache_section.layout.display = "none" if self.cache_savings.is_empty else None

    def _render_spend_change(self) -> None:
        """Why spend changed against the comparison period (``Snapshot.spend_change``): hidden without one."""
        snap, found = self.snapshot, self.snapshot.spend_change
        with batch(self.spend_change):
            self.spend_change.previous_label = comparison_label(self.comparison, snap.period) if found else ""
            self.spend_change.label = comparison_label(snap.period, snap.period) if found else ""
            self.spend_change.split = (
                {key: found[key] for key in ("previous_total", "total", "change", "parts", "drivers")} if found else {}
            )
        self.spend_section.layout.display = "none" if self.spend_change.is_empty else None

    def _render_top_agents(self) -> None:
        with batch(self.top_agents):
            self.top_agents.month = self.snapshot.period.month
            self.top_agents.tz = "" if self.state.timezone == self.state.org_timezone else self.state.timezone
            self.top_agents.agents = self.snapshot.top_agents

    def _render_integrity(self) -> None:
        """The integrity badge of the month shown (``Engine.integrity``: a closed month's from the
        month cache). Asked after the rest of the page is drawn; in a kernel on DuckDB it runs on a
        thread of its own (``integrity.check_apart``), so its anti-joins over the raw tables (seconds
        at 100M items) never hold up the viewer's next click. A failure leaves the page as it is,
        with a small note."""
        period, engine = self.snapshot.period, self.engine
        if self.snapshot.is_empty:  # an empty month has nothing to check
            self._show_integrity(period, {}, "")
            return
        with batch(self.integrity):  # nothing said of the new month until it is checked
            self.integrity.month = period.month
            self.integrity.counts = {}
            self.integrity.error = ""
        if check_apart(
            lambda: engine.integrity(period, apart=True),
            lambda counts, error: self._show_integrity(period, counts, error),
            still_wanted=lambda: self.snapshot is not None and self.snapshot.period == period,
            runs_apart=engine.warehouse.runs_apart,
        ):
            return
        try:
            counts, error = engine.integrity(period), ""
        except Exception as exc:  # a hint beside the numbers, not the numbers: the page stays
            counts, error = {}, first_line(exc).rstrip(".")
        self._show_integrity(period, counts, error)

    def run_pending_work(self) -> bool:
        """Do one piece of what a load left for idle time (``work_when_idle``): the KPIs' history
        first (the cards' sparklines), then the integrity checks; False if nothing was left."""
        if self.snapshot is None:
            return False
        if self._history_pending:
            self._history_pending = False
            self._render_history()
            return True
        if not self._checks_pending:
            return False
        self._checks_pending = False
        self._render_integrity()
        return True

    def _history_now(self, snapshot: Snapshot) -> KpiHistory | None:
        """The month's KPI history when it is drawn with the numbers: outside a page's kernel (a
        script, a test). In a page None: it is drawn when the viewer pauses (``run_pending_work``),
        so a month switch neither waits for it nor carries its sparklines. None too when it cannot
        be had (the month itself is drawn: its history is an addition to it)."""
        if self.work_when_idle and in_event_loop():
            return None
        try:
            return self.engine.kpi_history(snapshot.period, snapshot)
        except Exception:
            return None

    def _render_history(self) -> None:
        """The KPI cards' sparklines of the month shown (``Engine.kpi_history``), asked after the month
        is drawn; a failure leaves the cards without them."""
        snap = self.snapshot
        try:
            history = self.engine.kpi_history(snap.period, snap)
        except Exception:
            return
        self.history = history
        self.kpis.history = list(history.rows)

    def _show_integrity(self, period: Period, counts: dict, error: str) -> None:
        if self.snapshot is None or self.snapshot.period != period:
            return  # another month is shown now
        with batch(self.integrity):
            self.integrity.month = period.month
            self.integrity.counts = counts
            self.integrity.error = error

    def _render_forecast(self) -> None:
        """The current month's forecast and budgets (``Engine.forecast``): on the Total Cost card, in
        the budgets section and as a budget's burn-down on the trends chart; nothing for a closed or
        empty month. A failure leaves the rest of the page as it is, without the forecast."""
        snap = self.snapshot
        try:
            forecast = None if snap.is_empty else self.engine.forecast(snap.period, snap)
        except Exception:  # the month itself is drawn: a forecast is an addition to it
            forecast = None
        self.forecast = forecast
        self.budget_section.layout.display = None if forecast is not None else "none"
        self.kpis.forecast = (
            {"forecast": forecast.total.forecast, "low": forecast.total.low, "high": forecast.total.high}
            if forecast is not None
            else {}
        )
        if forecast is not None:
            report = forecast.to_report()
            with batch(self.budget):
                self.budget.projects = forecast.projects
                self.budget.total = report["total"]
                self.budget.budgets = report["budgets"]
                self.budget.weeks = forecast.weeks
                self.budget.month_end = forecast.month_end.isoformat()
        self._render_burn_down()

    def _render_burn_down(self, _change=None) -> None:
        """The chosen project's budget burn-down on the trends chart (``state.budget_project``)."""
        forecast, wanted = self.forecast, self.state.budget_project
        rows = forecast.projects if forecast is not None and wanted else None
        row = rows[rows["project_id"] == wanted].to_dict("records") if rows is not None else []
        trends = self.project_trends
        with batch(trends, "_render_burn_down"):
            if row and row[0]["budget"] is not None and row[0]["budget"] > 0:
                paths = forecast.paths
                trends.burn_down = paths[paths["project_id"] == wanted].reset_index(drop=True)
                trends.burn_down_budget = float(row[0]["budget"])
                trends.burn_down_name = str(row[0]["name"])
            else:
                trends.burn_down = trends.burn_down.iloc[:0]

    def _render_cards(self) -> None:
        self.service_cards.show(self.snapshot.service_types, self.snapshot.projects)

    def _render_status(self, _change=None) -> None:
        status, message, month = self.state.status, self.state.message, self.state.month
        marker = f'data-status="{status}" data-month="{html.escape(month)}"'
        if self.snapshot is not None and status in ("ready", "empty"):  # raw tables or rollups
            marker += f' data-source="{self.snapshot.source}"'
        self.status.value = (
            f'<div class="oa-status oa-status-{status}" {marker}>{html.escape(message)}</div>'
            if message
            else f"<div {marker}></div>"
        )
        self.charts.layout.display = "none" if status == "empty" else None
        self.kpis.stale = status in ("loading", "error")


def efficiency_row(model_costs: w.Widget, cost_per_use: w.Widget) -> w.HBox:
    """Cost by model beside cost per use, under the cost overview (side by side when wide enough)."""
    parts = [
        section("Cost by model", model_costs, "oa-model-costs"),
        section("Cost per use", cost_per_use, "oa-cost-per-use"),
    ]
    for part, flex in zip(parts, ("1 1 420px", "2 1 560px")):
        part.layout.width, part.layout.flex, part.layout.min_width = "auto", flex, "0"
    parts[0].layout.margin = "12px 12px 0 0"
    return w.HBox(parts, layout=w.Layout(flex_flow="row wrap"))


def first_month(engine: Engine) -> str:
    """The first month with data, '' when unknown (empty warehouse, or it cannot answer now)."""
    try:
        return engine.first_month() or ""
    except Exception:  # the month's own load says what broke
        return ""
