"""The served app: Voilà over ``notebooks/``, narrowed to the two app pages.

Voilà's directory mode is what lets the dashboard link to the agent page, but it would also list
the folder and render any notebook in it (the analysts' ones included). This app adds, in front
of Voilà's own routes: ``/`` redirects to the dashboard keeping its query string (``?month=``);
only ``org_analytics.ipynb`` and ``agent_analytics.ipynb`` render; the tree and contents API are
gone. Everything else is Voilà's standalone server, which refuses code execution from the page.
"""
from __future__ import annotations

import sys

from tornado import web
from voila.app import Voila

from .links import AGENT_NOTEBOOK, DASHBOARD_NOTEBOOK, EXPORTS_DIR

PAGES = (DASHBOARD_NOTEBOOK, AGENT_NOTEBOOK)


class _ToDashboard(web.RequestHandler):
    def get(self):
        query = self.request.query
        self.redirect(f"voila/render/{DASHBOARD_NOTEBOOK}" + (f"?{query}" if query else ""))


class _NotFound(web.RequestHandler):
    def prepare(self):
        raise web.HTTPError(404)


class OrgAnalyticsVoila(Voila):
    """Voilà with the routes of the read-only app (see the module docstring)."""

    def init_handlers(self):
        base = self.server_url.rstrip("/")
        pages = "|".join(p.replace(".", r"\.") for p in PAGES)
        return [
            (base + r"/?", _ToDashboard),
            (base + r"/voila/tree.*", _NotFound),
            (base + r"/voila/api/contents.*", _NotFound),
            (base + rf"/voila/render/(?!(?:{pages})(?:\?|$)).*", _NotFound),
            *super().init_handlers(),
        ]


def voila_arguments(notebooks: str, port: int, open_browser: bool, idle_timeout: int = 600) -> list[str]:
    """Read-only serving: sources stripped, tracebacks hidden, idle kernels culled, kernels
    preheated (see app_request), and only uuid-named CSV/Parquet exports downloadable (no ``/``
    or ``.`` in the name part)."""
    return [
        notebooks,
        f"--port={port}", "--Voila.ip=127.0.0.1",
        *([] if open_browser else ["--no-browser"]),
        "--strip_sources=True", "--theme=light",
        # a kernel per page is started, imported and connected before a viewer arrives
        "--preheat_kernel=True",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--VoilaConfiguration.file_allowlist={EXPORTS_DIR}/[0-9a-f]{{32}}\\.csv",
        f"--VoilaConfiguration.file_allowlist={EXPORTS_DIR}/[0-9a-f]{{32}}\\.parquet",
        f"--MappingKernelManager.cull_idle_timeout={idle_timeout}",
        f"--MappingKernelManager.cull_interval={max(1, min(60, idle_timeout // 2))}",
        "--MappingKernelManager.cull_connected=False",
    ]


def main(argv: list[str] | None = None) -> None:
    OrgAnalyticsVoila.launch_instance(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
