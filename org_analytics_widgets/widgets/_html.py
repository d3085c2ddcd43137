"""HTML pieces shared by the widgets: chart tooltips, swatch legends, shares; every text is escaped here.

Names are data (a project may be called ``<script>``), so these helpers take plain text and escape
it themselves; callers never pass markup in.
"""

from __future__ import annotations

import html
from typing import Iterable

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


def legend_html(items: Iterable[tuple[str, str, str]]) -> str:
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


def share_text(part: float, whole: float) -> str:
    """``'12.5 %'`` of ``whole``; ``'–'`` when the whole is not positive (nothing to share).

    >>> share_text(1, 8), share_text(1, 0)
    ('12.5 %', '–')
    """
    return f"{part / whole * 100:.1f} %" if whole > 0 else "–"
