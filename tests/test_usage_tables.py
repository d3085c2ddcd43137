"""Usage Requests / Usage Items tables: engine-side filter, sort, page, totals, options and export.

Expected rows come from plain DuckDB SQL written here against the fixture file (local days via
``AT TIME ZONE``), never from the code under test.
"""

from __future__ import annotations

import html
import os
import re
import time

import duckdb
import pyarrow.parquet as pq
import pytest
from traitlets import TraitError

from data_connectors import connect
from org_analytics_widgets.exports import EXPORT_NAME_RE, prune_exports
from org_analytics_widgets.metrics import tables as T
from org_analytics_widgets.period import Period
from org_analytics_widgets.state import DashboardState
from org_analytics_widgets.usage_tables import UsageTableController, UsageTables, usage_table
from org_analytics_widgets.widgets.usage_table import cell_text

ZONE = "America/New_York"
NOW = "2026-11-25T12:00:00Z"
PERIOD = Period.for_month("2026-03", ZONE, NOW)
# NY March 2026 in naive UTC, written by hand
MARCH = "created_at >= TIMESTAMP '2026-03-01 05:00:00' AND created_at < TIMESTAMP '2026-04-01 04:00:00'"
LOCAL_DAY = "CAST((created_at::TIMESTAMPTZ AT TIME ZONE 'America/New_York') AS DATE)"
UUID_NAME = re.compile(r"^[0-9a-f]{32}\.(csv|parquet)$")


@pytest.fixture
def wh(edge_warehouse, tmp_path):
    warehouse = connect(f"duckdb://{edge_warehouse}", writable_dirs=[tmp_path])  # exports go to tmp_path
    yield warehouse
    warehouse.close()


