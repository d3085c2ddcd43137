"""The month's cost by model: a doughnut of the costliest models and ``Others``, with a legend."""

from __future__ import annotations

import bqplot as bq
import ipywidgets as widgets
from traitlets import Float

from ..colors import OTHERS_COLOR, PALETTE
from ..formatting import money, money_compact
from ._chart import Frame, doughnut, figure, known, show_slices, unit_scales
from ._html import legend_html, share_text
from .batch import renders

OTHERS = "Others"


def model_colors(slices) -> list[str]:
    """One palette colour per slice by rank, grey for ``Others`` (model null, named Others)."""
    return [
        OTHERS_COLOR if known(r["model"]) is None and r["name"] == OTHERS else PALETTE[i % len(PALETTE)]
        for i, r in enumerate(slices.to_dict("records"))
    ]


class ModelCostDoughnut(widgets.VBox):
    """Doughnut of ``slices`` (the top models, then ``Others``) with ``total`` in the centre and a
    legend giving each model's cost and share of the month; Others names its models on hover.

    >>> import pandas as pd
    >>> chart = ModelCostDoughnut()
    >>> chart.slices = pd.DataFrame({"model": ["gpt-4o"], "name": ["gpt-4o"], "cost": [3.0]})
    >>> chart.total = 4.0; "gpt-4o" in chart.legend.value and "75.0 %" in chart.legend.value
    True
    """

    slices = Frame(columns=("model", "name", "cost"), help="model (None for Others), name, cost: ordered")
    total = Float(0.0, help="the month's total cost, shown in the centre")
    others = Frame(columns=("name", "cost"), help='the models in "Others", costliest first (named on hover)')

    def __init__(self, **kwargs):
        scales = unit_scales()
        self.pie = doughnut(110, 70, scales)
        self.centre = bq.Label(
            x=[0.5], y=[0.5], text=[""], scales=scales, align="middle", default_size=20, colors=["#222222"],
            y_offset=2, enable_hover=False, font_weight="bold",
        )  # fmt: skip
        self.caption = bq.Label(
            x=[0.5], y=[0.5], text=["All models"], scales=scales, align="middle", default_size=12,
            colors=["#666666"], y_offset=20, enable_hover=False,
        )  # fmt: skip
        self.figure = figure(
            [self.pie, self.centre, self.caption], {"width": "260px", "height": "260px", "flex": "none"}
        )
        self.legend = widgets.HTML(
            layout=widgets.Layout(flex="1 1 200px", min_width="180px", max_width="360px", margin="0 0 0 12px")
        )
        self.legend.add_class("oa-model-legend")
        body = widgets.HBox(
            [self.figure, self.legend], layout=widgets.Layout(flex_flow="row wrap", align_items="center")
        )
        super().__init__([body], **kwargs)
        self.add_class("oa-model-doughnut")
        self.observe(self._render, names=["slices", "total", "others"])
        self._render()

    @renders
    def _render(self, _change=None) -> None:
        rows = self.slices.to_dict("records")
        colors = model_colors(self.slices)
        costs = [float(r["cost"]) for r in rows]
        names = [str(r["name"]) for r in rows]
        details = [f"{money(c)} · {share_text(c, self.total)}" for c in costs]
        titles = [f"{n}: {d}" for n, d in zip(names, details)]
        held = ", ".join(f"{r['name']} {money(float(r['cost']))}" for r in self.others.head(8).to_dict("records"))
        if len(self.others) > 8:
            held += f" and {len(self.others) - 8:,} more"
        titles = [
            f"{t} — {held}" if known(r["model"]) is None and r["name"] == OTHERS and held else t
            for t, r in zip(titles, rows)
        ]
        show_slices(self.pie, costs, colors, titles)
        self.centre.text = [money_compact(self.total)]
        self.legend.value = legend_html(list(zip(colors, names, details, titles)))
