"""How well the money works: the organisation's error rate and cost per request, per conversation
and per 1k tokens as cards, then the same for each project in a table."""

from __future__ import annotations

import html

import ipywidgets as widgets
from traitlets import Dict

from ..colors import project_color
from ..formatting import exact, money, percent
from ._chart import Frame, known
from .batch import renders

#: key, label, how to show it, what it divides (for the hover)
MEASURES = (
    ("error_rate", "Error rate", percent, "failed requests / requests"),
    ("cost_per_request", "Cost / request", money, "cost / requests"),
    ("cost_per_conversation", "Cost / conversation", money, "cost / conversations"),
    ("cost_per_1k_tokens", "Cost / 1k tokens", money, "cost / tokens × 1,000 (failed requests' tokens left out)"),
)
STYLE = """<style>
.oa-efficiency .oa-eff-cards { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 8px; }
.oa-efficiency .oa-eff-card { border: 1px solid #e3e3e3; border-radius: 6px; padding: 6px 12px; min-width: 130px; }
.oa-efficiency .oa-eff-label { color: #666; font-size: 12px; }
.oa-efficiency .oa-eff-value { font-size: 18px; font-weight: 600; }
.oa-efficiency table { border-collapse: collapse; width: 100%; font-size: 13px; }
.oa-efficiency th { text-align: left; color: #666; font-weight: 600; font-size: 12px; padding: 4px 8px;
                    border-bottom: 1px solid #e3e3e3; white-space: nowrap; }
.oa-efficiency td { padding: 4px 8px; border-bottom: 1px solid #f0f0f0; }
.oa-efficiency .oa-num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.oa-efficiency .oa-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
.oa-efficiency .oa-eff-table { max-height: 320px; overflow: auto; }
</style>"""


def _shown(value, show) -> tuple[str, str]:
    """(text, exact) of a ratio; ``–`` and no exact value where there is none."""
    value = known(value)
    return ("–", "") if value is None else (show(float(value)), exact(float(value)))


def _cell(key: str, value, show) -> str:
    text, precise = _shown(value, show)
    hover = f' title="{html.escape(precise)}"' if precise else ""
    return f'<td class="oa-num oa-{key.replace("_", "-")}" data-exact="{html.escape(precise)}"{hover}>{html.escape(text)}</td>'


class CostPerUse(widgets.VBox):
    """Cards of ``organization`` (its ratios) and a table of ``projects``, costliest first.

    >>> import pandas as pd
    >>> table = CostPerUse()
    >>> table.organization = {"requests": 4, "failed_requests": 1, "error_rate": 0.25, "cost_per_request": 0.5,
    ...                       "cost_per_conversation": None, "cost_per_1k_tokens": 2.0}
    >>> "25.0 %" in table.cards.value and "–" in table.cards.value
    True
    """

    organization = Dict(help="the organisation's requests, failed_requests and ratios (efficiency.organization)")
    projects = Frame(
        columns=("project_id", "name", "color", "cost", "requests", "failed_requests", *(m[0] for m in MEASURES)),
        help="one row per active project, ordered",
    )

    def __init__(self, **kwargs):
        self.cards = widgets.HTML()
        self.cards.add_class("oa-eff-cards-box")
        self.table = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.table.add_class("oa-eff-table-box")
        super().__init__([widgets.HTML(STYLE), self.cards, self.table], **kwargs)
        self.add_class("oa-efficiency")
        self.observe(self._render, names=["organization", "projects"])
        self._render()

    @renders
    def _render(self, _change=None) -> None:
        org = self.organization
        cards = []
        for key, label, show, rule in MEASURES:
            text, precise = _shown(org.get(key), show)
            hover = rule
            if key == "error_rate" and org:
                hover = f"{org.get('failed_requests', 0):,} of {org.get('requests', 0):,} requests failed"
            cards.append(
                f'<div class="oa-eff-card" title="{html.escape(hover)}">'
                f'<div class="oa-eff-label">{html.escape(label)}</div>'
                f'<div class="oa-eff-value" data-key="{key}" data-exact="{html.escape(precise)}">'
                f"{html.escape(text)}</div></div>"
            )
        self.cards.value = f'<div class="oa-eff-cards">{"".join(cards)}</div>' if org else ""
        rows = []
        for r in self.projects.to_dict("records"):
            project_id = known(r["project_id"])
            color = project_color(project_id, known(r["color"]))
            cost = float(known(r["cost"]) or 0.0)
            rows.append(
                f'<tr class="oa-eff-row" data-project-id="{html.escape(str(project_id or ""))}">'
                f'<td><span class="oa-swatch" style="background:{html.escape(color)}"></span>'
                f"{html.escape(str(known(r['name']) or project_id or '–'))}</td>"
                f'<td class="oa-num">{int(known(r["requests"]) or 0):,}</td>'
                + "".join(_cell(key, r.get(key), show) for key, _, show, _ in MEASURES)
                + f'<td class="oa-num" title="{html.escape(exact(cost))}">{html.escape(money(cost))}</td></tr>'
            )
        heads = "".join(f'<th class="oa-num">{html.escape(label)}</th>' for _, label, _, _ in MEASURES)
        self.table.value = (
            '<div class="oa-eff-table"><table><thead><tr><th>Project</th><th class="oa-num">Requests</th>'
            f'{heads}<th class="oa-num">Cost</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
            if rows
            else ""
        )
