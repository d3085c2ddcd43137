"""The dashboard's widgets: each renders what it is given and observes the one DashboardState."""

from __future__ import annotations

from .cost_overview import CostOverview
from .project_costs import ProjectCostDoughnut
from .project_trends import ProjectTrends
from .service_cards import ServiceCard, ServiceTypeCards
from .top_agents import TopAgents

__all__ = ["CostOverview", "ProjectCostDoughnut", "ProjectTrends", "ServiceCard", "ServiceTypeCards", "TopAgents"]
