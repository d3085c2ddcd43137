"""PostgreSQL: ``postgres://user:password@host:port/database[?schema=name]``, opened read-only.

The session is read-only at the server (``default_transaction_read_only=on``), so even a bug
cannot write, and in UTC so that ``timestamptz`` columns read as UTC instants. The role needs
CONNECT on the database, USAGE on the schema and SELECT on the four canonical tables.
"""
from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import ibis

from .errors import WarehouseError, first_line
from .schema import TABLES
from .warehouse import Warehouse, from_tables

FORM = "postgres://user:password@host:5432/database?schema=public"


def _parse(url: str) -> dict:
    parts = urlsplit(url)
    options = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(options) - {"schema"})
    if unknown:
        raise WarehouseError(f"unknown option {unknown[0]!r} in the PostgreSQL URL: use {FORM}")
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise WarehouseError(f"the PostgreSQL URL names no database: use {FORM}")
    try:
        port = parts.port or 5432
    except ValueError:
        raise WarehouseError(f"invalid port in the PostgreSQL URL: use {FORM}") from None
    return {
        "host": parts.hostname or "localhost",
        "port": port,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "database": database,
        "schema": (options.get("schema") or ["public"])[0] or "public",
    }


def connect_read_only(where: dict) -> tuple[ibis.BaseBackend, str]:
    """A read-only UTC session for ``_parse``'s result; returns it and ``host:port/database``."""
    target = f"{where['host']}:{where['port']}/{where['database']}"
    try:
        con = ibis.postgres.connect(
            **where,
            options="-c default_transaction_read_only=on -c TimeZone=UTC",
            connect_timeout=10,
            application_name="org-analytics",
        )
    except Exception as exc:  # wrong password, unreachable host, unknown database: say which, never the password
        raise WarehouseError(f"cannot connect to PostgreSQL at {target} as {where['user'] or 'the default user'}: "
                             f"{first_line(exc)}") from None
    return con, target


def open_warehouse(url: str) -> Warehouse:
    """Connect read-only, check the four tables exist in the schema, validate their columns."""
    where = _parse(url)
    con, target = connect_read_only(where)
    schema = where["schema"]
    present = set(con.list_tables(database=schema))
    missing = [name for name in TABLES if name not in present]
    if missing:
        con.disconnect()
        raise WarehouseError(
            f"PostgreSQL schema {schema!r} at {target} has no table {missing[0]} "
            f"(or the role cannot see it): it needs {', '.join(TABLES)}"
        )
    return from_tables(con, url, {name: con.table(name, database=schema) for name in TABLES})
