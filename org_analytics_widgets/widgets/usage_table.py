"""One usage table (requests or items): filter controls, an HTML page of rows, pager, totals, export.

The widget only renders: it draws the page it is given (``rows``, ``total_rows``, ``total_cost``,
``options``, ``status``, ``export``) and writes what the viewer asks for into the dashboard's one
state (``state.requests_filters`` / ``state.items_filters``). The controller
(:mod:`org_analytics_widgets.usage_tables`) observes the state, runs the queries and sets the traits.
"""

from __future__ import annotations

import html
import math
from datetime import date

import ipywidgets as widgets
import pandas as pd
from ipywidgets import CallbackDispatcher
from traitlets import Dict, Enum, Float, Int, TraitError, Tuple, Unicode, validate

from ..filters import (
    COLUMNS,
    FILTER_KEYS,
    INTEGRITY_CHECKS,
    KINDS,
    OPTION_FILTERS,
    SORTABLE,
    default_filters,
    row_filters,
)
from ..colors import rule_label, service_label, status_label
from ..formatting import money
from ..links import VIEW_LINK, project_url
from ..state import STATUSES
from ._chart import Frame, check_columns, day_title, known
from ._html import view_attrs
from .batch import renders

NOUN = {"requests": "requests", "items": "items"}
FILTER_LABELS = {
    "project_id": ("Project", "All projects", "oa-filter-project"),
    "service_type": ("Service type", "All service types", "oa-filter-service-type"),
    "model": ("Model", "All models", "oa-filter-model"),
    "agent_id": ("Agent", "All agents", "oa-filter-agent"),
    "status": ("Status", "All statuses", "oa-filter-status"),
}
#: header label and the column(s) a cell shows, per kind (a sortable header names its SORTABLE key)
HEADERS = {
    "requests": (
        ("time", "Time"),
        ("request_id", "Request"),
        ("project", "Project"),
        ("service_type", "Service type"),
        ("model", "Model"),
        ("agent", "Agent"),
        ("status", "Status"),
        ("input_tokens", "Input tokens"),
        ("output_tokens", "Output tokens"),
        ("cost", "Cost"),
    ),
    "items": (
        ("time", "Time"),
        ("request_id", "Request"),
        ("project", "Project"),
        ("service_type", "Service type"),
        ("model", "Model"),
        ("pricing_rule", "Pricing rule"),
        ("quantity", "Quantity"),
        ("unit_price", "Unit price"),
        ("cost", "Cost"),
    ),
}
#: columns whose keys are shown in words (the key itself in the cell's tooltip)
LABELLED = {"service_type", "pricing_rule"}
NUMERIC = {"input_tokens", "output_tokens", "cost", "quantity", "unit_price"}
STYLE = """<style>
.oa-usage-table { width: 100%; }
/* a wide page of rows scrolls inside its box: its width never widens the page */
.oa-usage-table .oa-table-area { contain: inline-size; }
.oa-usage-table .oa-filters { flex-flow: row wrap; gap: 6px; align-items: flex-end; }
.oa-usage-table .oa-filters .widget-text { width: 190px; }
.oa-usage-table .oa-filters .widget-dropdown { width: auto; }
.oa-usage-table .oa-filters .widget-dropdown > select { flex: 0 0 auto; width: auto; min-width: 110px; max-width: 360px; }
.oa-usage-table table { border-collapse: collapse; width: 100%; font-size: 13px; }
.oa-usage-table th { text-align: left; color: #666; font-weight: 600; font-size: 12px; padding: 6px 8px;
                     border-bottom: 1px solid #e3e3e3; white-space: nowrap; }
.oa-usage-table td { padding: 5px 8px; border-bottom: 1px solid #f0f0f0; white-space: nowrap; }
.oa-usage-table .oa-num { text-align: right; font-variant-numeric: tabular-nums; }
.oa-usage-table .oa-mono { font-family: ui-monospace, monospace; font-size: 12px; }
.oa-usage-table .oa-null { color: #aaa; }
.oa-usage-table .oa-loading { opacity: .45; }
.oa-usage-table .oa-table-empty { padding: 24px; text-align: center; color: #444; background: #f7f7f7; }
.oa-usage-table .oa-table-error { padding: 8px 12px; background: #fdecea; color: #8a1c13; border-radius: 6px; }
.oa-usage-table .oa-table-total { font-weight: 600; padding: 4px 0; }
.oa-usage-table .oa-filter-error { color: #8a1c13; }
/* the cost stays on screen however wide the table: pinned to the right edge of its scroll box */
.oa-usage-table .oa-pinned { position: sticky; right: 0; background: #fff; box-shadow: -6px 0 6px -6px #0002; }
.oa-usage-table th.oa-sortable { cursor: pointer; user-select: none; }
.oa-usage-table th.oa-sortable:hover { color: #1f4e79; }
.oa-usage-table tr[data-oa-view] { cursor: pointer; } .oa-usage-table tr[data-oa-view]:hover td { background: #f5f8fc; }
.oa-usage-table .oa-carry { font-size: 13px; color: #1f4e79; text-decoration: underline; cursor: pointer; }
.oa-export-area a.oa-export-link { color: #1f4e79; text-decoration: underline; cursor: pointer; }
.oa-export-area { font-size: 13px; color: #444; }
</style>"""


