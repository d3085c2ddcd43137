"""The project view: one project's month (KPIs, budget, daily cost by service type, cost by model,
all its agents), opened from the dashboard's project doughnut, trends legend, top agents and usage
tables (``?project=…&month=…``).

What it shows is the report's ``project`` section (``report.project_report`` of
``Engine.project_month``: what ``org-analytics report --project ID`` prints), drawn by the
dashboard's own widgets. A view of the app (:class:`..app.App`), made ahead like the agent view.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w

from data_connectors.errors import first_line

from ..efficiency import TOP_MODELS
from ..engine import Engine
from ..formatting import money, month_label, month_short
from ..links import VIEW_LINK, project_url
from ..period import Period, PeriodError, parse_month, shift_month
from ..report import project_report
from ..snapshot import ProjectMonth
from ..widgets.batch import batch
from ..widgets.budget import range_words, status_words
from ..widgets.cost_overview import CostOverview
from ..widgets.kpi_cards import CARDS, KpiCards
from ..widgets.model_costs import ModelCostDoughnut
from ..widgets.top_agents import TopAgents
from ._layout import STYLE, DrillDownPage, section
from .agent import PAGE_STYLE, _back_link, _status_html
from .organization import comparison_label

#: the dashboard's KPI cards but the projects' count (one project)
PROJECT_CARDS = tuple(card for card in CARDS if card.key != "active_projects")
# the page's width is the app's (centred by its auto margins, a page is only as wide as its content)
WIDTH_STYLE = "<style>.oa-project-page { width: 100%; box-sizing: border-box; }</style>"


def budget_html(name: str, budget: dict, month: str) -> str:
    """The project's budget in words: spent against the monthly budget and, in the current month,
    the forecast, its range and status (the ``budget`` of the report's ``project`` section)."""
    spent, limit = budget["spent"], budget["monthly_budget"]
    if limit is None:
        words = f"{name} has no monthly budget. Spent in {month_label(month)}: {money(spent)}."
    else:
        share = f" ({budget['share'] * 100:.1f} %)" if budget["share"] is not None else ""
        words = f"{money(spent)} of the {money(limit)} monthly budget spent in {month_label(month)}{share}."
    row, outlook = budget["forecast"], ""
    if row is not None and row.get("forecast") is not None:
        spread = range_words(row)
        outlook = (
            f'<div class="oa-project-forecast" data-forecast="{row["forecast"]!r}">Month-end forecast '
            f"{html.escape(money(row['forecast']))}{html.escape(f' ({spread})' if spread else '')}"
            f" · {html.escape(status_words(row))}</div>"
        )
    return (
        f'<div class="oa-project-budget" data-spent="{spent!r}" data-budget="{"" if limit is None else repr(limit)}">'
        f"<div>{html.escape(words)}</div>{outlook}</div>"
    )


class ProjectPage(DrillDownPage):
    """One project's month: link back to the dashboard, name, KPIs, budget, daily cost by service
    type, cost by model, its agents.

    ``status`` is ``ready``, ``empty`` (no usage billed to it in the month), ``unknown`` (no such
    project), ``invalid`` (bad month) or ``error`` (the warehouse failed); ``message`` says it in
    words. ``forecast_of(period)``: the report's ``forecast`` section of that month, when there is
    one (the app's dashboard has the current month's; default: asked of the engine).

    >>> ProjectPage(Engine.open(), "p_support", "2026-03")   # doctest: +SKIP
    """

    def __init__(
        self,
        engine: Engine,
        project_id: str,
        month: str | None = None,
        link_zone: str = "",
        forecast_of: Callable[[Period], dict | None] | None = None,
        **kwargs,
    ):
        self.engine = engine
        self.project_id, self.month, self.link_zone = str(project_id or ""), month or "", link_zone
        self.forecast_of = forecast_of
        self._latest = ""
        self.period: Period | None = None
        self.result: ProjectMonth | None = None
        self.section: dict = {}
        self.status, self.message = "loading", ""

        self.nav = w.HTML()
        self.header = w.HTML()
        self.status_box = w.HTML()
        self.status_box.add_class("oa-status-box")
        # made with the first project shown, not ahead: until then the page holds one set of KPI
        # cards (the dashboard's), found by their classes
        self.kpis: KpiCards | None = None
        self.kpi_box = w.VBox()
        self.budget = w.HTML()
        self.cost_overview: CostOverview | None = None
        self.cost_box = w.VBox()
        self.model_costs = ModelCostDoughnut()
        self.agents = TopAgents()
        self.agents_section = section("Agents", self.agents, "oa-project-agents")
        self.content = w.VBox(
            [
                self.kpi_box,
                section("Budget", self.budget, "oa-project-budget-section"),
                section("Daily cost by service type", self.cost_box, "oa-project-cost"),
                section("Cost by model", self.model_costs, "oa-project-models"),
                self.agents_section,
            ]
        )
        super().__init__(
            [w.HTML(STYLE + PAGE_STYLE + WIDTH_STYLE), self.nav, self.header, self.status_box, self.content], **kwargs
        )
        self.add_class("oa-page")
        self.add_class("oa-project-page")
        if self.project_id:
            self.load()

    def show(self, project_id: str, month: str | None, engine: Engine | None = None, link_zone: str = "") -> None:
        """Another project or month in the same widgets; ``engine``: another zone's."""
        if engine is not None:
            self.engine = engine
        self.project_id, self.month, self.link_zone = str(project_id or ""), month or "", link_zone
        self.period, self.result, self.section, self.status, self.message = None, None, {}, "loading", ""
        self.status_box.value = _status_html("loading", "Loading…")
        self.load()

    def make_ahead(self, month: str) -> None:
        """Make the chart (empty) and lay the content out before any project is shown (the app makes
        its project view out of sight while the viewer reads the dashboard, as its agent view)."""
        self.build_chart(self.engine.timezone, month)

    # -- loading -------------------------------------------------------------------------

    def load(self) -> None:
        """Validate the month, then ask the engine for the project's month and its report section."""
        try:
            self._latest = latest = self.engine.latest_month
            year, mon = parse_month(self.month or latest)
            self.month = f"{year:04d}-{mon:02d}"
        except PeriodError as exc:
            self.month = ""
            return self._fail("invalid", f"{exc}.")
        if self.month > latest:
            return self._fail(
                "invalid", f"{month_label(self.month)} is after the current month ({month_label(latest)})."
            )
        if not self.project_id.strip():
            return self._fail("unknown", "No project given: open a project from the dashboard.")
        try:
            self.period = period = self.engine.period(self.month)
            self.result = result = self.engine.project_month(self.project_id, period)
            forecast_of = self.forecast_of or self._forecast
            self.section = project_report(result, forecast_of(period) if result.status == "ready" else None)
        except Exception as exc:  # the page says what broke, never a traceback
            return self._fail("error", f"Could not load this project's {month_label(self.month)}: {first_line(exc)}")
        if result.status == "unknown":
            return self._fail("unknown", f"There is no project “{self.project_id}”. Check the link, or pick a project.")
        self.status = result.status
        self.message = (
            "" if self.status == "ready" else f"No usage billed to this project in {month_label(self.month)}."
        )
        self._render()

    def _forecast(self, period: Period) -> dict | None:
        """The month's forecast section from the engine (None for a closed month)."""
        found = self.engine.forecast(period)
        return found.to_report() if found is not None else None

    @property
    def name(self) -> str:
        return self.section.get("name") or self.project_id

    # -- rendering -----------------------------------------------------------------------
    def _month_links(self) -> str:
        month = self.month
        before, after = shift_month(month, -1), shift_month(month, 1)
        prev_link = (
            f'<a class="oa-month-prev {VIEW_LINK}" href="{html.escape(project_url(self.project_id, before, self.link_zone))}" '
            f'target="_self">‹ {html.escape(month_short(before))}</a>'
        )
        next_link = (
            f'<a class="oa-month-next {VIEW_LINK}" href="{html.escape(project_url(self.project_id, after, self.link_zone))}" '
            f'target="_self">{html.escape(month_short(after))} ›</a>'
            if after <= self._latest
            else f'<span class="oa-disabled">{html.escape(month_short(after))} ›</span>'
        )
        return f'<span class="oa-month-links">{prev_link}<b>{html.escape(month_label(month))}</b>{next_link}</span>'

    def _render(self) -> None:
        month = self.month or None
        links = self._month_links() if month and self.status in ("ready", "empty") else ""
        self.nav.value = f'<div class="oa-agent-nav">{_back_link(month, self.link_zone)}{links}</div>'
        self.status_box.value = _status_html(self.status, self.message)
        if self.status not in ("ready", "empty"):
            self.header.value = ""
            return
        found, snap = self.section, self.result.month
        self.header.value = (
            f'<div class="oa-header oa-project-header" data-project-id="{html.escape(self.project_id)}">'
            f'<h1 class="oa-project-name"><span class="oa-swatch" style="background:{html.escape(found["color"])};'
            f'width:16px;height:16px"></span> {html.escape(self.name)}</h1>'
            f'<div class="oa-sub">project <code>{html.escape(self.project_id)}</code> · '
            f"Times in {html.escape(self.period.timezone)}</div></div>"
        )
        if self.kpis is None:
            self.kpis = KpiCards(PROJECT_CARDS)
            self.kpis.add_class("oa-project-kpis")
            self.kpi_box.children = [self.kpis]
        with batch(self.kpis):
            self.kpis.values = found["kpis"]
            self.kpis.previous = found["previous_kpis"]
            self.kpis.previous_label = comparison_label(snap.comparison, snap.period) if snap.comparison else ""
        self.budget.value = budget_html(self.name, found["budget"], self.month)
        self.build_chart(self.period.timezone, self.month)
        with batch(self.cost_overview, "_on_data"):
            self.cost_overview.totals = snap.cost_by_service_type
            self.cost_overview.daily = snap.daily_cost_by_service_type
        with batch(self.model_costs):
            self.model_costs.slices = snap.cost_by_model
            self.model_costs.others = snap.models.iloc[TOP_MODELS:]
            self.model_costs.total = found["kpis"]["total_cost"]
        with batch(self.agents):
            self.agents.month, self.agents.tz = self.month, self.link_zone
            self.agents.agents = snap.top_agents
        self.agents_section.layout.display = "none" if snap.top_agents.empty else None  # usage of no agent
        self.content.layout.display = None
