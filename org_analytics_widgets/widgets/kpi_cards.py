"""The KPI cards: value for people, exact value on hover, change against the previous month."""
from __future__ import annotations

import html

import ipywidgets as w
from traitlets import Bool, Dict, Unicode

from ..formatting import change, compact, exact, money, money_compact

# (key, label, how to show the value)
CARDS = (
    ("total_requests", "Total Requests", compact),
    ("total_tokens", "Total Tokens", compact),
    ("unique_models", "Unique Models", compact),
    ("active_projects", "Active Projects", None),
    ("total_conversations", "Total Conversations", compact),
    ("total_cost", "Total Cost", money_compact),
)


class KpiCards(w.HBox):
    """Six cards from ``values`` (the snapshot's KPIs) and ``previous`` (the previous month's)."""

    values = Dict()
    previous = Dict(allow_none=True, default_value=None)
    previous_label = Unicode("", help="what ``previous`` covers, e.g. 'Oct 2026' or 'Oct 1–25'")
    stale = Bool(False, help="the values belong to another month than the one selected")

    def __init__(self, **kwargs):
        self.cards = {key: w.HTML() for key, _, _ in CARDS}
        for key, card in self.cards.items():
            card.add_class("oa-kpi")
            card.add_class(f"oa-kpi-{key.replace('_', '-')}")
        super().__init__(list(self.cards.values()), layout=w.Layout(flex_flow="row wrap"), **kwargs)
        self.add_class("oa-kpis")
        self.observe(self._render, names=["values", "previous", "previous_label", "stale"])
        self._render()

    def _render(self, _change=None) -> None:
        values, previous = self.values, self.previous
        versus = f"vs {self.previous_label}" if self.previous_label else "vs previous month"
        for key, label, show in CARDS:
            if key not in values:
                body, hover, delta = "–", "", ("", "flat")
            elif key == "active_projects":
                body = f"{values['active_projects']:,} / {values['total_projects']:,}"
                hover = f"{values['active_projects']:,} active of {values['total_projects']:,} projects"
                delta = change(values[key], previous.get(key) if previous else None)
            else:
                body = show(values[key])
                hover = money(values[key]) if key == "total_cost" else exact(values[key])
                delta = change(values[key], previous.get(key) if previous else None)
            text, direction = delta
            delta_html = (
                f'<div class="oa-kpi-delta oa-{direction}" title="change against the previous month">'
                f'{html.escape(text)} <span class="oa-kpi-vs">{html.escape(versus)}</span></div>'
                if text else '<div class="oa-kpi-delta">&nbsp;</div>'
            )
            self.cards[key].value = (
                f'<div class="oa-kpi-card{" oa-stale" if self.stale else ""}" title="{html.escape(hover)}">'
                f'<div class="oa-kpi-label">{html.escape(label)}</div>'
                f'<div class="oa-kpi-value" data-key="{key}" data-exact="{html.escape(str(values.get(key, "")))}">'
                f"{html.escape(body)}</div>{delta_html}</div>"
            )