@pytest.fixture
def sql(wh, edge_warehouse):
    """Run plain SQL on the fixture file; returns a list of tuples."""
    con = duckdb.connect(str(edge_warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")

    def run(query: str, params=None):
        return con.execute(query, params or []).fetchall()

    yield run
    con.close()


@pytest.fixture
def state():
    return DashboardState(month="2026-03", latest_month="2026-11", timezone=ZONE)


def controller(wh, state, kind, tmp_path=None, page_size=50, **filters):
    c = UsageTableController(wh, state, kind, PERIOD, page_size=page_size, exports_dir=tmp_path)
    setattr(state, f"{kind}_filters", filters)
    c.refresh()
    return c


def ids(frame, column):
    return [str(v) for v in frame[column]]


# -- pages, filters, sorting -------------------------------------------------------------------
def test_first_requests_page_matches_direct_query(wh, state, sql):
    c = controller(wh, state, "requests", page_size=10)
    expected = sql(
        f"SELECT request_id FROM usage_requests WHERE {MARCH} ORDER BY created_at DESC, request_id DESC LIMIT 10"
    )
    assert ids(c.widget.rows, "request_id") == [r[0] for r in expected]
    assert len(c.widget.rows) == 10, "the kernel holds one page only"


def test_page_two_of_items_sorted_by_cost(wh, state, sql):
    c = controller(wh, state, "items", page_size=10, sort="cost", descending=False, page=1)
    expected = sql(
        f"SELECT item_id FROM usage_items WHERE {MARCH} "
        "ORDER BY cost ASC NULLS LAST, created_at ASC, item_id ASC LIMIT 10 OFFSET 10"
    )
    assert ids(c.widget.rows, "item_id") == [r[0] for r in expected]
    assert c.widget.pager_label.value.endswith(f"rows 11–20 of {c.widget.total_rows:,}</span>")


def test_next_button_loads_the_next_page(wh, state, sql):
    c = controller(wh, state, "items", page_size=10)
    c.widget.next_button.click()
    assert state.items_filters["page"] == 1
    expected = sql(
        f"SELECT item_id FROM usage_items WHERE {MARCH} ORDER BY created_at DESC, item_id DESC LIMIT 10 OFFSET 10"
    )
    assert ids(c.widget.rows, "item_id") == [r[0] for r in expected]
    assert not c.widget.prev_button.disabled


@pytest.mark.parametrize(
    "kind, filters, where",
    [
        (
            "items",
            {"project_id": "p_support", "service_type": "agent"},
            "project_id = 'p_support' AND service_type = 'agent'",
        ),
        ("items", {"model": "whisper-1"}, "model = 'whisper-1'"),
        ("items", {"agent_id": "a_ghost"}, "agent_id = 'a_ghost'"),
        ("requests", {"status": "error"}, "status = 'error'"),
        ("requests", {"agent_id": "a_conc", "model": "gpt-x"}, "agent_id = 'a_conc' AND model = 'gpt-x'"),
    ],
)
def test_filters_match_direct_query(wh, state, sql, kind, filters, where):
    table = "usage_items" if kind == "items" else "usage_requests"
    id_col = "item_id" if kind == "items" else "request_id"
    c = controller(wh, state, kind, **filters)
    expected = sql(f"SELECT {id_col} FROM {table} WHERE {MARCH} AND {where} ORDER BY created_at DESC, {id_col} DESC")
    assert ids(c.widget.rows, id_col) == [r[0] for r in expected]
    count, cost = sql(f"SELECT count(*), coalesce(sum(cost), 0) FROM {table} WHERE {MARCH} AND {where}")[0]
    assert (c.widget.total_rows, c.widget.total_cost) == (count, pytest.approx(cost))


def test_totals_of_the_whole_month(wh, state, sql):
    for kind, table in (("requests", "usage_requests"), ("items", "usage_items")):
        c = controller(wh, state, kind, page_size=5)
        count, cost = sql(f"SELECT count(*), coalesce(sum(cost), 0) FROM {table} WHERE {MARCH}")[0]
        assert c.widget.total_rows == count and c.widget.total_cost == pytest.approx(cost), kind
        assert f'data-rows="{count}"' in c.widget.totals.value
        assert len(c.widget.rows) == 5


def test_project_names_shown_and_orphan_falls_back_to_id(wh, state):
    c = controller(wh, state, "requests")
    shown = dict(zip(c.widget.rows["project_id"], c.widget.rows["project"]))
    assert shown["p_support"] == "Support bot"
    assert shown["p_orphan"] == "p_orphan", "a project missing from projects shows its id"
    agents = dict(zip(c.widget.rows["agent_id"].dropna(), c.widget.rows["agent"].dropna()))
    assert agents["a_conc"] == "Concierge" and agents["a_ghost"] == "a_ghost"
    assert (
        '<td title="p_support"><a class="oa-project-link oa-view-link" '
        'href="org_analytics.ipynb?project=p_support&amp;month=2026-03" target="_self">Support bot</a></td>'
    ) in c.widget.table.value, "a project cell opens the project's view"


def test_sort_by_project_name_is_by_name_with_tie_break(wh, state, sql):
    c = controller(wh, state, "items", sort="project", descending=False)
    expected = sql(f"""SELECT i.item_id FROM usage_items i LEFT JOIN projects p USING (project_id)
                       WHERE i.{MARCH.replace(" AND created_at", " AND i.created_at")}
                       ORDER BY coalesce(p.name, i.project_id) ASC, i.created_at ASC, i.item_id ASC LIMIT 50""")
    assert ids(c.widget.rows, "item_id") == [r[0] for r in expected]


def test_date_range_uses_local_days(wh, state, sql):
    c = controller(wh, state, "items", date_from="2026-03-07", date_to="2026-03-07")
    shown = ids(c.widget.rows, "item_id")
    assert "i_s02a" in shown, "2026-03-08T04:59:59Z is 03-07 23:59:59 in New York"
    assert "i_s03a" not in shown, "2026-03-08T05:00:00Z is already 03-08 in New York"
    expected = sql(f"SELECT item_id FROM usage_items WHERE {MARCH} AND {LOCAL_DAY} = DATE '2026-03-07'")
    assert sorted(shown) == sorted(r[0] for r in expected)


def test_date_range_across_the_dst_day(wh, state, sql):
    c = controller(wh, state, "requests", date_from="2026-03-08", date_to="2026-03-09")
    expected = sql(
        f"SELECT request_id FROM usage_requests WHERE {MARCH} "
        f"AND {LOCAL_DAY} BETWEEN DATE '2026-03-08' AND DATE '2026-03-09'"
    )
    assert sorted(ids(c.widget.rows, "request_id")) == sorted(r[0] for r in expected)
    assert set(ids(c.widget.rows, "request_id")) == {"req_s03", "req_s04", "req_s05"}


def test_request_id_search_is_a_substring(wh, state, sql):
    c = controller(wh, state, "requests", search="_s0")
    expected = sql(f"SELECT request_id FROM usage_requests WHERE {MARCH} AND contains(request_id, '_s0')")
    assert sorted(ids(c.widget.rows, "request_id")) == sorted(r[0] for r in expected)
    assert len(expected) >= 5


@pytest.mark.parametrize("text", ["%", "r_q", "' OR 1=1 --", "req_s0%"])
def test_search_text_is_data_not_sql(wh, state, text):
    c = controller(wh, state, "requests", search=text)
    assert c.widget.status == "empty" and c.widget.total_rows == 0
    assert "No requests match these filters" in c.widget.table.value


def test_filter_options_come_from_the_month(wh, state, sql):
    c = controller(wh, state, "items")
    options = c.widget.options
    expected = sql(f"SELECT DISTINCT service_type FROM usage_items WHERE {MARCH}")
    assert sorted(v for _, v in options["service_type"]) == sorted(r[0] for r in expected)
    assert ("p_orphan", "p_orphan") in options["project_id"]
    assert ("<script>alert(1)</script>", "p_xss") in options["project_id"]
    assert "status" not in options, "items have no status"
    requests = controller(wh, state, "requests")
    assert sorted(v for _, v in requests.widget.options["status"]) == ["error", "success"]


def test_dropdown_writes_the_filter_into_the_state(wh, state):
    c = controller(wh, state, "items")
    c.widget.filter_controls["project_id"].value = "p_voice"
    assert state.items_filters["project_id"] == "p_voice"
    assert set(c.widget.rows["project_id"]) == {"p_voice"}
    twins = [label for label, _ in c.widget.filter_controls["agent_id"].options if label.startswith("Helper")]
    assert twins == ["Helper (a_help1)", "Helper (a_help2)"], "two agents with one name stay distinguishable"


def test_integrity_dropdown_shows_its_checks_in_words_and_filters_the_items(wh, state, sql):
    c = controller(wh, state, "items")
    assert [label for label, _ in c.widget.integrity.options] == [
        "All items",
        "Unpriced (counted as $0)",
        "Naming no request",
    ]
    c.widget.integrity.value = "unpriced"
    assert state.items_filters["integrity"] == "unpriced"
    unpriced = sql(
        f"SELECT item_id FROM usage_items WHERE {MARCH} AND quantity > 0 "
        "AND (cost IS NULL OR cost = 0 OR unit_price IS NULL OR unit_price = 0)"
    )
    assert ids(c.widget.rows, "item_id") == [i for (i,) in unpriced] and c.widget.total_rows == len(unpriced)
    state.items_filters = {}
    assert c.widget.integrity.value == "", "the dropdown follows the state"


def test_requests_without_items_are_a_requests_filter(wh, state):
    c = controller(wh, state, "requests", integrity="no_items")
    assert [label for label, _ in c.widget.integrity.options] == ["All requests", "Without items"]
    assert sorted(ids(c.widget.rows, "request_id")) == ["req_ia1", "req_ib1", "req_ic1", "req_lg1"]
    assert "integrity" not in c.widget.carry.value, "'without items' means nothing on the items table"


# -- validation of values a viewer's browser can send --------------------------------------------
def test_unknown_filter_keys_are_dropped(state):
    state.requests_filters = {"status": "error", "__class__": "x", "sql": "DROP TABLE"}
    assert state.requests_filters == {"status": "error", "sort": "time", "descending": True, "page": 0}


@pytest.mark.parametrize(
    "value, rule",
    [
        ({"date_from": "2026-04-01"}, "not in the month 2026-03"),
        ({"date_to": "2026-02-28"}, "not in the month 2026-03"),
        ({"date_from": "2026-03-32"}, "not a calendar date"),
        ({"date_from": "yesterday"}, "YYYY-MM-DD"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-09"}, "From (2026-03-10) is after To (2026-03-09)"),
        ({"sort": "cost; DROP TABLE usage_items"}, "cannot sort"),
        ({"sort": "conversation_id"}, "cannot sort"),
        ({"page": -1}, "The page must be"),
        ({"page": "two"}, "page must be"),
        ({"page": 1.5}, "page must be"),
        ({"project_id": ["p_support"]}, "must be text"),
        ({"search": "x" * 1000}, "longer than"),
        ({"descending": "yes"}, "true or false"),
        ({"integrity": "no_items"}, "The integrity filter of the items table must be unpriced or orphan"),
        ({"integrity": ["unpriced"]}, "must be unpriced or orphan"),
        ("status=error", "expected a dict"),
    ],
)
def test_invalid_filter_values_are_rejected(state, value, rule):
    before = dict(state.items_filters)
    with pytest.raises(TraitError, match=re.escape(rule)):
        state.items_filters = value
    assert state.items_filters == before, "a rejected value leaves the filters as they were"


def test_status_filter_is_not_an_items_filter(state):
    state.items_filters = {"status": "error"}
    assert "status" not in state.items_filters


def test_page_past_the_end_shows_the_last_page(wh, state):
    c = controller(wh, state, "items", page_size=10, page=999)
    last = (c.widget.total_rows - 1) // 10
    assert state.items_filters["page"] == last
    assert len(c.widget.rows) == c.widget.total_rows - last * 10


def test_invalid_value_from_a_widget_shows_the_rule_and_keeps_the_filters(wh, state):
    c = controller(wh, state, "items")
    c.widget.date_from.value = "2026-03-20"
    c.widget.date_to.options = [*c.widget.date_to.options, ("bad", "2026-03-05")]
    c.widget.date_to.value = "2026-03-05"
    assert state.items_filters["date_from"] == "2026-03-20" and "date_to" not in state.items_filters
    assert "From (2026-03-20) is after To (2026-03-05)" in c.widget.filter_error.value, "words, not field names"
    assert c.widget.date_to.value == "", "the control goes back to the state's value"


# -- request -> items, month change, empty state ---------------------------------------------------
def test_choosing_a_request_shows_its_items(wh, state, sql, tmp_path):
    tables = UsageTables(wh, state=state, period=PERIOD, exports_dir=tmp_path)
    tables.requests.widget.filter_controls["project_id"].value = "p_voice"
    tables.requests.widget.show_items.value = "req_v01"
    assert tables.selected_index == 1, "the items tab opens"
    expected = sql(f"SELECT item_id FROM usage_items WHERE {MARCH} AND request_id = 'req_v01'")
    assert sorted(ids(tables.items.widget.rows, "item_id")) == sorted(r[0] for r in expected)
    assert "req_v01" in tables.items.widget.request_chip.value
    tables.items.widget.clear_request.click()
    assert "request_id" not in state.items_filters
    assert tables.items.widget.total_rows > len(expected)


def test_set_period_reloads_for_another_month(wh, state, sql, tmp_path):
    tables = UsageTables(wh, state=state, period=PERIOD, exports_dir=tmp_path)
    state.requests_filters = {"project_id": "p_support", "date_from": "2026-03-10"}
    february = Period.for_month("2026-02", ZONE, NOW)
    tables.set_period(february)
    assert state.requests_filters == T.default_filters("requests"), "filters reset for the new month"
    expected = sql(
        "SELECT count(*) FROM usage_requests WHERE created_at >= TIMESTAMP '2026-02-01 05:00:00' "
        "AND created_at < TIMESTAMP '2026-03-01 05:00:00'"
    )[0][0]
    assert tables.requests.widget.total_rows == expected
    assert tables.requests.widget.days[0] == "2026-02-01" and len(tables.requests.widget.days) == 28


def test_empty_month_shows_the_empty_state(wh, tmp_path):
    tables = UsageTables(wh, period=Period.for_month("2026-06", ZONE, NOW), exports_dir=tmp_path)
    w = tables.requests.widget
    assert w.status == "empty" and "No requests match these filters" in w.table.value
    assert w.csv_button.disabled and w.next_button.disabled


def test_loading_state_while_a_page_loads(wh, state):
    c = controller(wh, state, "items")
    seen = []
    c.widget.observe(lambda ch: seen.append((ch["new"], "oa-loading" in c.widget.table.value)), names="status")
    c.widget.filter_controls["service_type"].value = "embedding"
    assert seen == [("loading", True), ("ready", False)], "the old page is greyed out while the new one loads"


def test_analyst_api_gives_expressions_and_pages(wh, state, sql):
    c = controller(wh, state, "items", project_id="p_docs")
    whole = wh.execute(c.expression())
    assert list(whole.columns) == list(T.COLUMNS["items"])
    assert sorted(whole["item_id"]) == sorted(
        r[0] for r in sql(f"SELECT item_id FROM usage_items WHERE {MARCH} AND project_id = 'p_docs'")
    )
    expr = usage_table(wh, PERIOD, "requests", status="error")
    expected = sql(
        f"SELECT request_id FROM usage_requests WHERE {MARCH} AND status = 'error' "
        "ORDER BY created_at DESC, request_id DESC"
    )
    assert list(wh.execute(expr)["request_id"]) == [r[0] for r in expected]
    assert len(c.page_frame(page=0)) == len(whole)


# -- widget rendering --------------------------------------------------------------------------
def test_widget_escapes_hostile_names(wh, state):
    c = controller(wh, state, "items", project_id="p_xss")
    page = c.widget.table.value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert page.count('class="oa-table-row"') == 3


def test_css_classes_for_browser_tests(wh, tmp_path):
    tables = UsageTables(wh, period=PERIOD, exports_dir=tmp_path)
    req, items = tables.requests.widget, tables.items.widget
    assert "oa-usage-requests" in req._dom_classes and "oa-usage-items" in items._dom_classes
    for css, control in (
        ("oa-export-csv", req.csv_button),
        ("oa-export-parquet", req.parquet_button),
        ("oa-filter-project", req.filter_controls["project_id"]),
        ("oa-filter-service-type", req.filter_controls["service_type"]),
        ("oa-filter-model", req.filter_controls["model"]),
        ("oa-filter-agent", req.filter_controls["agent_id"]),
        ("oa-filter-status", req.filter_controls["status"]),
        ("oa-filter-search", req.search),
        ("oa-filter-date-from", req.date_from),
    ):
        assert css in control._dom_classes, css
    assert 'class="oa-table-total"' in req.totals.value
    assert "status" not in items.filter_controls


# -- exports -----------------------------------------------------------------------------------
def test_csv_export_contents(wh, state, sql, tmp_path):
    c = controller(wh, state, "items", tmp_path, project_id="p_support")
    export = c.export_to_widget("csv")
    assert UUID_NAME.match(export.filename) and export.path.parent == tmp_path
    assert os.listdir(tmp_path) == [export.filename], "no temporary file is left behind"
    con = duckdb.connect()
    count, cost = con.execute(f"SELECT count(*), sum(cost) FROM read_csv('{export.path}', header=true)").fetchone()
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_csv('{export.path}', header=true)").fetchall()]
    e_count, e_cost = sql(f"SELECT count(*), sum(cost) FROM usage_items WHERE {MARCH} AND project_id = 'p_support'")[0]
    assert (count, cost) == (e_count, pytest.approx(e_cost))
    assert columns == ["time_local", "created_at_utc", *T.COLUMNS["items"][2:]]
    link = c.widget.export_area.value
    assert 'class="oa-export-link"' in link and f'href="../files/exports/{export.filename}"' in link
    assert 'download="usage-items_2026-03_project-p-support.csv"' in link and f"{e_count} rows" in link


def test_parquet_export_contents_in_table_order(wh, state, sql, tmp_path):
    c = controller(wh, state, "requests", tmp_path, status="success", sort="cost", descending=True)
    export = c.export("parquet")
    assert UUID_NAME.match(export.filename)
    table = pq.read_table(export.path)
    expected = sql(
        f"SELECT request_id, cost FROM usage_requests WHERE {MARCH} AND (status = 'success' OR status IS NULL) "
        "ORDER BY cost DESC NULLS LAST, created_at DESC, request_id DESC"
    )
    assert table.column("request_id").to_pylist() == [r[0] for r in expected]
    assert table.num_rows == len(expected)
    assert sum(v or 0 for v in table.column("cost").to_pylist()) == pytest.approx(sum(r[1] or 0 for r in expected))
    assert table.column_names == ["time_local", "created_at_utc", *T.COLUMNS["requests"][2:]]
    first = table.slice(0, 1).to_pylist()[0]
    assert first["request_id"] == "req_s06" and first["project"] == "Support bot"
    assert str(first["time_local"]) == "2026-03-31 14:30:00", "local time in New York"


def test_export_shows_progress_then_the_link(wh, state, tmp_path):
    c = controller(wh, state, "items", tmp_path)
    states = []
    c.widget.observe(lambda ch: states.append((ch["new"].get("state"), c.widget.export_area.value)), names="export")
    c.widget.csv_button.click()
    assert [s for s, _ in states] == ["running", "done"]
    assert f"Exporting {c.widget.total_rows:,} rows" in states[0][1]
    assert "oa-export-link" in states[1][1]


def test_old_exports_are_removed_on_export(wh, state, tmp_path):
    old = tmp_path / ("a" * 32 + ".csv")
    old_part = tmp_path / ("." + "b" * 32 + ".parquet.part")
    recent = tmp_path / ("c" * 32 + ".parquet")
    other = tmp_path / "notes.csv"
    for f in (old, old_part, recent, other):
        f.write_text("x")
    hour_ago = time.time() - 3600
    for f in (old, old_part, other):
        os.utime(f, (hour_ago, hour_ago))
    c = controller(wh, state, "requests", tmp_path)
    export = c.export("csv")
    left = set(os.listdir(tmp_path))
    assert left == {recent.name, other.name, export.filename}, "only this module's old exports go"
    assert sorted(prune_exports(tmp_path, max_age=0, now=time.time() + 1)) == sorted([recent.name, export.filename])


def test_csv_export_neutralises_formulas(tmp_path):
    path = tmp_path / "formula.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""
        CREATE TABLE projects (project_id VARCHAR, name VARCHAR, color VARCHAR, monthly_budget DOUBLE,
                               created_at TIMESTAMP, archived_at TIMESTAMP);
        CREATE TABLE agents (agent_id VARCHAR, project_id VARCHAR, name VARCHAR);
        CREATE TABLE usage_requests (request_id VARCHAR, created_at TIMESTAMP, project_id VARCHAR,
            service_type VARCHAR, model VARCHAR, agent_id VARCHAR, conversation_id VARCHAR,
            input_tokens BIGINT, output_tokens BIGINT, cost DOUBLE, status VARCHAR);
        CREATE TABLE usage_items (item_id VARCHAR, request_id VARCHAR, created_at TIMESTAMP, project_id VARCHAR,
            agent_id VARCHAR, service_type VARCHAR, model VARCHAR, pricing_rule VARCHAR, quantity DOUBLE,
            unit VARCHAR, unit_price DOUBLE, cost DOUBLE);
        INSERT INTO projects VALUES ('p1', '=HYPERLINK("x")', NULL, NULL, '2025-01-01', NULL);
        INSERT INTO agents VALUES ('a1', 'p1', '@SUM(A1)'), ('a2', 'p1', 'x;=HYPERLINK("y");-2,+3|@4');
        INSERT INTO usage_requests VALUES
          ('req_1', '2026-03-10 12:00:00', 'p1', '+cmd', '-model', 'a1', NULL, 1, 2, -0.5, 'ok'),
          ('req_2', '2026-03-09 12:00:00', 'p1', 'x', 'm', 'a2', NULL, 1, 2, 1.0, 'ok');
        INSERT INTO usage_items VALUES
          ('i_1', 'req_1', '2026-03-10 12:00:00', 'p1', 'a1', '+cmd', '-model', '=rule', 1, 'token', -0.5, -0.5);
    """)
    con.close()
    (tmp_path / "out").mkdir()
    wh = connect(f"duckdb://{path}", writable_dirs=[tmp_path / "out"])
    try:
        state = DashboardState(month="2026-03", timezone=ZONE)
        requests = UsageTableController(wh, state, "requests", PERIOD, exports_dir=tmp_path / "out")
        items = UsageTableController(wh, state, "items", PERIOD, exports_dir=tmp_path / "out")
        r_csv, i_csv = requests.export("csv"), items.export("csv")
        reader = duckdb.connect()
        row = reader.execute(
            f"SELECT project, agent, service_type, model, status, cost FROM "
            f"read_csv('{r_csv.path}', header=true, all_varchar=true)"
        ).fetchone()
        assert row == ('\'=HYPERLINK("x")', "'@SUM(A1)", "'+cmd", "'-model", "ok", "-0.5"), (
            "text cells starting with = + - @ are prefixed with a quote; numbers stay numbers"
        )
        inside = reader.execute(
            f"SELECT agent FROM read_csv('{r_csv.path}', header=true, all_varchar=true) WHERE request_id = 'req_2'"
        ).fetchone()[0]
        assert inside == "x;'=HYPERLINK(\"y\");'-2,'+3|'@4", "after a separator inside a cell too (; locales)"
        irow = reader.execute(
            f"SELECT project, pricing_rule, cost FROM read_csv('{i_csv.path}', header=true, all_varchar=true)"
        ).fetchone()
        assert irow == ('\'=HYPERLINK("x")', "'=rule", "-0.5")
        parquet = pq.read_table(requests.export("parquet").path).to_pylist()[0]
        assert parquet["project"] == '=HYPERLINK("x")', "Parquet keeps the data as it is"
    finally:
        wh.close()


def test_large_exports_stream_in_storage_order(wh, state, sql, tmp_path):
    c = UsageTableController(wh, state, "items", PERIOD, exports_dir=tmp_path, export_sort_limit=10)
    state.items_filters = {"project_id": "p_support"}
    c.refresh()
    c.widget.parquet_button.click()
    assert c.widget.export["ordered"] is False and "in storage order" in c.widget.export_area.value
    table = pq.read_table(c.last_export.path)
    expected = sql(f"SELECT item_id FROM usage_items WHERE {MARCH} AND project_id = 'p_support'")
    assert sorted(table.column("item_id").to_pylist()) == sorted(r[0] for r in expected)


def test_export_file_names_are_only_uuid_hex(wh, state, tmp_path):
    c = controller(wh, state, "items", tmp_path)
    names = {c.export("csv").filename, c.export("parquet").filename, c.export("csv").filename}
    assert len(names) == 3 and all(EXPORT_NAME_RE.match(n) for n in names)


# -- words for keys, costs that never read $0.0000 ----------------------------------------------
def visible_cells(table_html: str) -> list[str]:
    """The texts a person reads in the cells (tooltips left out)."""
    return [html.unescape(text) for text in re.findall(r"<td[^>]*>([^<]*)</td>", table_html)]


def test_items_cells_show_service_types_and_pricing_rules_in_words(wh, state):
    c = controller(wh, state, "items", page_size=100)
    cells = visible_cells(c.widget.table.value)
    for words in ("Text generation", "Speech to text", "Image generation", "Input tokens", "Cached input tokens"):
        assert words in cells, f"{words!r} missing from the items cells"
    raw = {"text_generation", "speech_to_text", "image_generation", "input_tokens", "cached_input_tokens"}
    assert not raw & set(cells), f"raw keys shown: {sorted(raw & set(cells))}"
    assert '<td title="cached_input_tokens">Cached input tokens</td>' in c.widget.table.value, (
        "the key stays in the tooltip"
    )


def test_service_type_filter_shows_words_and_filters_by_key(wh, state):
    c = controller(wh, state, "items")
    options = dict(c.widget.filter_controls["service_type"].options)
    assert options["Text generation"] == "text_generation"
    assert options["Image generation"] == "image_generation", "unknown types: underscores as spaces"
    assert not [label for label in options if "_" in label], options
    c.widget.filter_controls["service_type"].value = "speech_to_text"
    assert state.items_filters["service_type"] == "speech_to_text", "the value stays the raw key"


def test_requests_service_type_filter_shows_words(wh, state):
    c = controller(wh, state, "requests")
    labels = [label for label, _ in c.widget.filter_controls["service_type"].options]
    assert "Text generation" in labels and "text_generation" not in labels


@pytest.mark.parametrize(
    "value,text",
    [
        (0.0, "$0.00"),
        (4.2e-05, "$0.000042"),
        (0.0031, "$0.0031"),
        (0.01, "$0.01"),
        (12.5, "$12.50"),
        (-4.2e-05, "-$0.000042"),
    ],
)
def test_cost_cells_keep_significant_digits_under_a_cent(value, text):
    assert cell_text("cost", value) == text


def test_tiny_item_costs_never_read_as_zero(wh, state):
    # i_zu1c costs 1e-13 and i_t01a -1e-14 (NY March)
    c = controller(wh, state, "items", page_size=100)
    rows = c.widget.rows.set_index("item_id")
    assert cell_text("cost", rows.loc["i_zu1c", "cost"]) == "$0.0000000000001"
    assert cell_text("cost", rows.loc["i_t01a", "cost"]) == "-$0.00000000000001"
    assert "$0.0000<" not in c.widget.table.value
