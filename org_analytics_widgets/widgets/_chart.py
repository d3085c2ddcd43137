"""Chart pieces shared by the widgets: the DataFrame trait, day labels, figures, doughnuts, stacked bars.

Every chart here draws days on an ordinal axis (labels such as ``'Mar 1'``, so no browser time zone
can shift a day), uses one figure style (no toolbar, no animation), and checks the indices a
hover event brings from the browser before using them.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Callable, Sequence

import bqplot as bq
import ipywidgets as widgets
import numpy as np
import pandas as pd
from traitlets import Bool, Float, Instance, TraitError

from ..colors import project_color
from ..formatting import money, money_compact
from ..shaping import day_matrix
from ._html import legend_html, share_text, tooltip_html
from .batch import renders

MONEY_TICKS = "$,.2~f"
_NO_MARGIN = {"top": 0, "bottom": 0, "left": 0, "right": 0}


def known(value: object) -> object:
    """``None`` for a missing value (None, NaN, NaT, NA): pandas turns ``None`` into ``NaN`` in string columns.

    >>> known(float("nan")) is None, known("p1")
    (True, 'p1')
    """
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):  # an array-like cell is a value, not a missing one
        return value


def check_columns(owner: object, name: str, frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` when it has every one of ``columns``; else a TraitError naming the missing ones."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise TraitError(
            f"{type(owner).__name__}.{name} has no column {', '.join(map(repr, missing))} (needs {', '.join(columns)})"
        )
    return frame


class Frame(Instance):
    """A DataFrame trait that must hold ``columns`` (more are allowed); by default empty with those columns.

    >>> from traitlets import HasTraits
    >>> class Chart(HasTraits):
    ...     daily = Frame(columns=("date", "cost"), help="one row per day")
    >>> list(Chart().daily.columns)
    ['date', 'cost']
    >>> Chart(daily=pd.DataFrame({"date": []}))
    Traceback (most recent call last):
    ...
    traitlets.traitlets.TraitError: Chart.daily has no column 'cost' (needs date, cost)
    """

    def __init__(self, columns: Sequence[str] = (), **kwargs):
        self.columns = tuple(columns)
        super().__init__(pd.DataFrame, kw={"columns": list(self.columns)}, **kwargs)

    def validate(self, obj, value):
        return check_columns(obj, self.name, super().validate(obj, value), self.columns)


def day_label(day: date) -> str:
    """``date(2026, 3, 1) -> 'Mar 1'``: ordinal x values, so no browser time zone can shift a day."""
    return f"{day:%b} {day.day}"


def day_title(day: date) -> str:
    """``date(2026, 3, 1) -> 'Sun Mar 1'``: the weekday explains weekend dips in a tooltip."""
    return f"{day:%a %b} {day.day}"


def hovered(index: object, size: int) -> bool:
    """Whether a hover event's ``index`` (from the browser: any value) points into ``size`` items."""
    return isinstance(index, int) and 0 <= index < size


def figure(marks: list, layout: dict, axes: Sequence[bq.Axis] = (), margin: dict = _NO_MARGIN) -> bq.Figure:
    """A figure in the dashboard's style: no toolbar, no animation (bqplot's tweens cost the page ~0.6 s
    of drawing per month switch, for a dozen charts at once), ``layout`` as ipywidgets Layout keywords."""
    return bq.Figure(
        marks=marks,
        axes=list(axes),
        fig_margin=margin,
        animation_duration=0,
        display_toolbar=False,
        layout=widgets.Layout(**layout),
    )


def day_scales(**y) -> dict:
    """Scales of a chart over days: ordinal x (day labels), linear y (``y`` are its keywords, e.g. ``min=0``)."""
    return {"x": bq.OrdinalScale(), "y": bq.LinearScale(**y)}


