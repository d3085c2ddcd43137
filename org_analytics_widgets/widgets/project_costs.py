"""The month's cost by project: a doughnut in the projects' colours, the total in its centre."""

from __future__ import annotations

import bqplot as bq
import ipywidgets as widgets
from traitlets import Float

from ..colors import project_color
from ..formatting import money, money_compact
from ._chart import Frame, doughnut, figure, known, show_slices, unit_scales
from ._html import legend_html, share_text
from .batch import renders


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
    holds on hover. A subclass says which column keys a slice (null for Others) and its colours."""

    KEY = "project_id"
    CAPTION = "Total cost"
    CSS = "oa-project"
    total = Float(0.0, help="the month's total cost, shown in the centre")
    others = Frame(columns=("name", "cost"), help='what "Others" holds, costliest first (named on hover)')

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
        self.observe(self._render, names=["slices", "total", "others"])
        self._render()

    def colors(self) -> list[str]:
        raise NotImplementedError

    def is_others(self, row: dict) -> bool:
        return known(row[self.KEY]) is None

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
        self.legend.value = legend_html(list(zip(colors, names, details, titles)))


class ProjectCostDoughnut(CostDoughnut):
    """Cost by project: top projects plus ``Others``, in the projects' colours.

    >>> doughnut = ProjectCostDoughnut()
    >>> doughnut.total = 12.5; str(doughnut.centre.text[0])
    '$12.50'
    """

    slices = Frame(
        columns=("project_id", "name", "color", "cost"),
        help="project_id (None for Others), name, color, cost: ordered, at most 7 rows",
    )

    def colors(self) -> list[str]:
        return [project_color(known(r["project_id"]), known(r["color"])) for r in self.slices.to_dict("records")]


def others_text(others, shown: int = 8) -> str:
    """What "Others" holds, in words: ``'Batch $1.20, Search $0.80 and 3 more'``."""
    rows = [f"{r['name']} {money(float(r['cost']))}" for r in others.head(shown).to_dict("records")]
    more = len(others) - len(rows)
    return ", ".join(rows) + (f" and {more:,} more" if more > 0 else "")
