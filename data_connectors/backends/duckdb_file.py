"""A DuckDB file: ``duckdb:///path/file.duckdb``, opened read-only in a locked session."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import WarehouseError
from ..schema import TABLES
from ..url import WarehouseURL
from ..warehouse import Warehouse, file_stats, from_tables, lock_duckdb, missing_table, open_duckdb_file

FORM = "duckdb:///path/file.duckdb"


def file_path(url: WarehouseURL) -> Path:
    """The file ``url`` names (not checked to exist); WarehouseError for no path or an option."""
    if not url.location:
        raise WarehouseError(f"warehouse URL {url.redacted!r} names no path: use {FORM}")
    if url.options:
        raise WarehouseError(
            f"unknown option {url.options[0][0]!r} in the DuckDB URL {url.redacted!r}: it takes none ({FORM})"
        )
    return Path(url.location).expanduser()


def open_warehouse(url: WarehouseURL, *, writable_dirs: Sequence[Path] = ()) -> Warehouse:
    """The four tables of the file. Its views may read only the file itself: a view over
    ``read_csv('/etc/passwd')`` fails when queried (see ``lock_duckdb``)."""
    path = file_path(url)
    if not path.is_file():
        raise WarehouseError(f"no DuckDB file at {path}: check the path in {url.redacted!r} ({FORM})")
    con = open_duckdb_file(path)
    try:
        lock_duckdb(con, [path.resolve()], writable_dirs)
        missing = missing_table(con.list_tables())
        if missing:
            raise WarehouseError(
                f"warehouse {path} has no table {missing}: it needs the tables {', '.join(TABLES)} "
                "(see docs/data-contract.md)"
            )
        return from_tables(
            con, url.text, {name: con.table(name) for name in TABLES}, fingerprint=lambda: file_stats([path])
        )
    except BaseException:
        con.disconnect()
        raise
