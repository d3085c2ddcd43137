"""One card per service type: its icon, name and cost, and a view of its month chosen on the card.

The view (Costs, Requests, Usage) is chosen on each card (``ServiceCard.view``); inside the
dashboard the cards follow ``state.card_views``, so the address bar carries them. Usage never adds
quantities of different units: each unit gets its own small stacked chart.
"""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Protocol, runtime_checkable

import bqplot as bq
import ipywidgets as widgets
import numpy as np
import pandas as pd
from traitlets import Instance, List, TraitError, Unicode, link, validate

from ..colors import PALETTE, rule_label, service_color, service_label
from ..formatting import compact, exact, money
from ..shaping import day_matrix
from ._chart import (
    MONEY_TICKS,
    Frame,
    StackedBars,
    check_columns,
    day_figure,
    day_label,
    day_scales,
    known,
    project_series,
)
from ._html import legend_html
from .batch import batch, renders

VIEWS = (("Costs", "costs"), ("Requests", "requests"), ("Usage", "usage"))
VIEW_VALUES = tuple(value for _, value in VIEWS)
# Font Awesome 4.7 names (the icon font ipywidgets and Voilà ship); unknown types get GENERIC_ICON.
ICONS = {
    "text_generation": "comment",
    "speech_to_text": "microphone",
    "text_to_speech": "volume-up",
    "embedding": "th",
    "agent": "user-circle",
}
GENERIC_ICON = "cube"
CARDS_STYLE = """<style>
.oa-service-cards .oa-service-grid { gap: 12px; }
.oa-service-card { flex: 1 1 440px; min-width: 320px; max-width: 100%; border: 1px solid #e3e3e3;
                   border-radius: 8px; padding: 8px 10px; background: #fff; box-sizing: border-box; }
.oa-card-head { display: flex; align-items: center; gap: 10px; }
.oa-card-icon { flex: none; width: 32px; height: 32px; border-radius: 50%; color: #fff; display: flex;
                align-items: center; justify-content: center; font-size: 15px; }
.oa-card-title { font-weight: 600; font-size: 14px; }
.oa-card-cost { font-size: 20px; font-weight: 600; }
.oa-card-caption { color: #666; font-size: 12px; margin: 4px 0 0 4px; }
</style>"""


def css_token(value: object) -> str:
    """A service type as a CSS class suffix: lower case, only ``[a-z0-9_-]`` (``'Image gen!'`` -> ``'image-gen'``)."""
    token = re.sub(r"[^a-z0-9_-]+", "-", str(value).lower()).strip("-")
    return token or "unknown"


def service_icon(service_type: str) -> str:
    """The Font Awesome icon name of a service type; a generic one for unknown types."""
    return ICONS.get(service_type, GENERIC_ICON)


def unit_label(unit: object) -> str:
    return str(known(unit) if known(unit) is not None else "no unit")


def quantity_text(value: float) -> str:
    """``1.5 -> '1.5'``, ``1234567 -> '1.2M'``: exact for small quantities, compact for large ones."""
    return compact(value) if abs(value) >= 1000 else exact(round(float(value), 3))


def usage_label(rule: object, unit: object) -> str:
    """A usage series in words: the pricing rule and its unit, ``'Input tokens (token)'``."""
    return f"{rule_label(known(rule)) if known(rule) is not None else '–'} ({unit_label(unit)})"


@runtime_checkable
class CardData(Protocol):
    """What a card draws: any object with these attributes (``snapshot.ServiceTypeCard`` is one);
    its three frames hold at least the columns of :data:`CARD_COLUMNS`."""

    service_type: str
    cost: float
    daily_cost_by_project: pd.DataFrame
    daily_requests: pd.DataFrame
    daily_usage: pd.DataFrame


CARD_COLUMNS = {
    "daily_cost_by_project": ("date", "project_id", "cost"),
    "daily_requests": ("date", "requests"),
    "daily_usage": ("date", "pricing_rule", "unit", "quantity"),
}


def card_chart(kind: str, value_text, tick_format: str, height: str = "220px") -> StackedBars:
    """A card's stacked bars over days, with the CSS classes ``oa-card-chart`` and ``oa-card-chart-<kind>``."""
    chart = StackedBars(
        value_text, tick_format, {"width": "100%", "height": height}, x_ticks=6, y_ticks=5, margin_left=60
    )
    chart.figure.add_class("oa-card-chart")
    chart.figure.add_class(f"oa-card-chart-{kind}")
    return chart


