"""URLs inside the served app. The pages live at ``/voila/render/<notebook>``, so links are relative
to that folder; every value is URL-quoted here and HTML-escaped by whoever puts it in a page."""

from __future__ import annotations

from urllib.parse import urlencode

DASHBOARD_NOTEBOOK = "org_analytics.ipynb"
AGENT_NOTEBOOK = "agent_analytics.ipynb"
RUNTIME_ENV_VAR = "ORG_ANALYTICS_RUNTIME"  # the server's runtime folder (see server.runtime_folder)
EXPORTS_DIR = "exports"  # in the server's runtime folder, the kernels' working directory; served by voila/files


def dashboard_url(month: str | None = None) -> str:
    """``org_analytics.ipynb?month=2026-03``"""
    return DASHBOARD_NOTEBOOK + (f"?{urlencode({'month': month})}" if month else "")


def agent_url(agent_id: str, month: str) -> str:
    """``agent_analytics.ipynb?agent_id=...&month=2026-03``"""
    return f"{AGENT_NOTEBOOK}?{urlencode({'agent_id': agent_id, 'month': month})}"


def export_url(filename: str) -> str:
    """A file written to the runtime folder's exports/, as served by Voilà's allow-listed files route."""
    return f"../files/{EXPORTS_DIR}/{filename}"
