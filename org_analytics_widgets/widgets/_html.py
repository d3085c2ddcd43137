"""HTML pieces shared by the widgets: chart tooltips, swatch legends, shares; every text is escaped here.

Names are data (a project may be called ``<script>``), so these helpers take plain text and escape
it themselves; callers never pass markup in.
"""

from __future__ import annotations

import html
from typing import Iterable
from urllib.parse import urlencode

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


def legend_html(items: Iterable[tuple], attrs: Iterable[str] | None = None, off: Iterable[bool] = ()) -> str:
    """A list of ``(colour, name, detail)`` or ``(colour, name, detail, title)`` with a swatch each
    (the title shows on hover; the name by default); escapes the texts, as names can hold markup.
    ``attrs``: :func:`view_attrs` of each row; ``off``: rows shown struck through (hidden series)."""
    items = [tuple(item) + (item[1],) * (4 - len(item)) for item in items]
    extra = list(attrs) if attrs is not None else [""] * len(items)
    struck = list(off) + [False] * (len(items) - len(list(off)))
    rows = "".join(
        f'<div class="oa-legend-row{" oa-legend-off" if is_off else ""}" '
        'style="display:flex;align-items:center;gap:6px;min-width:0'
        f'{";color:#999;text-decoration:line-through" if is_off else ""}"{more} title="{html.escape(title)}">'
        '<span class="oa-swatch" style="flex:none;width:12px;height:12px;border-radius:2px;'
        f'background:{html.escape(color)}"></span>'
        '<span class="oa-legend-name" style="overflow:hidden;text-overflow:ellipsis;white-space:nowrap">'
        f"{html.escape(name)}</span>"
        '<span class="oa-legend-detail" style="color:#666;margin-left:auto;padding-left:8px">'
        f"{html.escape(detail)}</span>"
        "</div>"
        for (color, name, detail, title), more, is_off in zip(items, extra, struck)
    )
    return f'<div class="oa-legend" style="display:flex;flex-direction:column;gap:4px;font-size:13px">{rows}</div>'


def share_text(part: float, whole: float) -> str:
    """``'12.5 %'`` of ``whole``; ``'–'`` when the whole is not positive (nothing to share).

    >>> share_text(1, 8), share_text(1, 0)
    ('12.5 %', '–')
    """
    return f"{part / whole * 100:.1f} %" if whole > 0 else "–"
