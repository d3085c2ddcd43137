"""Opening a warehouse by URL: read-only, schema-checked, exposing the four canonical tables."""
from __future__ import annotations

import importlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import ibis

from .errors import WarehouseError
from .schema import TABLES, validate_table

ENV_VAR = "ORG_ANALYTICS_WAREHOUSE"
MEMORY_ENV_VAR = "ORG_ANALYTICS_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "512MB"
URL_FORMS = "duckdb:///path/file.duckdb or parquet:///path/dir"


@dataclass
class Warehouse:
    """The four canonical tables of one warehouse, as Ibis tables on one backend connection.

    >>> wh = connect("duckdb:///tmp/demo.duckdb")      # doctest: +SKIP
    >>> wh.usage_items.count().execute()               # doctest: +SKIP
    """

    url: str
    con: ibis.BaseBackend
    projects: ibis.Table
    agents: ibis.Table
    usage_requests: ibis.Table
    usage_items: ibis.Table

    @property
    def backend(self) -> str:
        return self.con.name

    def execute(self, expr):
        """Run an Ibis expression on this warehouse's engine; returns pandas."""
        return self.con.execute(expr)

    def close(self) -> None:
        self.con.disconnect()


def _canonical(table: ibis.Table, name: str) -> ibis.Table:
    """Validate, keep only the contract's columns, and make timestamps naive UTC."""
    validate_table(name, table.schema())
    columns = {}
    for column in TABLES[name]:
        value = table[column]
        dtype = value.type()
        if dtype.is_timestamp() and dtype.timezone is not None:
            value = value.cast("timestamp")  # session time zone is UTC, so this is the UTC wall time
        columns[column] = value
    return table.select(**columns)


def from_tables(con: ibis.BaseBackend, url: str, raw: dict[str, ibis.Table]) -> Warehouse:
    """A Warehouse over ``raw`` (one Ibis table per canonical name), validated and normalised.
    Backend modules (``postgres``, ``spark``, ``mapping``) end with this."""
    return Warehouse(url=url, con=con, **{name: _canonical(raw[name], name) for name in TABLES})


def _configure_duckdb(con: ibis.BaseBackend) -> None:
    """UTC session; bounded memory so a kernel's RSS stays flat as months are scanned (DuckDB keeps
    scanned blocks cached up to its limit, 80 % of RAM by default); spill to a private temp folder."""
    limit = os.environ.get(MEMORY_ENV_VAR) or DEFAULT_DUCKDB_MEMORY_LIMIT
    spill = Path(tempfile.gettempdir()) / "org-analytics-duckdb"
    spill.mkdir(mode=0o700, exist_ok=True)
    con.raw_sql("SET TimeZone = 'UTC'")
    con.con.execute("SET memory_limit = ?", [limit])
    con.con.execute("SET temp_directory = ?", [str(spill)])


def _open_duckdb(url: str) -> Warehouse:
    location = _file_location(url)
    path = Path(location).expanduser()
    if not path.is_file():
        raise WarehouseError(f"no DuckDB file at {path}: check the path in {url!r} ({URL_FORMS})")
    try:
        con = ibis.duckdb.connect(str(path), read_only=True)
        _configure_duckdb(con)
        present = set(con.list_tables())
    except Exception as exc:  # locked by a writer, not a DuckDB file, newer storage version, ...
        raise WarehouseError(f"cannot open DuckDB file {path}: {_first_line(exc)}") from None
    missing = [name for name in TABLES if name not in present]
    if missing:
        con.disconnect()
        raise WarehouseError(
            f"warehouse {path} has no table {missing[0]}: it needs the tables {', '.join(TABLES)} "
            "(see docs/data-contract.md)"
        )
    return from_tables(con, url, {name: con.table(name) for name in TABLES})


def _parquet_source(folder: Path, name: str) -> str | None:
    file = folder / f"{name}.parquet"
    if file.is_file():
        return str(file)
    sub = folder / name
    if sub.is_dir():
        return str(sub / "**" / "*.parquet")
    return None


def _open_parquet(url: str) -> Warehouse:
    location = _file_location(url)
    folder = Path(location).expanduser()
    if not folder.is_dir():
        raise WarehouseError(f"no folder at {folder}: check the path in {url!r} ({URL_FORMS})")
    con = ibis.duckdb.connect()
    try:
        _configure_duckdb(con)
    except Exception as exc:
        raise WarehouseError(f"cannot configure DuckDB for {url!r}: {_first_line(exc)}") from None
    raw = {}
    for name in TABLES:
        source = _parquet_source(folder, name)
        if source is None:
            raise WarehouseError(
                f"parquet warehouse {folder} has no table {name}: expected {name}.parquet or a folder {name}/"
            )
        try:
            raw[name] = con.read_parquet(source, table_name=name, hive_partitioning=True)
        except Exception as exc:
            raise WarehouseError(f"cannot read table {name} from {source}: {_first_line(exc)}") from None
    return from_tables(con, url, raw)


_OPENERS = {"duckdb": _open_duckdb, "parquet": _open_parquet}
# backends whose drivers are optional extras: module name in this package, imported on first use;
# each module has ``open_warehouse(url) -> Warehouse``
_LAZY_OPENERS = {"postgres": "postgres", "postgresql": "postgres", "spark": "spark", "sc": "spark",
                 "mapping": "mapping"}


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _file_location(url: str) -> str:
    """The path of a file URL: ``duckdb:///abs/path``, ``duckdb:////abs/path``, ``duckdb://rel/path``."""
    parts = urlsplit(url)
    location = (parts.netloc + parts.path) if parts.netloc else parts.path
    if location.startswith("//"):
        location = "/" + location.lstrip("/")
    if not location:
        raise WarehouseError(f"warehouse URL {url!r} names no path: use {URL_FORMS}")
    return location


def _opener(url: str):
    scheme = urlsplit(url).scheme.lower()
    if scheme in _OPENERS:
        return _OPENERS[scheme]
    if scheme in _LAZY_OPENERS:
        return importlib.import_module(f".{_LAZY_OPENERS[scheme]}", __package__).open_warehouse
    raise WarehouseError(f"unsupported warehouse URL {url!r}: use {URL_FORMS}")


def connect(url: str | None = None) -> Warehouse:
    """Open a warehouse read-only and check its schema.

    ``url`` forms: ``duckdb:///path/file.duckdb``, ``parquet:///path/dir``. Without a URL the
    ``ORG_ANALYTICS_WAREHOUSE`` environment variable is used, else the embedded demo warehouse
    (generated on first use in the user's cache directory).

    >>> wh = connect("duckdb:///data/usage.duckdb")    # doctest: +SKIP
    """
    url = url or os.environ.get(ENV_VAR) or None
    if url is None:
        from .demo import ensure_demo

        url = f"duckdb://{ensure_demo()}"
    return _opener(url)(url)
