"""The KPI cards: value for people, exact value on hover, change against the previous month; the
requests card says how many failed, and a card whose KPI the warehouse's source explains (what a
conversation is) carries that note on hover."""

from __future__ import annotations

import html
from typing import Callable, NamedTuple

import ipywidgets as widgets
from traitlets import Bool, Dict, Unicode

from ..formatting import change, compact, exact, money, money_compact, percent, points_change
from .batch import renders


class Card(NamedTuple):
    """One card: its key in ``values``, its label, how to show it (big and on hover), the key of
    a count shown under the value when not 0 (``aside``: key, words after the number), how its
    change is told (``delta``: default :func:`change`, relative) and whether a rise is good or bad
    news (``rise``): the change is coloured by that (``oa-good`` green, ``oa-bad`` red), not by its
    direction (``oa-up``, ``oa-down``)."""

    key: str
    label: str
    show: Callable[[dict], str]
    hover: Callable[[dict], str]
    aside: tuple[str, str] | None = None
    delta: Callable[[float, float | None], tuple[str, str]] = change
    rise: str = "good"


def number_card(key: str, label: str) -> Card:
    return Card(key, label, lambda v: compact(v[key]), lambda v: exact(v[key]))


def money_card(key: str, label: str) -> Card:
    return Card(key, label, lambda v: money_compact(v[key]), lambda v: money(v[key]))


CARDS = (
    number_card("total_requests", "Total Requests")._replace(aside=("failed_requests", "failed")),
    number_card("total_tokens", "Total Tokens"),
    number_card("unique_models", "Unique Models"),
    Card(
        "active_projects",
        "Active Projects",
        lambda v: f"{v['active_projects']:,} / {v['total_projects']:,}",
        lambda v: f"{v['active_projects']:,} active of {v['total_projects']:,} projects",
    ),
    number_card("total_conversations", "Total Conversations"),
    money_card("total_cost", "Total Cost")._replace(rise="bad"),
    Card(
        "error_rate",
        "Error Rate",
        lambda v: percent(v["error_rate"]),
        lambda v: f"{v['failed_requests']:,} of {v['total_requests']:,} requests failed",
        delta=points_change,
        rise="bad",
    ),
)


def tone(direction: str, rise: str) -> str:
    """``good``, ``bad`` or ``""`` (no change, or new): what a change in ``direction`` means for a
    KPI whose rise is ``rise`` news."""
    if direction == "up":
        return rise
    if direction == "down":
        return {"good": "bad", "bad": "good"}[rise]
    return ""


class KpiCards(widgets.HBox):
    """Cards from ``values`` (by default the snapshot's six KPIs) and, when given, ``previous``
    (the same numbers for the comparison period)."""

    values = Dict()
    notes = Dict(help="what a KPI means for the warehouse's source, by key: shown on its card's hover")
    previous = Dict(allow_none=True, default_value=None)
    previous_label = Unicode("", help="what ``previous`` covers, e.g. 'Oct 2026' or 'Oct 1–25'")
    stale = Bool(False, help="the values belong to another month than the one selected")
    forecast = Dict(help="the Total Cost card's month-end forecast (forecast, low, high); empty: none")

    def __init__(self, cards: tuple[Card, ...] = CARDS, **kwargs):
        self.spec = cards
        self.cards = {card.key: widgets.HTML() for card in cards}
        for key, card in self.cards.items():
            card.add_class("oa-kpi")
            card.add_class(f"oa-kpi-{key.replace('_', '-')}")
        super().__init__(list(self.cards.values()), layout=widgets.Layout(flex_flow="row wrap"), **kwargs)
        self.add_class("oa-kpis")
        self.observe(self._render, names=["values", "notes", "previous", "previous_label", "forecast"])
        self.observe(self._on_stale, names=["stale"])  # a class on the row: one message, not a card each
        self._render()

    def _on_stale(self, _change=None) -> None:
        (self.add_class if self.stale else self.remove_class)("oa-stale")

    @renders
    def _render(self, _change=None) -> None:
        values, previous = self.values, self.previous
        versus = f"vs {self.previous_label}" if self.previous_label else "vs previous month"
        for key, label, show, hover_of, aside, delta_of, rise in self.spec:
            if values.get(key) is None:
                body, hover, delta = "–", "", ("", "flat")
            else:
                body, hover = show(values), hover_of(values)
                delta = delta_of(values[key], previous.get(key) if previous else None)
            aside_html = ""
            if aside is not None and values.get(aside[0]):
                count, words = values[aside[0]], aside[1]
                hover = f"{hover} ({exact(count)} {words})"
                aside_html = (
                    f'<div class="oa-kpi-aside" data-key="{aside[0]}" data-exact="{count}" '
                    f'style="font-size:12px;color:#b3261e">{html.escape(f"{count:,} {words}")}</div>'
                )
            note, info = self.notes.get(key), ""
            if note:
                hover = f"{hover}\n\n{note}" if hover else note
                # "hover me": a CSS circle with an i (fonts lack U+24D8)
                info = '<span class="oa-kpi-info" aria-hidden="true">i</span>'
            exact_value = "" if values.get(key) is None else str(values[key])
            text, direction = delta
            mood = tone(direction, rise)
            classes = f"oa-kpi-delta oa-{direction}" + (f" oa-{mood}" if mood else "")
            delta_html = (
                f'<div class="{classes}" title="change against the previous month">'
                f'{html.escape(text)} <span class="oa-kpi-vs">{html.escape(versus)}</span></div>'
                if text
                else '<div class="oa-kpi-delta">&nbsp;</div>'
            )
            self.cards[key].value = (
                f'<div class="oa-kpi-card" title="{html.escape(hover)}">'
                f'<div class="oa-kpi-label">{html.escape(label)}{info}</div>'
                f'<div class="oa-kpi-value" data-key="{key}" data-exact="{html.escape(exact_value)}">'
                f"{html.escape(body)}</div>{aside_html}{delta_html}{self._forecast_html(key)}</div>"
            )

    def _forecast_html(self, key: str) -> str:
        """Under the total cost: the month-end forecast and its 80 % range (the current month)."""
        forecast = self.forecast
        if key != "total_cost" or forecast.get("forecast") is None:
            return ""
        spread = (
            f" ({money_compact(forecast['low'])}–{money_compact(forecast['high'])})"
            if forecast.get("low") is not None and forecast.get("high") is not None
            else ""
        )
        hover = f"Month-end forecast {money(forecast['forecast'])}" + (
            f", 80 % range {money(forecast['low'])} to {money(forecast['high'])}" if spread else ""
        )
        words = f"Forecast {money_compact(forecast['forecast'])}{spread}"
        return (
            f'<div class="oa-kpi-forecast" data-forecast="{forecast["forecast"]}" title="{html.escape(hover)}" '
            f'style="font-size:12px;color:#1f4e79">{html.escape(words)}</div>'
        )
