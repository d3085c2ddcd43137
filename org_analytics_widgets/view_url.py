"""The view in the address bar: a dashboard state as a query string, and back.

A copied URL opens the same view, so everything a viewer chooses is in it: the view (dashboard, one
agent or one project), the month, the time zone (``tz``, when not the organisation's), hidden
service types, the trends filter, the cards' views, the usage table shown and both tables' filters,
sort and page.
Only what differs from the defaults is written.

>>> state = DashboardState(month="2026-03", latest_month="2026-11")
>>> state.hidden_service_types = ("embedding",)
>>> state.requests_filters = {"status": "error", "sort": "cost", "page": 1}
>>> query = encode(state)
>>> query
'month=2026-03&hide=embedding&requests.status=error&requests.sort=cost&requests.page=2'
>>> fresh = DashboardState(month="2026-11", latest_month="2026-11")
>>> apply(fresh, query)
[]
>>> encode(fresh) == query
True

Values come from whoever wrote the link, so each is validated by the state on its own: an invalid
one is dropped with a note in words and the others still apply.

>>> apply(fresh, "month=2027-01&hide=agent&requests.sort=colour")
['2027-01 is in the future. Showing the current month instead', "cannot sort the requests table by 'colour': ..."]
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from traitlets import TraitError

from .filters import FILTER_KEYS, default_filters
from .period import month_of
from .state import TABLES, DashboardState

MAX_QUERY_LENGTH = 8_000  # a longer query is not a link this app wrote
#: single-valued parameter -> its trait
_SINGLE = {"month": "month", "tz": "timezone", "trend": "trend_service_type", "table": "table"}
#: legacy agent page links (``agent_analytics.ipynb?agent_id=…``) name the agent ``agent_id``
_AGENT_KEYS = ("agent", "agent_id")


def encode(state: DashboardState) -> str:
    """The query string of the state's view (``&``-joined, URL-quoted; '' for nothing)."""
    pairs: list[tuple[str, str]] = []
    if state.view == "agent":
        pairs.append(("agent", state.agent_id))
    elif state.view == "project":
        pairs.append(("project", state.project_id))
    pairs.append(("month", state.month))
    if state.timezone != state.org_timezone:
        pairs.append(("tz", state.timezone))
    if state.view == "dashboard":
        pairs += [("hide", t) for t in state.hidden_service_types]
        if state.trend_service_type:
            pairs.append(("trend", state.trend_service_type))
        pairs += [("hide_project", p) for p in state.hidden_projects]
        pairs += [("card", f"{t}:{v}") for t, v in sorted(state.card_views.items())]
        if state.table != TABLES[0]:
            pairs.append(("table", state.table))
        for kind in TABLES:
            pairs += _filter_pairs(kind, getattr(state, f"{kind}_filters"))
    return urlencode([(k, v) for k, v in pairs if v != ""], safe=":/")


def _filter_pairs(kind: str, filters: dict) -> list[tuple[str, str]]:
    defaults = default_filters(kind)
    pairs = []
    for key in FILTER_KEYS[kind]:
        value = filters.get(key)
        if value is None or value == "" or value == defaults.get(key):
            continue
        if key == "descending":
            pairs.append((f"{kind}.order", "desc" if value else "asc"))
        elif key == "page":
            pairs.append((f"{kind}.page", str(int(value) + 1)))  # people count pages from 1
        else:
            pairs.append((f"{kind}.{key}", str(value)))
    return pairs


def decode(query: str) -> tuple[dict, list[str]]:
    """The query's view as trait values (raw, not yet validated) and notes on what cannot be read."""
    notes: list[str] = []
    query = (query or "").lstrip("?")
    if len(query) > MAX_QUERY_LENGTH:
        return {}, [f"the link's view is longer than {MAX_QUERY_LENGTH:,} characters"]
    view: dict = {"view": "dashboard"}
    hidden: list[str] = []
    hidden_projects: list[str] = []
    cards: dict[str, str] = {}
    tables: dict[str, dict] = {kind: {} for kind in TABLES}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in _AGENT_KEYS or key == "project":  # single values: the first view named counts
            if view["view"] == "dashboard":
                view.update(
                    {"view": "project", "project_id": value}
                    if key == "project"
                    else {"view": "agent", "agent_id": value}
                )
        elif key in _SINGLE:
            view.setdefault(_SINGLE[key], value)
        elif key == "hide":
            hidden.append(value)
        elif key == "hide_project":
            hidden_projects += [value] if value else []  # "hide_project=" alone: none hidden
        elif key == "card":
            service_type, _, card_view = value.rpartition(":")
            if service_type:
                cards[service_type] = card_view
            else:
                notes.append(f"card view {value!r} is not type:view")
        elif "." in key and key.split(".", 1)[0] in tables:
            kind, name = key.split(".", 1)
            _read_filter(kind, name, value, tables[kind], notes)
        else:
            notes.append(f"unknown parameter {key!r}")
    view["hidden_service_types"] = tuple(hidden)
    view["hidden_projects"] = tuple(hidden_projects)
    view["card_views"] = cards
    for kind, filters in tables.items():
        view[f"{kind}_filters"] = filters
    return view, notes


