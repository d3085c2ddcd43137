"""The served app: the Organization view and an agent's view in one page and one kernel.

The dashboard's state holds the view (``view``, ``agent_id``) beside the month, legend, filters
and cards; the address bar is a function of it (:mod:`..view_url`). Clicking an agent shows its
view at once and "back" returns to the dashboard as it was (its widgets were only hidden); browser
Back/Forward move between views and months, and a copied URL opens the same view.

>>> app = App(Engine.open(), "month=2026-03&agent=a_conc")        # doctest: +SKIP
>>> app.state.view, app.agent.status                              # doctest: +SKIP
('agent', 'ready')
"""

from __future__ import annotations

import html
from datetime import datetime
from urllib.parse import parse_qsl

import ipywidgets as w

from .. import view_url
from ..app_request import app_for_viewer
from ..engine import Engine
from ..exports import Export
from ..formatting import month_label
from ..widgets.browser import Browser
from ._layout import error_html
from .agent import AgentPage
from .organization import LAZY_PARTS, Dashboard
from .read_ahead import ReadAhead

MAX_NOTE = 160  # characters of one note on what a link held
# Parts never on a viewer's first screen: a link to another month than the preheated page's waits
# for the page to report them in view before their queries run (the usage tables scan the raw
# usage: ~1 s at 100M items, which held up the page's first render).
BELOW_THE_FOLD = ("oa-usage-tables",)
MIME = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


