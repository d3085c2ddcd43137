"""The month's top agents: rank, a link to each agent's page, its project (a link to the project's
view), counts and cost."""

from __future__ import annotations

import html

import ipywidgets as widgets
from traitlets import TraitError, Unicode, validate

from ..colors import project_color
from ..formatting import exact, money, percent
from ..links import VIEW_LINK, agent_url, project_url
from ..period import PeriodError, parse_month
from ._chart import Frame, known
from .batch import renders

COLUMNS = ("agent_id", "name", "project_id", "project_name", "project_color", "cost", "conversations", "requests")
#: shown when the rows carry them (the snapshot's do): key, how to show it; headers in RATIO_HEADERS
RATIO_COLUMNS = (
    ("error_rate", percent),
    ("cost_per_request", money),
    ("cost_per_conversation", money),
    ("cost_per_1k_tokens", money),
)
RATIO_HEADERS = ("Error rate", "Cost / request", "Cost / conversation", "Cost / 1k tokens")
TABLE_STYLE = """<style>
.oa-top-agents table { border-collapse: collapse; width: 100%; font-size: 13px; }
.oa-top-agents th { text-align: left; color: #666; font-weight: 600; font-size: 12px; padding: 6px 8px;
                    border-bottom: 1px solid #e3e3e3; white-space: nowrap; }
.oa-top-agents td { padding: 6px 8px; border-bottom: 1px solid #f0f0f0; vertical-align: middle; }
.oa-top-agents .oa-num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.oa-top-agents .oa-rank { color: #999; width: 2em; }
.oa-top-agents a.oa-agent-link { color: #1f4e79; text-decoration: none; font-weight: 600; }
.oa-top-agents a.oa-agent-link:hover { text-decoration: underline; }
.oa-top-agents .oa-agent-project { display: inline-flex; align-items: center; gap: 6px; }
.oa-top-agents a.oa-project-link { color: inherit; text-decoration: none; }
.oa-top-agents a.oa-project-link:hover { text-decoration: underline; }
.oa-top-agents .oa-swatch { flex: none; width: 10px; height: 10px; border-radius: 2px; display: inline-block; }
</style>"""


def _int(value) -> int:
    return 0 if known(value) is None else int(value)


def ratio_cells(row: dict) -> str:
    """The efficiency cells of a row (error rate, cost per request, per conversation, per 1k tokens;
    ``–`` where there is none: no requests, conversations or tokens), exact on hover."""
    cells = []
    for key, shown in RATIO_COLUMNS:
        value = known(row.get(key))
        text = "–" if value is None else shown(float(value))
        hover = "" if value is None else f' title="{html.escape(exact(float(value)))}"'
        cells.append(f'<td class="oa-num oa-{key.replace("_", "-")}"{hover}>{html.escape(text)}</td>')
    return "".join(cells)


def project_cell(project_id, name: str, color: str, month: str, tz: str = "") -> str:
    """An agent's project with its swatch: a link to the project's view when it has one."""
    swatch = f'<span class="oa-swatch" style="background:{html.escape(color)}"></span>'
    if project_id is None or not month:
        return f'<span class="oa-agent-project">{swatch}{html.escape(name)}</span>'
    href = html.escape(project_url(str(project_id), month, tz))
    return (
        f'<a class="oa-agent-project oa-project-link {VIEW_LINK}" href="{href}" target="_self" '
        f'title="{html.escape(name)} ({html.escape(str(project_id))})">{swatch}{html.escape(name)}</a>'
    )


def agent_row_html(rank: int, row: dict, month: str, tz: str = "") -> str:
    """One ``<tr class="oa-agent-row">``; every text and the link are HTML-escaped (names are data)."""
    agent_id = str(row["agent_id"])
    name = str(known(row.get("name")) or agent_id)
    project_id = known(row.get("project_id"))
    project_name = str(known(row.get("project_name")) or project_id or "–")
    color = project_color(project_id, known(row.get("project_color")))
    cost = float(known(row.get("cost")) or 0.0)
    conversations, requests = _int(row.get("conversations")), _int(row.get("requests"))
    href = html.escape(agent_url(agent_id, month, tz))
    title = html.escape(f"{name} ({agent_id})")
    return (
        f'<tr class="oa-agent-row" data-agent-id="{html.escape(agent_id)}">'
        f'<td class="oa-rank">{rank}</td>'
        f'<td><a class="oa-agent-link {VIEW_LINK}" href="{href}" target="_self" title="{title}">'
        f"{html.escape(name)}</a></td>"
        f"<td>{project_cell(project_id, project_name, color, month, tz)}</td>"
        f'<td class="oa-num">{conversations:,}</td>'
        f'<td class="oa-num">{requests:,}</td>'
        f"{ratio_cells(row)}"
        f'<td class="oa-num" title="{html.escape(exact(cost))}">{html.escape(money(cost))}</td>'
        "</tr>"
    )


class TopAgents(widgets.VBox):
    """A table of ``agents`` (the snapshot's top agents, ranked); hidden when there are none.

    >>> import pandas as pd
    >>> table = TopAgents(month="2026-03")
    >>> table.agents = pd.DataFrame([{"agent_id": "a1", "name": "Concierge", "project_id": "p1",
    ...     "project_name": "Support", "project_color": "#1F77B4", "cost": 3.0, "conversations": 2,
    ...     "requests": 3}])
    >>> 'href="org_analytics.ipynb?agent=a1&amp;month=2026-03"' in table.table.value
    True
    """

    agents = Frame(columns=COLUMNS, help="ranked, at most 10 rows")
    month = Unicode("", help="YYYY-MM of the agents' numbers: the agent links open that month")
    tz = Unicode("", help="the viewer's zone when not the organisation's: the agent links open in it")

    def __init__(self, **kwargs):
        self.table = widgets.HTML(layout=widgets.Layout(width="100%", overflow="auto"))
        self.table.add_class("oa-top-agents-table")
        super().__init__([self.table], **kwargs)
        self.add_class("oa-top-agents")
        self.observe(self._render, names=["agents", "month", "tz"])
        self._render()

    @validate("month")
    def _valid_month(self, proposal):
        value = proposal["value"]
        if value:
            try:
                parse_month(value)
            except PeriodError as exc:
                raise TraitError(str(exc)) from None
        return value

    @renders
    def _render(self, _change=None) -> None:
        rows = self.agents.to_dict("records")
        if not rows:
            self.table.value = ""
            self.layout.display = "none"
            return
        body = "".join(agent_row_html(rank, row, self.month, self.tz) for rank, row in enumerate(rows, start=1))
        self.table.value = (
            TABLE_STYLE + "<table><thead><tr>"
            '<th class="oa-rank">#</th><th>Agent</th><th>Project</th>'
            '<th class="oa-num">Conversations</th><th class="oa-num">Requests</th>'
            + "".join(f'<th class="oa-num">{html.escape(h)}</th>' for h in RATIO_HEADERS)
            + '<th class="oa-num">Cost</th>'
            f"</tr></thead><tbody>{body}</tbody></table>"
        )
        self.layout.display = None
