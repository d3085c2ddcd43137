"""Connectors: URL forms, read-only access, schema validation with one clear message."""

from __future__ import annotations

import os

import duckdb
import pytest

from data_connectors import SchemaError, WarehouseError, connect

SCHEMA = {
    "projects": "project_id VARCHAR, name VARCHAR, color VARCHAR, monthly_budget DOUBLE, created_at TIMESTAMP, archived_at TIMESTAMP",
    "agents": "agent_id VARCHAR, project_id VARCHAR, name VARCHAR",
    "usage_requests": "request_id VARCHAR, created_at TIMESTAMP, project_id VARCHAR, service_type VARCHAR, model VARCHAR, "
    "agent_id VARCHAR, conversation_id VARCHAR, input_tokens BIGINT, output_tokens BIGINT, cost DOUBLE, status VARCHAR",
    "usage_items": "item_id VARCHAR, request_id VARCHAR, created_at TIMESTAMP, project_id VARCHAR, agent_id VARCHAR, "
    "service_type VARCHAR, model VARCHAR, pricing_rule VARCHAR, quantity DOUBLE, unit VARCHAR, unit_price DOUBLE, cost DOUBLE",
}


def make_warehouse(path, overrides=None, extra_sql=""):
    con = duckdb.connect(str(path))
    for table, columns in {**SCHEMA, **(overrides or {})}.items():
        if columns is not None:
            con.execute(f"CREATE TABLE {table} ({columns})")
    con.execute(extra_sql) if extra_sql else None
    con.close()
    return path


def test_duckdb_file_opens_read_only(tmp_path):
    path = make_warehouse(tmp_path / "w.duckdb")
    wh = connect(f"duckdb://{path}")
    assert wh.usage_items.count().execute() == 0
    with pytest.raises(Exception, match="(?i)read.only"):
        wh.con.raw_sql("INSERT INTO projects (project_id) VALUES ('x')")
    wh.close()


def test_extra_columns_are_ignored_and_zoned_timestamps_become_utc(tmp_path):
    path = make_warehouse(
        tmp_path / "w.duckdb",
        {"agents": "agent_id VARCHAR, project_id VARCHAR, name VARCHAR, owner VARCHAR"},
        "ALTER TABLE usage_items ALTER created_at TYPE TIMESTAMPTZ; "
        "INSERT INTO usage_items (item_id, created_at) VALUES ('i', TIMESTAMPTZ '2026-03-01 00:30:00+05:30')",
    )
    wh = connect(f"duckdb://{path}")
    assert "owner" not in wh.agents.columns
    assert str(wh.usage_items.created_at.execute()[0]) == "2026-02-28 19:00:00"
    wh.close()


def _items_parquet(tmp_path):
    """A Parquet warehouse folder with everything but usage_items, and the DuckDB source file."""
    src = make_warehouse(
        tmp_path / "w.duckdb",
        extra_sql=(
            "INSERT INTO usage_items (item_id, created_at, cost) VALUES "
            "('a', '2026-09-30 23:00', 1.5), ('b', '2026-10-01', 2.5), ('c', '2026-11-02', 4.0)"
        ),
    )
    out = tmp_path / "pq"
    out.mkdir()
    con = duckdb.connect(str(src))
    for table in ("projects", "agents", "usage_requests"):
        con.execute(f"COPY {table} TO '{out / (table + '.parquet')}' (FORMAT parquet)")
    return con, out


def test_parquet_folder_with_files_and_partition_folders(tmp_path):
    con, out = _items_parquet(tmp_path)
    con.execute(
        f"COPY (SELECT *, strftime(created_at, '%Y-%m') AS month FROM usage_items) TO '{out / 'usage_items'}' "
        "(FORMAT parquet, PARTITION_BY (month))"
    )
    con.close()
    wh = connect(f"parquet://{out}")
    assert wh.usage_items.cost.sum().execute() == 8.0
    assert wh.backend == "duckdb"


def test_environment_variable_names_the_default_warehouse(tmp_path, monkeypatch):
    path = make_warehouse(tmp_path / "w.duckdb")
    monkeypatch.setenv("ORG_ANALYTICS_WAREHOUSE", f"duckdb://{path}")
    assert connect().url == f"duckdb://{path}"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"usage_items": None}, "has no table usage_items"),
        ({"usage_items": SCHEMA["usage_items"].replace(", cost DOUBLE", "")}, "usage_items has no column 'cost'"),
        (
            {"usage_items": SCHEMA["usage_items"].replace("cost DOUBLE", "cost VARCHAR")},
            "usage_items column 'cost' is string",
        ),
        (
            {"projects": SCHEMA["projects"].replace("created_at TIMESTAMP", "created_at VARCHAR")},
            "projects column 'created_at'",
        ),
    ],
)
def test_schema_problems_name_table_and_column(tmp_path, overrides, message):
    path = make_warehouse(tmp_path / "w.duckdb", overrides)
    with pytest.raises(WarehouseError, match=message):
        connect(f"duckdb://{path}")