class App(w.VBox):
    """Both views of one warehouse over one state, and the address bar that follows them."""

    def __init__(
        self,
        engine: Engine | object,
        query: str = "",
        timezone: str | None = None,
        now: datetime | str | None = None,
        rollups=None,
        **kwargs,
    ):
        if not isinstance(engine, Engine):  # a Warehouse, in a notebook
            engine = Engine(engine, rollups, timezone or "UTC", now)
        self.engine = engine
        self.browser = Browser()
        self.note = w.HTML()
        self.note.add_class("oa-link-note")
        self.dashboard = Dashboard(engine, load=False)
        self.state = self.dashboard.state
        self.agent: AgentPage | None = None
        self._applying = False
        self._entry: tuple[str, ...] = ()  # view, agent, month and zone of the address bar's entry
        super().__init__([self.browser, self.note, self.dashboard], **kwargs)
        self.add_class("oa-app")
        self.dashboard.usage_tables.deliver = self._deliver
        self.dashboard.checks_when_idle = True  # its integrity checks wait for the viewer's pause
        self.read_ahead = ReadAhead(
            engine,
            self.state,
            lambda: self.state.view == "dashboard" and self.dashboard.active,
            first=self.dashboard.run_pending_checks,
            last=self._prepare_agent_view,
        )

        self._apply(query, notes_prefix="Ignored from the link")
        self.state.observe(self._on_state, names=[*view_url.VIEW_TRAITS, *view_url.DASHBOARD_TRAITS])
        self.browser.on_address(lambda q: self._apply(q, notes_prefix="Ignored from the address"))
        self.browser.on_open(self.navigate)
        self.browser.watch = list(LAZY_PARTS)
        self.browser.observe(self._on_in_view, names=["in_view"])

    # -- the view ---------------------------------------------------------------------------------
    def open_url(self, query: str, stale: bool = False) -> None:
        """Show the view of a viewer's URL; ``stale``: the page was drawn a while ago, so the newest
        data is read again (the month shown, the freshness line)."""
        if stale:
            self.engine.forget_latest()
            self.dashboard.snapshot_is_stale()
        if self.browser.in_view is None:  # the page has not said what is on screen yet
            self.dashboard.off_screen |= set(BELOW_THE_FOLD)
        self._apply(query, notes_prefix="Ignored from the link")

    def _apply(self, query: str, notes_prefix: str) -> None:
        """Show the view a URL names (each invalid value dropped, with a note): first the month and
        view, drawn, then the dashboard's choices on top of the month they belong to."""
        wanted, notes = view_url.decode(query)
        self._change(lambda: notes.extend(view_url.assign(self.state, wanted, view_url.VIEW_TRAITS)))
        self._change(lambda: notes.extend(view_url.assign(self.state, wanted, view_url.DASHBOARD_TRAITS)))
        self._show_note(notes, notes_prefix)
        self._publish(push=False)  # the address bar already shows it

    def navigate(self, query: str) -> None:
        """An in-app link: another view or month, keeping everything else the viewer chose; or an
        in-page control (a sort header, a request's items): those values on top of the view."""
        if not {key for key, _ in parse_qsl(query)} & {"month", "agent", "agent_id"}:
            notes = view_url.merge(self.state, query)
            self._show_note(notes, "Ignored")
            self._publish()
            return
        wanted, _ = view_url.decode(query)
        wanted.setdefault("month", self.state.month)
        wanted.setdefault("timezone", self.state.timezone)
        notes: list[str] = []
        self._change(lambda: notes.extend(view_url.assign(self.state, wanted, view_url.VIEW_TRAITS)))
        self._show_note(notes, "Ignored from the link")
        self._publish()

    def _change(self, change) -> None:
        """Run ``change`` on the state and draw the view as one step: the dashboard waits (it loads
        once, if shown) and the address bar is written after, once."""
        self._applying = True
        try:
            self.dashboard.hide()
            change()
            self._show_view()
        finally:
            self._applying = False
        self._idle_soon()

    def _on_state(self, change) -> None:
        if self._applying:
            return
        if change["name"] in ("view", "agent_id") or (
            change["name"] in ("month", "timezone") and self.state.view == "agent"
        ):
            self._show_view()
        self._publish()
        self._idle_soon()

    def _publish(self, push: bool | None = None) -> None:
        """The state into the address bar: a new history entry when the view, month or zone changed
        since the last entry (whatever the order the widgets' observers ran in), else in place."""
        entry = (self.state.view, self.state.agent_id, self.state.month, self.state.timezone)
        if push is None:
            push = entry != self._entry
        self._entry = entry
        self.browser.show(view_url.encode(self.state), push)

    def _show_view(self) -> None:
        if self.state.view == "agent":
            self.dashboard.hide()
            engine = self.dashboard.engine  # the zone shown
            zone = "" if self.state.timezone == self.state.org_timezone else self.state.timezone
            if self.agent is None:
                self.agent = AgentPage(engine, self.state.agent_id, self.state.month, link_zone=zone)
                self.children = [*self.children, self.agent]
            elif (self.agent.agent_id, self.agent.month, self.agent.engine) != (
                self.state.agent_id,
                self.state.month,
                engine,
            ):
                self.agent.show(self.state.agent_id, self.state.month, engine, zone)
            with self.agent.layout.hold_sync():  # out of its box (made ahead) or shown again
                self.agent.layout.height = self.agent.layout.overflow = self.agent.layout.visibility = None
                self.agent.layout.display = None
            self.dashboard.layout.display = "none"
            title = f"{self.agent.info.get('name') or self.state.agent_id} · {month_label(self.state.month)}"
        else:
            if self.agent is not None and self.agent.layout.visibility != "hidden":  # shown once
                self.agent.layout.display = "none"
            self.dashboard.layout.display = None
            self.dashboard.show()
            title = month_label(self.state.month)
        self.browser.title = f"{title} — Organization Analytics"

    def _prepare_agent_view(self) -> bool:
        """Idle work once the months around are read: the agent view made, hidden, before the first
        agent is clicked (its ~170 widgets reached the page with that click: ~0.5 s). False when
        it is made already.

        Hidden in a box of no height, not by ``display: none``: its chart is drawn at its width
        (drawn in no box at all, its plot area came out negative: console errors)."""
        if self.agent is not None:
            return False
        engine = self.dashboard.engine
        ahead = w.Layout(height="0px", overflow="hidden", visibility="hidden")
        self.agent = AgentPage(engine, "", self.state.month, layout=ahead)
        self.agent.make_ahead(engine.timezone, self.state.month)
        self.children = [*self.children, self.agent]
        return True

    def _on_in_view(self, change) -> None:
        self.dashboard.parts_on_screen(change["new"] or ())
        self._idle_soon()

    def _idle_soon(self) -> None:
        """The viewer acted or the page drew: read ahead after a pause, once the page has been drawn
        (before that, the kernel's time goes to sending the page its widgets)."""
        if self.browser.in_view is not None:
            self.read_ahead.poke()

    def _show_note(self, notes: list[str], prefix: str) -> None:
        """What was dropped from a URL, in words; each note cut short (it quotes what the link said)."""
        notes = [n if len(n) <= MAX_NOTE else n[: MAX_NOTE - 1] + "…" for n in notes]
        text = f"{prefix}: {'; '.join(notes)}." if notes else ""
        self.note.value = f'<div class="oa-status oa-status-note">{html.escape(text)}</div>' if text else ""

    # -- downloads --------------------------------------------------------------------------------
    def _deliver(self, export: Export, name: str) -> bool:
        return self.browser.download(export.url, name, export.path, MIME.get(export.fmt, ""))


def app_from_environment() -> w.Widget:
    """The app notebook's one call: the engine from the environment, the app drawn on its default
    view before the viewer arrives (see ``app_request``), then the view of the viewer's URL.

    A warehouse that cannot be opened becomes a page-level error, not a traceback.
    """
    return app_for_viewer(App, lambda text: w.HTML(error_html(text)))
