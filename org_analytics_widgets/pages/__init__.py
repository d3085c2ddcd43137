"""The app's views: thin assemblies of widgets over the engine.

``Dashboard`` is the Organization page, ``AgentPage`` one agent's month; the ``*_from_environment``
functions are what the served notebooks call.
"""

from __future__ import annotations

from .agent import AgentPage, agent_page_from_environment
from .organization import Dashboard, dashboard_from_environment

__all__ = ["Dashboard", "AgentPage", "dashboard_from_environment", "agent_page_from_environment"]