def day_figure(
    mark: bq.Mark, tick_format: str, layout: dict, x_ticks: int = 8, y_ticks: int | None = None, margin_left: int = 70
) -> bq.Figure:
    """A figure of ``mark`` (built on :func:`day_scales`): days below, ``tick_format`` values on a dashed grid."""
    axes = [
        bq.Axis(scale=mark.scales["x"], grid_lines="none", num_ticks=x_ticks),
        bq.Axis(scale=mark.scales["y"], side="left", tick_format=tick_format, grid_lines="dashed", num_ticks=y_ticks),
    ]
    return figure([mark], layout, axes, {"top": 10, "bottom": 30, "left": margin_left, "right": 10})


def unit_scales() -> dict:
    """x and y on one ``[0, 1]`` scale: a doughnut's, and the labels placed at its centre."""
    unit = bq.LinearScale(min=0, max=1)
    return {"x": unit, "y": unit}


def doughnut(radius: int, inner_radius: int, scales: dict) -> bq.Pie:
    """An empty doughnut whose tooltip is the slice's label; fill it with :func:`show_slices`."""
    return bq.Pie(
        sizes=[],
        labels=[],
        colors=[],
        radius=radius,
        inner_radius=inner_radius,
        display_labels="none",
        stroke="white",
        scales=scales,
        tooltip=bq.Tooltip(fields=["label"], show_labels=False),
    )


def show_slices(pie: bq.Pie, costs: Sequence[float], colors: Sequence[str], labels: Sequence[str]) -> None:
    """Draw one slice per cost; a negative cost is an empty slice (its label still tells its value)."""
    with pie.hold_sync():
        pie.sizes = [max(cost, 0.0) for cost in costs]
        pie.colors = list(colors)
        pie.labels = list(labels)


def project_series(frame: pd.DataFrame, projects: pd.DataFrame, days: list) -> tuple[list, list, list, np.ndarray]:
    """A chart's series of per-project daily ``cost`` rows (date, project_id, cost), one per project
    in ``projects``' order (then any it does not list): ids, names (id when unnamed), colours, and
    the (project, day) cost matrix."""
    present = list(dict.fromkeys(str(p) for p in frame["project_id"]))
    info = {str(r["project_id"]): r for r in projects.to_dict("records")}
    order = [p for p in info if p in present] + [p for p in present if p not in info]
    names = [str(known(info[p]["name"]) or p) if p in info else p for p in order]
    colors = [project_color(p, known(info[p]["color"]) if p in info else None) for p in order]
    matrix = day_matrix(frame.assign(project_id=frame["project_id"].astype(str)), "project_id", "cost", order, days)
    return order, names, colors, matrix


