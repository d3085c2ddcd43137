"""Reading ahead: the months the month navigator's next click would show, computed while the viewer
reads the one on screen.

A month not seen yet costs the engine its facts (~0.3-0.5 s from rollups at 100M items) and its
unusual days (the daily costs of the month before: ~0.1 s); a month in the engine's memory costs
only the drawing. So once the page has drawn a month and the viewer has done nothing for
IDLE_DELAY, the previous month (the usual click) and then the next one (when closed: the current
month is never cached) are put in the engine's month cache, one month per step; then the page's own
last work (the app's agent and project views), then the same months' KPI histories (the cards'
sparklines, drawn after a switch's numbers: the year before each, one read per month). Each step
runs on the kernel's event loop between the viewer's messages, so a click waits behind at most one
month's computation; any action of the viewer restarts the wait. Without a running event loop (a
script, a plain test) nothing is read ahead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..period import shift_month

IDLE_DELAY = 0.3  # seconds without an action of the viewer before a step
log = logging.getLogger(__name__)


class ReadAhead:
    """Reads ahead for one page: ``engine.month`` of the neighbours of ``state.month`` in the
    state's zone (the page's engine: ``engine.in_zone(state.timezone)``), while ``showing()`` says
    the dashboard is the view on screen and its month is ready. ``first()`` and ``last()``, when
    given, are the page's own idle work, asked at each step before the neighbours and once they are
    read, before their KPI histories (True: it did some)."""

    def __init__(
        self,
        engine,
        state,
        showing: Callable[[], bool],
        first: Callable[[], bool] | None = None,
        last: Callable[[], bool] | None = None,
    ):
        self.engine, self.state, self.showing, self.first, self.last = engine, state, showing, first, last
        self._handle: asyncio.TimerHandle | None = None
        self._done: set[tuple[str, str, str]] = set()  # (what, zone, month) read (or tried) since the last refresh
        state.observe(self._forget, names=["refresh_count"])

    def wanted(self) -> list[tuple[str, str]]:
        """What of the neighbours of the month shown is not read yet, as (what, month): their months,
        previous (from the first month with data on), then next (when it is a closed month), then
        their KPI histories in the same order."""
        month, state = self.state.month, self.state
        previous, following = shift_month(month, -1), shift_month(month, 1)
        out = []
        if not state.first_month or previous >= state.first_month:
            out.append(previous)
        if following < state.latest_month:
            out.append(following)
        return [(what, m) for what in ("month", "history") for m in out if (what, state.timezone, m) not in self._done]

    def poke(self) -> None:
        """The viewer did something (or the page finished drawing): wait IDLE_DELAY again."""
        self.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._handle = loop.call_later(IDLE_DELAY, self._step)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _step(self) -> None:
        self._handle = None
        if not self.showing() or self.state.status not in ("ready", "empty"):
            return
        if self.first is not None and self.first():  # the page's own pending work comes first
            self.poke()
            return
        wanted = self.wanted()
        months_read = all(what != "month" for what, _ in wanted)
        if months_read and self.last is not None and self.last():  # the page's own, before the histories
            self.poke()
            return
        if not wanted:
            return
        what, month = wanted[0]
        self._done.add((what, self.state.timezone, month))
        engine = self.engine.in_zone(self.state.timezone)
        try:
            snapshot = engine.month(month)  # for a history: in memory, read at the step before
            if what == "month":
                engine.unusual_days(snapshot.period, snapshot)  # drawn with the month (a read of the month before)
            else:
                engine.kpi_history(month, snapshot)
        except Exception:  # the viewer's own click will say what broke
            log.debug("reading %s's %s ahead failed", month, what, exc_info=True)
        self.poke()

    def _forget(self, _change=None) -> None:
        self._done.clear()
