"""PostgreSQL: ``postgres://user:password@host:port/database[?schema=name&LIBPQ_KEY=value...]``.

Any libpq connection parameter may follow in the query (``sslmode``, ``sslrootcert``,
``connect_timeout``, ``application_name``, ``options``, ...); an unknown key is refused, naming it.

The session is read-only at the server (``default_transaction_read_only=on``), so even a bug
cannot write; in UTC so that ``timestamptz`` columns read as UTC instants; and with
``standard_conforming_strings=on``: Ibis inlines string literals escaped only by doubling quotes,
and with that setting off (a database or role default) a backslash would end a literal, which
is SQL injection. These three are appended after a user's ``options=`` (the last ``-c`` wins) and
checked once connected. The role needs CONNECT on the database, USAGE on the schema and SELECT
on the four canonical tables.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import ibis

from ..errors import WarehouseError, did_you_mean, first_line
from ..schema import TABLES
from ..url import WarehouseURL
from ..warehouse import Warehouse, from_tables, missing_table

FORM = "postgres://user:password@host:5432/database?schema=public&sslmode=require"
INSTALL = "pip install 'org-analytics[postgres]'"
FORCED = {"default_transaction_read_only": "on", "TimeZone": "UTC", "standard_conforming_strings": "on"}
DEFAULTS = {"connect_timeout": "10", "application_name": "org-analytics"}


def _libpq_keywords() -> list[str]:
    try:
        from psycopg import pq
    except ImportError as exc:
        raise WarehouseError(f"PostgreSQL support is not installed ({first_line(exc)}): {INSTALL}") from None
    return [option.keyword.decode() for option in pq.Conninfo.get_defaults()]


def parse_conninfo(url: WarehouseURL) -> dict:
    """``{"schema": ..., "target": "host:port/db", "user": ..., "params": {libpq keyword: value}}``
    for ``url``, checked by libpq's own parser (``make_conninfo``/``conninfo_to_dict``)."""
    keywords = _libpq_keywords()
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        parts = urlsplit("//" + url.netloc)
        port = parts.port
    except ValueError:
        raise WarehouseError(f"invalid port in the PostgreSQL URL: use {FORM}") from None
    params = {"host": parts.hostname or "localhost", "port": str(port or 5432), "dbname": unquote(url.path.lstrip("/"))}
    if parts.username:
        params["user"] = unquote(parts.username)
    if parts.password:
        params["password"] = unquote(parts.password)
    schema = None
    given: set[str] = set()
    for key, value in url.options:
        if key in given:
            raise WarehouseError(f"option {key!r} is given twice in the PostgreSQL URL: use {FORM}")
        given.add(key)
        if key == "schema":
            schema = value
        elif key not in keywords:
            raise WarehouseError(
                f"unknown option {key!r} in the PostgreSQL URL{did_you_mean(key, keywords)}: "
                f"use schema= or a libpq connection parameter ({FORM})"
            )
        else:
            params[key] = value
    if not params["dbname"]:
        raise WarehouseError(f"the PostgreSQL URL names no database: use {FORM}")
    forced = " ".join(f"-c {key}={value}" for key, value in FORCED.items())
    params["options"] = f"{params.get('options', '')} {forced}".strip()
    try:
        params = conninfo_to_dict(make_conninfo(**{**DEFAULTS, **params}))
    except Exception as exc:
        raise WarehouseError(f"invalid PostgreSQL URL: {first_line(exc)}") from None
    return {
        "schema": schema or "public",
        "user": params.get("user"),
        "params": params,
        "target": f"{params['host']}:{params['port']}/{params['dbname']}",
    }


def connect_read_only(where: dict) -> ibis.BaseBackend:
    """A read-only UTC session for ``parse_conninfo``'s result, ``where["schema"]`` first on the
    search path; WarehouseError when the server did not apply ``FORCED``."""
    params = dict(where["params"])
    host, port, database = params.pop("host"), params.pop("port"), params.pop("dbname")
    target = where["target"]
    try:
        con = ibis.postgres.connect(host=host, port=int(port), database=database, schema=where["schema"], **params)
    except ImportError as exc:
        raise WarehouseError(f"PostgreSQL support is not installed ({first_line(exc)}): {INSTALL}") from None
    except Exception as exc:  # wrong password, unreachable host, unknown database: say which, never the password
        raise WarehouseError(
            f"cannot connect to PostgreSQL at {target} as {where['user'] or 'the default user'}: {first_line(exc)}"
        ) from None
    with con.con.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join("current_setting(%s)" for _ in FORCED), list(FORCED))
        actual = dict(zip(FORCED, cursor.fetchone()))
    wrong = [key for key, value in FORCED.items() if actual[key] != value]
    if wrong:
        con.disconnect()
        raise WarehouseError(
            f"PostgreSQL at {target} did not apply {wrong[0]}={FORCED[wrong[0]]} "
            f"(it is {actual[wrong[0]]}): check options= in the URL"
        )
    return con


def open_warehouse(url: WarehouseURL, **_options) -> Warehouse:
    """Connect read-only, check the four tables exist in the schema, validate their columns.
    (``_options``: nothing to lock, the server enforces read-only.)"""
    where = parse_conninfo(url)
    con = connect_read_only(where)
    schema = where["schema"]
    missing = missing_table(con.list_tables(database=schema))
    if missing:
        con.disconnect()
        raise WarehouseError(
            f"PostgreSQL schema {schema!r} at {where['target']} has no table {missing} "
            f"(or the role cannot see it): it needs {', '.join(TABLES)}"
        )
    return from_tables(con, url.text, {name: con.table(name, database=schema) for name in TABLES})