def show_series(
    mark: bq.Mark, days: Sequence[date], names: Sequence[str], colors: Sequence[str], matrix: np.ndarray
) -> None:
    """Draw ``matrix`` (one row per name, one column per day) on bars or lines; no names draws nothing."""
    with mark.hold_sync():
        mark.x = [day_label(d) for d in days] if names else []
        mark.y = matrix if names and days else np.zeros((0, 0))
        mark.colors = list(colors)
        mark.labels = list(names)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values from a multiple of a 1-2-2.5-5 step at or below ``min(low, 0)`` to one at or
    above ``high``: a zero baseline, about ``count`` intervals, never ``67.8327``.

    >>> nice_ticks(0, 18.6), nice_ticks(-0.18, 0.9), nice_ticks(0, 0)
    ([0.0, 5.0, 10.0, 15.0, 20.0], [-0.25, 0.0, 0.25, 0.5, 0.75, 1.0], [0.0, 1.0])
    """
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    if high - low <= 0:
        return [0.0, 1.0]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(k * step, 12) + 0.0 for k in range(first, last + 1)]


def round_value_axis(figure: bq.Figure, mark: bq.Mark, low: float, high: float, tick_format: str) -> None:
    """The figure's value axis on round ticks (:func:`nice_ticks`) from a zero baseline; money ticks
    with as many decimals as the step has ($0.001 is not "$0")."""
    ticks = nice_ticks(low, high)
    with mark.scales["y"].hold_sync():
        mark.scales["y"].min, mark.scales["y"].max = ticks[0], ticks[-1]
    axis = figure.axes[1]
    axis.tick_values = np.array(ticks)
    if tick_format == MONEY_TICKS:
        step = ticks[1] - ticks[0]
        axis.tick_format = f"$,.{next(d for d in range(13) if abs(round(step, d) - step) < 1e-12)}f"


def to_month_end(days: list, matrix: np.ndarray) -> tuple[list, np.ndarray]:
    """Consecutive days of one month, extended with empty days to the month's last day.

    >>> days, m = to_month_end([date(2026, 2, 27)], np.array([[1.0]]))
    >>> [d.day for d in days], m.tolist()
    ([27, 28], [[1.0, 0.0]])
    """
    if not days or (days[-1] - days[0]).days != len(days) - 1 or days[0].month != days[-1].month:
        return days, matrix
    following = days[-1] + timedelta(days=1)
    extra = []
    while following.month == days[-1].month:
        extra.append(following)
        following += timedelta(days=1)
    return days + extra, np.hstack([matrix, np.zeros((matrix.shape[0], len(extra)))])


class StackedBars:
    """Bars over days stacking one series per name; a caller hides a series by leaving it out of :meth:`show`.

    The hover tooltip names the series (in its colour), the day and ``value_text(value)``.

    >>> chart = StackedBars(layout={"width": "100%", "height": "220px"})
    >>> chart.show([date(2026, 3, 1)], ["Support"], ["#1F77B4"], np.array([[2.5]]))
    >>> chart.bars.x[:2], len(chart.bars.x), chart.bars.labels
    (array(['Mar 1', 'Mar 2'], dtype='<U6'), 31, ['Support'])
    """

    def __init__(
        self,
        value_text: Callable[[float], str] = money,
        tick_format: str = MONEY_TICKS,
        layout: dict | None = None,
        **axis_options,
    ):
        self._value_text = value_text
        self._tick_format = tick_format
        self._days: list[date] = []
        self._names: list[str] = []
        self._colors: list[str] = []
        self.tooltip = widgets.HTML()
        self.bars = bq.Bars(
            x=[],
            y=[],
            scales=day_scales(),
            type="stacked",
            color_mode="element",
            padding=0.2,
            stroke="white",
            stroke_width=0.5,
            tooltip=self.tooltip,
        )
        self.bars.on_hover(self._on_hover)
        self.figure = day_figure(self.bars, tick_format, layout or {}, **axis_options)

    def show(self, days: Sequence[date], names: Sequence[str], colors: Sequence[str], matrix: np.ndarray) -> None:
        """Draw ``matrix`` (one row per name, one column per day) on round ticks from a zero baseline;
        no names draws nothing. The days run to the end of their month: on the first days of the
        current month a bar is a day wide, not the whole chart."""
        days, matrix = to_month_end(list(days), np.asarray(matrix, dtype=float).reshape(len(names), len(days)))
        self._days, self._names, self._colors = days, list(names), list(colors)
        stacked = matrix if names and days else np.zeros((1, 1))
        low, high = np.clip(stacked, None, 0).sum(axis=0).min(), np.clip(stacked, 0, None).sum(axis=0).max()
        round_value_axis(self.figure, self.bars, low, high, self._tick_format)
        show_series(self.bars, days, names, colors, matrix)

    def _on_hover(self, _mark, content: dict) -> None:
        data = content.get("data") or {}
        day, sub = data.get("index"), data.get("subIndex")
        if not (hovered(day, len(self._days)) and hovered(sub, len(self._names))):
            return
        self.tooltip.value = tooltip_html(
            [self._names[sub]],
            day_title(self._days[day]),
            self._value_text(float(self.bars.y[sub][day])),
            color=self._colors[sub],
        )


# -- a doughnut of costs with its total in the centre and a legend (projects, models) ----------
def _centre_label(text: str, scales: dict, size: int, color: str, y_offset: int, **style) -> bq.Label:
    """A text at the doughnut's centre, ``y_offset`` pixels below it."""
    return bq.Label(
        x=[0.5],
        y=[0.5],
        text=[text],
        scales=scales,
        align="middle",
        default_size=size,
        colors=[color],
        y_offset=y_offset,
        enable_hover=False,
        **style,
    )


