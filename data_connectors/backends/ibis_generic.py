"""Any engine ``ibis.connect`` reaches: ``ibis+<URL>``, e.g. ``ibis+clickhouse://user:pw@host:8443/usage``,
``ibis+trino://user@host:443/hive/usage``, ``ibis+bigquery://project/dataset``,
``ibis+snowflake://user:pw@account/DB/SCHEMA?warehouse=WH``, ``ibis+duckdb:///path/file.duckdb``.

Everything after ``ibis+`` goes to ``ibis.connect`` verbatim: it passes the query options to the
backend's ``connect`` as keyword arguments (``?database=``, ``?read_only=true``, ...), so the URL
chooses the current database or schema the way each backend's docs say, and the four canonical
tables are taken from it by name. Nothing here makes the session read-only or locks it: that is
the credentials' job (a read-only role, user or service account).
"""

from __future__ import annotations

import ibis

from ..errors import WarehouseError, first_line
from ..registry import GENERIC_PREFIX
from ..schema import TABLES
from ..url import WarehouseURL, redact
from ..warehouse import Warehouse, from_tables, missing_table


def open_connection(url: WarehouseURL) -> tuple[ibis.BaseBackend, str]:
    """``ibis.connect`` on what follows ``ibis+``; returns the connection and that URL redacted."""
    target = url.text[len(GENERIC_PREFIX) :]
    backend = url.scheme[len(GENERIC_PREFIX) :]
    shown = redact(target)
    try:
        return ibis.connect(target), shown
    except ImportError as exc:  # ibis' backend module or its driver is missing
        extra = backend.replace("postgresql", "postgres")
        cause = exc.__cause__ or exc
        missing = f"{cause.name} is missing" if getattr(cause, "name", None) else first_line(exc)
        raise WarehouseError(
            f"Ibis' {backend} backend is not installed ({missing}): pip install 'ibis-framework[{extra}]'"
        ) from None
    except ValueError as exc:
        if "Don't know how to connect" in str(exc):
            raise WarehouseError(f"ibis.connect does not know the URL scheme {backend!r} of {shown!r}") from None
        raise WarehouseError(f"cannot connect to {shown}: {first_line(exc)}") from None
    except Exception as exc:  # bad credentials, unreachable host, unknown option of the backend, ...
        raise WarehouseError(f"cannot connect to {shown}: {first_line(exc)}") from None


def open_warehouse(url: WarehouseURL, **_options) -> Warehouse:
    """The four canonical tables by name in the connection's current database (``_options``:
    nothing to lock, see the module docstring)."""
    con, shown = open_connection(url)
    try:
        missing = missing_table(con.list_tables())
        if missing:
            raise WarehouseError(
                f"{shown} has no table {missing} (or the credentials cannot see it): "
                f"it needs the tables {', '.join(TABLES)} (see docs/data-contract.md)"
            )
        return from_tables(con, url.text, {name: con.table(name) for name in TABLES})
    except WarehouseError:
        con.disconnect()
        raise
    except Exception as exc:
        con.disconnect()
        raise WarehouseError(f"cannot read the tables of {shown}: {first_line(exc)}") from None
