"""Connectors, issue 11: the backend registry, ``ibis+`` URLs through ``ibis.connect``, locked DuckDB
files, writable folders and reprs without secrets. Real files and a real ``ibis.connect``, no mocks."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import duckdb
import pytest
from test_connectors import make_warehouse

from data_connectors import TABLES, WarehouseError, connect
from data_connectors.url import parse_url, redact
from data_connectors.warehouse import Warehouse, from_tables


@pytest.fixture
def edge_copy(edge_warehouse, tmp_path):
    """A private copy of the edge warehouse (an ``ibis+duckdb`` session opens it read-write)."""
    return shutil.copy(edge_warehouse, tmp_path / "edge.duckdb")


def totals(wh) -> dict:
    return {name: wh.execute(getattr(wh, name).count()) for name in TABLES} | {
        "cost": round(wh.execute(wh.usage_items.cost.sum()), 9),
        "tokens": wh.execute(wh.usage_requests.input_tokens.sum()),
    }


# -- ibis+<URL> -------------------------------------------------------------------------------------
def test_ibis_generic_url_gives_the_duckdb_backends_tables(edge_warehouse, edge_copy):
    reference = connect(f"duckdb://{edge_warehouse}")
    wh = connect(f"ibis+duckdb://{edge_copy}")
    assert wh.backend == "duckdb" and wh.url == f"ibis+duckdb://{edge_copy}"
    for name in TABLES:
        assert getattr(wh, name).schema() == getattr(reference, name).schema(), name
    assert totals(wh) == totals(reference)
    wh.reconnect()
    assert totals(wh) == totals(reference)
    wh.close()
    reference.close()


def test_ibis_generic_query_options_go_to_the_backend(edge_copy):
    wh = connect(f"ibis+duckdb://{edge_copy}?read_only=true")
    with pytest.raises(Exception, match="(?i)read.only"):
        wh.con.raw_sql("DELETE FROM usage_items")
    wh.close()


def test_ibis_generic_errors_are_one_line(tmp_path):
    path = make_warehouse(tmp_path / "w.duckdb", {"agents": None})
    with pytest.raises(WarehouseError, match=r"has no table agents \(or the credentials cannot see it\)"):
        connect(f"ibis+duckdb://{path}")
    if importlib.util.find_spec("clickhouse_connect") is None:  # Ibis' clickhouse extra is not in the test env
        with pytest.raises(WarehouseError, match=r"pip install 'ibis-framework\[clickhouse\]'") as caught:
            connect("ibis+clickhouse://reader:s3cret@localhost:8123/usage")
        assert "s3cret" not in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(WarehouseError, match="ibis.connect does not know the URL scheme 'nosuch'"):
        connect("ibis+nosuch://host/db")


# -- the registry -----------------------------------------------------------------------------------
def test_optional_drivers_are_imported_only_for_their_urls(tmp_path):
    """Opening a DuckDB file imports neither psycopg nor pyspark (nor the other backend modules)."""
    path = make_warehouse(tmp_path / "w.duckdb")
    code = (
        "import sys; from data_connectors import connect; connect(sys.argv[1]).close(); "
        "loaded = [m for m in ('psycopg', 'pyspark', 'data_connectors.backends.postgres', "
        "'data_connectors.backends.spark', 'data_connectors.backends.parquet') if m in sys.modules]; "
        "print(loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code, f"duckdb://{path}"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_url_is_parsed_once_into_its_parts():
    url = parse_url("spark://local[2]?path=/data/usage&spark.driver.memory=4g")
    assert (url.scheme, url.netloc, url.path, url.options) == (
        "spark",
        "local[2]",
        "",
        (("path", "/data/usage"), ("spark.driver.memory", "4g")),
    )
    url = parse_url("mapping:litellm?source=duckdb:///x.duckdb?usage_items=a.parquet")
    assert (url.location, url.query) == ("litellm", "source=duckdb:///x.duckdb?usage_items=a.parquet")
    assert parse_url("duckdb:////abs/w.duckdb").location == "/abs/w.duckdb"
    assert parse_url("duckdb://rel/w.duckdb").location == "rel/w.duckdb"
    with pytest.raises(WarehouseError, match="unknown option 'x' in the DuckDB URL"):
        connect("duckdb:///tmp/w.duckdb?x=1")


# -- DuckDB files are locked ------------------------------------------------------------------------
def test_a_view_in_a_duckdb_file_cannot_read_other_files(tmp_path):
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("user,password\nroot,hunter2\n")
    path = make_warehouse(
        tmp_path / "w.duckdb",
        extra_sql=(
            f"CREATE VIEW leak AS SELECT * FROM read_csv('{secret}'); "
            "INSERT INTO usage_items (item_id, created_at, cost) VALUES ('a', '2026-10-01', 2.5)"
        ),
    )
    assert duckdb.connect(str(path), read_only=True).sql("SELECT count(*) FROM leak").fetchone() == (1,)

    wh = connect(f"duckdb://{path}", writable_dirs=[tmp_path / "out"])
    with pytest.raises(
        Exception, match="Permission Error: Cannot access file .*secret.csv.* disabled by configuration"
    ):
        wh.con.sql("SELECT * FROM leak").execute()
    for statement in (
        "SELECT * FROM read_csv('/etc/passwd')",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
        f"COPY (SELECT 1 AS x) TO '{tmp_path / 'beside.csv'}'",
        "SET enable_external_access = true",
    ):
        with pytest.raises(Exception, match="(?i)permission|cannot change"):
            wh.con.raw_sql(statement)
    assert wh.execute(wh.usage_items.cost.sum()) == 2.5
    (tmp_path / "out").mkdir()
    wh.con.raw_sql(f"COPY (FROM usage_items) TO '{tmp_path / 'out' / 'x.csv'}'")  # a writable dir
    assert (tmp_path / "out" / "x.csv").read_text().count("\n") == 2
    wh.close()


def test_two_warehouses_on_one_file_have_their_own_sessions(tmp_path):
    """DuckDB shares one instance per file in a process: each Warehouse attaches the file to its own
    in-memory database instead, so one's lock and writable dirs are not the other's."""
    path = make_warehouse(tmp_path / "w.duckdb")
    first = connect(f"duckdb://{path}")
    second = connect(f"duckdb://{path}", writable_dirs=[tmp_path])
    second.con.raw_sql(f"COPY (FROM projects) TO '{tmp_path / 'p.csv'}'")
    with pytest.raises(Exception, match="(?i)permission"):
        first.con.raw_sql(f"COPY (FROM projects) TO '{tmp_path / 'q.csv'}'")
    first.close()
    second.close()


def test_a_mapping_over_a_duckdb_file_is_locked_too(tmp_path):
    path = make_warehouse(tmp_path / "w.duckdb", extra_sql="CREATE VIEW leak AS SELECT * FROM read_csv('/etc/passwd')")
    mapping = tmp_path / "m.toml"
    mapping.write_text(f'source = "duckdb://{path}"\n' + "".join(f'[{name}]\nfrom = "{name}"\n' for name in TABLES))
    wh = connect(f"mapping://{mapping}")
    with pytest.raises(Exception, match="(?i)permission"):
        wh.con.sql("SELECT * FROM leak").execute()
    assert wh.execute(wh.usage_items.count()) == 0
    wh.close()


def test_a_mapping_over_a_parquet_folder_is_locked_too(tmp_path, edge_parquet):
    """A mapping's Parquet source may read the folder's Parquet files and nothing else."""
    mapping = tmp_path / "m.toml"
    mapping.write_text(f'source = "parquet://{edge_parquet}"\n' + "".join(f'[{n}]\nfrom = "{n}"\n' for n in TABLES))
    (tmp_path / "beside.csv").write_text("a\n1\n")
    wh = connect(f"mapping://{mapping}")
    try:
        assert wh.execute(wh.usage_items.count()) > 0
        for sql in (
            "SELECT * FROM read_csv('/etc/passwd')",
            f"SELECT * FROM read_csv('{tmp_path / 'beside.csv'}')",
            f"COPY (SELECT 1) TO '{edge_parquet / 'new.parquet'}'",
            "SET enable_external_access = true",
        ):
            with pytest.raises(Exception, match="(?i)permission|disabled|locked|cannot"):
                wh.con.raw_sql(sql).fetchall()
        assert not (edge_parquet / "new.parquet").exists()
    finally:
        wh.close()


def test_a_mapping_source_may_be_an_ibis_url(tmp_path):
    path = make_warehouse(
        tmp_path / "w.duckdb",
        extra_sql=("INSERT INTO usage_items (item_id, created_at, cost) VALUES ('a', '2026-10-01', 2.5)"),
    )
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        f'source = "ibis+duckdb://{path}?read_only=true"\n' + "".join(f'[{name}]\nfrom = "{name}"\n' for name in TABLES)
    )
    wh = connect(f"mapping://{mapping}")
    assert wh.execute(wh.usage_items.cost.sum()) == 2.5
    wh.close()
    mapping.write_text(f'source = "ibis+duckdb://{path}?read_only=true"\n[projects]\nfrom = "teams"\n')
    with pytest.raises(WarehouseError, match="projects.from: no table 'teams' in the source, duckdb://.*credentials"):
        connect(f"mapping://{mapping}")


# -- reprs --------------------------------------------------------------------------------------------
def test_repr_never_shows_a_password_or_token(tmp_path):
    path = make_warehouse(tmp_path / "w.duckdb")
    wh = connect(f"duckdb://{path}")
    assert repr(wh) == str(wh) == f"<Warehouse duckdb://{path} (4 tables)>"
    fake = Warehouse(
        url="postgres://reader:s3cret@db:5432/usage?sslmode=require&password=p2",
        con=wh.con,
        **{name: getattr(wh, name) for name in TABLES},
    )
    assert repr(fake) == "<Warehouse postgres://reader:***@db:5432/usage?sslmode=require&password=*** (4 tables)>"
    assert "s3cret" not in f"{[fake]}" and "p2" not in str(fake)
    generic = from_tables(
        wh.con, "ibis+snowflake://me:pw@acct/DB/S?private_key_file_pwd=k", {name: getattr(wh, name) for name in TABLES}
    )
    assert repr(generic) == "<Warehouse ibis+snowflake://me:***@acct/DB/S?private_key_file_pwd=*** (4 tables)>"
    assert redact("mapping:litellm?source=postgres://u:pw@h/db") == "mapping:litellm?source=postgres://u:***@h/db"
    assert redact("sc://h:15002/;token=abc;use_ssl=true") == "sc://h:15002/;token=***;use_ssl=true"
    wh.close()
