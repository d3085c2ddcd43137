"""The served app: the Organization view, an agent's view and a project's view in one page and one
kernel.

The dashboard's state holds the view (``view``, ``agent_id``, ``project_id``) beside the month,
legend, filters and cards; the address bar is a function of it (:mod:`..view_url`). Clicking an
agent or a project shows its view at once and "back" returns to the dashboard as it was (its
widgets were only hidden); browser Back/Forward move between views and months, and a copied URL
opens the same view (an unknown project is dropped from it, with a note).

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
from .project import ProjectPage
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
        self.project: ProjectPage | None = None
        self._applying = False
        self._entry: tuple[str, ...] = ()  # view, agent, project, month and zone of the address bar's entry
        super().__init__([self.browser, self.note, self.dashboard], **kwargs)
        self.add_class("oa-app")
        self.dashboard.usage_tables.deliver = self._deliver
        self.dashboard.work_when_idle = True  # its KPIs' history and integrity checks wait for the viewer's pause
        self.read_ahead = ReadAhead(
            engine,
            self.state,
            lambda: self.state.view == "dashboard" and self.dashboard.active,
            first=self.dashboard.run_pending_work,
            last=self._prepare_views,
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
        notes += self._change(lambda: notes.extend(view_url.assign(self.state, wanted, view_url.VIEW_TRAITS)))
        notes += self._change(lambda: notes.extend(view_url.assign(self.state, wanted, view_url.DASHBOARD_TRAITS)))
        self._show_note(notes, notes_prefix)
        self._publish(push=False)  # the address bar already shows it

    def navigate(self, query: str) -> None:
        """An in-app link: another view or month, keeping everything else the viewer chose; or an
        in-page control (a sort header, a request's items): those values on top of the view."""
        if not {key for key, _ in parse_qsl(query)} & {"month", "agent", "agent_id", "project"}:
            notes = view_url.merge(self.state, query)
            self._show_note(notes, "Ignored")
            self._publish()
            return
        wanted, _ = view_url.decode(query)
        wanted.setdefault("month", self.state.month)
        wanted.setdefault("timezone", self.state.timezone)
        notes: list[str] = []
        notes += self._change(lambda: notes.extend(view_url.assign(self.state, wanted, view_url.VIEW_TRAITS)))
        self._show_note(notes, "Ignored from the link")
        self._publish()

    def _change(self, change) -> list[str]:
        """Run ``change`` on the state and draw the view as one step: the dashboard waits (it loads
        once, if shown) and the address bar is written after, once. Returns notes on what the view
        dropped (an unknown project)."""
        self._applying = True
        try:
            self.dashboard.hide()
            change()
            notes = self._show_view()
        finally:
            self._applying = False
        self._idle_soon()
        return notes

    def _on_state(self, change) -> None:
        if self._applying:
            return
        if change["name"] in ("view", "agent_id", "project_id") or (
            change["name"] in ("month", "timezone") and self.state.view in ("agent", "project")
        ):
            self._applying = True  # a dropped project sets the state back: drawn here, once
            try:
                notes = self._show_view()
            finally:
                self._applying = False
            if notes:
                self._show_note(notes, "Ignored")
        self._publish()
        self._idle_soon()

    def _publish(self, push: bool | None = None) -> None:
        """The state into the address bar: a new history entry when the view, month or zone changed
        since the last entry (whatever the order the widgets' observers ran in), else in place."""
        state = self.state
        entry = (state.view, state.agent_id, state.project_id, state.month, state.timezone)
        if push is None:
            push = entry != self._entry
        self._entry = entry
        self.browser.show(view_url.encode(self.state), push)

    def _show_view(self) -> list[str]:
        """Show the state's view, the others hidden; returns notes on what it dropped: an unknown
        project (the dashboard is shown instead, the state set back to it)."""
        zone = "" if self.state.timezone == self.state.org_timezone else self.state.timezone
        engine = self.dashboard.engine  # the zone shown
        notes: list[str] = []
        if self.state.view == "project":
            page = self._project_view(engine, zone)
            if page.status == "unknown":
                notes.append(f"there is no project {self.state.project_id!r}")
                with self.state.hold_trait_notifications():
                    self.state.view, self.state.project_id = "dashboard", ""
            else:
                self._only(page)
                self.browser.title = f"{page.name} · {month_label(self.state.month)} — Organization Analytics"
                return notes
        if self.state.view == "agent":
            if self.agent is None:
                self.agent = AgentPage(engine, self.state.agent_id, self.state.month, link_zone=zone)
                self.children = [*self.children, self.agent]
            elif (self.agent.agent_id, self.agent.month, self.agent.engine) != (
                self.state.agent_id,
                self.state.month,
                engine,
            ):
                self.agent.show(self.state.agent_id, self.state.month, engine, zone)
            self._only(self.agent)
            title = f"{self.agent.info.get('name') or self.state.agent_id} · {month_label(self.state.month)}"
        else:
            self._only(self.dashboard)
            self.dashboard.show()
            title = month_label(self.state.month)
        self.browser.title = f"{title} — Organization Analytics"
        return notes

    def _project_view(self, engine: Engine, zone: str) -> ProjectPage:
        """The project view of the state's project and month (made, or shown again)."""
        state = self.state
        if self.project is None:
            self.project = ProjectPage(engine, state.project_id, state.month, zone, self._forecast_of)
            self.children = [*self.children, self.project]
        elif (self.project.project_id, self.project.month, self.project.engine, self.project.link_zone) != (
            state.project_id,
            state.month,
            engine,
            zone,
        ):
            self.project.show(state.project_id, state.month, engine, zone)
        return self.project

    def _only(self, view: w.Widget) -> None:
        """Show ``view``, hide the others (a view made ahead leaves its box of no height)."""
        if view is not self.dashboard:
            self.dashboard.hide()  # a month chosen meanwhile is loaded when it is shown again
        for page in (self.dashboard, self.agent, self.project):
            if page is None or page is view:
                continue
            if page is self.dashboard or page.layout.visibility != "hidden":  # shown once
                page.layout.display = "none"
        with view.layout.hold_sync():
            view.layout.height = view.layout.overflow = view.layout.visibility = None
            view.layout.display = None

    def _forecast_of(self, period) -> dict | None:
        """The report's forecast section of ``period`` for the project view: the dashboard's when it
        shows that month (the current month is never cached), else the engine's."""
        d = self.dashboard
        if d.snapshot is not None and d.snapshot.period == period:
            return d.forecast.to_report() if d.forecast is not None else None
        found = self.engine.in_zone(period.timezone).forecast(period)
        return found.to_report() if found is not None else None

    def _prepare_views(self) -> bool:
        """Idle work once the months around are read: the agent view, then the project view, made
        hidden before the first click (an agent view's ~170 widgets reached the page with that
        click: ~0.5 s). False when both are made.

        Hidden in a box of no height, not by ``display: none``: a chart is drawn at its width
        (drawn in no box at all, its plot area came out negative: console errors)."""
        if self.agent is not None and self.project is not None:
            return False
        engine = self.dashboard.engine
        ahead = w.Layout(height="0px", overflow="hidden", visibility="hidden")
        if self.agent is None:
            self.agent = AgentPage(engine, "", self.state.month, layout=ahead)
            self.agent.make_ahead(engine.timezone, self.state.month)
            self.children = [*self.children, self.agent]
        else:
            self.project = ProjectPage(engine, "", self.state.month, forecast_of=self._forecast_of, layout=ahead)
            self.project.make_ahead(self.state.month)
            self.children = [*self.children, self.project]
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
