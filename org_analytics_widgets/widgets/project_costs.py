"""The month's cost by project: a doughnut in the projects' colours, the total in its centre."""
from __future__ import annotations

import html

import bqplot as bq
import ipywidgets as w
import numpy as np
import pandas as pd
from traitlets import Float, Instance

from ..colors import project_color
from ..formatting import money, money_compact
from ..shaping import day_matrix
from .batch import renders
from .cost_overview import share_text


def legend_html(items: list[tuple[str, str, str]]) -> str:
    """A list of ``(colour, name, detail)`` with a swatch each; escapes the texts, as names can hold markup."""
    rows = "".join(
        '<div class="oa-legend-row" style="display:flex;align-items:center;gap:6px;min-width:0">'
        '<span class="oa-swatch" style="flex:none;width:12px;height:12px;border-radius:2px;'
        f'background:{html.escape(color)}"></span>'
        '<span class="oa-legend-name" style="overflow:hidden;text-overflow:ellipsis;white-space:nowrap" '
        f'title="{html.escape(name)}">{html.escape(name)}</span>'
        '<span class="oa-legend-detail" style="color:#666;margin-left:auto;padding-left:8px">'
        f"{html.escape(detail)}</span>"
        "</div>"
        for color, name, detail in items
    )
    return f'<div class="oa-legend" style="display:flex;flex-direction:column;gap:4px;font-size:13px">{rows}</div>'


def known(value: object) -> object:
    """``None`` for a missing value: pandas turns ``None`` into ``NaN`` in string columns."""
    return None if pd.isna(value) else value


def project_series(frame: pd.DataFrame, projects: pd.DataFrame, days: list) -> tuple[list, list, list, np.ndarray]:
    """A chart's series of per-project daily ``cost`` rows (date, project_id, cost): the project
    ids in ``projects``' order (then any it does not list), their names (id when unnamed), colours,
    and the (project, day) cost matrix."""
    present = list(dict.fromkeys(str(p) for p in frame["project_id"]))
    info = {str(r["project_id"]): r for r in projects.to_dict("records")}
    order = [p for p in info if p in present] + [p for p in present if p not in info]
    names = [str(known(info[p]["name"]) or p) if p in info else p for p in order]
    colors = [project_color(p, known(info[p]["color"]) if p in info else None) for p in order]
    matrix = day_matrix(frame.assign(project_id=frame["project_id"].astype(str)), "project_id", "cost", order, days)
    return order, names, colors, matrix


class ProjectCostDoughnut(w.VBox):
    """Doughnut of ``slices`` (top projects plus ``Others``) with ``total`` in the centre and a legend.

    >>> doughnut = ProjectCostDoughnut()
    >>> doughnut.total = 12.5; str(doughnut.centre.text[0])
    '$12.50'
    """

    slices = Instance(pd.DataFrame, kw={"columns": ["project_id", "name", "color", "cost"]},
                      help="project_id (None for Others), name, color, cost: ordered, at most 7 rows")
    total = Float(0.0, help="the month's total cost, shown in the centre")

    def __init__(self, **kwargs):
        unit = bq.LinearScale(min=0, max=1)
        scales = {"x": unit, "y": unit}
        self.pie = bq.Pie(sizes=[], labels=[], colors=[], radius=110, inner_radius=70, display_labels="none",
                          stroke="white", scales=scales, tooltip=bq.Tooltip(fields=["label"], show_labels=False))
        self.centre = bq.Label(x=[0.5], y=[0.5], text=[""], scales=scales, align="middle", default_size=20,
                               font_weight="bold", colors=["#222222"], y_offset=2, enable_hover=False)
        self.centre_caption = bq.Label(x=[0.5], y=[0.5], text=["Total cost"], scales=scales, align="middle",
                                       default_size=12, colors=["#666666"], y_offset=20, enable_hover=False)
        self.figure = bq.Figure(marks=[self.pie, self.centre, self.centre_caption],
                                fig_margin={"top": 0, "bottom": 0, "left": 0, "right": 0}, animation_duration=250,
                                display_toolbar=False,
                                layout=w.Layout(width="260px", height="260px", flex="none"))
        self.legend = w.HTML(layout=w.Layout(flex="1 1 200px", min_width="180px", max_width="360px",
                                             margin="0 0 0 12px"))
        self.legend.add_class("oa-project-legend")
        body = w.HBox([self.figure, self.legend], layout=w.Layout(flex_flow="row wrap", align_items="center"))
        super().__init__([body], **kwargs)
        self.add_class("oa-project-doughnut")
        self.observe(self._render, names=["slices", "total"])
        self._render()

    @renders
    def _render(self, _change=None) -> None:
        rows = self.slices.to_dict("records")
        colors = [project_color(known(r["project_id"]), known(r["color"])) for r in rows]
        costs = [float(r["cost"]) for r in rows]
        names = [str(r["name"]) for r in rows]
        details = [f"{money(c)} · {share_text(c, self.total)}" for c in costs]
        with self.pie.hold_sync():
            self.pie.sizes = [max(c, 0.0) for c in costs]
            self.pie.colors = colors
            self.pie.labels = [f"{n}: {d}" for n, d in zip(names, details)]
        self.centre.text = [money_compact(self.total)]
        self.legend.value = legend_html(list(zip(colors, names, details)))
