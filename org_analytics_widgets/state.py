"""The one source of state of a dashboard; every widget observes it, none talks to another."""

from __future__ import annotations

from traitlets import Dict, Enum, HasTraits, Int, TraitError, Tuple, Unicode, default, validate

from .filters import FilterError, clean_filters
from .period import PeriodError, parse_month, parse_zone

STATUSES = ("loading", "ready", "empty", "error")
VIEWS = ("dashboard", "agent", "project")
TABLES = ("requests", "items")
CARD_VIEWS = ("costs", "requests", "usage")
MAX_ID_LENGTH = 200


class DashboardState(HasTraits):
    """View, month, time zone, hidden service types, filters and load status of one dashboard.

    Everything a viewer chooses is here, so the address bar (``view_url``) is a function of it.

    Values can arrive from a viewer's browser (any synced widget trait can be set to anything),
    so every trait is validated here.

    >>> state = DashboardState(month="2026-10", latest_month="2026-11")
    >>> state.month = "2026-12"
    Traceback (most recent call last):
    ...
    traitlets.traitlets.TraitError: month 2026-12 is after the current month 2026-11
    """

    view = Enum(
        VIEWS, default_value="dashboard", help="the view shown: the Organization page, one agent's or one project's"
    )
    agent_id = Unicode("", help="the agent of the agent view")
    project_id = Unicode("", help="the project of the project view")
    month = Unicode(help="the month shown, YYYY-MM")
    latest_month = Unicode(help="the current month in the org time zone: navigation stops here")
    first_month = Unicode("", help="the first month with data: navigation back stops here ('': not known)")
    timezone = Unicode("UTC", help="IANA time zone of the page's days and times: the org's or the viewer's choice")
    org_timezone = Unicode(help="IANA time zone of the organisation (the default zone); unset: timezone")
    hidden_service_types = Tuple(help="service types hidden from the cost overview (legend clicks)")
    hidden_projects = Tuple(help="projects hidden from the project trends (legend clicks)")
    trend_service_type = Unicode("", help="service type shown by the project trends; '' means all")
    budget_project = Unicode("", help="the project whose budget burn-down the trends chart draws; '' for none")
    card_views = Dict(help="service type -> the view its card shows (costs, requests, usage); absent: costs")
    table = Enum(TABLES, default_value="requests", help="the usage table shown")
    refresh_count = Int(0, help="incremented by the refresh button: re-run the month's queries")
    status = Enum(STATUSES, default_value="loading", help="load status of the month shown")
    message = Unicode("", help="what the status means for a person (error text, empty month)")
    requests_filters = Dict(
        help="Usage Requests table: date_from/date_to (local days of the month), project_id, "
        "service_type, model, agent_id, status, search (request-id substring), integrity "
        "(no_items), sort, descending, page; validated by filters.clean_filters"
    )
    items_filters = Dict(
        help="Usage Items table: like requests_filters without status, plus request_id "
        "(exact: the items of one request); integrity is unpriced or orphan"
    )

    @validate("month", "latest_month", "first_month")
    def _valid_month(self, proposal):
        value = proposal["value"]
        if proposal["trait"].name == "first_month" and not value:
            return value
        try:
            parse_month(value)
        except PeriodError as exc:
            raise TraitError(str(exc)) from None
        if proposal["trait"].name == "month" and self.latest_month and value > self.latest_month:
            raise TraitError(f"month {value} is after the current month {self.latest_month}")
        if proposal["trait"].name == "month" and self.first_month and value < self.first_month:
            raise TraitError(f"month {value} is before the first month with data, {self.first_month}")
        return value

    @default("org_timezone")
    def _org_timezone_default(self):
        return self.timezone

    def set_range(self, first_month: str, latest_month: str) -> None:
        """Move the navigation range (``first_month`` may be '': not known) and the month into it:
        what another time zone does, whose current and first months may be others.

        >>> state = DashboardState(month="2026-12", latest_month="2026-12")
        >>> state.set_range("2026-02", "2026-11")
        >>> state.month, state.latest_month
        ('2026-11', '2026-11')
        """
        month = min(self.month or latest_month, latest_month)
        month = max(month, first_month) if first_month else month
        self.first_month = ""
        if latest_month >= (self.latest_month or latest_month):
            self.latest_month = latest_month
            self.month = month
        else:
            self.month = month
            self.latest_month = latest_month
        self.first_month = first_month

    @validate("timezone", "org_timezone")
    def _valid_zone(self, proposal):
        try:
            return parse_zone(proposal["value"]).key
        except PeriodError as exc:
            raise TraitError(str(exc)) from None

    @validate("agent_id", "project_id", "budget_project")
    def _valid_agent(self, proposal):
        if len(proposal["value"]) > MAX_ID_LENGTH:
            what = "agent" if proposal["trait"].name == "agent_id" else "project"
            raise TraitError(f"{what} id is longer than {MAX_ID_LENGTH} characters")
        return proposal["value"]

    @validate("card_views")
    def _valid_card_views(self, proposal):
        views = {}
        for service_type, view in proposal["value"].items():
            if view not in CARD_VIEWS:
                raise TraitError(f"card view must be one of {', '.join(CARD_VIEWS)}; got {view!r}")
            if view != "costs":
                views[str(service_type)[:MAX_ID_LENGTH]] = view
        return views

    @validate("hidden_service_types", "hidden_projects")
    def _valid_hidden(self, proposal):
        return tuple(dict.fromkeys(str(v) for v in proposal["value"]))

    @validate("requests_filters", "items_filters")
    def _valid_table_filters(self, proposal):
        kind = "requests" if proposal["trait"].name == "requests_filters" else "items"
        try:
            return clean_filters(kind, proposal["value"], self.month or None)
        except FilterError as exc:
            raise TraitError(str(exc)) from None