def test_bad_urls_say_what_to_type(tmp_path):
    with pytest.raises(WarehouseError, match="unsupported warehouse URL 'foo://x'"):
        connect("foo://x")
    with pytest.raises(WarehouseError, match="no DuckDB file"):
        connect(f"duckdb://{tmp_path}/missing.duckdb")
    with pytest.raises(WarehouseError, match="no folder"):
        connect(f"parquet://{tmp_path}/missing")
    (tmp_path / "notdb.duckdb").write_text("hello")
    with pytest.raises(WarehouseError, match="cannot open DuckDB file"):
        connect(f"duckdb://{tmp_path}/notdb.duckdb")


def test_schema_error_is_a_warehouse_error():
    assert issubclass(SchemaError, WarehouseError)


def test_duckdb_memory_is_bounded_and_configurable(tmp_path, monkeypatch):
    path = make_warehouse(tmp_path / "w.duckdb")
    wh = connect(f"duckdb://{path}")
    assert wh.con.con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "488.2 MiB"
    wh.close()
    monkeypatch.setenv("ORG_ANALYTICS_DUCKDB_MEMORY_LIMIT", "1GB")
    wh = connect(f"duckdb://{path}")
    assert wh.con.con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "953.6 MiB"
    wh.close()
    monkeypatch.setenv("ORG_ANALYTICS_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(WarehouseError, match="Memory must have a number"):
        connect(f"duckdb://{path}")


def test_parquet_monthly_files_and_url_globs(tmp_path):
    con, out = _items_parquet(tmp_path)
    for month in ("2026-09", "2026-10", "2026-11"):
        con.execute(
            f"COPY (FROM usage_items WHERE strftime(created_at, '%Y-%m') = '{month}') "
            f"TO '{out / f'usage_items-{month}.parquet'}' (FORMAT parquet)"
        )
    # a file written before `model` existed reads it as null (union_by_name)
    elsewhere = tmp_path / "lake" / "items"
    elsewhere.mkdir(parents=True)
    con.execute(
        f"COPY (SELECT * EXCLUDE (model) FROM usage_items WHERE item_id = 'c') "
        f"TO '{elsewhere / 'old.parquet'}' (FORMAT parquet)"
    )
    con.execute(f"COPY (FROM usage_items WHERE item_id <> 'c') TO '{elsewhere / 'new.parquet'}' (FORMAT parquet)")
    con.close()

    wh = connect(f"parquet://{out}")
    assert wh.usage_items.cost.sum().execute() == 8.0
    wh.close()
    wh = connect(f"parquet://{out}?usage_items=usage_items-2026-1*.parquet")
    assert wh.usage_items.cost.sum().execute() == 6.5
    wh.close()
    wh = connect(f"parquet://{out}?usage_items={elsewhere}/*.parquet")
    assert wh.usage_items.cost.sum().execute() == 8.0
    assert wh.usage_items.model.isnull().sum().execute() == 3
    wh.close()


def test_parquet_period_filter_is_pushed_into_the_scan(tmp_path):
    """A month's query reads the Parquet files through a filtered scan, not a loaded table."""
    con, out = _items_parquet(tmp_path)
    con.execute(f"COPY usage_items TO '{out / 'usage_items.parquet'}' (FORMAT parquet)")
    con.close()
    import datetime as dt

    wh = connect(f"parquet://{out}")
    items = wh.usage_items
    expr = items.filter(items.created_at >= dt.datetime(2026, 10, 1), items.created_at < dt.datetime(2026, 11, 1))
    plan = "\n".join(
        str(v) for row in wh.con.raw_sql(f"EXPLAIN {wh.con.compile(expr.cost.sum())}").fetchall() for v in row
    )
    assert "PARQUET_SCAN" in plan.upper().replace(" ", "_") or "READ_PARQUET" in plan.upper()
    assert "created_at>=" in plan.replace(" ", "") and "Filters" in plan
    assert expr.cost.sum().execute() == 2.5
    wh.close()


@pytest.mark.parametrize(
    "query, message",
    [
        ("?usage_items=nothing-*.parquet", "matches no file"),
        ("?usage_itmes=x.parquet", "did you mean 'usage_items'"),
        ("?usage_items=", "empty glob"),
    ],
)
def test_parquet_url_options_are_checked(tmp_path, query, message):
    con, out = _items_parquet(tmp_path)
    con.execute(f"COPY usage_items TO '{out / 'usage_items.parquet'}' (FORMAT parquet)")
    con.close()
    with pytest.raises(WarehouseError, match=message):
        connect(f"parquet://{out}{query}")


def test_parquet_table_in_two_forms_is_ambiguous(tmp_path):
    con, out = _items_parquet(tmp_path)
    con.execute(f"COPY usage_items TO '{out / 'usage_items.parquet'}' (FORMAT parquet)")
    con.execute(f"COPY usage_items TO '{out / 'usage_items-2026.parquet'}' (FORMAT parquet)")
    con.close()
    with pytest.raises(WarehouseError, match="several forms"):
        connect(f"parquet://{out}")


def test_parquet_session_reads_its_files_and_writes_only_into_writable_dirs(tmp_path, monkeypatch):
    con, out = _items_parquet(tmp_path)
    con.execute(f"COPY usage_items TO '{out / 'usage_items-2026-09.parquet'}' (FORMAT parquet)")
    con.close()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exports").mkdir()
    wh = connect(f"parquet://{out}", writable_dirs=[tmp_path / "out"])
    before = sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir())
    for statement in (
        f"COPY (SELECT 1 AS x) TO '{out / 'new.parquet'}'",  # a new file by the data
        f"COPY (SELECT 1 AS x) TO '{out / 'projects.parquet'}'",  # overwrite a data file
        f"COPY (SELECT 1 AS x) TO '{tmp_path / 'exports' / 'x.csv'}'",  # no app folder by default
        "SELECT * FROM read_csv('/etc/passwd')",  # read another file
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
        "SET enable_external_access = true",
    ):
        with pytest.raises(Exception, match="(?i)permission|cannot change"):
            wh.con.raw_sql(statement)
    assert sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir()) == before
    (tmp_path / "out").mkdir()
    wh.con.raw_sql(f"COPY (FROM usage_items) TO '{tmp_path / 'out' / 'x.csv'}'")  # a writable dir
    assert wh.usage_items.cost.sum().execute() == 8.0
    wh.reconnect()  # opened again as connect() did: the same writable dirs
    wh.con.raw_sql(f"COPY (FROM usage_items) TO '{tmp_path / 'out' / 'y.csv'}'")
    wh.close()


