"""The time zone the page's days and times are in: the organisation's by default, any IANA zone."""

from __future__ import annotations

import html

import ipywidgets as widgets
from traitlets import TraitError

from ..state import DashboardState

#: offered in the list (any other IANA name can be typed): the organisation's zone comes first
COMMON_ZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
ORG_MARK = " (organization)"
MAX_ZONE_NAME = 64  # IANA names are at most ~32 characters; a longer text is not one


class ZoneSelector(widgets.HBox):
    """``Time zone [Europe/Paris (organization) ▾]``: a combobox with the organisation's zone and
    common ones that also takes any IANA name; Enter (or leaving the field) sets the state's
    ``timezone``. A name that is not a zone is refused with a sentence and the zone stays.

    >>> selector = ZoneSelector(DashboardState(timezone="Europe/Paris"))
    >>> selector.combo.value
    'Europe/Paris (organization)'
    >>> selector.combo.value = "Asia/Tokyo"
    >>> selector.state.timezone
    'Asia/Tokyo'
    """

    def __init__(self, state: DashboardState, **kwargs):
        self.state = state
        self.combo = widgets.Combobox(
            placeholder="Any IANA zone, e.g. Asia/Tokyo",
            tooltip="The zone of every day and time on the page: pick or type one, then press Enter",
            ensure_option=False,
            continuous_update=False,  # a half-typed name is not a choice
            layout=widgets.Layout(width="250px"),
        )
        self.combo.add_class("oa-zone-input")
        self.note = widgets.HTML()
        self.note.add_class("oa-zone-note")
        self._rendering = False
        super().__init__(
            [widgets.HTML('<span class="oa-zone-label">Time zone</span>'), self.combo, self.note],
            layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
            **kwargs,
        )
        self.add_class("oa-zone-selector")
        self.combo.observe(self._on_value, names="value")
        state.observe(self._render, names=["timezone", "org_timezone"])
        self._render()

    def label(self, zone: str) -> str:
        """A zone as the list shows it: the organisation's is marked."""
        return zone + ORG_MARK if zone == self.state.org_timezone else zone

    def _on_value(self, change) -> None:
        if self._rendering:
            return
        text = str(change["new"]).strip()
        text = text.removesuffix(ORG_MARK.strip()).strip()  # the organisation's zone, as listed
        if not text:  # cleared without a choice: the zone stays
            self._render()
            return
        if len(text) > MAX_ZONE_NAME:
            problem = f"a time zone name is at most {MAX_ZONE_NAME} characters"
        else:
            try:
                self.state.timezone = text
                problem = ""
            except TraitError as exc:
                problem = str(exc)
        self._render()
        if problem:
            text = html.escape(problem[0].upper() + problem[1:])
            self.note.value = f'<span class="oa-zone-error" style="color:#b3261e;font-size:13px">{text}.</span>'

    def _render(self, _change=None) -> None:
        state = self.state
        zones = dict.fromkeys([state.org_timezone, *COMMON_ZONES, state.timezone])
        self._rendering = True
        try:
            self.combo.options = tuple(self.label(zone) for zone in zones)
            self.combo.value = self.label(state.timezone)
        finally:
            self._rendering = False
        self.note.value = ""
