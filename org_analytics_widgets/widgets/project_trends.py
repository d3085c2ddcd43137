"""Daily cost per project as lines in the projects' colours, filtered by one service type or all.

The legend lists the projects by their cost under the filter, costliest first; clicking a row hides
or shows its line (``state.hidden_projects``, through the app's front-end piece, so the address
bar carries it).
"""

from __future__ import annotations

import math
from datetime import date

import bqplot as bq
import numpy as np
import ipywidgets as widgets
from traitlets import List

from ..colors import HIDDEN_SWATCH, service_label
from ..formatting import money
from ..state import DashboardState
from ._chart import (
    MONEY_TICKS,
    Frame,
    day_figure,
    day_scales,
    day_title,
    hovered,
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
        super().__init__([self.dropdown, self.figure, self.legend], layout=widgets.Layout(flex="1 1 480px"), **kwargs)
        self.add_class("oa-project-trends-widget")
        self.dropdown.observe(self._on_dropdown, names=["value"])
        self.observe(self._on_types, names=["service_types"])
        self.observe(self._render, names=["trends", "projects"])
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
        for i in order:
            off = ids[i] in hidden
            after = [p for p in self.state.hidden_projects if p != ids[i]] + ([] if off else [ids[i]])
            query = [("hide_project", p) for p in after] or [("hide_project", "")]
            title = f"{names[i]}: {'show' if off else 'hide'} its line"
            rows.append((HIDDEN_SWATCH if off else colors[i], names[i], money(float(totals[i])), title))
            attrs.append(view_attrs(query))
        self.legend.value = legend_html(rows, attrs, [ids[i] in hidden for i in order])