def test_a_new_parquet_file_is_seen_on_the_next_load(tmp_path):
    con, out = _items_parquet(tmp_path)
    con.execute(
        f"COPY (FROM usage_items WHERE item_id = 'a') TO '{out / 'usage_items-2026-09.parquet'}' (FORMAT parquet)"
    )
    wh = connect(f"parquet://{out}")
    assert not wh.changed() and wh.execute(wh.usage_items.count()) == 1
    con.execute(
        f"COPY (FROM usage_items WHERE item_id <> 'a') TO '{out / 'usage_items-2026-10.parquet'}' (FORMAT parquet)"
    )
    con.close()
    assert wh.changed()
    wh.reconnect()
    assert not wh.changed() and wh.execute(wh.usage_items.count()) == 3
    wh.close()


def test_a_predictable_temp_folder_planted_by_someone_else_is_not_used(tmp_path, monkeypatch):
    """Another user of the machine creates our temp folder's name first: open to all, or as a
    symlink to a folder they read. Neither is used; a fresh private folder is."""
    import stat

    from data_connectors.warehouse import private_temp_dir

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    planted = tmp_path / f"org-analytics-open-{os.getuid()}"
    planted.mkdir()
    planted.chmod(0o777)
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (tmp_path / f"org-analytics-link-{os.getuid()}").symlink_to(theirs)
    try:
        for purpose, bad in (("open", planted), ("link", theirs)):
            chosen = private_temp_dir(purpose)
            assert chosen.resolve() != bad.resolve() and chosen.is_dir() and not chosen.is_symlink()
            assert stat.S_IMODE(chosen.stat().st_mode) == 0o700 and chosen.stat().st_uid == os.getuid()
        mine = private_temp_dir("fresh")
        assert mine == tmp_path / f"org-analytics-fresh-{os.getuid()}" and stat.S_IMODE(mine.stat().st_mode) == 0o700
    finally:
        private_temp_dir.cache_clear()
