"""The Usage Requests and Usage Items tables: controllers that run the engine queries, and the widget pair.

Data flows one way: a :class:`UsageTable` widget writes the viewer's filters into the dashboard's
state; its :class:`UsageTableController` observes the state, asks the engine for three small
answers (the page, the count/cost of the filtered set, the filter options: queries in the
warehouse's engine, under the engine's deadline) and pushes plain DataFrames into the widget.
Exports are written by the warehouse's engine (see :mod:`.exports`).

>>> tables = UsageTables(wh, period=Period.for_month("2026-03", "America/New_York"))  # doctest: +SKIP
>>> tables                                         # a Tab: Requests | Items            # doctest: +SKIP
>>> tables.set_period(period.previous())           # reload for another month            # doctest: +SKIP
>>> tables.items.expression()                      # the filtered items as an Ibis expression  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

import ipywidgets as w
import pandas as pd

from data_connectors.errors import first_line

from .engine import Engine
from .exports import Export, download_link_html, download_name
from .metrics import tables as T
from .period import Period, parse_now
from .state import TABLES, DashboardState
from .widgets.batch import held
from .widgets.usage_table import UsageTable

PAGE_SIZE = 50
EXPORT_SORT_LIMIT = 1_000_000  # larger exports stream in storage order: sorting buffers the whole set


def usage_table(engine, period: Period, kind: str, **filters):
    """The filtered, sorted usage table as an Ibis expression (for notebooks); ``engine``: an Engine
    or a Warehouse.

    >>> expr = usage_table(engine, period, "items", project_id="p_support", service_type="embedding")  # doctest: +SKIP
    >>> engine.warehouse.execute(expr.limit(10))                                                    # doctest: +SKIP
    """
    return as_engine(engine).table(kind, period, T.clean_filters(kind, filters, period.month))


def as_engine(engine) -> Engine:
    """``engine`` itself, or an engine over a Warehouse (the analyst's ``UsageTables(connect())``)."""
    return engine if isinstance(engine, Engine) else Engine(engine, cache=False)


class UsageTableController:
    """Runs one table's queries for a period and the state's filters, and feeds its widget.

    >>> c = UsageTableController(wh, state, "items", period)      # doctest: +SKIP
    >>> c.refresh()                                                # page + totals into c.widget
    >>> c.page_frame(page=2)                                       # a DataFrame page
    >>> c.expression()                                             # the whole filtered set (Ibis)
    >>> c.export("csv")                                            # an Export in notebooks/exports/
    """

    def __init__(
        self,
        engine,
        state: DashboardState,
        kind: str,
        period: Period,
        widget: UsageTable | None = None,
        page_size: int = PAGE_SIZE,
        exports_dir: Path | str | None = None,
        export_sort_limit: int = EXPORT_SORT_LIMIT,
    ):
        if kind not in T.KINDS:
            raise ValueError(f"unknown table {kind!r}: use one of {', '.join(T.KINDS)}")
        self.engine = as_engine(engine)
        self.state = state
        self.kind = kind
        self.period = period
        self.page_size = int(page_size)
        self.exports_dir = Path(exports_dir) if exports_dir is not None else None
        self.export_sort_limit = int(export_sort_limit)
        self.widget = widget if widget is not None else UsageTable(state, kind, page_size=self.page_size)
        self.widget.page_size = self.page_size
        self.trait = f"{kind}_filters"
        self.stale = True  # the page shown does not match the state (not loaded yet, or filters changed)
        self.options_stale = True
        self.active = False  # becomes True on the first refresh: from then on state changes reload
        self._summary_cache: dict = {}
        self._refreshing = False
        self.last_export: Export | None = None
        # starts a finished export's download in the viewer's browser (the app's Browser); True if sent
        self.deliver: Callable[[Export, str], bool] | None = None
        self.widget.days = tuple(d.isoformat() for d in period.days)
        self.widget.on_export(self.export_to_widget)
        state.observe(self._on_filters, names=[self.trait])

    # -- expressions (no execution) ---------------------------------------------------------------
    @property
    def filters(self) -> dict:
        """The state's filters for this table, cleaned (defaults when unset)."""
        return T.clean_filters(self.kind, getattr(self.state, self.trait) or {}, self.period.month)

    def filtered_expression(self):
        """The rows of the period matching the filters, raw canonical columns, unsorted."""
        return T.filtered(self.engine.warehouse, self.period, self.kind, self.filters)

    def expression(self):
        """The whole filtered set with display columns, in the table's order (Ibis; nothing runs)."""
        return self.engine.table(self.kind, self.period, self.filters)

    def page_expression(self, page: int | None = None):
        f = self.filters if page is None else {**self.filters, "page": int(page)}
        return T.page(self.engine.warehouse, self.period, self.kind, f, self.page_size)

    # -- queries (the engine runs them) -----------------------------------------------------------
    def page_frame(self, page: int | None = None) -> pd.DataFrame:
        """One page of the filtered set as a DataFrame (the state's page unless given)."""
        f = self.filters if page is None else {**self.filters, "page": int(page)}
        return self.engine.table_page(self.kind, self.period, f, self.page_size)

    def summary(self) -> dict:
        """``{"rows": int, "cost": float}`` of the filtered set (cached per period and row filters)."""
        f = self.filters
        key = (self.period.month, self.period.timezone, self.period.end_utc, tuple(sorted(T.row_filters(f).items())))
        if key not in self._summary_cache:
            self._summary_cache[key] = self.engine.table_summary(self.kind, self.period, f)
        return dict(self._summary_cache[key])

    def options(self) -> dict[str, list[tuple[str, str]]]:
        """Filter key -> [(label, value)] present in the period (one small query in the engine)."""
        return self.engine.table_options(self.kind, self.period)

    # -- loading into the widget ------------------------------------------------------------------
    def refresh(self, options: bool | None = None) -> None:
        """Load the page and totals (and the options when stale) into the widget."""
        self.active = True
        self._refreshing = True
        widget = self.widget
        widget.status = "loading"
        load_options = options or (options is None and self.options_stale)
        try:
            totals = self.summary()
            f = self.filters
            last = max(math.ceil(totals["rows"] / self.page_size) - 1, 0)
            if f["page"] > last:  # a page past the end (a stale pager or a crafted value): show the last
                setattr(self.state, self.trait, {**f, "page": last})
            rows = self.page_frame() if totals["rows"] else pd.DataFrame(columns=list(T.COLUMNS[self.kind]))
        except Exception as exc:  # the table must say what broke and keep working
            widget.message = f"Could not load the {self.kind}: {first_line(exc)}. Change a filter to try again."
            widget.status = "error"
            return
        finally:
            self._refreshing = False
        with held(widget):  # drawn once, by the status: the page of rows is ~35 KB of HTML
            widget.message = ""
            widget.total_rows = totals["rows"]
            widget.total_cost = totals["cost"]
            widget.rows = rows
        widget.status = "ready" if totals["rows"] else "empty"
        self.stale = False
        if load_options:  # after the page: the rows show first, the dropdowns fill in next
            try:
                widget.options = self.options()
                self.options_stale = False
            except Exception as exc:
                widget.message = f"Could not load the filter options: {first_line(exc)}."

    def ensure_loaded(self) -> None:
        """Refresh if the shown page is stale (a lazy tab calls this when it becomes visible)."""
        if self.stale or self.options_stale:
            self.refresh()

    def _on_filters(self, change) -> None:
        if self._refreshing:
            return
        old = dict(change["old"]) if isinstance(change["old"], dict) else {}  # traitlets' Undefined at first
        new = dict(change["new"] or {})
        old.pop("page", None), new.pop("page", None)
        if old != new:  # a download link never outlives the rows it was made for
            self.widget.export = {}
        self.stale = True
        if self.active:
            self.refresh()

    def set_period(self, period: Period, load: bool = True) -> None:
        """Show a month: options and page reloaded; for another month, filters back to their defaults
        (the same month reloaded keeps them)."""
        another = period.month != self.period.month
        self.period = period
        self._summary_cache.clear()
        self.options_stale = self.stale = True
        self.widget.export = {}
        self.widget.days = tuple(d.isoformat() for d in period.days)
        if another:
            self._refreshing = True
            try:
                setattr(self.state, self.trait, T.default_filters(self.kind))
            finally:
                self._refreshing = False
        if load:
            self.refresh()
        else:
            self.widget.status = "loading"

    # -- export -----------------------------------------------------------------------------------
    def download_name(self, fmt: str) -> str:
        """The name the browser saves the file under, saying what is in it: table, month, filters.

        ``usage-items_2026-03_project-p-support_status-error.csv``
        """
        return download_name(self.kind, self.period.month, T.row_filters(self.filters), fmt)

    def export(self, fmt: str, ordered: bool | None = None) -> Export:
        """Write the filtered set with the engine into the exports folder; returns the Export.

        Rows come in the table's order when ``ordered`` (by default: when the set has at most
        ``export_sort_limit`` rows; sorting makes the engine buffer the whole set), else in storage
        order, streamed.
        """
        if ordered is None:
            ordered = self.summary()["rows"] <= self.export_sort_limit
        export = self.engine.table_export(self.kind, self.period, self.filters, fmt, ordered, self.exports_dir)
        self.last_export = export
        return export

    def export_to_widget(self, fmt: str) -> Export | None:
        """The export buttons' action: "Exporting N rows…", then the download link (or the error)."""
        widget = self.widget
        try:
            rows = self.summary()["rows"]
            ordered = rows <= self.export_sort_limit
            widget.export = {"state": "running", "rows": rows, "fmt": fmt, "ordered": ordered}
            export = self.export(fmt, ordered=ordered)
        except Exception as exc:
            widget.export = {"state": "error", "message": f"Export failed: {first_line(exc)}"}
            return None
        name = self.download_name(fmt)
        sent = self.deliver is not None and self.deliver(export, name)
        link = download_link_html(export, name, rows, sent=sent)
        if not ordered:
            link += ' <span class="oa-export-note">(in storage order: large exports are not sorted)</span>'
        widget.export = {
            "state": "done",
            "rows": rows,
            "fmt": fmt,
            "bytes": export.bytes,
            "ordered": ordered,
            "filename": export.filename,
            "url": export.url,
            "download_name": name,
            "sent": sent,
            "link_html": link,
        }
        return export


class UsageTables(w.Tab):
    """The Usage Requests and Usage Items tables of one month, as two tabs sharing one state.

    Works inside the dashboard (pass its ``state``; call ``set_period`` when the month changes)
    and alone in JupyterLab. The items table is made and loaded when first shown; choosing a
    request under the requests table shows its items.

    >>> tables = UsageTables(wh, state=dashboard.state, period=dashboard.period())   # doctest: +SKIP
    >>> tables.set_period(Period.for_month("2026-02", "UTC"))                          # doctest: +SKIP
    """

    def __init__(
        self,
        engine,
        state: DashboardState | None = None,
        period: Period | None = None,
        now: datetime | str | None = None,
        page_size: int = PAGE_SIZE,
        exports_dir: Path | str | None = None,
        load: bool = True,
        **kwargs,
    ):
        if period is None:
            if state is None:
                raise ValueError("UsageTables needs a period or a state with a month")
            period = Period.for_month(state.month, state.timezone, parse_now(now) if now else None)
        if state is None:
            state = DashboardState(month=period.month, timezone=period.timezone)
        self.state = state
        self.period = period
        # (kind, period) -> a table over this engine and state
        self._controller = partial(
            UsageTableController, as_engine(engine), state, page_size=page_size, exports_dir=exports_dir
        )
        self.requests = self._controller("requests", period)
        self._items: UsageTableController | None = None  # made when first shown: ~100 fewer widgets to draw
        self._deliver = None
        super().__init__(children=[self.requests.widget, w.VBox()], **kwargs)
        self.set_title(0, "Requests")
        self.set_title(1, "Items")
        self.add_class("oa-usage-tables")
        self.selected_index = TABLES.index(state.table)
        self.observe(self._on_tab, names="selected_index")
        state.observe(self._on_items_filters, names=["items_filters"])
        state.observe(self._on_table, names=["table"])
        self._sync_month(period)
        if load:
            self.visible.ensure_loaded()

    @property
    def items(self) -> UsageTableController:
        """The items table, made (and put in its tab) on first use."""
        if self._items is None:
            placeholder = self.children[1]
            self._items = self._controller("items", self.period)
            self._items.deliver = self._deliver
            self.children = [self.requests.widget, self._items.widget]
            placeholder.close()
        return self._items

    @property
    def deliver(self):
        """Starts an export's download in the viewer's browser (see UsageTableController.deliver)."""
        return self._deliver

    @deliver.setter
    def deliver(self, value) -> None:
        self._deliver = value
        for controller in self.controllers:
            controller.deliver = value

    @property
    def controllers(self) -> tuple[UsageTableController, ...]:
        """The tables made so far."""
        return (self.requests,) if self._items is None else (self.requests, self._items)

    def _sync_month(self, period: Period) -> None:
        if self.state.month != period.month:
            self.state.month = period.month  # dates in the filters are validated against it

    @property
    def visible(self) -> UsageTableController:
        return self.items if self.selected_index == 1 else self.requests

    def set_period(self, period: Period, load: bool = True) -> None:
        """Reload both tables for another month (the visible one now, or at ``load_visible`` when
        ``load`` is false; the other when shown)."""
        self.period = period
        self._sync_month(period)
        for controller in self.controllers:
            controller.set_period(period, load=load and controller is self.visible)

    def load_visible(self) -> None:
        """Fill the visible table if it is stale (after ``set_period(..., load=False)``)."""
        self.visible.ensure_loaded()

    def _on_table(self, change) -> None:
        self.selected_index = TABLES.index(change["new"])

    def _on_tab(self, change) -> None:
        if change["new"] in (0, 1):
            self.state.table = TABLES[change["new"]]
        if change["new"] == 1:
            self.items.ensure_loaded()
        elif change["new"] == 0:
            self.requests.ensure_loaded()

    def _on_items_filters(self, change) -> None:
        old = change["old"] if isinstance(change["old"], dict) else {}  # not set before: traitlets' Undefined
        new_request = (change["new"] or {}).get("request_id")
        if new_request and new_request != old.get("request_id"):
            self.selected_index = 1