class CostDoughnut(widgets.VBox):
    """Doughnut of ``slices`` (the costliest, then ``Others``) with ``total`` in the centre over
    ``CAPTION``, and a legend giving each slice's cost and share of the month; Others names what it
    holds on hover. A subclass says which column keys a slice (null for Others) and its colours,
    and may link a slice to its view (``href``, ``open_slice``): then the Others slice and legend row
    open the list of what it holds, each linked."""

    KEY = "project_id"
    CAPTION = "Total cost"
    CSS = "oa-project"
    total = Float(0.0, help="the month's total cost, shown in the centre")
    others = Frame(columns=("name", "cost"), help='what "Others" holds, costliest first (named on hover)')
    others_open = Bool(False, help='the list of what "Others" holds is shown (a click on its slice)')

    def __init__(self, **kwargs):
        scales = unit_scales()
        self.pie = doughnut(110, 70, scales)
        self.centre = _centre_label("", scales, 20, "#222222", 2, font_weight="bold")
        self.centre_caption = _centre_label(self.CAPTION, scales, 12, "#666666", 20)
        self.figure = figure(
            [self.pie, self.centre, self.centre_caption], {"width": "260px", "height": "260px", "flex": "none"}
        )
        self.legend = widgets.HTML(
            layout=widgets.Layout(flex="1 1 200px", min_width="180px", max_width="360px", margin="0 0 0 12px")
        )
        self.legend.add_class(f"{self.CSS}-legend")
        body = widgets.HBox(
            [self.figure, self.legend], layout=widgets.Layout(flex_flow="row wrap", align_items="center")
        )
        super().__init__([body], **kwargs)
        self.add_class(f"{self.CSS}-doughnut")
        self.pie.on_element_click(self._on_click)
        self.observe(self._render, names=["slices", "total", "others", "others_open"])
        self._render()

    def colors(self) -> list[str]:
        raise NotImplementedError

    def is_others(self, row: dict) -> bool:
        return known(row[self.KEY]) is None

    def href(self, key) -> str | None:
        """The in-app link of a slice's key (None: slices are not linked)."""
        return None

    def open_slice(self, key) -> None:
        """A click on a slice that is not Others (linked slices open their view)."""

    def _on_click(self, _mark, content: dict) -> None:
        """A slice clicked: its view, or for Others the list of what it holds (the index is checked:
        it comes from the browser)."""
        data = content.get("data") if isinstance(content, dict) else None
        index = data.get("index") if isinstance(data, dict) else None
        rows = self.slices.to_dict("records")
        if not hovered(index, len(rows)):
            return
        if self.is_others(rows[index]):
            self.others_open = not self.others_open
        else:
            self.open_slice(known(rows[index][self.KEY]))

    @renders
    def _render(self, _change=None) -> None:
        rows = self.slices.to_dict("records")
        colors = self.colors()
        costs = [float(r["cost"]) for r in rows]
        names = [str(r["name"]) for r in rows]
        details = [f"{money(c)} · {share_text(c, self.total)}" for c in costs]
        titles = [f"{n}: {d}" for n, d in zip(names, details)]
        held = others_text(self.others)
        titles = [f"{t} — {held}" if self.is_others(r) and held else t for t, r in zip(titles, rows)]
        show_slices(self.pie, costs, colors, titles)
        self.centre.text = [money_compact(self.total)]
        links = [None if self.is_others(r) else self.href(known(r[self.KEY])) for r in rows]
        held = []
        if any(links):  # linked slices: Others lists what it holds, each linked too
            held = [
                (str(o["name"]), money(float(o["cost"])), self.href(known(o.get(self.KEY))))
                for o in self.others.to_dict("records")
            ]
        self.legend.value = legend_html(
            list(zip(colors, names, details, titles)),
            links=links,
            held=[held if self.is_others(r) else [] for r in rows],
            held_open=self.others_open,
        )


def others_text(others, shown: int = 8) -> str:
    """What "Others" holds, in words: ``'Batch $1.20, Search $0.80 and 3 more'``."""
    rows = [f"{r['name']} {money(float(r['cost']))}" for r in others.head(shown).to_dict("records")]
    more = len(others) - len(rows)
    return ", ".join(rows) + (f" and {more:,} more" if more > 0 else "")