def _trim(number: float, digits: int) -> str:
    text = f"{number:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def cell_text(column: str, value, row: dict | None = None) -> str:
    """The text shown for one cell (not escaped); null shows as an en dash."""
    value = known(value)
    if value is None:
        return "–"
    if column == "time":
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    if column in ("input_tokens", "output_tokens"):
        return f"{int(value):,}"
    if column == "service_type":
        return service_label(str(value))
    if column == "pricing_rule":
        return rule_label(str(value))
    if column == "status":
        return status_label(str(value))
    if column == "cost":
        return money(float(value))
    if column == "unit_price":
        if 0 < abs(value) < 1e-8:
            return money(float(value))
        return "$" + _trim(float(value), 8) if value >= 0 else "-$" + _trim(-float(value), 8)
    if column == "quantity":
        unit = known((row or {}).get("unit"))
        return _trim(float(value), 6) + (f" {unit}" if unit else "")
    return str(value)


ORDER_WORDS = {
    "time": ("newest first", "oldest first"),
    "number": ("highest first", "lowest first"),
    "text": ("Z to A", "A to Z"),
}  # (descending, ascending)


def table_html(kind: str, rows: pd.DataFrame, sort: str, descending: bool, month: str = "", tz: str = "") -> str:
    """The page as an HTML table; every value is escaped (names are data, never markup). A sortable
    header sorts by its column (again: the other way); a request row shows its items; given the
    ``month`` (and the viewer's zone ``tz``), a project cell opens that project's view."""
    head = []
    for column, label in HEADERS[kind]:
        mark, aria = "", "none"
        if column == sort:
            mark, aria = (" ▼", "descending") if descending else (" ▲", "ascending")
        classes = (["oa-num"] if column in NUMERIC else []) + (["oa-pinned"] if column == "cost" else [])
        attrs = ""
        if column in SORTABLE[kind]:
            classes.append("oa-sortable")
            down = not descending if column == sort else column in NUMERIC or column == "time"
            order = ORDER_WORDS.get(column, ORDER_WORDS["number" if column in NUMERIC else "text"])
            attrs = view_attrs(
                {f"{kind}.sort": column, f"{kind}.order": "desc" if down else "asc"},
                f"Sort by {label.lower()}, {order[0] if down else order[1]}",
            )
        cls = f' class="{" ".join(classes)}"' if classes else ""
        head.append(f'<th{cls} data-column="{column}" aria-sort="{aria}"{attrs}>{html.escape(label)}{mark}</th>')
    body = []
    id_column = "request_id" if kind == "requests" else "item_id"
    for row in rows.to_dict("records"):
        cells = []
        for column, _ in HEADERS[kind]:
            text = cell_text(column, row.get(column), row)
            classes = []
            if column in NUMERIC:
                classes.append("oa-num")
            if column == "request_id":
                classes.append("oa-mono")
            if known(row.get(column)) is None:
                classes.append("oa-null")
            title = ""
            if column == "project" and known(row.get("project_id")) is not None:
                title = f' title="{html.escape(str(row["project_id"]))}"'
            elif column == "agent" and known(row.get("agent_id")) is not None:
                title = f' title="{html.escape(str(row["agent_id"]))}"'
            elif column in LABELLED and known(row.get(column)) is not None:
                title = f' title="{html.escape(str(row[column]))}"'
            elif column == "cost" and known(row.get("cost")) is not None:
                title = f' title="{html.escape(repr(float(row["cost"])))}"'
            if column == "cost":
                classes.append("oa-pinned")
            cls = f' class="{" ".join(classes)}"' if classes else ""
            if column == "project" and month and known(row.get("project_id")) is not None:
                href = html.escape(project_url(str(row["project_id"]), month, tz))
                shown = f'<a class="oa-project-link {VIEW_LINK}" href="{href}" target="_self">{html.escape(text)}</a>'
            else:
                shown = html.escape(text)
            cells.append(f"<td{cls}{title}>{shown}</td>")
        row_id = str(known(row.get(id_column)) or "")
        opens = ""
        if kind == "requests" and row_id:
            items = {"table": "items", "items.request_id": row_id, "items.sort": "time", "items.order": "asc"}
            opens = view_attrs(items, "Show this request's items")
        body.append(f'<tr class="oa-table-row" data-id="{html.escape(row_id)}"{opens}>{"".join(cells)}</tr>')
    return (
        f'<table class="oa-table oa-table-{kind}"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def carry_html(filters: dict) -> str:
    """For filtered requests: a control that shows the items of the same selection (every items
    filter set from the requests', the others cleared; the status has no items column, and an
    integrity check means another thing for items)."""
    chosen = {k: v for k, v in row_filters(filters).items() if k in FILTER_KEYS["items"] and k != "integrity"}
    if not chosen:
        return ""
    query = {
        "table": "items",
        **{f"items.{k}": chosen.get(k, "") for k in FILTER_KEYS["items"] if k not in ("sort", "descending", "page")},
    }
    return f'<span class="oa-carry"{view_attrs(query, "Show the items of these requests")}>Items of these requests →</span>'


def pager_text(page: int, page_size: int, total: int) -> str:
    """``rows 51–100 of 12,345``."""
    if total <= 0:
        return "no rows"
    first = min(page * page_size + 1, total)
    last = min((page + 1) * page_size, total)
    return f"rows {first:,}–{last:,} of {total:,}"


def _dropdown(css: str, description: str = "") -> widgets.Dropdown:
    dd = widgets.Dropdown(options=[("", "")], value="", description=description, style={"description_width": "initial"})
    dd.add_class(css)
    return dd


def _button(text: str, css: str, tooltip: str = "") -> widgets.Button:
    b = widgets.Button(description=text, tooltip=tooltip, layout=widgets.Layout(width="auto"))
    b.add_class(css)
    return b


class UsageTable(widgets.VBox):
    """The Usage Requests (``kind="requests"``) or Usage Items table of one month.

    >>> from org_analytics_widgets.state import DashboardState
    >>> state = DashboardState(month="2026-03")
    >>> table = UsageTable(state, "items")
    >>> table.total_rows, table.total_cost = 2, 1.5
    >>> "2 items" in table.totals.value
    True
    """

    kind = Enum(KINDS, default_value="requests", help="which table: requests or items")
    rows = Frame(help="the page shown: the columns of filters.COLUMNS[kind]")
    total_rows = Int(0, help="rows in the filtered set")
    total_cost = Float(0.0, help="cost of the filtered set")
    options = Dict(help="filter key -> [(label, value), ...] present in the month")
    days = Tuple(help="the month's local days (ISO dates), for the from/to dropdowns")
    page_size = Int(50, help="rows per page")
    status = Enum(STATUSES, default_value="loading", help="loading, ready, empty or error")
    message = Unicode("", help="error text shown above the table")
    export = Dict(help="export area: state (idle|running|done|error), rows, fmt, link_html, message")

    def __init__(self, state, kind: str = "requests", page_size: int = 50, **kwargs):
        self.state = state
        self._trait = f"{kind}_filters"
        self._syncing = False
        self._body_of: tuple | None = None  # (rows, (sort, descending), their HTML)
        self._export_callbacks = CallbackDispatcher()
        noun = NOUN[kind]

        self.date_from = _dropdown("oa-filter-date-from", "From")
        self.date_to = _dropdown("oa-filter-date-to", "To")
        self.filter_controls = {key: _dropdown(FILTER_LABELS[key][2]) for key in OPTION_FILTERS[kind]}
        self.integrity = _dropdown("oa-filter-integrity", "Integrity")
        self.integrity.options = [(f"All {noun}", "")] + [(w, v) for v, w in INTEGRITY_CHECKS[kind].items()]
        self.search = widgets.Text(placeholder="Search request id", continuous_update=False)
        self.search.add_class("oa-filter-search")
        self.reset_button = _button("Reset filters", "oa-reset-filters")
        self.request_chip = widgets.HTML()
        self.request_chip.add_class("oa-filter-request")
        self.clear_request = _button("✕ all requests", "oa-clear-request", "Show the items of every request")
        self.filter_error = widgets.HTML()
        self.filter_error.add_class("oa-filter-error")
        self.sort = _dropdown("oa-sort", "Sort by")
        self.sort.options = [(label, col) for col, label in HEADERS[kind] if col in SORTABLE[kind]]
        self.sort.value = "time"
        self.direction = _button("Newest first", "oa-sort-direction")
        self.table = widgets.HTML(layout=widgets.Layout(width="100%", overflow="auto"))
        self.table.add_class("oa-table-area")
        self.totals = widgets.HTML()
        self.totals.add_class("oa-table-total-area")
        self.prev_button = _button("‹ Previous", "oa-page-prev")
        self.next_button = _button("Next ›", "oa-page-next")
        self.pager_label = widgets.HTML()
        self.pager_label.add_class("oa-pager-label")
        self.csv_button = _button("Export CSV", "oa-export-csv", f"Download the filtered {noun} as CSV")
        self.parquet_button = _button("Export Parquet", "oa-export-parquet", f"Download the filtered {noun} as Parquet")
        self.export_area = widgets.HTML()
        self.export_area.add_class("oa-export-area")
        self.show_items = _dropdown("oa-show-items", "Items of request")
        self.carry = widgets.HTML()  # requests: the same filters on the items table, on demand
        self.carry.add_class("oa-carry-area")

        filters_row = [
            self.date_from,
            self.date_to,
            *self.filter_controls.values(),
            self.integrity,
            self.search,
            self.reset_button,
        ]
        filters = widgets.HBox(filters_row, layout=widgets.Layout(flex_flow="row wrap"))
        filters.add_class("oa-filters")
        request_row = widgets.HBox([self.request_chip, self.clear_request])
        request_row.add_class("oa-request-filter")
        self.request_row = request_row
        sorting = widgets.HBox([self.sort, self.direction])
        sorting.add_class("oa-sorting")
        pager = widgets.HBox(
            [self.prev_button, self.pager_label, self.next_button], layout=widgets.Layout(align_items="center")
        )
        pager.add_class("oa-pager")
        exports = widgets.HBox(
            [self.csv_button, self.parquet_button, self.export_area], layout=widgets.Layout(align_items="center")
        )
        exports.add_class("oa-exports")
        below = [pager, exports] + ([widgets.HBox([self.show_items, self.carry])] if kind == "requests" else [])
        parts = [widgets.HTML(STYLE), filters] + ([request_row] if kind == "items" else [])
        parts += [
            self.filter_error,
            widgets.HBox(
                [sorting, self.totals],
                layout=widgets.Layout(justify_content="space-between", align_items="center", flex_flow="row wrap"),
            ),
            self.table,
            *below,
        ]
        super().__init__(
            parts, kind=kind, page_size=page_size, rows=pd.DataFrame(columns=list(COLUMNS[kind])), **kwargs
        )
        self.add_class("oa-usage-table")
        self.add_class(f"oa-usage-{kind}")

        for control in (self.date_from, self.date_to, *self.filter_controls.values(), self.integrity):
            control.observe(self._on_control, names="value")
        self.search.observe(self._on_control, names="value")
        self.sort.observe(self._on_sort, names="value")
        self.direction.on_click(lambda _b: self._toggle_direction())
        self.prev_button.on_click(lambda _b: self._step(-1))
        self.next_button.on_click(lambda _b: self._step(1))
        self.reset_button.on_click(lambda _b: self._write(default_filters(self.kind), replace=True))
        self.clear_request.on_click(lambda _b: self._write({"request_id": ""}))
        self.csv_button.on_click(lambda _b: self._export_callbacks("csv"))
        self.parquet_button.on_click(lambda _b: self._export_callbacks("parquet"))
        self.show_items.observe(self._on_show_items, names="value")
        self.observe(self._render_options, names=["options", "days"])
        self.observe(self._render_table, names=["rows", "status", "message", "total_rows", "total_cost"])
        self.observe(self._render_export, names=["export"])
        state.observe(self._sync_controls, names=[self._trait])
        self._render_options()
        self._render_table()
        self._render_export()

    @validate("rows")
    def _valid_rows(self, proposal):
        return check_columns(self, "rows", proposal["value"], COLUMNS[self.kind])

    # -- intent -> state -------------------------------------------------------------------------
    @property
    def filters(self) -> dict:
        """The table's filters as held by the state (defaults when unset)."""
        return dict(getattr(self.state, self._trait) or default_filters(self.kind))

    def on_export(self, callback, remove: bool = False) -> None:
        """Register ``callback(fmt)`` for the export buttons (``fmt`` is ``"csv"`` or ``"parquet"``)."""
        self._export_callbacks.register_callback(callback, remove=remove)

    def _write(self, changes: dict, replace: bool = False) -> None:
        """Write a new filters dict into the state; any change but paging goes back to page 0."""
        new = dict(changes) if replace else {**self.filters, **changes}
        if "page" not in changes:
            new["page"] = 0
        try:
            setattr(self.state, self._trait, new)
            self.filter_error.value = ""
        except TraitError as exc:
            self.filter_error.value = f"<span>{html.escape(str(exc))}</span>"
            self._sync_controls()

    def _on_control(self, change) -> None:
        if self._syncing:
            return
        owner = change["owner"]
        if owner is self.date_from:
            self._write({"date_from": change["new"]})
        elif owner is self.date_to:
            self._write({"date_to": change["new"]})
        elif owner is self.search:
            self._write({"search": str(change["new"]).strip()})
        elif owner is self.integrity:
            self._write({"integrity": change["new"]})
        else:
            key = next(k for k, c in self.filter_controls.items() if c is owner)
            self._write({key: change["new"]})

    def _on_sort(self, change) -> None:
        if not self._syncing:
            self._write({"sort": change["new"]})

    def _toggle_direction(self) -> None:
        self._write({"descending": not self.filters.get("descending", True)})

    def _step(self, delta: int) -> None:
        last = max(math.ceil(self.total_rows / self.page_size) - 1, 0)
        target = min(max(self.filters.get("page", 0) + delta, 0), last)
        if target != self.filters.get("page", 0):
            self._write({"page": target})

    def _on_show_items(self, change) -> None:
        if self._syncing or not change["new"]:
            return
        self.state.items_filters = {**default_filters("items"), "request_id": change["new"], "descending": False}

    # -- state -> controls -----------------------------------------------------------------------
    def _set_dropdown(self, control: widgets.Dropdown, options: list, value) -> None:
        values = [v for _, v in options]
        if value not in values:
            options = options + [(str(value), value)]
        if list(control.options) != options:
            control.options = options
        control.value = value

    def _sync_controls(self, _change=None) -> None:
        f = self.filters
        self._syncing = True
        try:
            days = [("Any day", "")] + [(day_title(date.fromisoformat(d)), d) for d in self.days]
            self._set_dropdown(self.date_from, days, f.get("date_from", ""))
            self._set_dropdown(self.date_to, days, f.get("date_to", ""))
            for key, control in self.filter_controls.items():
                label, all_label, _ = FILTER_LABELS[key]
                opts = [(f"{all_label}", "")] + _labelled(_in_words(key, self.options.get(key, [])))
                self._set_dropdown(control, opts, f.get(key, ""))
                control.description = label
            self.integrity.value = f.get("integrity", "")
            self.search.value = f.get("search", "")
            self.sort.value = f.get("sort", "time")
            descending = f.get("descending", True)
            if f.get("sort", "time") == "time":
                self.direction.description = "Newest first" if descending else "Oldest first"
            else:
                self.direction.description = "Descending ▼" if descending else "Ascending ▲"
            request_id = f.get("request_id", "")
            self.request_chip.value = (
                f'Items of request <code class="oa-request-id">{html.escape(request_id)}</code>' if request_id else ""
            )
            self.request_row.layout.display = None if request_id else "none"
            self.carry.value = carry_html(f) if self.kind == "requests" else ""
        finally:
            self._syncing = False
        self._render_table()

    # -- rendering -------------------------------------------------------------------------------
    def _render_options(self, _change=None) -> None:
        self._sync_controls()

    def _body(self, sort: str, descending: bool) -> str:
        """The rows' HTML, made again only when the rows or their order changed: a month switch or a
        filter marks the table loading over the rows it had (~35 KB of HTML, ~70 ms at 100 rows)."""
        key = (sort, descending)
        if self._body_of is None or self._body_of[0] is not self.rows or self._body_of[1] != key:
            state = self.state  # new rows are the month and zone shown: their project links open those
            tz = "" if state.timezone == state.org_timezone else state.timezone
            self._body_of = (self.rows, key, table_html(self.kind, self.rows, sort, descending, state.month, tz))
        return self._body_of[2]

    @renders
    def _render_table(self, _change=None) -> None:
        f = self.filters
        noun = NOUN[self.kind]
        if self.status == "error":
            self.table.value = f'<div class="oa-table-error">{html.escape(self.message)}</div>'
        elif self.status == "empty":
            self.table.value = f'<div class="oa-table-empty">No {noun} match these filters</div>'
        else:
            body = self._body(f.get("sort", "time"), f.get("descending", True))
            loading = " oa-loading" if self.status == "loading" else ""
            note = '<div class="oa-table-loading">Loading…</div>' if self.status == "loading" else ""
            self.table.value = f'{note}<div class="oa-table-body{loading}" data-status="{self.status}">{body}</div>'
        page = f.get("page", 0)
        self.totals.value = (
            f'<div class="oa-table-total" data-rows="{int(self.total_rows)}" '
            f'data-cost="{float(self.total_cost)!r}">{self.total_rows:,} {noun} · '
            f"total cost {html.escape(money(float(self.total_cost)))}</div>"
        )
        self.pager_label.value = (
            f'<span class="oa-pager-text">{html.escape(pager_text(page, self.page_size, self.total_rows))}</span>'
        )
        last = max(math.ceil(self.total_rows / self.page_size) - 1, 0)
        self.prev_button.disabled = page <= 0
        self.next_button.disabled = page >= last
        busy = self.export.get("state") == "running"
        self.csv_button.disabled = self.parquet_button.disabled = busy or self.total_rows == 0
        if self.kind == "requests":
            ids = [str(v) for v in self.rows["request_id"].tolist()] if "request_id" in self.rows else []
            self._syncing = True
            try:
                self._set_dropdown(self.show_items, [("Choose a request…", "")] + [(i, i) for i in ids], "")
            finally:
                self._syncing = False

    def _render_export(self, _change=None) -> None:
        e = self.export
        state = e.get("state", "idle")
        if state == "running":
            text = f"Exporting {int(e.get('rows', 0)):,} rows to {str(e.get('fmt', '')).upper()}…"
            self.export_area.value = f'<span class="oa-export-running">{html.escape(text)}</span>'
        elif state == "done":
            self.export_area.value = e.get("link_html", "")  # built escaped by exports.download_link_html
        elif state == "error":
            self.export_area.value = f'<span class="oa-export-error">{html.escape(e.get("message", ""))}</span>'
        else:
            self.export_area.value = ""
        busy = state == "running"
        self.csv_button.disabled = self.parquet_button.disabled = busy or self.total_rows == 0


def _in_words(key: str, pairs) -> list[tuple[str, str]]:
    """A service type's or a status's option shows its words (the value stays the key: "Failed" for
    ``error``), unless the engine named it."""
    words = {"service_type": service_label, "status": status_label}.get(key)
    if words is None:
        return list(pairs)
    return [(words(str(value)) if str(label) == str(value) else label, value) for label, value in pairs]


def _labelled(pairs) -> list[tuple[str, str]]:
    """Dropdown options; a label shared by several values shows the value too (two projects 'Twin')."""
    pairs = [(str(label), str(value)) for label, value in pairs]
    counts: dict[str, int] = {}
    for label, _ in pairs:
        counts[label] = counts.get(label, 0) + 1
    return [(f"{label} ({value})" if counts[label] > 1 and label != value else label, value) for label, value in pairs]
