"""Opening a warehouse by URL: read-only, schema-checked, exposing the four canonical tables."""
from __future__ import annotations

import contextlib
import glob as globbing
import importlib
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import ibis

from .errors import QueryTimeout, WarehouseError, did_you_mean, first_line
from .schema import TABLES, validate_table

ENV_VAR = "ORG_ANALYTICS_WAREHOUSE"
MEMORY_ENV_VAR = "ORG_ANALYTICS_DUCKDB_MEMORY_LIMIT"
TIMEOUT_ENV_VAR = "ORG_ANALYTICS_QUERY_TIMEOUT"
DEFAULT_QUERY_TIMEOUT = 120.0
DEFAULT_DUCKDB_MEMORY_LIMIT = "512MB"
URL_FORMS = ("duckdb:///path/file.duckdb, parquet:///path/dir[?usage_items=GLOB] "
             "or mapping:///path/mapping.toml")


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
    opened_version: tuple | None = None  # version() when opened: a different one means new data
    fingerprint: Callable[[], tuple | None] | None = field(default=None, repr=False)

    @property
    def backend(self) -> str:
        return self.con.name

    def execute(self, expr):
        """Run an Ibis expression on this warehouse's engine; returns pandas."""
        return self.con.execute(expr)

    def close(self) -> None:
        self.con.disconnect()

    @contextlib.contextmanager
    def deadline(self, seconds: float | None = None):
        """Cancel whatever this warehouse's engine runs after ``seconds`` (default: the
        ``ORG_ANALYTICS_QUERY_TIMEOUT`` environment variable, else 120 s); a cancelled query raises
        QueryTimeout. A slow warehouse then costs a page one bounded wait, not a frozen kernel.

        >>> with wh.deadline(30):                          # doctest: +SKIP
        ...     Snapshot.compute(wh, period)
        """
        seconds = query_timeout() if seconds is None else seconds
        fired = threading.Event()

        def cancel():
            fired.set()
            _cancel(self.con)

        timer = threading.Timer(seconds, cancel)
        timer.daemon = True
        timer.start()
        try:
            yield
        except Exception as exc:
            if fired.is_set():
                raise QueryTimeout(f"the warehouse did not answer within {seconds:g} s "
                                   f"(set {TIMEOUT_ENV_VAR} to wait longer)") from exc
            raise
        finally:
            timer.cancel()

    def version(self) -> tuple | None:
        """What identifies the data's current state cheaply, for caches: the size and modification
        time of the DuckDB file or of every Parquet file; None where that cannot be known without a
        query (then a cache lasts until the user asks for a refresh)."""
        return self.fingerprint() if self.fingerprint is not None else None

    def changed(self) -> bool:
        """True when files were added, replaced or removed since the warehouse was opened (a DuckDB
        file rebuilt and swapped in, a new month of Parquet): the open connection reads the old ones."""
        return self.fingerprint is not None and self.version() != self.opened_version

    def reconnect(self) -> None:
        """Open the same URL again and swap the new connection in, in place (every holder of this
        Warehouse sees it): after the warehouse went away and came back. Raises WarehouseError."""
        fresh = _opener(self.url)(self.url)
        try:
            self.con.disconnect()
        except Exception:  # the old connection is broken: that is why we are here
            pass
        for name in ("con", "opened_version", "fingerprint", *TABLES):
            setattr(self, name, getattr(fresh, name))


def query_timeout() -> float:
    text = os.environ.get(TIMEOUT_ENV_VAR)
    if not text:
        return DEFAULT_QUERY_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        raise WarehouseError(f"{TIMEOUT_ENV_VAR}={text!r} is not a number of seconds") from None
    if value <= 0:
        raise WarehouseError(f"{TIMEOUT_ENV_VAR} must be positive, got {text!r}")
    return value


def _cancel(con) -> None:
    """Interrupt the running query of ``con`` from another thread (best effort, per engine)."""
    try:
        if con.name == "duckdb":
            con.con.interrupt()
        elif con.name == "postgres":
            con.con.cancel()
        elif con.name == "pyspark":
            session = con._session
            if hasattr(session, "sparkContext") and not hasattr(session, "is_stopped"):
                session.sparkContext.cancelAllJobs()
            else:
                session.interruptAll()
    except Exception:  # nothing running, or the connection is gone: nothing to cancel
        pass


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


def _one_row_per_id(table: ibis.Table, name: str) -> ibis.Table:
    """``projects`` and ``agents`` keyed by their id even when the source repeats an id (a join on a
    repeated id would count its usage twice): the smallest of each column, and a project is archived
    only if every row of it is."""
    key = {"projects": "project_id", "agents": "agent_id"}[name]
    columns = {c: table[c].min() for c in TABLES[name] if c != key}
    if name == "projects":
        columns["archived_at"] = ibis.ifelse(table.archived_at.isnull().any(), ibis.null("timestamp"),
                                             table.archived_at.max())
    return table.group_by(key).aggregate(**columns).select(*TABLES[name])


