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

Every request (page, static file, export, websocket, API) first passes the ``Gate``: its ``Host``
must be allowed (DNS rebinding), and when configured it must carry the token (``?token=`` once,
then a cookie; or ``Authorization: token …``) and come from a trusted proxy with the user's name in
the auth header. Every response carries the page's Content-Security-Policy and companions
(``SECURITY_HEADERS``). Page loads are limited per client and by the number of live kernels; the
kernel websocket refuses frames over ``max_message_bytes`` and widget comms the page did not open.
"""

from __future__ import annotations

import collections
import contextlib
import hmac
import ipaddress
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Iterator
from html import escape
from importlib import resources
from pathlib import Path
from urllib.parse import quote, unquote_plus, urlsplit

from jupyter_core.paths import jupyter_config_path
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1
from tornado import httputil, ioloop, web
from traitlets import Int, List, Unicode, default
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from .links import DASHBOARD_NOTEBOOK, EXPORTS_DIR, LEGACY_AGENT_NOTEBOOK, RUNTIME_ENV_VAR

PAGES = (DASHBOARD_NOTEBOOK,)

#: Sent with every response. Scripts come from the server's own files only: no inline script or
#: handler runs (the page shell has none, see voila_template/index.html.j2). Measured on the real
#: page in Chromium: the widgets need inline styles, ``data:`` fonts and images, and the anywidget
#: front-end piece is imported from a ``blob:`` URL built from the module the kernel sends.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'self'",
        "form-action 'self'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
#: the kernels' own request hand-off route (``/voila/query/<kernel>``) lives under this secret path
KERNEL_PATH_PREFIX = "oa-kernel-"
TOKEN_ENV_VAR = "ORG_ANALYTICS_TOKEN"
TIDY_ENV_VAR = "ORG_ANALYTICS_EXPORTS_TIDY_SECONDS"  # how often the exports folder is pruned (default 60)


class _SecurityHeaders(web.OutputTransform):
    """``SECURITY_HEADERS`` on every response; a downloaded export is also sandboxed (a file opened
    in the browser could never run script as the app)."""

    def __init__(self, request: httputil.HTTPServerRequest):
        self.download = "/voila/files/" in request.path

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        for name, value in SECURITY_HEADERS.items():
            headers[name] = value
        if self.download:
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY + "; sandbox"
        return status_code, headers, chunk


def _words_page(title: str, text: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>'
        f'{escape(title)}</title></head><body style="font-family: system-ui, sans-serif; margin: 3em">'
        f"<h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
    )


def answer_in_words(handler: web.RequestHandler, status: int, title: str, text: str, retry_after: int | None = None):
    """Finish ``handler``'s request with ``status`` and a page that says what happened and what to do."""
    handler.set_status(status)
    if retry_after is not None:
        handler.set_header("Retry-After", str(retry_after))
    handler.set_header("Content-Type", "text/html; charset=utf-8")
    handler.set_header("Cache-Control", "no-store")
    handler.finish(_words_page(title, text))


class _Refusal(web.RequestHandler):
    """A request the server will not serve, answered in words (any method)."""

    def initialize(self, status: int, title: str, text: str):
        self.answer = (status, title, text)

    def prepare(self):
        answer_in_words(self, *self.answer)


class _TokenExchange(web.RequestHandler):
    """``?token=`` given once: the token becomes an HttpOnly, SameSite=Strict cookie and the browser
    goes to the same address without it (the app would read ``token`` as an unknown URL value)."""

    def initialize(self, cookie: str, token: str, location: str):
        self.cookie, self.token, self.location = cookie, token, location

    def prepare(self):
        # behind a TLS proxy (X-Forwarded-Proto: https) the cookie is for https only; a client that
        # claims https over http only loses its own cookie
        https = "https" in (self.request.protocol, self.request.headers.get("X-Forwarded-Proto", "").lower())
        self.set_cookie(self.cookie, self.token, path="/", httponly=True, samesite="Strict", secure=https)
        self.set_header("Cache-Control", "no-store")
        self.redirect(self.location)


