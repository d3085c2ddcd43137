"""The Warehouse every backend returns, and what the backends share: ``from_tables`` (validation
and normalisation), deadlines, and DuckDB sessions (configured, opened read-only, locked)."""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ibis

from .errors import QueryTimeout, WarehouseError, first_line
from .schema import KPI_NOTES, TABLES, validate_table
from .url import redact, url_scheme  # noqa: F401  (url_scheme: public here since before the url module)

MEMORY_ENV_VAR = "ORG_ANALYTICS_DUCKDB_MEMORY_LIMIT"
TIMEOUT_ENV_VAR = "ORG_ANALYTICS_QUERY_TIMEOUT"
DEFAULT_QUERY_TIMEOUT = 120.0
DEFAULT_DUCKDB_MEMORY_LIMIT = "512MB"


@dataclass(repr=False)
class Warehouse:
    """The four canonical tables of one warehouse, as Ibis tables on one backend connection.

    ``url`` may hold a password: the repr shows it redacted (``<Warehouse postgres://u:***@h/db
    (4 tables)>``), and so should anything else that prints it.

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
    fingerprint: Callable[[], tuple | None] | None = None
    # opens the same warehouse again, as ``connect`` did (set by ``connect``; see ``reconnect``)
    reopen: Callable[[], Warehouse] | None = field(default=None, compare=False)
    # what a KPI means for this warehouse's source (schema.KPI_NOTES; a mapping file's [kpi_notes])
    kpi_notes: dict[str, str] = field(default_factory=lambda: dict(KPI_NOTES), compare=False)
    # DuckDB: the database and schema the tables are named in (a cursor starts elsewhere; see execute_apart)
    duckdb_schema: tuple[str, str] | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"<Warehouse {redact(self.url)} ({len(TABLES)} tables)>"

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
        with _cancelled_after(seconds, lambda: _cancel(self.con)):
            yield

    @property
    def runs_apart(self) -> bool:
        """Whether :meth:`execute_apart` can run a query beside this connection's own (DuckDB)."""
        return self.con.name == "duckdb"

    def execute_apart(self, expr, seconds: float | None = None):
        """Run an Ibis expression from another thread on a connection of its own, so that this
        warehouse's connection keeps serving its owner meanwhile (a page's slow check must not hold
        up the viewer's next click); returns pandas. DuckDB only (``runs_apart``): a cursor of the
        same database, which DuckDB runs side by side with the connection's queries, with the same
        read-only attachment and locks. Cancelled after ``seconds`` like :meth:`deadline`."""
        if not self.runs_apart:
            raise WarehouseError(f"{self.backend} warehouses run queries on one connection only")
        seconds = query_timeout() if seconds is None else seconds
        sql = str(self.con.compile(expr))
        cursor = self.con.con.cursor()
        try:
            if self.duckdb_schema is not None:  # a cursor starts in the default database
                cursor.execute("USE " + ".".join('"' + part.replace('"', '""') + '"' for part in self.duckdb_schema))
            with _cancelled_after(seconds, cursor.interrupt):
                return cursor.execute(sql).fetch_arrow_table().to_pandas()
        finally:
            cursor.close()

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
        if self.reopen is None:
            raise WarehouseError(f"the warehouse {redact(self.url)} was not opened by connect() and cannot be reopened")
        fresh = self.reopen()
        try:
            self.con.disconnect()
        except Exception:  # the old connection is broken: that is why we are here
            pass
        for name in ("con", "opened_version", "fingerprint", "duckdb_schema", *TABLES):
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


@contextlib.contextmanager
def _cancelled_after(seconds: float, cancel: Callable[[], None]):
    """Call ``cancel()`` from a timer thread once ``seconds`` have passed; a query that fails after
    that raises QueryTimeout (saying how to wait longer) instead of the engine's own error."""
    fired = threading.Event()

    def fire():
        fired.set()
        cancel()

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    except Exception as exc:
        if fired.is_set():
            raise QueryTimeout(
                f"the warehouse did not answer within {seconds:g} s (set {TIMEOUT_ENV_VAR} to wait longer)"
            ) from exc
        raise
    finally:
        timer.cancel()


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
        columns["archived_at"] = ibis.ifelse(
            table.archived_at.isnull().any(), ibis.null("timestamp"), table.archived_at.max()
        )
    return table.group_by(key).aggregate(**columns).select(*TABLES[name])


def missing_table(present: Iterable[str]) -> str | None:
    """The first canonical table not among the table names ``present``, else None."""
    present = set(present)
    return next((name for name in TABLES if name not in present), None)


def from_tables(
    con: ibis.BaseBackend,
    url: str,
    raw: dict[str, ibis.Table],
    fingerprint: Callable[[], tuple | None] | None = None,
    kpi_notes: dict[str, str] | None = None,
) -> Warehouse:
    """A Warehouse over ``raw`` (one Ibis table per canonical name), validated and normalised.
    Backend modules (``postgres``, ``spark``, ``mapping``) end with this. ``fingerprint`` tells,
    without a query, whether the data changed since (see ``Warehouse.version``); ``kpi_notes``, what
    a KPI means for the source where it says so (the others keep the canonical ``KPI_NOTES``)."""
    tables = {name: _canonical(raw[name], name) for name in TABLES}
    for name in ("projects", "agents"):
        tables[name] = _one_row_per_id(tables[name], name)
    notes = KPI_NOTES | (kpi_notes or {})
    warehouse = Warehouse(url=url, con=con, fingerprint=fingerprint, kpi_notes=notes, **tables)
    warehouse.opened_version = warehouse.version()
    if con.name == "duckdb":
        warehouse.duckdb_schema = con.con.execute("SELECT current_database(), current_schema()").fetchone()
    return warehouse


