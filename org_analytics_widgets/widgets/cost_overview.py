"""Daily cost by service type (stacked bars) beside the month's split (doughnut), one shared legend."""
from __future__ import annotations

import html
from datetime import date

import bqplot as bq
import ipywidgets as w
import numpy as np
import pandas as pd
from traitlets import Instance

from ..colors import service_color, service_label
from ..formatting import money
from ..state import DashboardState
from .batch import renders

HIDDEN_SWATCH = "#CCCCCC"
TOOLTIP_BOX = ('<div style="background:#fff;border:1px solid #ccc;border-radius:4px;padding:4px 8px;'
               'font-size:12px;line-height:1.4">{}</div>')


def day_label(day: date) -> str:
    """``date(2026, 3, 1) -> 'Mar 1'``: ordinal x values, so no browser time zone can shift a day."""
    return f"{day:%b} {day.day}"


def day_title(day: date) -> str:
    """``date(2026, 3, 1) -> 'Sun Mar 1'``: the weekday explains weekend dips in a tooltip."""
    return f"{day:%a %b} {day.day}"


def share_text(part: float, whole: float) -> str:
    """``'12.5 %'`` of ``whole``; ``'–'`` when the whole is not positive (nothing to share)."""
    return f"{part / whole * 100:.1f} %" if whole > 0 else "–"


class CostOverview(w.VBox):
    """Stacked daily bars and a doughnut of cost by service type; the legend hides a type in both.

    >>> overview = CostOverview(DashboardState(month="2026-03", latest_month="2026-03"))
    >>> overview.totals = pd.DataFrame({"service_type": ["agent"], "cost": [2.0]})
    >>> overview.legend_buttons["agent"].click(); overview.state.hidden_service_types
    ('agent',)
    """

    daily = Instance(pd.DataFrame, kw={"columns": ["date", "service_type", "cost"]},
                     help="date, service_type, cost: one row per day per type")
    totals = Instance(pd.DataFrame, kw={"columns": ["service_type", "cost"]},
                      help="service_type, cost: ordered by cost, largest first")

    def __init__(self, state: DashboardState, **kwargs):
        self.state = state
        self._days: list[date] = []
        self._bar_types: list[str] = []
        self.legend_buttons: dict[str, w.Button] = {}

        x = bq.OrdinalScale()
        y = bq.LinearScale()
        self.bar_tooltip = w.HTML()
        self.bars = bq.Bars(x=[], y=[], scales={"x": x, "y": y}, type="stacked", color_mode="element",
                            padding=0.2, stroke="white", stroke_width=0.5, tooltip=self.bar_tooltip)
        self.bars.on_hover(self._on_bar_hover)
        axes = [bq.Axis(scale=x, grid_lines="none", num_ticks=8),
                bq.Axis(scale=y, side="left", tick_format="$,.2~f", grid_lines="dashed")]
        bar_figure = bq.Figure(
            marks=[self.bars], axes=axes,
            fig_margin={"top": 10, "bottom": 30, "left": 70, "right": 10}, animation_duration=250,
            display_toolbar=False,
            layout=w.Layout(flex="2 1 520px", min_width="320px", height="340px"),
        )
        unit = bq.LinearScale(min=0, max=1)
        self.pie = bq.Pie(sizes=[], labels=[], colors=[], radius=120, inner_radius=72, display_labels="none",
                          stroke="white", scales={"x": unit, "y": unit},
                          tooltip=bq.Tooltip(fields=["label"], show_labels=False))
        pie_figure = bq.Figure(marks=[self.pie], fig_margin={"top": 0, "bottom": 0, "left": 0, "right": 0},
                               animation_duration=250, display_toolbar=False,
                               layout=w.Layout(flex="1 1 280px", height="300px"))
        self.legend = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.legend.add_class("oa-service-legend")
        charts = w.HBox([bar_figure, pie_figure], layout=w.Layout(flex_flow="row wrap", align_items="center",
                                                                  width="100%"))
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

    def _on_bar_hover(self, _mark, content: dict) -> None:
        """Fill the tooltip for the hovered bar; indices come from the browser, so check them."""
        data = content.get("data") or {}
        day, sub = data.get("index"), data.get("subIndex")
        if not (isinstance(day, int) and isinstance(sub, int)
                and 0 <= day < len(self._days) and 0 <= sub < len(self._bar_types)):
            return
        service_type = self._bar_types[sub]
        cost = float(self.bars.y[sub][day])
        self.bar_tooltip.value = TOOLTIP_BOX.format(
            f'<b style="color:{service_color(service_type)}">{html.escape(service_label(service_type))}</b><br>'
            f"{html.escape(day_title(self._days[day]))}<br>{html.escape(money(cost))}"
        )

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

    def _make_button(self, service_type: str) -> w.Button:
        button = w.Button(description=service_label(service_type),
                          layout=w.Layout(width="auto", margin="2px 6px 2px 0", border_top="1px solid #ddd",
                                          border_right="1px solid #ddd", border_bottom="1px solid #ddd"))
        button.add_class("oa-legend-item")
        button.on_click(lambda _: self._toggle(service_type))
        return button

    def _render(self, _change=None) -> None:
        hidden = set(self.state.hidden_service_types)
        for service_type, button in self.legend_buttons.items():
            shown = service_type not in hidden
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
        matrix = (daily.assign(cost=daily["cost"].astype(float))
                  .pivot_table(index="service_type", columns="date", values="cost", aggfunc="sum", fill_value=0.0)
                  .reindex(index=visible, columns=days, fill_value=0.0))
        self._days, self._bar_types = days, visible
        labels = [day_label(d) for d in days]
        with self.bars.hold_sync():
            self.bars.x = labels if visible else []
            self.bars.y = matrix.to_numpy(dtype=float) if visible and days else np.zeros((0, 0))
            self.bars.colors = [service_color(t) for t in visible]
            self.bars.labels = [service_label(t) for t in visible]

    def _render_pie(self, visible: list[str]) -> None:
        totals = self.totals
        cost = dict(zip(totals["service_type"].astype(str), totals["cost"].astype(float)))
        whole = sum(max(c, 0.0) for c in cost.values())
        with self.pie.hold_sync():
            self.pie.sizes = [max(cost.get(t, 0.0), 0.0) for t in visible]
            self.pie.colors = [service_color(t) for t in visible]
            self.pie.labels = [f"{service_label(t)}: {money(cost.get(t, 0.0))} "
                               f"({share_text(cost.get(t, 0.0), whole)} of the month)" for t in visible]
