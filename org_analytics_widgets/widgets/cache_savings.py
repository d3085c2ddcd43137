"""What the prompt cache saved: the cached share of input and the saving against the uncached
price, for the organisation, then per project and per model."""

from __future__ import annotations

import html

import ipywidgets as widgets
from traitlets import Dict

from ..colors import project_color
from ..formatting import compact, exact, money, percent
from ._chart import Frame, known
from .batch import renders

COLUMNS = ("cached_tokens", "input_tokens", "cached_share", "cached_cost", "uncached_cost", "saving")
STYLE = """<style>
.oa-cache-savings .oa-cache-headline { font-size: 14px; margin: 0 0 8px 0; }
.oa-cache-savings .oa-cache-headline b { font-size: 18px; }
.oa-cache-savings .oa-cache-tables { display: flex; flex-wrap: wrap; gap: 16px; }
.oa-cache-savings .oa-cache-tables > div { flex: 1 1 320px; min-width: 0; overflow: auto; }
.oa-cache-savings table { border-collapse: collapse; width: 100%; font-size: 13px; }
.oa-cache-savings th { text-align: left; color: #666; font-weight: 600; font-size: 12px; padding: 4px 8px;
                       border-bottom: 1px solid #e3e3e3; white-space: nowrap; }
.oa-cache-savings td { padding: 4px 8px; border-bottom: 1px solid #f0f0f0; }
.oa-cache-savings .oa-num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.oa-cache-savings .oa-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
</style>"""


def _cell(value, show, css: str) -> str:
    value = known(value)
    text, hover = ("–", "") if value is None else (show(float(value)), exact(float(value)))
    title = f' title="{html.escape(hover)}"' if hover else ""
    return f'<td class="oa-num {css}" data-exact="{html.escape(hover)}"{title}>{html.escape(text)}</td>'


def _table(rows: list[dict], first: str, label_of) -> str:
    body = "".join(
        f'<tr class="oa-cache-row" data-key="{html.escape(str(known(r.get(first)) or ""))}">'
        f"<td>{label_of(r)}</td>"
        + _cell(r["cached_share"], percent, "oa-cache-share")
        + _cell(r["cached_tokens"], compact, "oa-cache-tokens")
        + _cell(r["saving"], money, "oa-cache-saving")
        + "</tr>"
        for r in rows
    )
    head = "Project" if first == "project_id" else "Model"
    return (
        f'<table><thead><tr><th>{head}</th><th class="oa-num">Cached share of input</th>'
        '<th class="oa-num">Cached tokens</th><th class="oa-num">Saved</th></tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _project_label(r: dict) -> str:
    project_id = known(r.get("project_id"))
    color = project_color(project_id, known(r.get("color")))
    name = str(known(r.get("name")) or project_id or "–")
    return f'<span class="oa-swatch" style="background:{html.escape(color)}"></span>{html.escape(name)}'


class CacheSavings(widgets.VBox):
    """The organisation's cached share and saving in a sentence, then a table per project and per
    model; hidden when nothing in the month was read from a cache.

    >>> import pandas as pd
    >>> box = CacheSavings()
    >>> box.organization = {"cached_tokens": 1600.0, "input_tokens": 2400.0, "cached_share": 0.4,
    ...     "cached_cost": 0.8, "uncached_cost": 2.9, "saving": 2.1, "unpriced_cached_tokens": 0.0}
    >>> "40.0 %" in box.headline.value and "$2.10" in box.headline.value
    True
    """

    organization = Dict(help="the month's cache sums, share and saving (cache_savings.savings)")
    projects = Frame(columns=("project_id", "name", "color", *COLUMNS), help="ordered by saving")
    models = Frame(columns=("model", "name", *COLUMNS), help="ordered by saving")

    def __init__(self, **kwargs):
        self.headline = widgets.HTML()
        self.tables = widgets.HTML(layout=widgets.Layout(width="100%"))
        super().__init__([widgets.HTML(STYLE), self.headline, self.tables], **kwargs)
        self.add_class("oa-cache-savings")
        self.observe(self._render, names=["organization", "projects", "models"])
        self._render()

    @property
    def is_empty(self) -> bool:
        return not (known(self.organization.get("cached_tokens")) or 0)

    @renders
    def _render(self, _change=None) -> None:
        org = self.organization
        if self.is_empty:
            self.headline.value = self.tables.value = ""
            return
        share, saving = known(org.get("cached_share")), known(org.get("saving"))
        said = [
            f"<b>{html.escape(percent(share))}</b> of input tokens were read from a cache"
            if share is not None
            else "Input tokens were read from a cache",
            f"saving <b>{html.escape(money(saving))}</b> against the uncached price"
            f" ({html.escape(money(org.get('cached_cost') or 0.0))} instead of"
            f" {html.escape(money(org.get('uncached_cost') or 0.0))})"
            if saving is not None
            else "with no uncached price to compare with",
        ]
        unpriced = known(org.get("unpriced_cached_tokens")) or 0
        note = (
            f" {html.escape(compact(unpriced))} cached tokens are of models with no uncached price this month."
            if unpriced
            else ""
        )
        self.headline.value = (
            f'<div class="oa-cache-headline" data-saving="{html.escape(exact(float(saving)) if saving is not None else "")}">'
            f"{', '.join(said)}.{note}</div>"
        )
        projects = _table(self.projects.to_dict("records"), "project_id", _project_label)
        models = _table(self.models.to_dict("records"), "model", lambda r: html.escape(str(r["name"])))
        self.tables.value = f'<div class="oa-cache-tables"><div>{projects}</div><div>{models}</div></div>'
