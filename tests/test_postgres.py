"""PostgreSQL: read-only sessions and one-line errors for every way a connection goes wrong."""

from __future__ import annotations

import ibis
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


def test_libpq_parameters_are_accepted_and_unknown_ones_refused(pg_url):
    wh = connect(pg_url + "?sslmode=disable&connect_timeout=5&application_name=usage-tests&schema=public")
    assert wh.con.raw_sql("SHOW application_name").fetchone()[0] == "usage-tests"
    assert wh.execute(wh.projects.count()) > 0
    wh.close()
    with pytest.raises(WarehouseError, match=r"^unknown option 'bogus' in the PostgreSQL URL") as caught:
        connect(pg_url + "?bogus=1")
    assert "\n" not in str(caught.value)
    with pytest.raises(WarehouseError, match="option 'sslmode' is given twice"):
        connect(pg_url + "?sslmode=disable&sslmode=require")


def test_the_repr_hides_the_password(pg_url):
    from pg import READER

    wh = connect(pg_url + "?connect_timeout=5")
    assert repr(wh) == repr(wh).replace(READER[1], "") and ":***@127.0.0.1:" in repr(wh)
    assert repr(wh).endswith("/edge_pg_only?connect_timeout=5 (4 tables)>")
    wh.close()


@pytest.fixture(scope="module")
def nonconforming_url(postgres_server, edge_warehouse):
    """A database whose default is ``standard_conforming_strings = off``: there a backslash ends an
    inlined string literal unless the session turns the setting back on."""
    url = postgres_server.load_duckdb(edge_warehouse, "edge_nonconforming")
    with postgres_server.admin() as con:
        con.execute("ALTER DATABASE edge_nonconforming SET standard_conforming_strings = off")
    return url


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?options=-c%20standard_conforming_strings%3Doff%20-c%20TimeZone%3DEurope/Paris"
        "%20-c%20default_transaction_read_only%3Doff",
    ],
)
def test_session_settings_cannot_be_turned_off(nonconforming_url, postgres_server, query):
    import psycopg

    from pg import READER

    raw = psycopg.connect(
        host="127.0.0.1", port=postgres_server.port, user=READER[0], password=READER[1], dbname="edge_nonconforming"
    )
    assert raw.execute("SHOW standard_conforming_strings").fetchone()[0] == "off"  # what a plain session gets
    raw.close()
    wh = connect(nonconforming_url + query)
    for setting, value in (
        ("standard_conforming_strings", "on"),
        ("TimeZone", "UTC"),
        ("default_transaction_read_only", "on"),
    ):
        assert wh.con.raw_sql(f"SHOW {setting}").fetchone()[0] == value
    text = "C:\\dir\\' OR true --"
    projects = wh.projects
    assert wh.execute(projects.filter(projects.name == text).count()) == 0
    echoed = wh.execute(projects.filter(projects.name != text).select(echo=ibis.literal(text)).limit(1))
    assert list(echoed.echo) == [text]
    wh.close()


def test_a_trailing_backslash_in_options_cannot_swallow_the_forced_settings(nonconforming_url):
    """``options=-c x=y\\`` would escape the space before ours: refused by the server or by the
    check after connecting, never a session without them."""
    with pytest.raises(WarehouseError, match="invalid command-line argument|did not apply"):
        connect(nonconforming_url + "?options=-c%20application_name%3Dx%5C")
