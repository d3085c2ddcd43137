"""The served app: Voilà over a private runtime folder, narrowed to the app page.

Each server copies the app notebook (shipped in the package as ``app_notebooks/``) into a
fresh private folder that also holds ``exports/`` and serves that folder: the kernels' working
directory is that folder, so exports never land in the installed package, and Voilà's preheated
kernel pool (one per notebook in the folder) covers only the app page. ``ORG_ANALYTICS_RUNTIME``
names the folder to the kernels; it is removed when the server stops.

The app is one page whose views (dashboard, an agent) are query strings. Voilà's directory mode
would also list the folder and render any notebook in it; this app adds, in front of Voilà's own
routes: ``/`` redirects to the dashboard keeping its query string (``?month=``); the former agent
page (``agent_analytics.ipynb?agent_id=…``) redirects to the app's agent view; only
``org_analytics.ipynb`` renders; the tree and contents API are gone. Everything else is Voilà's standalone server, which refuses code execution from the page.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from tornado import web
from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from .links import DASHBOARD_NOTEBOOK, EXPORTS_DIR, LEGACY_AGENT_NOTEBOOK, RUNTIME_ENV_VAR

PAGES = (DASHBOARD_NOTEBOOK,)


class _ToDashboard(web.RequestHandler):
    def get(self):
        query = self.request.query
        self.redirect(f"voila/render/{DASHBOARD_NOTEBOOK}" + (f"?{query}" if query else ""))


class _LegacyAgentPage(web.RequestHandler):
    def get(self):
        query = self.request.query
        self.redirect(DASHBOARD_NOTEBOOK + (f"?{query}" if query else ""))


class _NotFound(web.RequestHandler):
    def prepare(self):
        raise web.HTTPError(404)


class _ShutdownKernel(VoilaShutdownKernelHandler):
    """Leaving a page frees its kernel. Voilà's page posts the shutdown with ``navigator.sendBeacon``
    and the ``_xsrf`` cookie, which its standalone server never sets: every call was refused (403)
    and each page view held its kernel until the idle cull. The beacon cannot carry a header, so
    the request is checked by its origin instead: only a page of this server may send it (and only
    that page knows its kernel's id)."""

    def check_xsrf_cookie(self):
        origin = self.request.headers.get("Origin")
        if origin is None or urlsplit(origin).netloc != self.request.host:
            raise web.HTTPError(403, "kernel shutdown from another origin")


V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"


class _KernelChannels(VoilaKernelWebsocketHandler):
    """The kernel websocket, v1 protocol only. Voilà reads every binary frame it sends as a v1 frame
    (to drop ``execute_input``); a client that connects without the v1 subprotocol gets legacy
    frames, whose big-endian count read as little-endian made the server loop and grow without
    bound (a one-request denial of service). The page always asks for v1; anything else is refused."""

    async def get(self, kernel_id):
        offered = [p.strip() for p in self.request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        if V1_PROTOCOL not in offered:
            raise web.HTTPError(400, "the kernel websocket speaks the v1 protocol only")
        return await super().get(kernel_id)

    def select_subprotocol(self, subprotocols):
        return V1_PROTOCOL if V1_PROTOCOL in subprotocols else None


class _Page(TornadoVoilaHandler):
    """Voilà's page, without ``?theme=`` and ``?template=``: they change the page shell (the first
    was a reflected XSS) and start a kernel outside the pool. The app has one shell, so a request
    that asks for another is refused before Voilà reads it."""

    def prepare(self):
        if {"theme", "template"} & {name.lower() for name in self.request.query_arguments}:
            raise web.HTTPError(400, "this app does not take ?theme= or ?template=")
        return super().prepare()


#: Voilà's handlers replaced by the app's stricter ones
_STRICTER = {VoilaKernelWebsocketHandler: _KernelChannels, TornadoVoilaHandler: _Page}
TEMPLATE_DIR = Path(__file__).with_name("voila_template")


class OrgAnalyticsVoila(Voila):
    """Voilà with the routes of the read-only app (see the module docstring) and its page shell
    (``voila_template/index.html.j2``: Voilà's lab template without CDN requests, with the skeleton)."""

    def setup_template_dirs(self):
        super().setup_template_dirs()
        self.template_paths = [str(TEMPLATE_DIR), *self.template_paths]

    def init_handlers(self):
        base = self.server_url.rstrip("/")
        pages = "|".join(p.replace(".", r"\.") for p in PAGES)
        return [
            (base + r"/?", _ToDashboard),
            (base + r"/voila/tree.*", _NotFound),
            (base + rf"/voila/render/{LEGACY_AGENT_NOTEBOOK.replace('.', '[.]')}", _LegacyAgentPage),
            (base + r"/voila/api/contents.*", _NotFound),
            (base + rf"/voila/render/(?!(?:{pages})(?:\?|$)).*", _NotFound),
            (base + r"/voila/api/shutdown/(.*)", _ShutdownKernel),
            *((route[0], _STRICTER.get(route[1], route[1]), *route[2:]) for route in super().init_handlers()),
        ]


def voila_arguments(port: int, open_browser: bool, idle_timeout: int = 600) -> list[str]:
    """Read-only serving: sources stripped, tracebacks hidden, idle kernels culled, kernels
    preheated (see app_request), and only uuid-named CSV/Parquet exports downloadable (no ``/``
    or ``.`` in the name part)."""
    return [
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        *([] if open_browser else ["--no-browser"]),
        "--strip_sources=True",
        "--theme=light",
        # one page shell: neither the URL nor a notebook picks another theme or template
        "--VoilaConfiguration.allow_theme_override=NO",
        "--VoilaConfiguration.allow_template_override=NO",
        # a kernel per page is started, imported and connected before a viewer arrives
        "--preheat_kernel=True",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--VoilaConfiguration.file_allowlist={EXPORTS_DIR}/[0-9a-f]{{32}}\\.csv",
        f"--VoilaConfiguration.file_allowlist={EXPORTS_DIR}/[0-9a-f]{{32}}\\.parquet",
        f"--MappingKernelManager.cull_idle_timeout={idle_timeout}",
        f"--MappingKernelManager.cull_interval={max(1, min(60, idle_timeout // 2))}",
        "--MappingKernelManager.cull_connected=False",
    ]


@contextlib.contextmanager
def runtime_folder() -> Iterator[Path]:
    """A fresh private folder (0700) holding the app notebook and ``exports/``; removed on exit.

    >>> with runtime_folder() as folder:               # doctest: +SKIP
    ...     sorted(p.name for p in folder.iterdir())
    ['exports', 'org_analytics.ipynb']
    """
    folder = Path(tempfile.mkdtemp(prefix="org-analytics-"))
    try:
        shipped = resources.files(__package__) / "app_notebooks"
        for page in PAGES:
            (folder / page).write_bytes((shipped / page).read_bytes())
        (folder / EXPORTS_DIR).mkdir(mode=0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    """Serve a new runtime folder with ``voila_arguments``; Voilà stops on SIGTERM or Ctrl-C."""
    with runtime_folder() as folder:
        os.environ[RUNTIME_ENV_VAR] = str(folder)  # the kernels inherit the server's environment
        OrgAnalyticsVoila.launch_instance([str(folder), *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