def _read_filter(kind: str, name: str, value: str, filters: dict, notes: list[str]) -> None:
    if name == "order":
        if value in ("asc", "desc"):
            filters["descending"] = value == "desc"
        else:
            notes.append(f"{kind} order must be asc or desc, got {value!r}")
    elif name == "page":
        if value.isdigit() and int(value) >= 1:
            filters["page"] = int(value) - 1
        else:
            notes.append(f"{kind} page must be a whole number from 1, got {value!r}")
    elif name in FILTER_KEYS[kind] and name not in ("descending",):
        filters[name] = value
    else:
        notes.append(f"unknown {kind} filter {name!r}")


#: what a URL's view is made of, in the order it is applied: the time zone first (the current month
#: is the zone's), then the month (dates in filters are checked against it) and the view (zone,
#: month, agent or project) before the dashboard's choices
VIEW_TRAITS = ("timezone", "month", "agent_id", "project_id", "view")
DASHBOARD_TRAITS = (
    "hidden_service_types",
    "trend_service_type",
    "hidden_projects",
    "card_views",
    "table",
    "requests_filters",
    "items_filters",
)
_DEFAULTS = {
    "hidden_service_types": (),
    "hidden_projects": (),
    "trend_service_type": "",
    "card_views": {},
    "table": TABLES[0],
    "requests_filters": {},
    "items_filters": {},
    "agent_id": "",
    "project_id": "",
    "view": "dashboard",
}


def apply(state: DashboardState, query: str) -> list[str]:
    """Set the state to the query's view, each value on its own; returns notes on what was dropped."""
    wanted, notes = decode(query)
    notes += assign(state, wanted, VIEW_TRAITS)
    return notes + assign(state, wanted, DASHBOARD_TRAITS)


def assign(state: DashboardState, wanted: dict, traits: tuple[str, ...]) -> list[str]:
    """Set ``traits`` of the state from a decoded view (absent: the default; an invalid value keeps
    the default, or for the month, the month shown); returns notes on what was dropped. An agent's
    or a project's view says nothing about the dashboard's choices: they stay as they are, for
    "back"."""
    notes: list[str] = []
    if wanted.get("view") in ("agent", "project"):
        traits = tuple(t for t in traits if t in VIEW_TRAITS)
    for trait in traits:
        if trait == "month":
            default = state.latest_month or state.month
        elif trait == "timezone":
            default = state.org_timezone
        else:
            default = _DEFAULTS[trait]
        value = wanted.get(trait, default)
        if trait == "month" and state.latest_month:  # parsed once; out of range becomes the nearest month
            value, problem = month_of(value, state.latest_month, state.first_month)
            notes += [problem.rstrip(".")] if problem else []
        if trait.endswith("_filters"):
            value = _each_filter(state, trait, value, notes)
        try:
            setattr(state, trait, value)
        except TraitError as exc:
            notes.append(str(exc))
            if trait != "month":
                setattr(state, trait, default)
    for view in ("agent", "project"):
        if "view" in traits and state.view == view and not getattr(state, f"{view}_id"):
            notes.append(f"no {view} given")
            state.view = "dashboard"
    return notes


def merge(state: DashboardState, query: str) -> list[str]:
    """A control's query on top of the view (a sort header, a request's items, a trends legend row):
    the table shown, the hidden projects and the named filters of each table change, the rest
    stays; a filter change starts at page 1."""
    wanted, notes = decode(query)
    keys = {key for key, _ in parse_qsl((query or "").lstrip("?"), keep_blank_values=True)}
    if "table" in keys:
        try:
            state.table = wanted["table"]
        except TraitError as exc:
            notes.append(str(exc))
    if "hide_project" in keys:
        state.hidden_projects = wanted["hidden_projects"]
    for kind in TABLES:
        trait = f"{kind}_filters"
        if any(key.startswith(f"{kind}.") for key in keys):
            current = {k: v for k, v in getattr(state, trait).items() if k != "page"}
            merged = _each_filter(state, trait, {**current, **wanted[trait]}, notes)
            setattr(state, trait, merged)
    return notes


def _each_filter(state: DashboardState, trait: str, filters: dict, notes: list[str]) -> dict:
    """The filters that pass the state's validation one by one (a bad sort keeps the others)."""
    kept: dict = {}
    check = DashboardState(month=state.month, latest_month=state.latest_month)
    for key, value in filters.items():
        try:
            setattr(check, trait, {**kept, key: value})
        except TraitError as exc:
            notes.append(str(exc))
        else:
            kept[key] = value
    return kept
