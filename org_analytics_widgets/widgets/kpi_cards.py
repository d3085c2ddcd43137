"""The KPI cards: value for people, exact value on hover, change against the previous month; the
requests card says how many failed, and a card whose KPI the warehouse's source explains (what a
conversation is) carries that note on hover. Under the value, when given, the KPI's last 13 months
as a sparkline (inline SVG in the card's own HTML: no widget more), each month's value in words on
hover, the month still running drawn hollow on a dashed line."""

from __future__ import annotations

import html
from typing import Callable, NamedTuple

import ipywidgets as widgets
from traitlets import Bool, Dict, List, Unicode

from ..formatting import change, compact, exact, money, money_compact, month_label, percent, points_change
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
    history = List(
        Dict(),
        help="each card's KPI per month, oldest first (rows of the report's kpi_history: month, partial, "
        "the KPIs); empty: no sparklines",
    )
    sparklines = Bool(False, help="the cards' sparklines are coming: their room is kept while history is empty")

    def __init__(self, cards: tuple[Card, ...] = CARDS, **kwargs):
        self.spec = cards
        self.cards = {card.key: widgets.HTML() for card in cards}
        for key, card in self.cards.items():
            card.add_class("oa-kpi")
            card.add_class(f"oa-kpi-{key.replace('_', '-')}")
        super().__init__(list(self.cards.values()), layout=widgets.Layout(flex_flow="row wrap"), **kwargs)
        self.add_class("oa-kpis")
        self.observe(self._render, names=["values", "notes", "previous", "previous_label", "forecast", "history"])
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
                f"{html.escape(body)}</div>{aside_html}{delta_html}{self._forecast_html(key)}"
                f"{sparkline(self.history, key, label, self.sparklines)}</div>"
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


# -- the sparkline ---------------------------------------------------------------------------------
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 112, 26, 3
SPARK_COLOR = "#1f4e79"


def _counted(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


#: a month's value in words, per card
IN_WORDS: dict[str, Callable[[dict], str]] = {
    "total_requests": lambda r: (
        _counted(r["total_requests"], "request", "requests")
        + (f" ({r['failed_requests']:,} failed)" if r.get("failed_requests") else "")
    ),
    "total_tokens": lambda r: _counted(r["total_tokens"], "token", "tokens"),
    "unique_models": lambda r: _counted(r["unique_models"], "model", "models"),
    "active_projects": lambda r: _counted(r["active_projects"], "active project", "active projects"),
    "total_conversations": lambda r: _counted(r["total_conversations"], "conversation", "conversations"),
    "total_cost": lambda r: f"{money(r['total_cost'])} spent",
    "error_rate": lambda r: (
        "no requests"
        if r["error_rate"] is None
        else f"{percent(r['error_rate'])} of requests failed ({r['failed_requests']:,} of {r['total_requests']:,})"
    ),
}


def month_words(row: dict, key: str) -> str:
    """``'March 2026: 1,234 requests'``; the month still running says so: ``'November 2026, month to
    date: ...'``."""
    when = month_label(row["month"]) + (", month to date" if row["partial"] else "")
    return f"{when}: {IN_WORDS[key](row)}"


def sparkline(history: list[dict], key: str, label: str, room: bool = False) -> str:
    """The card's KPI over ``history`` as an inline SVG line: a month per step, its value in words on
    hover (a band of the line's height per month, for the pointer), the last month a dot, hollow on a
    dashed segment when it is still running. Without history, nothing, or with ``room`` an empty box
    of the same size (the line is coming: the card keeps its height)."""
    box = f'style="height:{SPARK_HEIGHT}px;margin-top:4px"'
    if not history or key not in IN_WORDS:
        return f'<div class="oa-spark oa-spark-empty" {box}></div>' if room else ""
    values = [row.get(key) for row in history]
    known = [v for v in values if v is not None]
    low, high = min(known, default=0), max(known, default=0)
    low = min(low, 0)  # from 0: a month's bar-like height reads as its size
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(history) - 1, 1)

    def x(i: int) -> float:
        return SPARK_PAD + i * step

    def y(v: float) -> float:
        span = high - low
        share = (v - low) / span if span else 0.5
        return SPARK_HEIGHT - SPARK_PAD - share * (SPARK_HEIGHT - 2 * SPARK_PAD)

    points = [(i, x(i), y(v)) for i, v in enumerate(values) if v is not None]
    running = history[-1]["partial"] and values[-1] is not None
    closed = points[:-1] if running else points
    lines = []
    runs: list[list[tuple]] = [[]]  # a month without a value (no requests: no error rate) breaks the line
    for i, px, py in closed:
        if runs[-1] and runs[-1][-1][0] != i - 1:
            runs.append([])
        runs[-1].append((i, px, py))
    for run in runs:
        if len(run) > 1:
            coords = " ".join(f"{px:.1f},{py:.1f}" for _, px, py in run)
            lines.append(f'<polyline points="{coords}" fill="none" stroke="{SPARK_COLOR}" stroke-width="1.5"/>')
    if running and len(points) > 1 and points[-2][0] == len(values) - 2:
        (_, x0, y0), (_, x1, y1) = points[-2], points[-1]
        lines.append(
            f'<line class="oa-spark-partial-line" x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
            f'stroke="{SPARK_COLOR}" stroke-width="1.5" stroke-dasharray="2 2"/>'
        )
    if points:
        _, px, py = points[-1]
        fill = "#fff" if running else SPARK_COLOR
        lines.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{fill}" stroke="{SPARK_COLOR}" stroke-width="1.5"/>'
        )
    bands = []
    for i, row in enumerate(history):
        value = "" if values[i] is None else str(values[i])
        partial = ' data-partial="true"' if row["partial"] else ""
        bands.append(
            f'<rect class="oa-spark-month" data-month="{row["month"]}" data-value="{value}"{partial} '
            f'x="{x(i) - step / 2:.1f}" y="0" width="{step:.1f}" height="{SPARK_HEIGHT}" fill="transparent">'
            f"<title>{html.escape(month_words(row, key))}</title></rect>"
        )
    first, last = history[0], history[-1]
    summary = (
        f"{label}, {month_label(first['month'])} to {month_label(last['month'])}: "
        f"{IN_WORDS[key](first)} then {IN_WORDS[key](last)}" + (" (month to date)" if last["partial"] else "")
    )
    return (
        f'<div class="oa-spark" data-key="{key}" {box}>'
        f'<svg width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" '
        f'role="img" aria-label="{html.escape(summary)}">{"".join(lines)}{"".join(bands)}</svg></div>'
    )