def _without_token(request: httputil.HTTPServerRequest) -> str:
    kept = [part for part in request.query.split("&") if part and unquote_plus(part.split("=", 1)[0]) != "token"]
    return request.path + ("?" + "&".join(kept) if kept else "")


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class Gate:
    """Who may reach the server, asked for every request before it is routed (so it covers the page,
    static files, exports, the kernel websocket and the API alike).

    >>> gate = Gate(port=8866, hosts=["dash.example.com"])
    >>> gate.host_allowed("dash.example.com"), gate.host_allowed("localhost:8866"), gate.host_allowed("evil.example")
    (True, True, False)
    """

    def __init__(
        self,
        *,
        port: int,
        base_url: str = "/",
        hosts: list[str] = (),
        token: str | None = None,
        auth_header: str | None = None,
        trusted_proxies: list[str] = ("127.0.0.1",),
    ):
        self.port = port
        self.loopback = {(name, port) for name in LOOPBACK_HOSTS}
        self.hosts = {name.lower().strip("[]") for name in hosts}
        self.token = token or None
        self.cookie = f"org_analytics_token_{port}"
        self.auth_header = auth_header or None
        self.trusted = [ipaddress.ip_network(address, strict=False) for address in trusted_proxies]
        self.kernel_path = f"{base_url.rstrip('/')}/{KERNEL_PATH_PREFIX}"

    def host_allowed(self, host: str) -> bool:
        name, port = httputil.split_host_and_port(host.lower())
        name = name.strip("[]")
        return (name, port) in self.loopback or name in self.hosts

    def from_trusted_proxy(self, remote_ip: str) -> bool:
        try:
            address = ipaddress.ip_address(remote_ip)
        except ValueError:
            return False
        if getattr(address, "ipv4_mapped", None):
            address = address.ipv4_mapped
        return any(address in network for network in self.trusted)

    def user(self, request: httputil.HTTPServerRequest) -> str | None:
        """The name the trusted proxy put in the auth header (None without ``auth_header``)."""
        return (request.headers.get(self.auth_header) or "").strip() or None if self.auth_header else None

    def _given_token(self, request: httputil.HTTPServerRequest) -> tuple[str | None, str]:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "token" and value:
            return value.strip(), "header"
        if "token" in request.query_arguments:
            return request.query_arguments["token"][-1].decode("utf-8", "replace"), "query"
        cookie = request.cookies.get(self.cookie)
        return (cookie.value if cookie else None), "cookie"

    def verdict(self, request: httputil.HTTPServerRequest) -> tuple[type, dict] | None:
        """None to serve the request, else the handler (and its arguments) that answers instead."""
        if not self.host_allowed(request.host):
            return _Refusal, {
                "status": 403,
                "title": "Unknown host",
                "text": f"This server answers to its own names only, not to {request.host!r}. "
                "Open it by the address it printed, or start it with --allow-host NAME.",
            }
        if request.path.startswith(self.kernel_path):
            return None  # a kernel asking for its viewer's request: the handler checks the secret path
        if self.auth_header:
            if not self.from_trusted_proxy(request.remote_ip):
                return _Refusal, {
                    "status": 403,
                    "title": "Not through the sign-in proxy",
                    "text": "This dashboard is open only through the company's sign-in proxy; "
                    "use the address your team published.",
                }
            if self.user(request) is None:
                return _Refusal, {
                    "status": 403,
                    "title": "Not signed in",
                    "text": "The sign-in proxy did not say who you are. Sign in again and reload the page.",
                }
        if self.token:
            given, where = self._given_token(request)
            if not _same(given, self.token):
                return _Refusal, {
                    "status": 403,
                    "title": "Access token needed",
                    "text": "This dashboard needs its access token: open the address with ?token= that the "
                    "person running it shared with you.",
                }
            websocket = request.headers.get("Upgrade", "").lower() == "websocket"
            if where == "query" and request.method in ("GET", "HEAD") and not websocket:
                return _TokenExchange, {"cookie": self.cookie, "token": self.token, "location": _without_token(request)}
        return None


