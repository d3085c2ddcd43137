"""The app's views: thin assemblies of widgets over the engine.

``App`` is the served app: ``Dashboard`` (the Organization view) and ``AgentPage`` (one agent's
month) in one page over one state; ``app_from_environment`` is what the served notebook calls.
"""

from __future__ import annotations

from .agent import AgentPage
from .app import App, app_from_environment
from .organization import Dashboard

__all__ = ["App", "Dashboard", "AgentPage", "app_from_environment"]