def from_tables(con: ibis.BaseBackend, url: str, raw: dict[str, ibis.Table],
                fingerprint: Callable[[], tuple | None] | None = None) -> Warehouse:
    """A Warehouse over ``raw`` (one Ibis table per canonical name), validated and normalised.
    Backend modules (``postgres``, ``spark``, ``mapping``) end with this. ``fingerprint`` tells,
    without a query, whether the data changed since (see ``Warehouse.version``)."""
    tables = {name: _canonical(raw[name], name) for name in TABLES}
    for name in ("projects", "agents"):
        tables[name] = _one_row_per_id(tables[name], name)
    warehouse = Warehouse(url=url, con=con, fingerprint=fingerprint, **tables)
    warehouse.opened_version = warehouse.version()
    return warehouse


def _spill_dir() -> Path:
    return Path(tempfile.gettempdir()) / "org-analytics-duckdb"


def configure_duckdb(con) -> None:
    """UTC session; bounded memory so a kernel's RSS stays flat as months are scanned (DuckDB keeps
    scanned blocks cached up to its limit, 80 % of RAM by default); spill to a private temp folder.
    ``con``: a ``duckdb`` connection (an Ibis DuckDB backend's is ``.con``)."""
    limit = os.environ.get(MEMORY_ENV_VAR) or DEFAULT_DUCKDB_MEMORY_LIMIT
    spill = _spill_dir()
    spill.mkdir(mode=0o700, exist_ok=True)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET memory_limit = ?", [limit])
    con.execute("SET temp_directory = ?", [str(spill)])


def open_duckdb_file(path: Path) -> ibis.BaseBackend:
    """An existing DuckDB file, read-only and configured; WarehouseError naming the file."""
    try:
        con = ibis.duckdb.connect(str(path), read_only=True)
        configure_duckdb(con.con)
        return con
    except Exception as exc:  # locked by a writer, not a DuckDB file, newer storage version, ...
        raise WarehouseError(f"cannot open DuckDB file {path}: {first_line(exc)}") from None


def _open_duckdb(url: str) -> Warehouse:
    location = _file_location(url)
    path = Path(location).expanduser()
    if not path.is_file():
        raise WarehouseError(f"no DuckDB file at {path}: check the path in {url!r} ({URL_FORMS})")
    con = open_duckdb_file(path)
    present = set(con.list_tables())
    missing = [name for name in TABLES if name not in present]
    if missing:
        con.disconnect()
        raise WarehouseError(
            f"warehouse {path} has no table {missing[0]}: it needs the tables {', '.join(TABLES)} "
            "(see docs/data-contract.md)"
        )
    return from_tables(con, url, {name: con.table(name) for name in TABLES}, fingerprint=lambda: _stats([path]))


def _stats(paths) -> tuple | None:
    """(path, size, mtime) of each file; None when one is gone."""
    try:
        return tuple((str(p), st.st_size, st.st_mtime_ns) for p in paths for st in [os.stat(p)])
    except OSError:
        return None


def _parquet_source(folder: Path, name: str, pattern: str | None = None) -> str | None:
    """Where table ``name`` of the Parquet warehouse ``folder`` is, as what ``read_parquet`` takes.

    ``pattern`` (from ``?name=GLOB`` in the URL) is a glob, relative to ``folder`` unless absolute.
    Otherwise exactly one of: ``<name>.parquet``, a folder ``<name>/`` (read recursively, Hive-style
    ``key=value`` folders become columns), or files ``<name>-*.parquet`` (e.g. one per month).
    Raises WarehouseError when a glob matches nothing or several of the forms are present."""
    if pattern is not None:
        glob = pattern if Path(pattern).expanduser().is_absolute() else str(folder / pattern)
        glob = str(Path(glob).expanduser())
        if not any(Path(hit).is_file() for hit in globbing.iglob(glob, recursive=True)):
            raise WarehouseError(f"parquet table {name}: the glob {pattern!r} matches no file (looked for {glob})")
        return glob
    forms = []
    file = folder / f"{name}.parquet"
    if file.is_file():
        forms.append((f"{name}.parquet", str(file)))
    sub = folder / name
    if sub.is_dir():
        forms.append((f"{name}/", str(sub / "**" / "*.parquet")))
    if any(hit.is_file() for hit in folder.glob(f"{name}-*.parquet")):
        forms.append((f"{name}-*.parquet", str(folder / f"{name}-*.parquet")))
    if len(forms) > 1:
        raise WarehouseError(
            f"parquet warehouse {folder} has table {name} in several forms ({', '.join(f for f, _ in forms)}): "
            "keep one, or choose with ?" + name + "=GLOB in the URL"
        )
    return forms[0][1] if forms else None


