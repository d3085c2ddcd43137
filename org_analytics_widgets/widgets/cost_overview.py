"""Daily cost by service type (stacked bars) beside the month's split (doughnut), one shared legend."""

from __future__ import annotations

import html
from datetime import date

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from ..colors import HIDDEN_SWATCH, service_color, service_label
from ..filters import FILTER_KEYS
from ..formatting import money
from ..shaping import day_matrix
from ..state import DashboardState
from ._chart import (
    Frame,
    StackedBars,
    day_label,
    day_title,
    doughnut,
    figure,
    hovered,
    known,
    show_slices,
    unit_scales,
)
from ._html import share_text, tooltip_html, view_attrs
from .batch import renders


#: the unusual days' columns the chart reads (the engine's unusual.UnusualDays.days has them)
UNUSUAL_COLUMNS = ("date", "cost", "baseline", "departure", "direction", "weekend", "project_id", "name", "model")


class CostOverview(widgets.VBox):
    """Stacked daily bars and a doughnut of cost by service type; the legend hides a type in both.

    >>> overview = CostOverview(DashboardState(month="2026-03", latest_month="2026-03"))
    >>> overview.totals = pd.DataFrame({"service_type": ["agent"], "cost": [2.0]})
    >>> overview.legend_buttons["agent"].click(); overview.state.hidden_service_types
    ('agent',)
    """

    daily = Frame(columns=("date", "service_type", "cost"), help="one row per day per type")
    totals = Frame(columns=("service_type", "cost"), help="ordered by cost, largest first")
    unusual = Frame(columns=UNUSUAL_COLUMNS, help="the month's unusual days (Engine.unusual_days), by date")

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
        self.unusual_tooltip = widgets.HTML()
        self.unusual_marks = bq.Scatter(
            x=[], y=[], scales=self.bars.scales, marker="diamond", default_size=90, colors=["#C62828"],
            stroke="white", tooltip=self.unusual_tooltip,
        )  # fmt: skip
        self.unusual_marks.on_hover(self._on_unusual_hover)
        self.unusual_marks.on_element_click(lambda _mark, content: self._open_unusual(content))
        self.bar_chart.figure.marks = [self.bars, self.unusual_marks]
        self.bar_chart.figure.add_class("oa-unusual-chart")  # a click on a marker scrolls to the tables
        self.unusual_note = widgets.HTML()
        self.unusual_note.add_class("oa-unusual-note")
        super().__init__([self.legend, charts, self.unusual_note], **kwargs)
        self.add_class("oa-cost-overview-widget")
        self.observe(self._on_data, names=["daily", "totals", "unusual"])
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
        self._clear_stale_markers()
        self._render_bars(visible)
        self._render_pie(visible)
        self._render_unusual(visible)

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

    # -- unusual days (unusual.py; docs/data-contract.md, "Unusual days") ---------------------
    def _clear_stale_markers(self) -> None:
        """Markers on days that the bars are about to drop (another month) go first: the page draws
        each update as it comes, and a marker off the new days' axis was drawn at NaN (console errors)."""
        days = {day_label(d) for d in self.daily["date"]}
        if any(str(x) not in days for x in self.unusual_marks.x):
            with self.unusual_marks.hold_sync():
                self.unusual_marks.x, self.unusual_marks.y = np.array([]), np.array([])

    def _render_unusual(self, visible: list[str]) -> None:
        """A marker on top of each unusual day's bar, and the days in words under the chart."""
        rows = self.unusual.to_dict("records")
        height: dict = {}
        if rows:  # a bar's height: its visible service types' costs (a negative one draws nothing)
            shown = self.daily[self.daily["service_type"].isin(visible)]
            height = shown["cost"].clip(lower=0).groupby(shown["date"]).sum().to_dict()
        with self.unusual_marks.hold_sync():
            self.unusual_marks.x = np.array([day_label(r["date"]) for r in rows])
            self.unusual_marks.y = np.array([float(height.get(r["date"], 0.0)) for r in rows])
        items = [
            f'<span class="oa-unusual-day" data-date="{r["date"].isoformat()}"'
            f"{view_attrs(unusual_opens(r), unusual_text(r) + ' Click to list its items.')}"
            f' data-oa-scroll="oa-usage-tables">{html.escape(unusual_short(r))}</span>'
            for r in rows
        ]
        self.unusual_note.value = (
            '<div class="oa-unusual" style="font-size:12px;color:#444;margin:4px 0 0 8px">'
            '<span style="color:#C62828">&#9670;</span> Unusual days: ' + " · ".join(items) + "</div>"
            if items
            else ""
        )

    def _on_unusual_hover(self, _mark, content: dict) -> None:
        index = (content.get("data") or {}).get("index", content.get("index"))
        if hovered(index, len(self.unusual)):
            row = self.unusual.iloc[index].to_dict()
            self.unusual_tooltip.value = tooltip_html(
                [f"Unusual day: {day_title(row['date'])}"], *unusual_lines(row), color="#C62828"
            )

    def _open_unusual(self, content: dict) -> None:
        """A click on a marker: the items table, filtered to that day and its contributor."""
        index = (content.get("data") or {}).get("index", content.get("index"))
        if not hovered(index, len(self.unusual)):
            return
        query = unusual_opens(self.unusual.iloc[index].to_dict())
        kept = {k: v for k, v in self.state.items_filters.items() if k in ("sort", "descending")}
        chosen = {k.split(".", 1)[1]: v for k, v in query.items() if k.startswith("items.") and v}
        with self.state.hold_trait_notifications():
            self.state.items_filters = {**kept, **chosen}
            self.state.table = "items"


def _contributor(row: dict) -> str:
    name = known(row.get("name")) or known(row.get("project_id")) or "no project"
    model = known(row.get("model"))
    return f"{name}, model {model}" if model else f"{name}, no model"


def unusual_lines(row: dict) -> list[str]:
    """What the tooltip says under the day, in words."""
    kind = "weekend days" if row["weekend"] else "weekdays"
    way = "above" if row["direction"] == "above" else "below"
    return [
        f"{money(row['cost'])}: {money(abs(row['departure']))} {way} the usual {money(row['baseline'])}",
        f"(median of the {kind} of the 28 days before)",
        f"Most from {_contributor(row)}",
        "Click to list its items",
    ]


def unusual_text(row: dict) -> str:
    """The day in one sentence (a title): ``'Wed Nov 18: $62.00, $45.00 above the usual $17.00 ...'``."""
    return f"{day_title(row['date'])}: " + " ".join(unusual_lines(row)[:3]) + "."


def unusual_short(row: dict) -> str:
    sign = "+" if row["direction"] == "above" else "−"
    return f"{day_label(row['date'])} ({sign}{money(abs(row['departure']))}, most from {_contributor(row)})"


def unusual_opens(row: dict) -> dict:
    """The view a click on an unusual day shows: the items of that day and its contributor (project,
    and model when it has one), the table's other filters cleared."""
    day: date = row["date"]
    cleared = {f"items.{key}": "" for key in FILTER_KEYS["items"] if key not in ("sort", "descending", "page")}
    return {
        "table": "items",
        **cleared,
        "items.date_from": day.isoformat(),
        "items.date_to": day.isoformat(),
        "items.project_id": known(row.get("project_id")) or "",
        "items.model": known(row.get("model")) or "",
    }
