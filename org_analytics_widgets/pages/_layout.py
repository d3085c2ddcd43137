"""What the app's pages share: the page CSS, a titled section, a status line."""

from __future__ import annotations

import html

import ipywidgets as w

from ..state import DashboardState
from ..widgets.cost_overview import CostOverview

STYLE = """<style>
.oa-page { max-width: 1400px; margin: 0 auto; padding: 8px 16px; font-family: system-ui, sans-serif; }
.oa-header h1 { margin: 0; font-size: 22px; }
.oa-header .oa-sub { color: #666; font-size: 13px; }
.oa-kpis { gap: 12px; } .oa-month-selector { gap: 6px; } .oa-charts-row { gap: 12px; }
.oa-kpis { display: grid !important; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); }
.oa-kpis > .widget-html { min-width: 0; margin: 0; }
.oa-kpis > .widget-html > .widget-html-content { height: 100%; }
.oa-kpi-card { height: 100%; box-sizing: border-box; }
.oa-kpi-card { border: 1px solid #e3e3e3; border-radius: 8px; padding: 10px 14px; background: #fff; }
.oa-kpi-label { color: #666; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.oa-kpi-info { display: inline-block; width: 11px; height: 11px; margin-left: 4px; border: 1px solid #999;
               border-radius: 50%; font-size: 9px; line-height: 11px; text-align: center; text-transform: none;
               font-style: normal; letter-spacing: 0; color: #777; vertical-align: 1px; cursor: help; }
.oa-kpi-value { font-size: 26px; font-weight: 600; margin: 2px 0; }
.oa-kpi-delta { font-size: 12px; color: #666; }
.oa-kpi-delta.oa-good { color: #1b7f3b; } .oa-kpi-delta.oa-bad { color: #b3261e; } .oa-kpi-delta.oa-new { color: #2e86ab; }
.oa-kpi-vs { color: #999; }
.oa-stale { opacity: .45; }
.oa-section { border: 1px solid #e3e3e3; border-radius: 8px; padding: 8px 12px; margin-top: 12px; background: #fff; }
.oa-section h3 { margin: 4px 0 8px 0; font-size: 16px; }
.oa-status { padding: 8px 12px; border-radius: 6px; margin: 8px 0; }
.oa-status-loading { background: #eef4fb; color: #1f4e79; }
.oa-status-error { background: #fdecea; color: #8a1c13; }
.oa-status-note { background: #fff8e1; color: #6d4c00; font-size: 13px; }
.oa-status-empty { background: #f4f4f4; color: #444; font-size: 16px; padding: 24px; text-align: center; }
/* names are data of any length: truncate them, the full text is in the title */
.oa-page .widget-html, .oa-page .widget-html-content, .oa-legend, .oa-legend-row { min-width: 0; max-width: 100%; }
.oa-legend-name, .oa-card-title { max-width: 40ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.oa-legend-detail { flex: none; white-space: nowrap; }
.oa-page a.oa-agent-link, .oa-agent-project { display: inline-block; max-width: 32ch; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; vertical-align: bottom; }
/* the trends legend grows with its projects (no scroll box inside the section) and wraps in columns */
.oa-page .oa-project-trends-widget { overflow: visible !important; min-width: 0; }
.oa-page .oa-trend-legend { width: 100%; min-width: 0; }
.oa-page .oa-trend-legend .oa-legend { flex-flow: row wrap !important; column-gap: 16px; }
.oa-page .oa-trend-legend .oa-legend-row { flex: 0 1 220px; }
.oa-page .oa-legend-row[data-oa-view] { cursor: pointer; user-select: none; }
/* tables scroll inside their box: a wide one never widens the page */
.oa-page .oa-top-agents-table, .oa-page .oa-agent-requests { contain: inline-size; }
/* bqplot keeps a doughnut's labels as invisible text over the slices: they must not catch the hover */
.oa-page .pie_label, .oa-page .lines polyline { pointer-events: none; }
.oa-page .oa-table td { max-width: 28ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
</style>"""


def section(title: str, body: w.Widget, css: str) -> w.VBox:
    """A titled card around ``body`` (``css``: the class tests and styles find it by)."""
    box = w.VBox([w.HTML(f"<h3>{html.escape(title)}</h3>"), body], layout=w.Layout(width="100%"))
    box.add_class("oa-section")
    box.add_class(css)
    return box


def error_html(message: str) -> str:
    """A page-level error in words (the page cannot show anything else)."""
    return STYLE + f'<div class="oa-status oa-status-error" data-status="error">{html.escape(message)}</div>'


class DrillDownPage(w.VBox):
    """What the app's drill-down views (an agent, a project) share: a daily cost chart made on
    demand into ``cost_box``, and a failure shown instead of ``content``. A subclass has ``status``,
    ``message``, ``content``, ``cost_box``, ``cost_overview`` (None until made) and ``_render``."""

    def build_chart(self, timezone: str, month: str) -> None:
        """Make the daily cost chart (empty until a month is drawn) if it is not made yet."""
        if self.cost_overview is None:
            self.cost_overview = CostOverview(DashboardState(timezone=timezone, latest_month=month, month=month))
            self.cost_box.children = [self.cost_overview]

    def _fail(self, status: str, message: str) -> None:
        self.status, self.message = status, message
        self.content.layout.display = "none"
        self._render()
