"""What the served app does before and after its viewer arrives.

Voilà can preheat kernels (``--preheat_kernel``): it runs a page's notebook before any viewer
arrives, up to ``wait_for_request()``. So everything that does not depend on the viewer happens
first: imports, opening and checking the warehouse, and building the whole app on its default view
(the current month, computed). Only then does the page wait for the request and read its query
string; a viewer who opens ``/`` gets a page that is already drawn, one with a link applies it.
A page built more than PREHEAT_MAX_AGE ago loads its month again, so a late viewer never reads
data older than that. Without preheating the wait returns at once.
"""

from __future__ import annotations

import os
import time

from data_connectors.errors import first_line

PREHEAT_MAX_AGE = 120.0  # seconds: an older preheated page reads the current month again


def _wait_for_viewer() -> None:
    try:
        from voila.utils import wait_for_request
    except ImportError:  # in JupyterLab without Voilà there is nothing to wait for
        return
    wait_for_request()


def open_engine():
    """The engine over ``ORG_ANALYTICS_WAREHOUSE`` (else the demo) and ``ORG_ANALYTICS_ROLLUPS`` in
    ``ORG_ANALYTICS_TIMEZONE`` with ``ORG_ANALYTICS_NOW`` (exports go to ``exports/`` beside the
    notebook); raises with the warehouse's own one-line error."""
    from .engine import Engine

    return Engine.open(
        timezone=os.environ.get("ORG_ANALYTICS_TIMEZONE") or "UTC", now=os.environ.get("ORG_ANALYTICS_NOW") or None
    )


def app_for_viewer(build, show_error):
    """Open the engine and ``build(engine)`` the app before the viewer (``show_error(text)`` if it
    cannot be: the text says why, in words), wait for the viewer, then show the view of their URL (``QUERY_STRING``) in it.

    Under an access policy (``access``) nothing is computed before the viewer is known: the engine
    is opened ahead, and the app is built after the request on the engine restricted to the
    viewer's projects, so no widget ever holds numbers the viewer may not see."""
    from .access import POLICY_ENV_VAR, viewer_from_environment

    scoped = bool(os.environ.get(POLICY_ENV_VAR))
    engine, app, error = None, None, ""
    try:
        engine = open_engine()
    except Exception as exc:
        error = f"The dashboard cannot open its warehouse: {first_line(exc)}"
    if engine is not None and not scoped:
        app, error = _built(build, engine)
    built = time.monotonic()
    _wait_for_viewer()
    if engine is not None and scoped:
        try:
            viewer = viewer_from_environment()
        except Exception as exc:
            return show_error(first_line(exc))
        if viewer.projects == frozenset():
            return show_error(
                f"You are signed in as {viewer.name}, and no project is shared with you: "
                "ask the dashboard's administrator for access."
            )
        app, error = _built(build, engine if viewer.projects is None else engine.restricted_to(viewer.projects))
    if app is None:
        return show_error(error)
    app.open_url(os.environ.get("QUERY_STRING") or "", stale=time.monotonic() - built > PREHEAT_MAX_AGE)
    return app


def _built(build, engine):
    try:
        return build(engine), ""
    except Exception as exc:
        return None, f"The dashboard cannot be drawn: {first_line(exc)}"
