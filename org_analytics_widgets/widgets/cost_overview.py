"""Daily cost by service type (stacked bars) beside the month's split (doughnut), one shared legend."""

from __future__ import annotations

import ipywidgets as widgets

from ..colors import HIDDEN_SWATCH, service_color, service_label
from ..formatting import money
from ..shaping import day_matrix
from ..state import DashboardState
from ._chart import Frame, StackedBars, doughnut, figure, show_slices, unit_scales
from ._html import share_text
from .batch import renders


class CostOverview(widgets.VBox):
    """Stacked daily bars and a doughnut of cost by service type; the legend hides a type in both.

    >>> overview = CostOverview(DashboardState(month="2026-03", latest_month="2026-03"))
    >>> overview.totals = pd.DataFrame({"service_type": ["agent"], "cost": [2.0]})
    >>> overview.legend_buttons["agent"].click(); overview.state.hidden_service_types
    ('agent',)
    """

    daily = Frame(columns=("date", "service_type", "cost"), help="one row per day per type")
    totals = Frame(columns=("service_type", "cost"), help="ordered by cost, largest first")

    def __init__(self, state: DashboardState, **kwargs):
        self.state = state
        self.legend_buttons: dict[str, widgets.Button] = {}
        self.bar_chart = StackedBars(layout={"flex": "2 1 520px", "min_width": "320px", "height": "340px"})
        self.bars, self.bar_tooltip = self.bar_chart.bars, self.bar_chart.tooltip
        self.pie = doughnut(120, 72, unit_scales())
        pie_figure = figure([self.pie], {"flex": "1 1 280px", "height": "300px"})
        self.legend = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self.legend.add_class("oa-service-legend")
        charts = widgets.HBox(
            [self.bar_chart.figure, pie_figure],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", width="100%"),
        )
        super().__init__([self.legend, charts], **kwargs)
        self.add_class("oa-cost-overview-widget")
        self.observe(self._on_data, names=["daily", "totals"])
        state.observe(self._render, names=["hidden_service_types"])
        self._on_data()

    # -- what is shown ------------------------------------------------------------------
    def service_types(self) -> list[str]:
        """Every type of the month: by total cost, then any type that only has daily rows."""
        ordered = [str(t) for t in self.totals["service_type"]]
        return list(dict.fromkeys(ordered + [str(t) for t in self.daily["service_type"]]))

    def visible_service_types(self) -> list[str]:
        """The month's types that the legend has not hidden, in legend order."""
        hidden = set(self.state.hidden_service_types)
        return [t for t in self.service_types() if t not in hidden]

    # -- events -------------------------------------------------------------------------
    def _toggle(self, service_type: str) -> None:
        hidden = self.state.hidden_service_types
        if service_type in hidden:
            self.state.hidden_service_types = tuple(t for t in hidden if t != service_type)
        else:
            self.state.hidden_service_types = (*hidden, service_type)

    # -- rendering ----------------------------------------------------------------------
    @renders
    def _on_data(self, _change=None) -> None:
        types = self.service_types()
        old = self.legend_buttons
        self.legend_buttons = {t: old.pop(t) if t in old else self._make_button(t) for t in types}
        for button in old.values():
            button.close()
        self.legend.children = list(self.legend_buttons.values())
        self._render()

    def _make_button(self, service_type: str) -> widgets.Button:
        button = widgets.Button(
            description=service_label(service_type),
            layout=widgets.Layout(
                width="auto",
                margin="2px 6px 2px 0",
                border_top="1px solid #ddd",
                border_right="1px solid #ddd",
                border_bottom="1px solid #ddd",
            ),
        )
        button.add_class("oa-legend-item")
        button.on_click(lambda _: self._toggle(service_type))
        return button

    def _render(self, _change=None) -> None:
        hidden = set(self.state.hidden_service_types)
        cost = dict(zip(self.totals["service_type"].astype(str), self.totals["cost"].astype(float)))
        whole = sum(max(c, 0.0) for c in cost.values())
        for service_type, button in self.legend_buttons.items():
            shown = service_type not in hidden
            amount = cost.get(service_type, 0.0)  # like the project legend: amount and share of the month
            button.description = f"{service_label(service_type)} · {money(amount)} · {share_text(amount, whole)}"
            button.layout.border_left = f"14px solid {service_color(service_type) if shown else HIDDEN_SWATCH}"
            button.style.button_color = "#FFFFFF"
            button.style.text_color = "#222222" if shown else "#999999"
            button.style.text_decoration = "none" if shown else "line-through"
            button.tooltip = f"{'Hide' if shown else 'Show'} {service_label(service_type)}"
            (button.remove_class if shown else button.add_class)("oa-legend-hidden")
        visible = self.visible_service_types()
        self._render_bars(visible)
        self._render_pie(visible)

    def _render_bars(self, visible: list[str]) -> None:
        daily = self.daily
        days = sorted(set(daily["date"]))
        matrix = day_matrix(daily[daily["service_type"].isin(visible)], "service_type", "cost", visible, days)
        self.bar_chart.show(days, [service_label(t) for t in visible], [service_color(t) for t in visible], matrix)

    def _render_pie(self, visible: list[str]) -> None:
        totals = self.totals
        cost = dict(zip(totals["service_type"].astype(str), totals["cost"].astype(float)))
        whole = sum(max(c, 0.0) for c in cost.values())
        costs = [cost.get(t, 0.0) for t in visible]
        show_slices(
            self.pie,
            costs,
            [service_color(t) for t in visible],
            [f"{service_label(t)}: {money(c)} ({share_text(c, whole)} of the month)" for t, c in zip(visible, costs)],
        )
