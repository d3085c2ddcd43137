"""The results the engine hands to pages, the CLI and notebooks: plain data, no queries of their own.

A :class:`Snapshot` is one month of the organisation, a :class:`ProjectMonth` one project's and an
:class:`AgentMonth` one agent's.
Both are small (aggregates and one page of rows), picklable, and shared between viewers through
the engine's month cache.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from .formatting import compact, money
from .period import Period


# the report's KPI keys: the contract's seven in its order (section 4), then the keys added since
# (failed_requests: docs/data-contract.md, "Request status"); every one a count but the cost
KPI_KEYS = (
    "total_requests",
    "total_tokens",
    "unique_models",
    "active_projects",
    "total_projects",
    "total_conversations",
    "total_cost",
    "failed_requests",
)
COUNT_KPIS = tuple(key for key in KPI_KEYS if key != "total_cost")
# a KPI's history (report ``kpi_history``): every KPI card's number per month; total_projects (the
# Active Projects card's "of N") is not drawn
HISTORY_KEYS = tuple(key for key in KPI_KEYS if key != "total_projects")


@dataclass
class ServiceTypeCard:
    """One service type's card: its cost and three daily views."""

    service_type: str
    cost: float
    daily_cost_by_project: pd.DataFrame  # date, project_id, cost
    daily_requests: pd.DataFrame  # date, requests
    daily_usage: pd.DataFrame  # date, pricing_rule, unit, quantity


@dataclass
class Snapshot:
    """Every section of one month, as small shaped DataFrames (see docs/data-contract.md).

    >>> snap = Engine.open().snapshot("2026-10")       # doctest: +SKIP
    >>> snap.kpis["total_cost"]                         # doctest: +SKIP
    """

    period: Period
    kpis: dict
    cost_by_service_type: pd.DataFrame
    daily_cost_by_service_type: pd.DataFrame
    cost_by_project: pd.DataFrame
    projects: pd.DataFrame  # project_id, name, color (resolved), cost: every project with items
    top_agents: pd.DataFrame
    service_types: list[ServiceTypeCard]
    trends: pd.DataFrame = field(repr=False)  # date, project_id, cost: every service type
    source: str = "raw"  # where the numbers came from: "raw" tables or "rollups"
    comparison: Period | None = None  # what the KPIs are compared with (Engine.month fills it)
    previous_kpis: dict | None = None  # the comparison period's KPIs
    # where the money goes and how well it works (efficiency.py; docs/data-contract.md, "Efficiency")
    models: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # model, name, cost: every model
    cost_by_model: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # top models + Others
    project_efficiency: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # sums and ratios
    cache_savings: dict | None = field(default=None, repr=False)  # cache_savings.savings: org, projects, models
    # project_id, service_type, model, pricing_rule, unit, cost, quantity: what a change is split on
    cost_cells: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    spend_change: dict | None = field(default=None, repr=False)  # spend_change.decompose (Engine.month fills it)
    # date, project_id, model, cost: the days with cost (what unusual days are judged on: unusual.py)
    daily_costs: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def is_empty(self) -> bool:
        return self.kpis["total_requests"] == 0 and self.cost_by_service_type.empty

    def project_trends(self, service_type: str | None = None) -> pd.DataFrame:
        """Daily cost per project (date, project_id, cost), for one service type unless None
        (a type without cost in the month has no rows)."""
        if service_type is None:
            return self.trends
        for card in self.service_types:
            if card.service_type == service_type:
                return card.daily_cost_by_project
        return self.trends.iloc[:0]

    def others(self) -> pd.DataFrame:
        """The projects ``cost_by_project`` folds into "Others" (project_id, name, cost), costliest first."""
        shown = set(self.cost_by_project["project_id"].dropna().astype(str))
        rest = self.projects[~self.projects["project_id"].astype(str).isin(shown)]
        return rest.sort_values("cost", ascending=False, kind="stable")[["project_id", "name", "cost"]]

    def __repr__(self) -> str:
        k = self.kpis
        return (
            f"<Snapshot {self.period.month} {self.period.timezone} from {self.source}: "
            f"{money(k['total_cost'])}, {k['total_requests']:,} requests, "
            f"{k['active_projects']}/{k['total_projects']} projects>"
        )

    def _repr_html_(self) -> str:
        k = self.kpis
        cells = [
            ("Total cost", money(k["total_cost"])),
            ("Requests", f"{k['total_requests']:,}"),
            ("Tokens", compact(k["total_tokens"])),
            ("Models", f"{k['unique_models']:,}"),
            ("Active projects", f"{k['active_projects']}/{k['total_projects']}"),
            ("Conversations", f"{k['total_conversations']:,}"),
        ]
        row = "".join(
            f"<td style='padding:2px 12px'><div style='color:#666;font-size:11px'>{html.escape(label)}"
            f"</div><b>{html.escape(value)}</b></td>"
            for label, value in cells
        )
        title = f"{self.period.month} ({self.period.timezone}, from {self.source})"
        return f"<div><div>Snapshot {html.escape(title)}</div><table><tr>{row}</tr></table></div>"


@dataclass
class ProjectMonth:
    """One project's month: the project, and the month's sections over the rows billed to it
    (``month``: a Snapshot whose ``top_agents`` are all the project's agents; its service type cards
    carry no daily requests: that fact has no project). ``status``: ``ready``, ``empty`` (no usage
    billed to the project in the month) or ``unknown`` (no such project: not in the projects table
    and no usage).

    >>> engine.project_month("p_support", "2026-10").month.kpis["total_cost"]   # doctest: +SKIP
    """

    period: Period
    project_id: str
    status: str
    info: dict = field(default_factory=dict)  # project_id, name, color, monthly_budget, existed
    month: Snapshot | None = None

    def __repr__(self) -> str:
        return f"<ProjectMonth {self.project_id!r} {self.period.month}: {self.status}>"


@dataclass
class AgentMonth:
    """One agent's month: who it is, its KPIs, daily cost by service type and its latest requests.

    ``status``: ``ready``, ``empty`` (no usage by the agent in the month) or ``unknown`` (no such
    agent: not in the agents table and no usage).
    """

    period: Period
    agent_id: str
    status: str
    info: dict = field(default_factory=dict)  # agent_id, name, listed, project_id, project_name, project_color
    kpis: dict = field(default_factory=dict)  # conversations, requests, cost, tokens, models
    daily: pd.DataFrame | None = None  # date, service_type, cost (dense)
    totals: pd.DataFrame | None = None  # service_type, cost
    requests: pd.DataFrame | None = None  # the latest requests, newest first
    requests_total: int = 0
    source: str = "raw"

    def __repr__(self) -> str:
        return f"<AgentMonth {self.agent_id!r} {self.period.month}: {self.status}>"
