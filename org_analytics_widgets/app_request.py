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


@dataclass
class AppRequest:
    engine: object | None  # engine.Engine, or None when the warehouse could not be opened
    error: str  # one line saying why the warehouse could not be opened, else ""
    query: str  # the viewer's query string, e.g. "month=2026-03"


def _wait_for_viewer() -> None:
    try:
        from voila.utils import wait_for_request
    except ImportError:  # in JupyterLab without Voilà there is nothing to wait for
        return
    wait_for_request()


def open_app_request() -> AppRequest:
    """The engine over ``ORG_ANALYTICS_WAREHOUSE`` (else the demo) and ``ORG_ANALYTICS_ROLLUPS`` in
    ``ORG_ANALYTICS_TIMEZONE`` with ``ORG_ANALYTICS_NOW`` (exports go to ``exports/`` beside the
    notebook); then wait for the viewer and read ``QUERY_STRING``."""
    from .engine import Engine

    engine, error = None, ""
    try:
        engine = Engine.open(
            timezone=os.environ.get("ORG_ANALYTICS_TIMEZONE") or "UTC", now=os.environ.get("ORG_ANALYTICS_NOW") or None
        )
    except Exception as exc:
        error = first_line(exc)
    _wait_for_viewer()
    return AppRequest(engine, error, os.environ.get("QUERY_STRING") or "")