def restrict(warehouse: Warehouse, project_ids: Iterable[str]) -> Warehouse:
    """The same warehouse seen by a viewer who may see only ``project_ids``: every canonical table
    filtered to them (agents by their project, usage by the project it was billed to), so every
    number, name, table row and export built on it leaves the other projects out. The filter is an
    Ibis expression like any other (it runs in the engine) and survives ``reconnect``.

    >>> alice = restrict(connect("duckdb:///data/usage.duckdb"), ["p_support"])   # doctest: +SKIP
    """
    ids = sorted({str(i) for i in project_ids}) or [""]  # isin([]) is not valid SQL everywhere

    def narrow(wh: Warehouse) -> dict[str, ibis.Table]:
        return {name: getattr(wh, name).filter(getattr(wh, name).project_id.isin(ids)) for name in TABLES}

    reopen = warehouse.reopen
    return Warehouse(
        url=warehouse.url,
        con=warehouse.con,
        opened_version=warehouse.opened_version,
        fingerprint=warehouse.fingerprint,
        reopen=(lambda: restrict(reopen(), ids)) if reopen is not None else None,
        kpi_notes=warehouse.kpi_notes,
        duckdb_schema=warehouse.duckdb_schema,
        **narrow(warehouse),
    )


@functools.cache
def private_temp_dir(purpose: str) -> Path:
    """This user's folder for ``purpose`` under the temp directory (``org-analytics-<purpose>-<uid>``,
    0700), checked before use: on a shared machine another user could create that predictable path
    first (open to all, or a symlink to their own folder) and read or replace what is written there.
    A path that is not a real folder of ours, private, is never used: a fresh ``mkdtemp`` is, for
    the rest of the process (the answer is cached: a locked DuckDB session names it once)."""
    path = Path(tempfile.gettempdir()) / f"org-analytics-{purpose}-{os.getuid()}"
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError:
        return Path(tempfile.mkdtemp(prefix=f"org-analytics-{purpose}-"))
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        return Path(tempfile.mkdtemp(prefix=f"org-analytics-{purpose}-"))
    return path


def spill_dir() -> Path:
    """The private folder DuckDB sessions spill to (the only place a locked session may always write)."""
    return private_temp_dir("duckdb")


def configure_duckdb(con) -> None:
    """UTC session; bounded memory so a kernel's RSS stays flat as months are scanned (DuckDB keeps
    scanned blocks cached up to its limit, 80 % of RAM by default); spill to a private temp folder,
    a subfolder of its own: DuckDB names its spill files alike in every database, so two sessions
    spilling into one folder (a rollup build's warehouse and file, two processes) read each other's
    files and fail. DuckDB makes the subfolder when it first spills and removes it on close.
    ``con``: a ``duckdb`` connection (an Ibis DuckDB backend's is ``.con``)."""
    limit = os.environ.get(MEMORY_ENV_VAR) or DEFAULT_DUCKDB_MEMORY_LIMIT
    spill = spill_dir() / f"session-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    con.execute("SET GLOBAL TimeZone = 'UTC'")  # global: a cursor (``execute_apart``) gets it too
    con.execute("SET memory_limit = ?", [limit])
    con.execute("SET temp_directory = ?", [str(spill)])


def open_duckdb_file(path: Path) -> ibis.BaseBackend:
    """An existing DuckDB file, read-only and configured; WarehouseError naming the file.

    The file is attached (``READ_ONLY``) to a private in-memory database rather than opened
    directly: DuckDB shares one database instance per file within a process, settings included, so
    a locked session (``lock_duckdb``) would lock every later connection to the same file. Not
    locked here: a user's file gets ``lock_duckdb`` too (its views could read any file)."""
    con = ibis.duckdb.connect()
    try:
        configure_duckdb(con.con)
        quoted = str(path).replace("'", "''")  # ATTACH takes no parameter; DuckDB literals escape only '
        con.raw_sql(f"ATTACH '{quoted}' AS warehouse (READ_ONLY)")
        con.raw_sql("USE warehouse")
        return con
    except Exception as exc:  # locked by a writer, not a DuckDB file, newer storage version, ...
        con.disconnect()
        raise WarehouseError(f"cannot open DuckDB file {path}: {first_line(exc)}") from None


def lock_duckdb(
    con: ibis.BaseBackend, readable: Iterable[str | Path], writable_dirs: Iterable[str | Path] = ()
) -> None:
    """From here on the session may read exactly the files ``readable`` (and what it opened already)
    and write only into ``writable_dirs`` and its spill folder: no other file read (a view over
    ``read_csv('/etc/passwd')`` in a user's DuckDB file fails), no new file next to the data, no
    ATTACH, and the settings locked. (DuckDB still lets ``COPY ... (USE_TMP_FILE false)`` overwrite
    a file it may read; the product never issues a COPY but its exports.)"""
    writable = [spill_dir(), *(Path(d).expanduser().resolve() for d in writable_dirs)]
    try:
        con.con.execute("SET allowed_paths = ?", [[str(p) for p in readable]])
        con.con.execute("SET allowed_directories = ?", [[str(d) + os.sep for d in writable]])
        con.raw_sql("SET enable_external_access = false")
        con.raw_sql("SET lock_configuration = true")
    except Exception as exc:
        raise WarehouseError(f"cannot lock the DuckDB session: {first_line(exc)}") from None


def file_stats(paths: Iterable[str | Path]) -> tuple | None:
    """(path, size, mtime) of each file, for ``Warehouse.fingerprint``; None when one is gone."""
    try:
        return tuple((str(p), st.st_size, st.st_mtime_ns) for p in paths for st in [os.stat(p)])
    except OSError:
        return None
