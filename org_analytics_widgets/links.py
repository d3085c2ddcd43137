"""URLs inside the served app. The app is one page, ``/voila/render/org_analytics.ipynb``, and every
view of it is a query string on that page (see :mod:`.view_url`). In-app links carry the class
``oa-view-link``: the page's front-end piece turns a click into a view change without a reload, and
the same href opens that view in a new tab. Every value is URL-quoted here and HTML-escaped by
whoever puts it in a page."""

from __future__ import annotations

from urllib.parse import urlencode

DASHBOARD_NOTEBOOK = "org_analytics.ipynb"
LEGACY_AGENT_NOTEBOOK = "agent_analytics.ipynb"  # the agent page's former address, redirected to the app
RUNTIME_ENV_VAR = "ORG_ANALYTICS_RUNTIME"  # the server's runtime folder (see server.runtime_folder)
EXPORTS_DIR = "exports"  # in the server's runtime folder, the kernels' working directory; served by voila/files
VIEW_LINK = "oa-view-link"


def dashboard_url(month: str | None = None, tz: str = "") -> str:
    """``org_analytics.ipynb?month=2026-03`` (``&tz=Asia/Tokyo``: a zone other than the org's)"""
    pairs = {"month": month} if month else {}
    query = urlencode(pairs | ({"tz": tz} if tz else {}), safe="/")
    return DASHBOARD_NOTEBOOK + (f"?{query}" if query else "")


def agent_url(agent_id: str, month: str, tz: str = "") -> str:
    """``org_analytics.ipynb?agent=...&month=2026-03`` (``&tz=Asia/Tokyo``: a zone other than the org's)"""
    pairs = {"agent": agent_id, "month": month} | ({"tz": tz} if tz else {})
    return f"{DASHBOARD_NOTEBOOK}?{urlencode(pairs, safe='/')}"


def project_url(project_id: str, month: str, tz: str = "") -> str:
    """``org_analytics.ipynb?project=...&month=2026-03`` (``&tz=Asia/Tokyo``: a zone other than the org's)"""
    pairs = {"project": project_id, "month": month} | ({"tz": tz} if tz else {})
    return f"{DASHBOARD_NOTEBOOK}?{urlencode(pairs, safe='/')}"


def export_url(filename: str) -> str:
    """A file written to the runtime folder's exports/, as served by Voilà's allow-listed files route."""
    return f"../files/{EXPORTS_DIR}/{filename}"
