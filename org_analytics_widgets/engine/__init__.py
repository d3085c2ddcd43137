"""The engine: the one object every page, command and notebook asks for numbers.

It owns the warehouse, the rollups, the month cache and the deadline. Asked for "month M", "agent
A's month" or "the comparison KPIs", it picks the source once per request (the rollups when they
are fresh and fit the period, else the raw tables), runs the facts there, derives the sections in
the kernel, and answers a closed month from the cache (memory, then disk, shared by processes).

>>> engine = Engine.open("duckdb:///data/usage.duckdb", timezone="Europe/Paris")   # doctest: +SKIP
>>> engine.snapshot("2026-10").kpis["total_cost"]                                  # doctest: +SKIP
>>> engine.report("2026-10")["top_agents"][0]                                      # doctest: +SKIP
>>> engine.agent_month("a_support", "2026-10").kpis                                # doctest: +SKIP
>>> engine.project_month("p_support", "2026-10").month.top_agents                  # doctest: +SKIP
>>> engine.table("items", engine.period("2026-10"), {"service_type": "embedding"})  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa

from data_connectors import Warehouse, connect
from data_connectors.url import redact

from .. import shaping, spend_change
from ..exports import Export, default_exports_dir, export_table
from ..links import RUNTIME_ENV_VAR
from ..metrics import agent as agent_metrics
from ..metrics import tables
from ..metrics import facts as fact_defs
from ..period import UTC, Month, Period, current_month, month_of, parse_now, parse_zone, shift_month
from ..colors import project_color
from ..snapshot import AgentMonth, ProjectMonth, Snapshot
from . import derive
from .cache import MonthCache
from .sources import RawSource, RollupSource

CACHE_ENV_VAR = "ORG_ANALYTICS_CACHE_DIR"
MEMORY_MONTHS = 24  # closed months kept in memory too: a snapshot is kilobytes to a few MB
MAX_ZONES = 8  # engines in other zones kept per warehouse (Engine.in_zone): each holds no connection
REQUESTS_SHOWN = 50  # an agent's latest requests on its page
MONTH_FACTS = ("items", "item_requests", "totals", "by_project", "agent_items", "agent_requests")
KPI_FACTS = ("items", "totals", "by_project")
AGENT_FACTS = ("items", "totals", "by_project")
# a project's: the month's facts but item_requests (keyed by service type only: no project to filter on)
PROJECT_FACTS = ("items", "totals", "by_project", "agent_items", "agent_requests")


def default_cache_dir(rollups=None) -> Path:
    """``$ORG_ANALYTICS_CACHE_DIR``; else beside the rollups file when its folder is writable (the
    cache then outlives a server restart: a rollup refresh changes every key); else ``months/`` in
    the server's runtime folder; else the user's cache folder."""
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR]).expanduser()
    if rollups is not None and os.access(rollups.path.parent, os.W_OK):
        return rollups.path.with_name(rollups.path.name + ".months")
    if os.environ.get(RUNTIME_ENV_VAR):
        return Path(os.environ[RUNTIME_ENV_VAR]) / "months"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "org-analytics" / "months"


class _Shared:
    """What the engines of one warehouse in several zones (``Engine.in_zone``) hold in common
    besides the warehouse, the rollups and the month cache: the months in memory (MEMORY_MONTHS in
    all), each closed month's KPIs of a KPI history (``history.py``: a few hundred bytes a month,
    apart so that a year of them does not push months out), the data span and whether the warehouse
    failed."""

    def __init__(self) -> None:
        self.memory: OrderedDict[tuple, object] = OrderedDict()
        self.month_kpis: dict[tuple, dict] = {}
        self.lock = threading.Lock()  # the memory is also written by a page's checks run apart
        self.span: tuple | None = None
        self.failed = False


class Engine:
    """Numbers for one warehouse in one organisation time zone.

    ``now`` fixes "now" (tests, reproducible reports); ``cache``: a MonthCache, False for none,
    None for the default folder (see ``default_cache_dir``).
    """

    def __init__(
        self,
        warehouse: Warehouse,
        rollups=None,
        timezone: str = "UTC",
        now: datetime | str | None = None,
        cache: MonthCache | bool | None = None,
    ):
        self.warehouse = warehouse
        self.rollups = rollups
        self.timezone = parse_zone(timezone).key
        self.now = parse_now(now) if now is not None else None
        if cache is None:
            cache = MonthCache(default_cache_dir(rollups))
        self.cache: MonthCache | None = cache or None
        self._shared = _Shared()
        self._zones: OrderedDict[str, Engine] = OrderedDict()  # in_zone's engines, made from this one
        self._origin: weakref.ref[Engine] | None = None  # the engine this one was made from (weak: no cycle)

    @classmethod
    def open(
        cls,
        warehouse: str | None = None,
        rollups: str | None = None,
        timezone: str = "UTC",
        now: datetime | str | None = None,
        cache: MonthCache | bool | None = None,
        writable_dirs: Sequence[Path] | None = None,
    ) -> "Engine":
        """Connect to ``warehouse`` (a URL; default ``$ORG_ANALYTICS_WAREHOUSE``, else the demo) and
        open ``rollups`` (a file; default ``$ORG_ANALYTICS_ROLLUPS``, else none). Exports may be
        written to ``writable_dirs`` (default: ``exports/`` in the working directory, where the
        usage tables write them). Raises WarehouseError or PeriodError with a one-line message."""
        from ..rollups import open_rollups

        parse_zone(timezone)
        parse_now(now)
        wh = connect(warehouse, writable_dirs=[default_exports_dir()] if writable_dirs is None else writable_dirs)
        try:
            return cls(wh, open_rollups(rollups), timezone, now, cache)
        except BaseException:
            wh.close()
            raise

    def restricted_to(self, project_ids) -> "Engine":
        """This engine as seen by a viewer who may see only ``project_ids`` (see ``access``): over
        the same connection, on the raw tables filtered to them, without the rollups (built for the
        whole organisation) and without the shared month cache (a scoped month must never be
        served to another viewer, nor an unscoped one to this one)."""
        from data_connectors.warehouse import restrict

        return Engine(restrict(self.warehouse, project_ids), None, self.timezone, self.now, cache=False)

    def in_zone(self, timezone: str) -> "Engine":
        """This engine in another IANA zone (a viewer's choice on the page): its periods, current
        month and first month are that zone's; the warehouse connection, rollups, month cache and
        months in memory are this engine's (closing one closes both). The same zone gives the same
        engine back; the MAX_ZONES zones used last are kept. Raises PeriodError for an unknown zone.

        >>> engine.in_zone("Asia/Tokyo").report("2026-10")["period"]["start"]   # doctest: +SKIP
        '2026-10-01T00:00:00+09:00'
        """
        origin = self._origin() if self._origin is not None else None
        if origin is not None:
            return origin.in_zone(timezone)
        zone = parse_zone(timezone).key
        if zone == self.timezone:
            return self
        zones = self._zones
        if zone not in zones:
            sibling = copy.copy(self)
            sibling.timezone, sibling._zones, sibling._origin = zone, OrderedDict(), weakref.ref(self)
            zones[zone] = sibling
            while len(zones) > MAX_ZONES:
                zones.popitem(last=False)
        zones.move_to_end(zone)
        return zones[zone]

    def __repr__(self) -> str:
        rollups = f", rollups {self.rollups.path}" if self.rollups is not None else ""
        return f"<Engine {redact(self.warehouse.url)} in {self.timezone}{rollups}>"

    def close(self) -> None:
        if self.rollups is not None:
            self.rollups.close()
        self.warehouse.close()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- periods -------------------------------------------------------------------------------
    @property
    def latest_month(self) -> str:
        """The current month in the org time zone: navigation stops here."""
        return current_month(self.timezone, self.now)

    def period(self, month: str | Period | None = None) -> Period:
        """The Period of ``month`` (YYYY-MM, default the current month) in the engine's zone."""
        if isinstance(month, Period):
            return month
        return Period.for_month(month or self.latest_month, self.timezone, self.now)

    def is_closed(self, period: Period) -> bool:
        """True for a month before the current one in the period's own zone (cached: it is whole)."""
        return period.month < current_month(period.timezone, self.now)

    # -- answers -------------------------------------------------------------------------------
    def month(self, month: str | Period | None = None) -> Snapshot:
        """The month's snapshot with its comparison KPIs (``comparison``, ``previous_kpis``)."""
        period = self.period(month)

        def compute() -> Snapshot:
            snap = self._snapshot(period)
            snap.comparison = comparison_period(period)
            snap.previous_kpis, cells, projects = self._comparison(snap.comparison)
            snap.spend_change = spend_change.decompose(snap.cost_cells, snap.project_efficiency, cells, projects)
            return snap

        return self._cached(period, ("month",), compute)

    def snapshot(self, month: str | Period | None = None) -> Snapshot:
        """The month's snapshot (every section of the contract), without the comparison."""
        period = self.period(month)
        return self._cached(period, ("snapshot",), lambda: self._snapshot(period))

    def report(self, month: str | Period | None = None) -> dict:
        """The contract's ``report`` JSON of a month (what ``org-analytics report`` prints)."""
        from ..report import month_report

        snap = self.month(month)  # with its comparison: the spend change
        return month_report(
            snap,
            self.integrity(month),
            self.forecast(snap.period, snap),
            self.unusual_days(snap.period, snap),
            self.kpi_history(snap.period, snap),
        )

    def forecast(self, month: str | Period | None = None, snapshot: Snapshot | None = None):
        """The current month's month-end forecast and budgets (``forecast.MonthForecast``: the total,
        each project against its budget, the budgeted projects together); None for a closed month.
        ``snapshot``: the month's, when the caller has it (the current month is never cached).

        >>> engine.forecast().total.forecast                              # doctest: +SKIP
        """
        from .forecast import forecast

        period = self.period(month)
        if self.is_closed(period) or not period.days:
            return None
        return forecast(self, period, snapshot)

    def unusual_days(self, month: str | Period | None = None, snapshot: Snapshot | None = None):
        """The month's unusual days (``unusual.UnusualDays``: cost far from the median of the same kind
        of day over the 28 days before, and the project and model that moved most); ``snapshot``: the
        month's, when the caller has it. A closed month's from the month cache.

        >>> engine.unusual_days("2026-10").to_report()["days"]           # doctest: +SKIP
        """
        from .unusual import month_unusual_days

        period = self.period(month)
        snap = snapshot if snapshot is not None and snapshot.period == period else None
        return self._cached(
            period, ("unusual_days",), lambda: month_unusual_days(self, period, snap or self.snapshot(period))
        )

    def kpi_history(self, month: str | Period | None = None, snapshot: Snapshot | None = None):
        """Each KPI card's number in the 13 months ending at ``month`` (``kpi_history.KpiHistory``):
        the 12 closed months before it from the monthly facts (those not known yet read at once,
        from the rollups when they fit; each kept in the month cache), the month itself its snapshot's KPIs (``snapshot``: the month's,
        when the caller has it), marked partial when it runs to now.

        >>> [row["total_cost"] for row in engine.kpi_history("2026-10").rows]   # doctest: +SKIP
        """
        from .history import kpi_history

        period = self.period(month)
        snap = snapshot if snapshot is not None and snapshot.period == period else self.snapshot(period)
        return kpi_history(self, period, snap)

    def integrity(self, month: str | Period | None = None, apart: bool = False) -> dict:
        """What in the month cannot be trusted to add up (``metrics.integrity``): unpriced items,
        orphan items, requests without items, and the models the unpriced usage comes from. Read
        from the raw tables, apart from the snapshot, so the month switch does not wait for it.

        ``apart``: called from another thread, on a connection of its own
        (``Warehouse.execute_apart``; only where ``warehouse.runs_apart``): its anti-joins over a
        month of raw usage take seconds at 100M items, and the page's kernel keeps answering the
        viewer meanwhile."""
        from ..metrics import integrity as checks

        period = self.period(month)
        wh = self.warehouse
        run = wh.execute_apart if apart else wh.execute

        def compute() -> dict:
            counts = {key: shaping.count(run(expr).iloc[0][key]) for key, expr in checks.counts(wh, period).items()}
            models = run(checks.unpriced_by_model(wh, period))
            return {
                **counts,
                "unpriced_by_model": [
                    {
                        "model": shaping.text(r["model"]),
                        "pricing_rule": shaping.text(r["pricing_rule"]),
                        "unit": shaping.text(r["unit"]),
                        "items": shaping.count(r["items"]),
                        "quantity": shaping.money(r["quantity"]),
                    }
                    for r in models.to_dict("records")
                ],
            }

        return self._cached(period, ("integrity",), compute, guarded=not apart)

    def kpis(self, month: str | Period) -> dict:
        """Only the KPIs of a period (what a month is compared with)."""
        period = self.period(month)
        return self._cached(period, ("kpis",), lambda: self._kpis(period))

    def agent_month(self, agent_id: str, month: str | Period | None = None) -> AgentMonth:
        """One agent's month: info, KPIs, daily cost by service type and its latest requests."""
        period = self.period(month)
        agent_id = str(agent_id)
        return self._cached(period, ("agent", agent_id), lambda: self._agent_month(period, agent_id))

    def project_month(self, project_id: str, month: str | Period | None = None) -> ProjectMonth:
        """One project's month: the month's sections over the rows billed to it (all its agents,
        not the top 10), with the comparison period's KPIs; from the rollups when they fit."""
        period = self.period(month)
        project_id = str(project_id)
        return self._cached(period, ("project", project_id), lambda: self._project_month(period, project_id))

    # -- the usage tables: a page, its totals, the filter options, an export ---------------------
    def table(self, kind: str, period: Period, filters: dict):
        """The filtered, sorted usage table as an Ibis expression (nothing runs; for notebooks)."""
        return tables.sorted_rows(self.warehouse, period, kind, filters)

    def table_page(self, kind: str, period: Period, filters: dict, page_size: int) -> pd.DataFrame:
        """One page (``filters["page"]``) of the filtered, sorted table."""
        return self._asked(
            lambda: self.warehouse.execute(tables.page(self.warehouse, period, kind, filters, page_size))
        )

    def table_summary(self, kind: str, period: Period, filters: dict) -> dict:
        """``{"rows": int, "cost": float}`` of the filtered set."""
        row = self._asked(lambda: self.warehouse.execute(tables.summary(self.warehouse, period, kind, filters)))
        cost = row.iloc[0]["cost"]
        return {"rows": int(row.iloc[0]["rows"]), "cost": 0.0 if pd.isna(cost) else float(cost)}

    def table_options(self, kind: str, period: Period) -> dict[str, list[tuple[str, str]]]:
        """Filter key -> [(label, value)] present in the period."""
        frame = self._asked(lambda: self.warehouse.execute(tables.option_values(self.warehouse, period, kind)))
        out: dict[str, list[tuple[str, str]]] = {key: [] for key in tables.OPTION_FILTERS[kind]}
        for key, value, label in frame[["filter", "value", "label"]].itertuples(index=False):
            out[key].append((str(label), str(value)))
        return out

    def table_export(
        self, kind: str, period: Period, filters: dict, fmt: str, ordered: bool, folder: Path | None = None
    ) -> Export:
        """The filtered set written by the warehouse's engine into ``folder`` (default: exports/)."""
        expr = tables.export_expression(self.warehouse, period, kind, filters, fmt, ordered=ordered)
        return self._asked(lambda: export_table(self.warehouse.con, expr, fmt, folder))

    def data_span(self) -> tuple[datetime | None, datetime | None]:
        """The first and the latest ``created_at`` of the usage (naive UTC; None when there is none),
        asked of the warehouse once until a refresh."""
        if self._shared.span is None:

            def ask():  # per table: DuckDB answers a bare min/max from its statistics (a union scans every row)
                rows = [
                    self.warehouse.execute(t.aggregate(first=t.created_at.min(), latest=t.created_at.max())).iloc[0]
                    for t in (self.warehouse.usage_items, self.warehouse.usage_requests)
                ]
                ends = {
                    end: [pd.Timestamp(row[end]).to_pydatetime() for row in rows if not pd.isna(row[end])]
                    for end in ("first", "latest")
                }
                return min(ends["first"], default=None), max(ends["latest"], default=None)

            self._shared.span = self._asked(ask)
        return self._shared.span

    def first_month(self) -> Month | None:
        """The month of the first usage in the engine's zone (None for an empty warehouse)."""
        first = self.data_span()[0]
        if first is None:
            return None
        return current_month(self.timezone, first.replace(tzinfo=UTC))

    def forget_months(self) -> None:
        """Forget the months kept in this process's memory (the disk cache stays): what a benchmark
        of computing months does between switches."""
        self._shared.memory.clear()
        self._shared.month_kpis.clear()

    def forget_latest(self) -> None:
        """Read the newest data again at the next request (the data span); cached closed months stay:
        what a page built ahead of its viewer (a preheated kernel) does when the viewer arrives late."""
        self._shared.span = None

    def refresh(self) -> None:
        """Forget cached months (here and, for this warehouse, on disk) and read the warehouse again."""
        self.forget_months()
        self._shared.span = None
        if self.cache is not None:
            self.cache.clear(self._owner())
        if self.warehouse.changed():
            self.warehouse.reconnect()

    # -- machinery -----------------------------------------------------------------------------
    def _owner(self) -> tuple:
        return (redact(self.warehouse.url),)

    def _cached(self, period: Period, what: tuple, compute, guarded: bool = True):
        """``compute()`` under the deadline; a closed month's answer from memory, then disk.
        ``guarded=False``: ``compute`` keeps its own deadline and the warehouse is not reopened
        here (it runs on another thread, beside the connection's owner)."""
        run = self._run if guarded else (lambda f: f())
        if not self.is_closed(period):
            return self._asked(compute) if guarded else compute()
        if guarded:
            self._prepare()
        key = self._key(period, what)
        shared = self._shared
        with shared.lock:
            if key in shared.memory:
                shared.memory.move_to_end(key)
                return shared.memory[key]
        if self.cache is not None:
            value = self.cache.get_or_compute(self._owner(), key, lambda: run(compute))
        else:
            value = run(compute)
        with shared.lock:
            shared.memory[key] = value
            while len(shared.memory) > MEMORY_MONTHS:
                shared.memory.popitem(last=False)
        return value

    def _key(self, period: Period, what: tuple) -> tuple:
        """A closed month's answer's key, in memory and in the month cache."""
        rollups = (str(self.rollups.path), self.rollups.meta.get("built_at")) if self.rollups is not None else None
        return (self.warehouse.opened_version, rollups, period.timezone, period.month, period.end.isoformat(), *what)

    def _prepare(self) -> None:
        """Open the warehouse again when it failed last time or its files were replaced."""
        shared = self._shared
        if shared.failed or self.warehouse.changed():
            self.warehouse.reconnect()
            shared.memory.clear()
            shared.month_kpis.clear()
            shared.span = None
        shared.failed = False

    def _asked(self, compute):
        """``compute()`` under the deadline, after reopening a failed or replaced warehouse."""
        self._prepare()
        return self._run(compute)

    def _run(self, compute):
        try:
            with self.warehouse.deadline():
                return compute()
        except Exception:
            self._shared.failed = True
            raise

    def source(self, period: Period) -> RawSource | RollupSource:
        """Where this request's facts come from: the rollups when fresh and fit, else the raw tables."""
        if self.rollups is not None and self.rollups.usable(self.warehouse, period):
            return RollupSource(self.warehouse, self.rollups)
        return RawSource(self.warehouse)

    def _names(self, period: Period, facts: dict, more_ids=()) -> pa.Table:
        """Project names of the projects that existed in the period or that the facts name."""
        ids = shaping.unique(
            [
                *facts["items"].column("project_id").to_pylist(),
                *facts["by_project"].column("project_id").to_pylist(),
                *more_ids,
            ]
        )
        return self.warehouse.con.to_pyarrow(fact_defs.project_names(self.warehouse, period, ids or [""]))

    def _snapshot(self, period: Period) -> Snapshot:
        source = self.source(period)
        facts = source.facts(period, MONTH_FACTS)
        agent_ids = shaping.unique(
            [
                *facts["agent_items"].column("agent_id").to_pylist(),
                *facts["agent_requests"].column("agent_id").to_pylist(),
            ]
        )
        agents_table = self.warehouse.agents
        agents = self.warehouse.con.to_pyarrow(
            agents_table.filter(agents_table.agent_id.isin(agent_ids or [""])).select("agent_id", "name", "project_id")
        )
        more = [
            *agents.column("project_id").to_pylist(),
            *facts["agent_items"].column("project_id").to_pylist(),
            *facts["agent_requests"].column("project_id").to_pylist(),
        ]
        names = self._names(period, facts, more)
        named = derive.named_agents(facts, agents, names)
        return derive.snapshot(period, facts, names, named, source.name)

    def _project_names(self, period: Period, project_id: str) -> pa.Table:
        """The project's row of ``_names`` (none for an id the projects table does not hold)."""
        names = fact_defs.project_names(self.warehouse, period, [project_id])
        return self.warehouse.con.to_pyarrow(names.filter(names.project_id == ibis.literal(project_id, type="string")))

    def _project_month(self, period: Period, project_id: str) -> ProjectMonth:
        """The project's facts (``PROJECT_FACTS`` restricted to it), derived like the month's; its
        KPIs count the project alone (its names table is its own row)."""
        source = self.source(period)
        facts = source.facts(period, PROJECT_FACTS, project_id=project_id)
        facts["item_requests"] = derive.empty("item_requests")
        names = self._project_names(period, project_id)
        requests = sum(shaping.count(n) for n in facts["totals"].column("total_requests").to_pylist())
        used = facts["items"].num_rows > 0 or requests > 0
        if not names.num_rows and not used:
            return ProjectMonth(period=period, project_id=project_id, status="unknown")
        row = names.to_pylist()[0] if names.num_rows else {}
        budget = row.get("monthly_budget")
        info = {
            "project_id": project_id,
            "name": shaping.text(row.get("name")) or project_id,
            "color": project_color(project_id, shaping.text(row.get("color"))),
            "monthly_budget": None if budget is None or pd.isna(budget) else float(budget),
            "existed": bool(row.get("existed")),
        }
        agent_ids = shaping.unique(
            [
                *facts["agent_items"].column("agent_id").to_pylist(),
                *facts["agent_requests"].column("agent_id").to_pylist(),
            ]
        )
        agents_table = self.warehouse.agents
        agents = self.warehouse.con.to_pyarrow(
            agents_table.filter(agents_table.agent_id.isin(agent_ids or [""])).select("agent_id", "name", "project_id")
        )
        named = derive.named_agents(facts, agents, self._names(period, facts, agents.column("project_id").to_pylist()))
        snap = derive.snapshot(period, facts, names, named, source.name, top_agents=None)
        snap.comparison = comparison_period(period)
        before = self.source(snap.comparison).facts(snap.comparison, KPI_FACTS, project_id=project_id)
        snap.previous_kpis = derive.kpis(before, self._project_names(snap.comparison, project_id))
        return ProjectMonth(period, project_id, "ready" if used else "empty", info, snap)

    def _kpis(self, period: Period) -> dict:
        facts = self.source(period).facts(period, KPI_FACTS)
        return derive.kpis(facts, self._names(period, facts))

    def _comparison(self, period: Period) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
        """The comparison period's KPIs, cost cells and projects' requests and tokens, from one
        fetch of the KPIs' facts (``derive.comparison``)."""
        facts = self.source(period).facts(period, KPI_FACTS)
        return derive.comparison(facts, self._names(period, facts))

    def _agent_month(self, period: Period, agent_id: str) -> AgentMonth:
        """The agent's listing (tiny), its facts from the source (rollups when they fit) and, when it
        has usage, its latest requests: the raw usage is scanned for the page of requests only."""
        wh = self.warehouse
        listing = wh.execute(agent_metrics.agent_listing(wh, agent_id)).to_dict("records")
        source = self.source(period)
        facts = source.facts(period, AGENT_FACTS, agent_id)
        requests = sum(shaping.count(n) for n in facts["totals"].column("total_requests").to_pylist())
        used = facts["items"].num_rows > 0 or requests > 0
        if not listing and not used:
            return AgentMonth(period=period, agent_id=agent_id, status="unknown")
        info = {"agent_id": agent_id, "listed": bool(listing), "usage_rows": int(used), **(listing or [{}])[0]}
        if shaping.text(info.get("project_id")) is None:  # not listed, or listed without a project
            rows = [
                *facts["items"].column("project_id").to_pylist(),
                *facts["by_project"].column("project_id").to_pylist(),
            ]
            info["project_id"] = min((p for p in rows if shaping.text(p) is not None), default=None)
            project = (
                wh.execute(agent_metrics.agent_project(wh, info["project_id"])).to_dict("records")
                if info["project_id"] is not None
                else []
            )
            info.update((project or [{"project_name": None, "project_color": None}])[0])
        info.setdefault("name", None)
        page = (
            wh.execute(agent_metrics.agent_requests_page(wh, period, agent_id, limit=REQUESTS_SHOWN))
            if requests
            else pd.DataFrame(columns=list(agent_metrics.REQUEST_PAGE_COLUMNS))
        )
        return derive.agent_month(period, agent_id, info, facts, page, source.name)


def comparison_period(period: Period) -> Period:
    """What a month is compared with: the previous month, or for the current (partial) month the
    same elapsed span of the previous month, so that 25 days are not compared with 31."""
    previous = Period.for_month(shift_month(period.month, -1), period.timezone, period.end)
    if period.is_whole:
        return previous
    return Period.for_month(previous.month, period.timezone, previous.start + (period.end - period.start))


__all__ = ["Engine", "MonthCache", "comparison_period", "month_of", "default_cache_dir"]
