"""Why spend changed: the change against the comparison period in a sentence, a waterfall (the
comparison's total, each part, this period's total) and the projects that moved it most, in words."""

from __future__ import annotations

import html

import bqplot as bq
import ipywidgets as widgets
from traitlets import Dict, Unicode

from ..formatting import exact, money
from ._chart import figure, known, nice_ticks
from .batch import renders

PARTS = ("volume", "quantity_per_request", "mix", "unit_price")  # spend_change.PARTS, in the waterfall's order
LABELS = {
    "volume": "Requests",
    "quantity_per_request": "Tokens per request",
    "mix": "Mix of models and service types",
    "unit_price": "Unit prices",
}
SHORT = {"volume": "Requests", "quantity_per_request": "Tokens / request", "mix": "Mix", "unit_price": "Unit prices"}
TOTAL, UP, DOWN = "#5b7fa6", "#d9534f", "#2e9d5b"
STYLE = """<style>
.oa-spend-change .oa-spend-headline { font-size: 14px; margin: 0 0 6px 0; }
.oa-spend-change .oa-spend-parts { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; margin: 0 0 4px 0; }
.oa-spend-change .oa-spend-part b { font-variant-numeric: tabular-nums; }
.oa-spend-change .oa-spend-drivers { margin: 4px 0 0 0; padding-left: 20px; font-size: 13px; }
.oa-spend-change .oa-spend-drivers li { margin: 2px 0; }
</style>"""


def signed(amount: float) -> str:
    """``+$412.00``, ``-$30.00``."""
    return ("+" if amount > 0 else "") + money(amount)


class SpendChange(widgets.VBox):
    """The spend change (``spend_change.decompose``): a sentence, the four parts in words, a waterfall
    and the top drivers (each a sentence: ``'Support Bot: +$4.00, of which +$2.50 from more requests'``).

    >>> box = SpendChange(previous_label="Sep", label="Oct")
    >>> box.split = {"previous_total": 5.1, "total": 13.3, "change": 8.2,
    ...     "parts": {"volume": 2.4, "quantity_per_request": 2.3, "mix": 2.0, "unit_price": 1.5},
    ...     "drivers": [{"text": "Support Bot: +$4.00, of which +$2.50 from more requests"}]}
    >>> "+$8.20" in box.headline.value and "Support Bot: +$4.00" in box.drivers.value
    True
    """

    split = Dict(help="previous_total, total, change, parts {part: amount}, drivers [{text, ...}]")
    previous_label = Unicode("", help="what the month is compared with, in words ('Oct', 'Oct 1–25')")
    label = Unicode("", help="the month shown, in words")

    def __init__(self, **kwargs):
        self.headline = widgets.HTML()
        self.parts = widgets.HTML()
        self.drivers = widgets.HTML()
        self.x, self.y = bq.OrdinalScale(), bq.LinearScale()
        self.bars = [  # one Bars mark per step (a mark's base is one number), made once: redrawn, not replaced
            bq.Bars(
                x=[],
                y=[],
                base=0.0,
                scales={"x": self.x, "y": self.y},
                padding=0.3,
                tooltip=bq.Tooltip(fields=["y"], formats=["$,.2f"], labels=[""]),
            )  # fmt: skip
            for _ in range(len(PARTS) + 2)
        ]
        self.y_axis = bq.Axis(scale=self.y, orientation="vertical", tick_format="$,.2f", grid_lines="dashed")
        self.figure = figure(
            [],
            {"width": "100%", "height": "240px"},
            [bq.Axis(scale=self.x, grid_lines="none"), self.y_axis],
            {"top": 10, "bottom": 30, "left": 70, "right": 10},
        )
        super().__init__([widgets.HTML(STYLE), self.headline, self.parts, self.figure, self.drivers], **kwargs)
        self.add_class("oa-spend-change")
        self.observe(self._render, names=["split", "previous_label", "label"])
        self._render()

    @property
    def is_empty(self) -> bool:
        return not self.split

    def steps(self) -> list[tuple[str, float, float, str]]:
        """The waterfall's bars: (label, from, to, colour): the comparison's total, each part, the total."""
        s = self.split
        before, after = float(s["previous_total"]), float(s["total"])
        steps = [(self.previous_label or "Before", 0.0, before, TOTAL)]
        level = before
        for part in PARTS:
            amount = float(known(s["parts"].get(part)) or 0.0)
            steps.append((SHORT[part], level, level + amount, UP if amount > 0 else DOWN))
            level += amount
        steps.append((self.label or "Now", 0.0, after, TOTAL))
        return steps

    @renders
    def _render(self, _change=None) -> None:
        if self.is_empty:
            self.headline.value = self.parts.value = self.drivers.value = ""
            self.figure.marks = []
            return
        s = self.split
        change, before = float(s["change"]), float(s["previous_total"])
        verb = "rose" if change > 0 else "fell" if change < 0 else "did not change"
        pct = f" ({change / abs(before) * 100:+.1f} %)" if before and change else ""
        amount = f" <b>{html.escape(signed(change))}</b>{html.escape(pct)}" if change else ""
        against = html.escape(self.previous_label or "the comparison period")
        self.headline.value = (
            f'<div class="oa-spend-headline" data-change="{html.escape(exact(change))}">Spend {verb}{amount}'
            f" against {against}: {html.escape(money(before))} → {html.escape(money(float(s['total'])))}.</div>"
        )
        self.parts.value = (
            '<div class="oa-spend-parts">'
            + "".join(
                f'<span class="oa-spend-part" data-part="{part}" title="{html.escape(exact(float(s["parts"][part])))}">'
                f"{html.escape(LABELS[part])} <b>{html.escape(signed(float(s['parts'][part])))}</b></span>"
                for part in PARTS
            )
            + "</div>"
        )
        items = "".join(f"<li>{html.escape(str(d['text']))}</li>" for d in s.get("drivers", []))
        self.drivers.value = f'<ol class="oa-spend-drivers">{items}</ol>' if items else ""
        steps = self.steps()
        self.x.domain = [label for label, *_ in steps]
        for mark, (label, start, end, color) in zip(self.bars, steps):
            with mark.hold_sync():
                mark.x, mark.y, mark.base, mark.colors = [label], [end], start, [color]
            mark.tooltip.labels = [label]
        ticks = nice_ticks(
            min(0.0, *(min(a, b) for _, a, b, _ in steps)), max(0.0, *(max(a, b) for _, a, b, _ in steps))
        )
        self.y.min, self.y.max = float(ticks[0]), float(ticks[-1])
        self.y_axis.tick_values = ticks
        self.figure.marks = self.bars
