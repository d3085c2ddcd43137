"""HTML pieces shared by the widgets: chart tooltips, swatch legends, shares; every text is escaped here.

Names are data (a project may be called ``<script>``), so these helpers take plain text and escape
it themselves; callers never pass markup in.
"""

from __future__ import annotations

import html
from typing import Iterable
from urllib.parse import urlencode

from ..links import VIEW_LINK

_TOOLTIP_BOX = (
    '<div style="background:#fff;border:1px solid #ccc;border-radius:4px;padding:4px 8px;'
    'font-size:12px;line-height:1.4">{}</div>'
)


def tooltip_html(names: Iterable[str], *lines: str, color: str | None = None) -> str:
    """A chart tooltip: ``names`` in bold (in ``color`` when given), then ``lines``, one a line.

    >>> tooltip_html(["<b>"], "Mar 1", "$1.00", color="#123456").endswith(
    ...     '<b style="color:#123456">&lt;b&gt;</b><br>Mar 1<br>$1.00</div>')
    True
    """
    style = f' style="color:{html.escape(color)}"' if color else ""
    heads = [f"<b{style}>{html.escape(name)}</b>" for name in names]
    return _TOOLTIP_BOX.format("<br>".join(heads + [html.escape(line) for line in lines]))


def view_attrs(query, title: str = "") -> str:
    """Attributes that make an element a control of the app's view: a click applies ``query`` (a
    dict or pairs) on top of the view (``data-oa-view``, read by the page's front-end piece).

    >>> view_attrs({"requests.sort": "cost"}, "Sort by cost")
    ' data-oa-view="requests.sort=cost" role="button" tabindex="0" title="Sort by cost"'
    """
    text = f' data-oa-view="{html.escape(urlencode(query))}" role="button" tabindex="0"'
    return text + (f' title="{html.escape(title)}"' if title else "")


def legend_html(
    items: Iterable[tuple],
    attrs: Iterable[str] | None = None,
    off: Iterable[bool] = (),
    links: Iterable[str | None] | None = None,
    held: Iterable[list] | None = None,
    held_open: bool = False,
) -> str:
    """A list of ``(colour, name, detail)`` or ``(colour, name, detail, title)`` with a swatch each
    (the title shows on hover; the name by default); escapes the texts, as names can hold markup.
    ``attrs``: :func:`view_attrs` of each row; ``off``: rows shown struck through (hidden series);
    ``links``: an in-app link of each row's name (None: none); ``held``: what a row holds (an
    "Others"), each ``(name, detail, link)``: a click on the row opens the list (``held_open``: open).

    >>> legend_html([("#123", "<Search>", "$1.00")], links=["app.ipynb?project=p&month=2026-03"])
    '<div class="oa-legend" ...<a class="oa-legend-name oa-view-link" href="app.ipynb?project=p&amp;month=2026-03" ...>&lt;Search&gt;</a>...'
    """
    items = [tuple(item) + (item[1],) * (4 - len(item)) for item in items]
    extra = list(attrs) if attrs is not None else [""] * len(items)
    struck = list(off) + [False] * (len(items) - len(list(off)))
    hrefs = list(links) if links is not None else [None] * len(items)
    holds = list(held) if held is not None else [[]] * len(items)
    rows = []
    for (color, name, detail, title), more, is_off, href, holding in zip(items, extra, struck, hrefs, holds):
        name_style = 'style="overflow:hidden;text-overflow:ellipsis;white-space:nowrap"'
        shown = (
            f'<a class="oa-legend-name {VIEW_LINK}" href="{html.escape(href)}" target="_self" {name_style}>'
            f"{html.escape(name)}</a>"
            if href
            else f'<span class="oa-legend-name" {name_style}>{html.escape(name)}</span>'
        )
        row = (
            f'<div class="oa-legend-row{" oa-legend-off" if is_off else ""}" '
            'style="display:flex;align-items:center;gap:6px;min-width:0'
            f'{";color:#999;text-decoration:line-through" if is_off else ""}"{more} title="{html.escape(title)}">'
            '<span class="oa-swatch" style="flex:none;width:12px;height:12px;border-radius:2px;'
            f'background:{html.escape(color)}"></span>{shown}'
            '<span class="oa-legend-detail" style="color:#666;margin-left:auto;padding-left:8px">'
            f"{html.escape(detail)}</span>"
            "</div>"
        )
        rows.append(held_html(row, holding, held_open) if holding else row)
    return f'<div class="oa-legend" style="display:flex;flex-direction:column;gap:4px;font-size:13px">{"".join(rows)}</div>'


def held_html(row: str, held: list, is_open: bool) -> str:
    """A legend ``row`` (HTML) that opens the list of what it holds: ``(name, detail, link)`` each."""
    items = "".join(
        '<li class="oa-held-item" style="display:flex;gap:8px">'
        + (
            f'<a class="oa-held-name {VIEW_LINK}" href="{html.escape(href)}" target="_self">{html.escape(name)}</a>'
            if href
            else f'<span class="oa-held-name">{html.escape(name)}</span>'
        )
        + f'<span class="oa-legend-detail" style="color:#666;margin-left:auto">{html.escape(detail)}</span></li>'
        for name, detail, href in held
    )
    return (
        f'<details class="oa-held"{" open" if is_open else ""}>'
        f'<summary class="oa-held-summary" style="list-style:none;cursor:pointer">{row}</summary>'
        '<ul class="oa-held-list" style="margin:4px 0 4px 18px;padding:0;list-style:none;font-size:12px;'
        f'max-height:240px;overflow:auto">{items}</ul></details>'
    )


def share_text(part: float, whole: float) -> str:
    """``'12.5 %'`` of ``whole``; ``'–'`` when the whole is not positive (nothing to share).

    >>> share_text(1, 8), share_text(1, 0)
    ('12.5 %', '–')
    """
    return f"{part / whole * 100:.1f} %" if whole > 0 else "–"