class _GatedApplication(web.Application):
    def __init__(self, gate: Gate, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gate = gate
        self.add_transform(_SecurityHeaders)

    def find_handler(self, request, **kwargs):
        verdict = self.gate.verdict(request)
        if verdict is not None:
            return self.get_handler_delegate(request, *verdict)
        return super().find_handler(request, **kwargs)


class Limits:
    """What one client, and all of them, may take: page loads per minute per client (its user name
    behind the sign-in proxy, else its address) and live kernels (the preheated pool included)."""

    def __init__(self, max_kernels: int, page_loads_per_minute: int):
        self.max_kernels = max_kernels
        self.page_loads_per_minute = page_loads_per_minute
        self._loads: dict[str, collections.deque] = {}

    def retry_after_rate(self, client: str, now: float | None = None) -> int | None:
        """Record a page load; seconds to wait if ``client`` is over its rate (the load is not counted)."""
        now = time.monotonic() if now is None else now
        for key in [k for k, loads in self._loads.items() if not loads or loads[-1] < now - 60]:
            del self._loads[key]
        loads = self._loads.setdefault(client, collections.deque())
        while loads and loads[0] <= now - 60:
            loads.popleft()
        if len(loads) >= self.page_loads_per_minute:
            return max(1, int(loads[0] + 60 - now) + 1)
        loads.append(now)
        return None

    @staticmethod
    def live_kernels(kernel_manager) -> int:
        """Kernels running or starting, plus pool places waiting to start one. A pool kernel that is
        starting is both pending and a pool place: the larger of the two counts it once."""
        running = set(kernel_manager.list_kernel_ids())
        pending = set(getattr(kernel_manager, "_pending_kernels", {})) - running
        pools = getattr(kernel_manager, "_pools", {}).values()
        pool_places = sum(1 for pool in pools for task in pool if not task.done())
        return len(running) + max(len(pending), pool_places)


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
#: the comm targets a page opens in its kernel
BROWSER_COMM_TARGETS = ("jupyter.widget.control",)


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

    def on_message(self, ws_message):
        """Comms are the kernel's to open: the page's widget manager opens only
        ``jupyter.widget.control`` (to ask for the widgets' states; read off a real page), so a
        ``comm_open`` for any other target (a new widget of any registered kind, with any state) is
        dropped. Frames over ``max_message_bytes`` never get here: tornado closes the socket."""
        try:
            _channel, parts = deserialize_msg_from_ws_v1(ws_message)
            header = json.loads(parts[0])
            if header.get("msg_type") == "comm_open":
                target = json.loads(parts[3]).get("target_name")
                if target not in BROWSER_COMM_TARGETS:
                    self.log.warning("dropped a comm_open for %r from a browser", target)
                    return None
        except (ValueError, IndexError, TypeError, AttributeError):
            self.log.warning("dropped a malformed kernel websocket frame")
            return None
        return super().on_message(ws_message)


class _KernelQuery(RequestInfoSocketHandler):
    """Voilà's hand-off of a viewer's request (URL, headers) to a preheated kernel, which the kernel
    opens from inside. Voilà serves it at ``/voila/query/<kernel>`` to anyone: a client could read
    a viewer's request or poison the table so that the next page hangs. Here it lives under a
    secret path that only the kernels know (``VOILA_WS_BASE_URL`` in their environment)."""

    def initialize(self, secret: str):
        self.secret = secret

    async def get(self, secret, kernel_id):
        if not _same(secret, self.secret):
            raise web.HTTPError(404)
        return await super().get(kernel_id=kernel_id)


class _Page(TornadoVoilaHandler):
    """Voilà's page, without ``?theme=`` and ``?template=``: they change the page shell (the first
    was a reflected XSS) and start a kernel outside the pool. The app has one shell, so a request
    that asks for another is refused before Voilà reads it. Each load counts against the client's
    rate (refused loads too: a client that keeps asking is slowed down), and none is served when
    the live kernels are at the cap (each page holds a kernel)."""

    def prepare(self):
        if {"theme", "template"} & {name.lower() for name in self.request.query_arguments}:
            return answer_in_words(
                self,
                400,
                "Unknown address",
                "This dashboard has one look: remove ?theme= and ?template= from the address.",
            )
        limits: Limits = self.settings["org_analytics_limits"]
        client = self.application.gate.user(self.request) or self.request.remote_ip
        wait = limits.retry_after_rate(client)
        if wait is not None:
            return answer_in_words(
                self,
                429,
                "Too many page loads",
                f"This address opened the dashboard more than {limits.page_loads_per_minute} times in a minute. "
                f"Wait {wait} seconds, then reload.",
                retry_after=wait,
            )
        if Limits.live_kernels(self.kernel_manager) >= limits.max_kernels:
            self.log.warning("page refused: %d live kernels, the cap", limits.max_kernels)
            return answer_in_words(
                self,
                503,
                "Busy: retry in a moment",
                "The dashboard is serving as many viewers as this server allows. "
                "Reload the page in a moment; it opens as soon as someone leaves.",
                retry_after=10,
            )
        return super().prepare()

    @web.authenticated
    async def get(self, path=None):
        """Voilà's streaming of the page, with its keep-alive (sent while a kernel started for this
        request is slow, so that proxies do not time out) as a comment instead of an inline script."""
        async for html in self.get_generator(path=path):
            self.write(KEEP_ALIVE if html == VOILA_HEARTBEAT else html)
            self.flush()


VOILA_HEARTBEAT = "<script>window.voila_heartbeat()</script>\n"
KEEP_ALIVE = "<!-- still rendering -->\n"
#: Voilà's handlers replaced by the app's stricter ones
_STRICTER = {VoilaKernelWebsocketHandler: _KernelChannels, TornadoVoilaHandler: _Page}
TEMPLATE_DIR = Path(__file__).with_name("voila_template")


def default_max_kernels() -> int:
    return 2 * (os.cpu_count() or 1) + 2


class OrgAnalyticsVoila(Voila):
    """Voilà with the routes of the read-only app (see the module docstring), its page shell
    (``voila_template/index.html.j2``: Voilà's lab template without CDN requests or inline scripts,
    with the skeleton), its ``Gate`` in front of every route and its ``Limits``."""

    allowed_hosts = List(
        Unicode(), help="Host names answered on any port, besides localhost, 127.0.0.1 and ::1 on the server's port"
    ).tag(config=True)
    auth_header = Unicode(
        "", help="Header holding the user's name, set by the authenticating proxy; empty: no proxy"
    ).tag(config=True)
    trusted_proxies = List(Unicode(), ["127.0.0.1"], help="Addresses (or networks) whose auth header is trusted").tag(
        config=True
    )
    max_kernels = Int(0, help="Live kernels at most, the preheated pool included; 0: 2 x cores + 2").tag(config=True)
    page_loads_per_minute = Int(30, help="Page loads per client (user behind the proxy, else address)").tag(config=True)
    max_message_bytes = Int(1024 * 1024, help="Largest websocket message a browser may send").tag(config=True)
    access_token = Unicode("", help="Token every request needs (from $ORG_ANALYTICS_TOKEN, never the command line)")

    @default("config_file_paths")
    def _config_file_paths_default(self):
        """Voilà also reads ``voila.py``/``voila.json`` from the working directory, wherever
        ``serve`` is started: a file there could run code in the server. Only Jupyter's own
        configuration folders are read."""
        return jupyter_config_path()

    def setup_template_dirs(self):
        super().setup_template_dirs()
        self.template_paths = [str(TEMPLATE_DIR), *self.template_paths]
        self.static_paths = [str(TEMPLATE_DIR / "static"), *self.static_paths]

    def start(self):
        """Voilà's ``start`` with the gated application (and the kernels' secret hand-off path)."""
        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        self.kernel_secret = secrets.token_hex(16)
        base = (self.server_url or self.base_url).rstrip("/")
        # read by voila.utils.wait_for_request in every kernel (the pool copies the environment)
        os.environ["VOILA_WS_BASE_URL"] = f"{base}/{KERNEL_PATH_PREFIX}{self.kernel_secret}/"
        gate = Gate(
            port=self.port,
            base_url=self.server_url or self.base_url,
            hosts=self.allowed_hosts,
            token=self.access_token,
            auth_header=self.auth_header,
            trusted_proxies=self.trusted_proxies,
        )
        settings = self.init_settings()
        settings["org_analytics_limits"] = Limits(self.max_kernels or default_max_kernels(), self.page_loads_per_minute)
        settings["websocket_max_message_size"] = self.max_message_bytes
        self.app = _GatedApplication(gate, **settings)
        self.app.settings.update(self.tornado_settings)
        self.app.add_handlers(".*$", self.init_handlers())
        self._tidy_exports()
        self.listen()

    def _tidy_exports(self) -> None:
        """Prune the exports folder by age and quota on a timer (``exports.tidy``), not only when
        a page exports: a file nobody fetched does not outlive its half hour on an idle server."""
        from .exports import tidy

        folder = Path(os.environ.get(RUNTIME_ENV_VAR) or self.root_dir) / EXPORTS_DIR

        def run():
            try:
                removed = tidy(folder)
            except OSError as exc:
                self.log.warning("could not tidy %s: %s", folder, exc)
                return
            if removed:
                self.log.info("pruned %d export(s)", len(removed))

        every = float(os.environ.get(TIDY_ENV_VAR) or 60)
        self.tidy_timer = ioloop.PeriodicCallback(run, every * 1000)
        self.tidy_timer.start()

    def launch_browser(self):
        if not self.access_token:
            return super().launch_browser()
        url = f"{self.connection_url}?token={quote(self.access_token)}"
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    def init_handlers(self):
        base = self.server_url.rstrip("/")
        pages = "|".join(p.replace(".", r"\.") for p in PAGES)
        kernel_query = (
            rf"/{KERNEL_PATH_PREFIX}(?P<secret>[0-9a-f]{{32}})/voila/query/(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)"
        )
        return [
            (base + kernel_query, _KernelQuery, {"secret": self.kernel_secret}),
            (base + r"/voila/query/.*", _NotFound),
            (base + r"/?", _ToDashboard),
            (base + r"/voila/tree.*", _NotFound),
            (base + rf"/voila/render/{LEGACY_AGENT_NOTEBOOK.replace('.', '[.]')}", _LegacyAgentPage),
            (base + r"/voila/api/contents.*", _NotFound),
            (base + rf"/voila/render/(?!(?:{pages})(?:\?|$)).*", _NotFound),
            (base + r"/voila/api/shutdown/(.*)", _ShutdownKernel),
            *((route[0], _STRICTER.get(route[1], route[1]), *route[2:]) for route in super().init_handlers()),
        ]


def voila_arguments(
    port: int,
    open_browser: bool,
    idle_timeout: int = 600,
    *,
    allowed_hosts: list[str] = (),
    auth_header: str | None = None,
    trusted_proxies: list[str] = ("127.0.0.1",),
    max_kernels: int | None = None,
    page_loads_per_minute: int = 30,
) -> list[str]:
    """Read-only serving: sources stripped, tracebacks hidden, idle kernels culled, kernels
    preheated (see app_request), and only uuid-named CSV/Parquet exports downloadable (no ``/``
    or ``.`` in the name part); the gate's hosts and proxy, and the limits (see ``OrgAnalyticsVoila``)."""
    return [
        f"--port={port}",
        "--Voila.port_retries=0",  # the gate allows the loopback names on this port only
        "--Voila.ip=127.0.0.1",
        *(f"--OrgAnalyticsVoila.allowed_hosts={name}" for name in allowed_hosts),
        *(
            [
                f"--OrgAnalyticsVoila.auth_header={auth_header}",
                # the kernel reads the user as HTTP_<NAME> (preheated: after wait_for_request)
                f"--VoilaConfiguration.http_header_envs={auth_header}",
                *(f"--OrgAnalyticsVoila.trusted_proxies={address}" for address in trusted_proxies),
            ]
            if auth_header
            else []
        ),
        f"--OrgAnalyticsVoila.max_kernels={max_kernels or default_max_kernels()}",
        f"--OrgAnalyticsVoila.page_loads_per_minute={page_loads_per_minute}",
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
    """Serve a new runtime folder with ``voila_arguments``; Voilà stops on SIGTERM or Ctrl-C. The
    access token comes from ``$ORG_ANALYTICS_TOKEN`` (never a command line, which any local user
    can read) and is taken out of the environment the kernels inherit."""
    token = os.environ.pop(TOKEN_ENV_VAR, "")
    with runtime_folder() as folder:
        os.environ[RUNTIME_ENV_VAR] = str(folder)  # the kernels inherit the server's environment
        OrgAnalyticsVoila.launch_instance(
            [str(folder), *(argv if argv is not None else sys.argv[1:])], access_token=token
        )


if __name__ == "__main__":
    main()
