"""What an app page needs before it draws: the warehouse, the org zone, "now" and the viewer's URL.

Voilà can preheat kernels (``--preheat_kernel``): it runs a page's notebook before any viewer
arrives, up to ``wait_for_request()``. So everything that does not depend on the viewer — imports,
opening and checking the warehouse — happens first, and only then does the page wait for the
request and read its query string. Without preheating the wait returns at once.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from data_connectors.errors import first_line

from .period import parse_now, parse_zone


@dataclass
class AppRequest:
    timezone: str
    now: str | None
    warehouse: object | None  # data_connectors.Warehouse, or None when it could not be opened
    rollups: object | None  # rollups.Rollups named by $ORG_ANALYTICS_ROLLUPS, else None
    error: str  # one line saying why the warehouse could not be opened, else ""
    query: str  # the viewer's query string, e.g. "month=2026-03"


def _wait_for_viewer() -> None:
    try:
        from voila.utils import wait_for_request
    except ImportError:  # in JupyterLab without Voilà there is nothing to wait for
        return
    wait_for_request()


def open_app_request() -> AppRequest:
    """Read ``ORG_ANALYTICS_TIMEZONE`` / ``ORG_ANALYTICS_NOW``, connect to ``ORG_ANALYTICS_WAREHOUSE``
    (else the demo) and open ``ORG_ANALYTICS_ROLLUPS`` if set, then wait for the viewer and read ``QUERY_STRING``."""
    from data_connectors import connect

    timezone = os.environ.get("ORG_ANALYTICS_TIMEZONE") or "UTC"
    now = os.environ.get("ORG_ANALYTICS_NOW") or None
    from .rollups import open_rollups

    warehouse, rollups, error = None, None, ""
    try:
        parse_zone(timezone)
        parse_now(now)
        warehouse = connect()
        rollups = open_rollups()
    except Exception as exc:
        error = first_line(exc)
    _wait_for_viewer()
    return AppRequest(timezone, now, warehouse, rollups, error, os.environ.get("QUERY_STRING") or "")
