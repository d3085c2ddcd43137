"""PostgreSQL: read-only sessions and one-line errors for every way a connection goes wrong."""
from __future__ import annotations

import pytest

from data_connectors import WarehouseError, connect
from pg import READER


@pytest.fixture(scope="module")
def pg_url(postgres_server, edge_warehouse):
    return postgres_server.load_duckdb(edge_warehouse, "edge_pg_only")


def test_the_session_is_read_only(pg_url):
    wh = connect(pg_url)
    assert wh.con.raw_sql("SHOW default_transaction_read_only").fetchone()[0] == "on"
    for statement in ("CREATE TABLE x (a int)", "DELETE FROM usage_items", "INSERT INTO agents VALUES ('a', 'p', 'n')"):
        with pytest.raises(Exception, match="read-only transaction"):
            wh.con.raw_sql(statement)
    wh.close()


def one_line_error(run_cli, url) -> str:
    code, out, err = run_cli(["report", "--warehouse", url, "--month", "2026-03"])
    assert code == 2 and out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_wrong_password_unreachable_port_and_unknown_database(run_cli, postgres_server, pg_url):
    wrong = pg_url.replace(READER[1], "not-the-password")
    message = one_line_error(run_cli, wrong)
    assert "password authentication failed" in message and "not-the-password" not in message
    from browser import free_port

    closed = pg_url.replace(f":{postgres_server.port}/", f":{free_port()}/")
    assert "cannot connect to PostgreSQL at 127.0.0.1" in one_line_error(run_cli, closed)
    assert "does not exist" in one_line_error(run_cli, pg_url.replace("/edge_pg_only", "/nope"))
    assert "unknown option 'sslmod'" in one_line_error(run_cli, pg_url + "?sslmod=x")


def test_missing_table_and_wrong_column_type_name_the_table(run_cli, postgres_server, edge_warehouse):
    url = postgres_server.load_duckdb(edge_warehouse, "edge_broken")
    with postgres_server.admin("edge_broken") as con:
        con.execute("ALTER TABLE usage_items ALTER COLUMN cost TYPE text")
    assert "usage_items column 'cost' is string" in one_line_error(run_cli, url)
    with postgres_server.admin("edge_broken") as con:
        con.execute("DROP TABLE agents")
    assert "has no table agents" in one_line_error(run_cli, url)


def test_schema_option_selects_the_tables(postgres_server, pg_url):
    with pytest.raises(WarehouseError, match="schema 'elsewhere' .* has no table projects"):
        connect(pg_url + "?schema=elsewhere")