class ServiceCard(widgets.VBox):
    """One service type's card; the dropdown picks the view, validated as it may come from a browser.

    >>> from types import SimpleNamespace
    >>> card = ServiceCard(SimpleNamespace(service_type="agent", cost=2.0,
    ...     daily_cost_by_project=pd.DataFrame(columns=["date", "project_id", "cost"]),
    ...     daily_requests=pd.DataFrame(columns=["date", "requests"]),
    ...     daily_usage=pd.DataFrame(columns=["date", "pricing_rule", "unit", "quantity"])))
    >>> card.view_dropdown.value = "usage"; card.view
    'usage'
    """

    card = Instance(CardData, help="the service type's cost and daily series (see CardData)")
    projects = Frame(columns=("project_id", "name", "color"), help="names, colours and the order of the cost stacks")
    view = Unicode("costs", help="the view shown: costs, requests or usage")

    def __init__(self, card: CardData, projects: pd.DataFrame | None = None, **kwargs):
        self.header = widgets.HTML()
        self.view_dropdown = widgets.Dropdown(options=list(VIEWS), value="costs", layout=widgets.Layout(width="120px"))
        self.view_dropdown.add_class("oa-card-view")
        self.chart_box = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.chart_box.add_class("oa-card-charts")
        self.legend = widgets.HTML()
        self.legend.add_class("oa-card-legend")
        self.cost_chart: StackedBars | None = None
        self.requests_figure: bq.Figure | None = None
        self.requests_line: bq.Lines | None = None
        self.usage_charts: dict[str, StackedBars] = {}
        self._usage_boxes: dict[str, widgets.VBox] = {}
        head = widgets.HBox(
            [self.header, self.view_dropdown],
            layout=widgets.Layout(justify_content="space-between", align_items="center", width="100%"),
        )
        super().__init__([head, self.chart_box, self.legend], **kwargs)
        self.add_class("oa-service-card")
        with self.hold_trait_notifications():
            self.card = card
            if projects is not None:
                self.projects = projects
        self._dom_token = css_token(card.service_type)
        self.add_class(f"oa-service-card-{self._dom_token}")
        link((self.view_dropdown, "value"), (self, "view"))
        self.observe(self._render, names=["card", "projects", "view"])
        self._render()

    @validate("card")
    def _valid_card(self, proposal):
        card = proposal["value"]
        for name, columns in CARD_COLUMNS.items():
            check_columns(self, f"card.{name}", getattr(card, name), columns)
        return card

    @validate("view")
    def _valid_view(self, proposal):
        value = proposal["value"]
        if value not in VIEW_VALUES:
            raise TraitError(f"card view must be one of {', '.join(VIEW_VALUES)}; got {value!r}")
        return value

    # -- what is shown ------------------------------------------------------------------
    @property
    def service_type(self) -> str:
        return self.card.service_type

    def days(self) -> list[date]:
        card = self.card
        return sorted(
            set(card.daily_cost_by_project["date"]) | set(card.daily_requests["date"]) | set(card.daily_usage["date"])
        )

    def usage_units(self) -> list[str]:
        """The units of the card's usage, each drawn in its own chart (code-point order)."""
        return sorted({unit_label(u) for u in self.card.daily_usage["unit"]})

    def visible_figures(self) -> list[bq.Figure]:
        """The bqplot figures of the current view, as they are mounted in the card."""
        found = []
        for child in self.chart_box.children:
            found.extend(
                [child]
                if isinstance(child, bq.Figure)
                else [c for c in getattr(child, "children", ()) if isinstance(c, bq.Figure)]
            )
        return found

    # -- rendering ----------------------------------------------------------------------
    @renders
    def _render(self, _change=None) -> None:
        card = self.card
        color = service_color(card.service_type)
        label = service_label(card.service_type)
        self.header.value = (
            '<div class="oa-card-head">'
            f'<span class="oa-card-icon" style="background:{html.escape(color)}">'
            f'<i class="fa fa-{html.escape(service_icon(card.service_type))}" aria-hidden="true"></i></span>'
            f'<div><div class="oa-card-title" title="{html.escape(str(card.service_type))}">{html.escape(label)}</div>'
            f'<div class="oa-card-cost" title="{html.escape(exact(float(card.cost)))}">'
            f"{html.escape(money(float(card.cost)))}</div></div></div>"
        )
        {"costs": self._show_costs, "requests": self._show_requests, "usage": self._show_usage}[self.view]()

    def _show_costs(self) -> None:
        frame = self.card.daily_cost_by_project
        days = self.days()
        _, names, colors, matrix = project_series(frame, self.projects, days)
        if self.cost_chart is None:
            self.cost_chart = card_chart("costs", money, MONEY_TICKS)
        self.cost_chart.show(days, names, colors, matrix)
        self.chart_box.children = [self.cost_chart.figure]
        totals = matrix.sum(axis=1)
        self.legend.value = legend_html([(c, n, money(float(t))) for c, n, t in zip(colors, names, totals)])

    def _show_requests(self) -> None:
        frame = self.card.daily_requests
        days = self.days()
        by_day = dict(zip(frame["date"], frame["requests"].astype(int)))
        counts = [int(by_day.get(d, 0)) for d in days]
        if self.requests_figure is None:
            self.requests_line = bq.Lines(
                x=[],
                y=[],
                scales=day_scales(min=0),
                fill="bottom",
                fill_opacities=[0.25],
                stroke_width=2,
                marker="circle",
                marker_size=10,
                tooltip=bq.Tooltip(fields=["x", "y"], labels=["Day", "Requests"], formats=["", ",d"]),
            )
            self.requests_figure = day_figure(
                self.requests_line, ",d", {"width": "100%", "height": "220px"}, x_ticks=6, margin_left=60
            )
            self.requests_figure.add_class("oa-card-chart")
            self.requests_figure.add_class("oa-card-chart-requests")
        color = service_color(self.card.service_type)
        self.requests_figure.axes[1].num_ticks = max(1, min(max(counts, default=0), 6))  # whole numbers only
        with self.requests_line.hold_sync():
            self.requests_line.x = [day_label(d) for d in days]
            self.requests_line.y = np.array(counts, dtype=float)
            self.requests_line.colors = [color]
            self.requests_line.fill_colors = [color]
        self.chart_box.children = [self.requests_figure]
        total = sum(counts)
        self.legend.value = (
            f'<div class="oa-card-caption">{total:,} request{"" if total == 1 else "s"} '
            "(distinct requests with an item of this type, per day)</div>"
        )

    def _show_usage(self) -> None:
        frame = self.card.daily_usage
        days = self.days()
        frame = frame.assign(
            unit=[unit_label(u) for u in frame["unit"]],
            rule=[usage_label(r, u) for r, u in zip(frame["pricing_rule"], frame["unit"])],
        )
        rules = sorted(set(frame["rule"]))
        palette = {rule: PALETTE[i % len(PALETTE)] for i, rule in enumerate(rules)}
        boxes, legend = [], []
        for unit in self.usage_units():
            of_unit = frame[frame["unit"] == unit]
            names = sorted(set(of_unit["rule"]))
            if unit not in self.usage_charts:
                chart = card_chart("usage", lambda v, unit=unit: f"{exact(round(v, 10))} {unit}", ",~g", "170px")
                chart.figure.add_class(f"oa-usage-unit-{css_token(unit)}")
                caption = widgets.HTML(f'<div class="oa-card-caption">Quantity in <b>{html.escape(unit)}</b></div>')
                self.usage_charts[unit] = chart
                self._usage_boxes[unit] = widgets.VBox([caption, chart.figure], layout=widgets.Layout(width="100%"))
            matrix = day_matrix(of_unit, "rule", "quantity", names, days)
            chart = self.usage_charts[unit]
            chart.figure.axes[1].tick_format = ",.3~s" if matrix.size and np.abs(matrix).max() >= 1000 else ",~g"
            chart.show(days, names, [palette[n] for n in names], matrix)
            boxes.append(self._usage_boxes[unit])
            totals = matrix.sum(axis=1)
            legend += [(palette[n], n, f"{quantity_text(float(t))} {unit}") for n, t in zip(names, totals)]
        self.chart_box.children = boxes
        self.legend.value = legend_html(legend)


