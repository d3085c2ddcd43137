"""Daily cost per project as lines in the projects' colours, filtered by one service type or all.

The legend lists the projects by their cost under the filter, costliest first; clicking a row hides
or shows its line (``state.hidden_projects``, through the app's front-end piece, so the address
bar carries it); clicking a project's name opens its view.
"""

from __future__ import annotations

import html
import math
from datetime import date

import bqplot as bq
import numpy as np
import ipywidgets as widgets
from traitlets import Float, List, Unicode

from ..colors import HIDDEN_SWATCH, service_label
from ..formatting import money
from ..links import project_url
from ..state import DashboardState
from ._chart import (
    MONEY_TICKS,
    Frame,
    day_figure,
    day_label,
    day_scales,
    nice_ticks,
    day_title,
    hovered,
    known,
    project_series,
    round_value_axis,
    show_series,
)
from ._html import legend_html, tooltip_html, view_attrs
from .batch import renders


class ProjectTrends(widgets.VBox):
    """One line per project of ``trends``; the dropdown sets ``state.trend_service_type``.

    >>> trends = ProjectTrends(DashboardState(month="2026-03", latest_month="2026-03"))
    >>> trends.service_types = ["agent"]; trends.dropdown.value = "agent"; trends.state.trend_service_type
    'agent'
    """

    trends = Frame(columns=("date", "project_id", "cost"), help="one row per day per project")
    projects = Frame(columns=("project_id", "name", "color"), help="the order of the lines")
    service_types = List(help="service types the dropdown offers after 'All'")
    burn_down = Frame(
        columns=("date", "spent", "actual"),
        help="one project's cumulative cost by day: actual through today, the forecast's after (none: no line)",
    )
    burn_down_budget = Float(0.0, help="that project's monthly budget")
    burn_down_name = Unicode("", help="that project's name")

    def __init__(self, state: DashboardState, **kwargs):
        self.state = state
        self._syncing = False
        self._days: list[date] = []
        self._line_names: list[str] = []
        self.dropdown = widgets.Dropdown(
            options=[("All", "")],
            value="",
            description="Service type",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="280px"),
        )
        self.dropdown.add_class("oa-trend-service-type")
        self.line_tooltip = widgets.HTML()
        self.lines = bq.Lines(
            x=[], y=[], scales=day_scales(), marker="circle", marker_size=16, stroke_width=2, tooltip=self.line_tooltip
        )
        self.lines.on_hover(self._on_hover)
        self.figure = day_figure(
            self.lines,
            MONEY_TICKS,  # a fixed height: never squeezed by the legend
            {"width": "100%", "min_width": "320px", "height": "320px", "flex": "0 0 320px"},
        )
        self.legend = widgets.HTML()
        self.legend.add_class("oa-trend-legend")
        self._burn_down_marks()
        super().__init__(
            [self.dropdown, self.figure, self.burn_caption, self.legend],
            layout=widgets.Layout(flex="1 1 480px"),
            **kwargs,
        )
        self.add_class("oa-project-trends-widget")
        self.dropdown.observe(self._on_dropdown, names=["value"])
        self.observe(self._on_types, names=["service_types"])
        self.observe(self._render, names=["trends", "projects"])
        self.observe(self._render_burn_down, names=["burn_down", "burn_down_budget", "burn_down_name"])
        state.observe(self._show_state, names=["trend_service_type"])
        state.observe(self._render, names=["hidden_projects"])
        self._on_types()
        self._render()

    # -- service type: state <-> dropdown ----------------------------------------------
    def _on_types(self, _change=None) -> None:
        """New options; the rebuild must not write the dropdown's reset to the state."""
        types = [str(t) for t in dict.fromkeys(self.service_types)]
        self._syncing = True
        try:
            self.dropdown.options = [("All", ""), *((service_label(t), t) for t in types)]
        finally:
            self._syncing = False
        self._show_state()

    def _show_state(self, _change=None) -> None:
        """Show the state's type; an unknown one (old month, URL) shows All and resets the state to All."""
        wanted = self.state.trend_service_type
        known_value = wanted in [value for _, value in self.dropdown.options]
        self._syncing = True
        try:
            self.dropdown.value = wanted if known_value else ""
        finally:
            self._syncing = False
        if not known_value and self.service_types:
            self.state.trend_service_type = ""

    def _on_dropdown(self, change) -> None:
        if not self._syncing:
            self.state.trend_service_type = change["new"] or ""

    # -- chart --------------------------------------------------------------------------
    def _on_hover(self, _mark, content: dict) -> None:
        """Name the hovered line, or the projects at the hovered point; browser data is checked."""
        data = content.get("data") or {}
        line, day, cost = data.get("index"), data.get("sub_index"), data.get("y")
        if hovered(line, len(self._line_names)):
            self.line_tooltip.value = tooltip_html([self._line_names[line]])
            return
        if not (hovered(day, len(self._days)) and isinstance(cost, (int, float))):
            return
        names = [
            name
            for name, row in zip(self._line_names, self.lines.y)
            if math.isclose(float(row[day]), float(cost), rel_tol=1e-9, abs_tol=1e-12)
        ]
        if names:
            self.line_tooltip.value = tooltip_html(names, day_title(self._days[day]), money(float(cost)))

    @renders
    def _render(self, _change=None) -> None:
        trends = self.trends
        days = sorted(set(trends["date"]))
        ids, names, colors, matrix = project_series(trends, self.projects, days)
        totals = matrix.sum(axis=1) if len(ids) else np.zeros(0)
        order = sorted(range(len(ids)), key=lambda i: -totals[i])  # costliest first, under the filter
        hidden = set(self.state.hidden_projects)
        shown = [i for i in order if ids[i] not in hidden]
        self._days, self._line_names = days, [names[i] for i in shown]
        drawn = matrix[shown] if shown else np.zeros((1, 1))
        round_value_axis(self.figure, self.lines, min(drawn.min(), 0.0), drawn.max(), MONEY_TICKS)
        show_series(self.lines, days, self._line_names, [colors[i] for i in shown], matrix[shown])
        rows, attrs = [], []
        state = self.state
        tz = "" if state.timezone == state.org_timezone else state.timezone
        listed = {str(p) for p in self.projects["project_id"] if known(p) is not None}  # not "no project"
        links = [project_url(ids[i], state.month, tz) if state.month and ids[i] in listed else None for i in order]
        for i in order:
            off = ids[i] in hidden
            after = [p for p in self.state.hidden_projects if p != ids[i]] + ([] if off else [ids[i]])
            query = [("hide_project", p) for p in after] or [("hide_project", "")]
            title = f"{names[i]}: {'show' if off else 'hide'} its line"
            rows.append((HIDDEN_SWATCH if off else colors[i], names[i], money(float(totals[i])), title))
            attrs.append(view_attrs(query))
        self.legend.value = legend_html(rows, attrs, [ids[i] in hidden for i in order], links)

    # -- a budget's burn-down: budget left by day, on its own axis at the right --------------
    def _burn_down_marks(self) -> None:
        scales = {"x": self.lines.scales["x"], "y": bq.LinearScale()}
        self.burn_actual = bq.Lines(x=[], y=[], scales=scales, colors=["#222222"], stroke_width=2.5)
        self.burn_forecast = bq.Lines(
            x=[], y=[], scales=scales, colors=["#222222"], stroke_width=2, line_style="dashed"
        )
        self.burn_axis = bq.Axis(
            scale=scales["y"], side="right", tick_format=MONEY_TICKS, grid_lines="none", visible=False
        )
        self.figure.marks = [*self.figure.marks, self.burn_actual, self.burn_forecast]
        self.figure.axes = [*self.figure.axes, self.burn_axis]
        self.burn_caption = widgets.HTML()
        self.burn_caption.add_class("oa-burn-down-caption")

    @renders
    def _render_burn_down(self, _change=None) -> None:
        rows = sorted(self.burn_down.to_dict("records"), key=lambda r: r["date"])
        budget, name = self.burn_down_budget, self.burn_down_name
        actual = [r for r in rows if r["actual"]]
        ahead = actual[-1:] + [r for r in rows if not r["actual"]]
        for mark, part in ((self.burn_actual, actual), (self.burn_forecast, ahead if len(ahead) > 1 else [])):
            with mark.hold_sync():
                mark.x = [day_label(r["date"]) for r in part]
                mark.y = [budget - float(r["spent"]) for r in part]
        self.burn_axis.visible = bool(rows)
        self.figure.fig_margin = {**self.figure.fig_margin, "right": 70 if rows else 10}
        if not rows:
            self.burn_caption.value = ""
            return
        left = [budget - float(r["spent"]) for r in rows]
        ticks = nice_ticks(min(left), max(left + [budget]))
        with self.burn_actual.scales["y"].hold_sync():
            self.burn_actual.scales["y"].min, self.burn_actual.scales["y"].max = ticks[0], ticks[-1]
        gone = next((r["date"] for r in rows if budget - float(r["spent"]) < 0), None)
        when = f"; it runs out on {day_title(gone)}" if gone is not None else "; it lasts the month"
        self.burn_caption.value = (
            f'<div class="oa-burn-down-note" style="font-size:12px;color:#444">Black line (right axis): '
            f"{html.escape(name)}'s budget left of {html.escape(money(budget))}, solid so far, dashed by the "
            f"forecast{html.escape(when)}.</div>"
        )
