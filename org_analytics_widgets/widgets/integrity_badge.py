"""The integrity badge: what in the month's numbers cannot be trusted, in words, beside the KPIs.

Peers show unpriced usage as $0 and say nothing. The badge says how many items have no price, how
many name no request and how many requests have no item ("3 unpriced items · 3 items without a
request · 1 request without items"); each part is a control of the view: a click shows the usage
table filtered to those rows (its ``integrity`` filter). A clean month shows nothing.

The widget only renders: the page gives it the engine's counts (``Engine.integrity``) and the month
they are of; while the state shows another month (a switch under way) it shows nothing.

>>> from org_analytics_widgets.state import DashboardState
>>> badge = IntegrityBadge(DashboardState(month="2026-03"))
>>> badge.month, badge.counts = "2026-03", {"unpriced_items": 3, "orphan_items": 0, "requests_without_items": 1}
>>> badge.text
'3 unpriced items · 1 request without items'
"""

from __future__ import annotations

import html
from typing import NamedTuple

import ipywidgets as widgets
from traitlets import Dict, Unicode

from ..colors import rule_label
from ..filters import FILTER_KEYS
from ._html import view_attrs
from .batch import renders


class Part(NamedTuple):
    """One problem the badge can name: its count in ``counts``, the table and check that list it,
    its words (one, many) and what it means for the numbers."""

    key: str
    kind: str
    check: str
    one: str
    many: str
    meaning: str


PARTS = (
    Part(
        "unpriced_items",
        "items",
        "unpriced",
        "unpriced item",
        "unpriced items",
        "Items with a quantity but no price (a null or zero cost or unit price): the totals count them as $0.",
    ),
    Part(
        "orphan_items",
        "items",
        "orphan",
        "item without a request",
        "items without a request",
        "Items whose request id is empty or names no request of the month: their cost counts, no request does.",
    ),
    Part(
        "requests_without_items",
        "requests",
        "no_items",
        "request without items",
        "requests without items",
        "Requests with no item: they count as requests and cost nothing.",
    ),
)
STYLE = (
    "<style>.oa-integrity-badge { display: inline-block; margin: 8px 0 0 0; padding: 4px 10px;"
    " border-radius: 6px; background: #fff8e1; color: #6d4c00; font-size: 13px; line-height: 1.6; }"
    " .oa-integrity-part { text-decoration: underline; cursor: pointer; }"
    " .oa-integrity-error { color: #666; font-size: 12px; margin-top: 8px; }</style>"
)


def part_text(part: Part, count: int) -> str:
    """``'1 unpriced item'``, ``'3 items without a request'``.

    >>> part_text(PARTS[2], 2)
    '2 requests without items'
    """
    return f"{count:,} {part.one if count == 1 else part.many}"


def opens(part: Part) -> dict:
    """The view a click on ``part`` shows: its table, filtered to those rows and nothing else
    (the table's other filters cleared; its sort and order kept)."""
    cleared = {f"{part.kind}.{key}": "" for key in FILTER_KEYS[part.kind] if key not in ("sort", "descending", "page")}
    return {"table": part.kind, **cleared, f"{part.kind}.integrity": part.check}


def sources_text(unpriced_by_model: list) -> str:
    """Where the unpriced usage comes from, in words: ``'Most from: m1, input tokens (2 items).'``."""
    named = [
        f"{row.get('model') or 'no model'}, {rule_label(str(row.get('pricing_rule') or '')).lower() or 'no rule'}"
        f" ({row.get('items', 0):,} {'item' if row.get('items') == 1 else 'items'})"
        for row in unpriced_by_model
    ]
    return f"Most from: {'; '.join(named)}." if named else ""


class IntegrityBadge(widgets.HTML):
    """The month's integrity counts in words, one clickable part per problem; hidden when clean.

    ``counts``: what ``Engine.integrity`` returns; ``month``: the month they are of; ``error``: why
    they could not be had (shown small, in place of the badge).
    """

    counts = Dict(help="unpriced_items, orphan_items, requests_without_items, unpriced_by_model")
    month = Unicode("", help="the month the counts are of (YYYY-MM)")
    error = Unicode("", help="why the counts could not be had ('' when they were)")

    def __init__(self, state, **kwargs):
        self.state = state
        super().__init__(**kwargs)
        self.add_class("oa-integrity")
        self.observe(self._render, names=["counts", "month", "error"])
        state.observe(self._render, names=["month"])
        self._render()

    @property
    def shown(self) -> list[tuple[Part, int]]:
        """The parts with a count above 0, for the month the state shows."""
        if self.month != self.state.month or self.error:
            return []
        return [(part, int(self.counts.get(part.key) or 0)) for part in PARTS if self.counts.get(part.key)]

    @property
    def text(self) -> str:
        """What a person reads on the badge ('' when it is hidden)."""
        return " · ".join(part_text(part, count) for part, count in self.shown)

    @renders
    def _render(self, _change=None) -> None:
        if self.error and self.month == self.state.month:
            self.value = (
                f'{STYLE}<div class="oa-integrity-error">'
                f"{html.escape(f'Could not check the numbers: {self.error}')}</div>"
            )
            self.layout.display = None
            return
        parts = []
        for part, count in self.shown:
            meaning = part.meaning
            if part.key == "unpriced_items":
                meaning += " " + sources_text(self.counts.get("unpriced_by_model") or [])
            title = f"{meaning.strip()} Click to list them."
            parts.append(
                f'<span class="oa-integrity-part" data-check="{part.check}" data-count="{count}"'
                f'{view_attrs(opens(part), title)} data-oa-scroll="oa-usage-tables">'
                f"{html.escape(part_text(part, count))}</span>"
            )
        if not parts:
            self.value = ""
            self.layout.display = "none"
            return
        self.value = (
            f'{STYLE}<div class="oa-integrity-badge" data-month="{html.escape(self.month)}">'
            '<span class="oa-integrity-icon" aria-hidden="true">⚠</span> '
            f"{' · '.join(parts)}</div>"
        )
        self.layout.display = None