class ServiceTypeCards(widgets.VBox):
    """A card per entry of ``cards`` (``snapshot.service_types``), in that order; hidden when empty.

    >>> cards = ServiceTypeCards()
    >>> cards.show(snapshot.service_types, snapshot.projects)                        # doctest: +SKIP
    >>> list(cards.card_widgets)                                                     # doctest: +SKIP
    ['agent', 'text_generation', ...]
    """

    cards = List(Instance(CardData), help="one card's data (CardData) per service type, in display order")
    projects = Frame(columns=("project_id", "name", "color"), help="names and colours of the cost stacks")

    def __init__(self, state=None, **kwargs):
        self.state = state  # a DashboardState whose card_views the cards follow, or None
        self.card_widgets: dict[str, ServiceCard] = {}
        self.grid = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap", width="100%", align_items="stretch"))
        self.grid.add_class("oa-service-grid")
        super().__init__([widgets.HTML(CARDS_STYLE), self.grid], **kwargs)
        self.add_class("oa-service-cards")
        self.observe(self._render, names=["cards", "projects"])
        if state is not None:
            state.observe(self._follow_state, names=["card_views"])
        self._render()

    def _follow_state(self, _change=None) -> None:
        for service_type, widget in self.card_widgets.items():
            widget.view = self.state.card_views.get(service_type, "costs")

    def _to_state(self, change) -> None:
        service_type = change["owner"].service_type
        self.state.card_views = {**self.state.card_views, service_type: change["new"]}

    def show(self, cards: list, projects: pd.DataFrame) -> None:
        """Set both traits and render once."""
        with batch(self):
            self.projects = projects
            self.cards = cards

    @renders
    def _render(self, _change=None) -> None:
        """Keep the widget (and so its view) of a type still present; close the others."""
        wanted = {}
        for card in self.cards:
            wanted.setdefault(card.service_type, card)
        old = self.card_widgets
        kept: dict[str, ServiceCard] = {}
        for service_type, card in wanted.items():
            widget = old.pop(service_type, None)
            if widget is None:
                widget = ServiceCard(card, self.projects)
                if self.state is not None:
                    widget.view = self.state.card_views.get(service_type, "costs")
                    widget.observe(self._to_state, names=["view"])
            else:
                with batch(widget):
                    widget.card = card
                    widget.projects = self.projects
            kept[service_type] = widget
        for widget in old.values():
            widget.close()
        self.card_widgets = kept
        self.grid.children = list(kept.values())
        self.layout.display = None if kept else "none"
