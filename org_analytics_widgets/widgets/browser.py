"""The app's one piece of front-end code (``browser.js``): address bar, Back/Forward, links, downloads.

Python stays the source of truth: it sets ``query`` (with ``mode`` push or replace) and the page
follows; what the viewer does in the browser comes back as messages (``address`` after
Back/Forward, ``open`` for a click on an in-app link), handled by whoever registered ``on_address``
and ``on_open``; which of the ``watch``ed parts of the page are on screen comes back as ``in_view``
(a part off screen can wait: the usage tables at the bottom are filled when scrolled to). ``host`` says where the page runs: ``voila`` (the served app) or ``notebook``
(JupyterLab, where the notebook's own URL is left alone and downloads travel as bytes; an export's
link, whose href only Voilà serves, sends ``download`` to get the same bytes again).
"""

from __future__ import annotations

from pathlib import Path

import anywidget
from ipywidgets import CallbackDispatcher
from traitlets import Enum, List, Unicode

MAX_INLINE_DOWNLOAD = 64 * 2**20  # JupyterLab downloads travel through the kernel's websocket
MAX_RESENDABLE = 16  # the latest exports sent as bytes, whose links may ask for them again


class Browser(anywidget.AnyWidget):
    _esm = Path(__file__).with_name("browser.js")

    query = Unicode("", help="the view's query string, as the address bar should show it").tag(sync=True)
    mode = Enum(("push", "replace"), default_value="replace", help="how the next query enters history").tag(sync=True)
    title = Unicode("", help="the page's title (the browser tab), in the served app").tag(sync=True)
    host = Unicode("", help="voila or notebook, set by the page ('' until it is drawn)").tag(sync=True)
    watch = List(Unicode(), help="CSS classes of parts of the app whose visibility the page reports").tag(sync=True)
    in_view = List(
        Unicode(),
        default_value=None,
        allow_none=True,
        help="the watched classes whose part is on screen or near it, set by the page (None until it says)",
    ).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._on_address = CallbackDispatcher()
        self._on_open = CallbackDispatcher()
        self._sent: dict[str, tuple[str, Path, str]] = {}  # an export's url -> its name, path and type
        self.on_msg(self._receive)

    def show(self, query: str, push: bool) -> None:
        """Put ``query`` in the address bar: as a new history entry when ``push``."""
        if query != self.query:
            with self.hold_sync():
                self.mode = "push" if push else "replace"
                self.query = query

    def on_address(self, callback) -> None:
        """``callback(query)`` when the viewer moves through history (Back/Forward)."""
        self._on_address.register_callback(callback)

    def on_open(self, callback) -> None:
        """``callback(query)`` when the viewer clicks an in-app link (class ``oa-view-link``)."""
        self._on_open.register_callback(callback)

    def _receive(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return  # messages come from a browser: anything else is ignored
        kind, query, url = content.get("kind"), content.get("query"), content.get("url")
        if kind == "address" and isinstance(query, str):
            self.query = query  # the address bar already shows it
            self._on_address(query)
        elif kind == "open" and isinstance(query, str):
            self._on_open(query)
        elif kind == "download" and isinstance(url, str):
            self._send_again(url)

    def download(self, url: str, filename: str, path: Path | None = None, mime: str = "") -> bool:
        """Start a download in the viewer's browser: the served ``url`` in Voilà; in JupyterLab the
        file's bytes (``path``, up to MAX_INLINE_DOWNLOAD). False when it cannot be sent."""
        if self.host == "voila":
            self.send({"kind": "download", "url": url, "filename": filename})
            return True
        if path is None or path.stat().st_size > MAX_INLINE_DOWNLOAD:
            return False
        self.send({"kind": "download", "filename": filename, "mime": mime}, buffers=[path.read_bytes()])
        self._sent.pop(url, None)
        self._sent[url] = (filename, path, mime)
        while len(self._sent) > MAX_RESENDABLE:
            del self._sent[next(iter(self._sent))]
        return True

    def _send_again(self, url: str) -> None:
        """An export's link clicked in JupyterLab: the same bytes again, if this widget sent them
        (only those: the url comes from the browser) and the file was not pruned since."""
        if url in self._sent:
            filename, path, mime = self._sent[url]
            try:
                self.download(url, filename, path, mime)
            except OSError:  # pruned (exports live 30 minutes)
                self._sent.pop(url, None)