def _open_parquet(url: str) -> Warehouse:
    """``parquet:///dir[?table=GLOB&...]``: each table a view over ``read_parquet`` (nothing loaded).

    Every file of a table is read with ``hive_partitioning`` (``month=2026-10/`` folders add a
    ``month`` column, ignored by the contract) and ``union_by_name`` (files written before a column
    was added read it as null). A period's query filters ``created_at``, which DuckDB pushes into
    the scan: row groups whose min/max ``created_at`` statistics lie outside the period are skipped,
    so a month's numbers read only that month's data (plus every file's footer)."""
    from urllib.parse import parse_qsl

    location = _file_location(url)
    folder = Path(location).expanduser()
    if not folder.is_dir():
        raise WarehouseError(f"no folder at {folder}: check the path in {url!r} ({URL_FORMS})")
    patterns: dict[str, str] = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key not in TABLES:
            hint = did_you_mean(key, TABLES) or f" (tables: {', '.join(TABLES)})"
            raise WarehouseError(f"unknown option {key!r} in the parquet URL {url!r}{hint}")
        if not value:
            raise WarehouseError(f"empty glob for table {key} in the parquet URL {url!r}")
        patterns[key] = value
    def files() -> dict[str, list[str]]:
        found = {}
        for name in TABLES:
            source = _parquet_source(folder, name, patterns.get(name))
            if source is None:
                raise WarehouseError(
                    f"parquet warehouse {folder} has no table {name}: expected {name}.parquet, a folder {name}/, "
                    f"files {name}-*.parquet or ?{name}=GLOB in the URL"
                )
            found[name] = sorted(hit for hit in globbing.glob(source, recursive=True) if os.path.isfile(hit))
            if not found[name]:
                raise WarehouseError(f"parquet warehouse {folder}: no Parquet file for table {name} ({source})")
        return found

    def fingerprint() -> tuple | None:
        try:
            return _stats(path for paths in files().values() for path in paths)
        except WarehouseError:
            return None

    sources = files()
    con = ibis.duckdb.connect()
    try:
        configure_duckdb(con.con)
    except Exception as exc:
        raise WarehouseError(f"cannot configure DuckDB for {url!r}: {first_line(exc)}") from None
    raw = {}
    for name, paths in sources.items():
        try:
            raw[name] = con.read_parquet(paths, table_name=name, hive_partitioning=True, union_by_name=True)
        except Exception as exc:
            raise WarehouseError(f"cannot read table {name} from {folder}: {first_line(exc)}") from None
    _lock_files(con, [path for paths in sources.values() for path in paths])
    return from_tables(con, url, raw, fingerprint=fingerprint)


def _lock_files(con: ibis.BaseBackend, readable: list[str]) -> None:
    """From here on the session may read exactly ``readable`` and write only exports and its spill
    folder: no new file next to the data, no other file read, no ATTACH, and the settings locked.
    (DuckDB still lets ``COPY ... (USE_TMP_FILE false)`` overwrite a file it may read; the product
    never issues a COPY but its exports.)"""
    # exports go to exports/ under the kernel's working directory (org_analytics_widgets.links)
    writable = [_spill_dir(), Path.cwd() / "exports"]
    con.con.execute("SET allowed_paths = ?", [readable])
    con.con.execute("SET allowed_directories = ?", [[str(d) + os.sep for d in writable]])
    con.raw_sql("SET enable_external_access = false")
    con.raw_sql("SET lock_configuration = true")


_OPENERS = {"duckdb": _open_duckdb, "parquet": _open_parquet}
# backends whose drivers are optional extras: module name in this package, imported on first use;
# each module has ``open_warehouse(url) -> Warehouse``
_LAZY_OPENERS = {"postgres": "postgres", "postgresql": "postgres", "spark": "spark", "sc": "spark",
                 "mapping": "mapping"}


def _file_location(url: str) -> str:
    """The path of a file URL: ``duckdb:///abs/path``, ``duckdb:////abs/path``, ``duckdb://rel/path``."""
    parts = urlsplit(url)
    location = (parts.netloc + parts.path) if parts.netloc else parts.path
    if location.startswith("//"):
        location = "/" + location.lstrip("/")
    if not location:
        raise WarehouseError(f"warehouse URL {url!r} names no path: use {URL_FORMS}")
    return location


def url_scheme(url: str) -> str:
    """The scheme of a warehouse URL, lower-cased (``urlsplit`` would choke on ``spark://local[2]``)."""
    scheme, sep, _ = url.partition(":")
    return scheme.lower() if sep else ""


def _opener(url: str):
    scheme = url_scheme(url)
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
