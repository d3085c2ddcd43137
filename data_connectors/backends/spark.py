"""Apache Spark: the four canonical tables as Parquet/Delta files or as Spark catalog tables.

URL grammar (``[...]`` optional, one of ``path`` / ``database`` required)::

    spark://local[N]?path=/dir                 local mode with N worker threads (local[*]: all cores,
                                               local: one); Spark runs inside this process' JVM
    spark://local[N]?database=name             ... tables from the session's catalog
    sc://host:15002?path=/dir                  Spark Connect (a cluster's Connect endpoint)
    sc://host:15002/;token=T;use_ssl=true?database=catalog.schema
                                               Spark Connect with its own ``/;key=value`` parameters

Query options:

* ``path=DIR``: a folder holding, per table, ``<table>.parquet`` (a file or a folder of files) or a
  folder ``<table>/`` (Parquet files, Hive-style ``key=value`` partition folders allowed, or a Delta
  table when it has a ``_delta_log``). ``DIR`` may be any URI the Spark cluster reads (``s3a://``,
  ``abfss://``, ``hdfs://``, ``file:///``); with ``sc://`` it is a path *on the cluster*. Each table is
  registered as a session-local temporary view (unique name, dropped on ``Warehouse.close``).
* ``database=NAME`` (or ``catalog.NAME``): the four tables already exist under their canonical names
  in that database of the session's catalog (Hive metastore, Unity Catalog, ...).
* ``format=parquet|delta``: how ``<table>/`` folders are read when the folder is not visible from
  this machine (default ``parquet``; local folders with a ``_delta_log`` are Delta automatically).
  Delta needs Delta Lake on the Spark session (on the cluster for ``sc://``; ``delta-spark`` jars
  for local mode).
* ``spark.*=VALUE``: any other Spark setting, e.g. ``spark.driver.memory=4g`` (local mode: only the
  first session of the process is built with them) or ``spark.sql.shuffle.partitions=200``.

Sessions: local mode builds one session per process (``getOrCreate``) with
``spark.sql.session.timeZone=UTC`` (naive timestamps are UTC instants), the web UI off and 4 shuffle
partitions; closing a Warehouse drops its views but keeps the session for the next one, because
starting a JVM costs seconds. Spark Connect sessions are likewise kept per endpoint.

Read-only: Spark has no read-only session flag, so nothing enforces it at the engine; the product
only issues SELECTs and creates nothing but temporary views (session-scoped, never in a catalog).
With ``sc://`` grant the Connect user read access (``SELECT`` / ``USE``) only.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import socket
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import ibis

from ..errors import WarehouseError, first_line
from ..schema import TABLES
from ..url import WarehouseURL, redact
from ..warehouse import Warehouse, from_tables, private_temp_dir

FORMS = "spark://local[2]?path=/dir, spark://local[2]?database=name or sc://host:15002?path=/dir"
INSTALL = "pip install 'org-analytics[spark]'"
_LOCAL_MASTER = re.compile(r"^local(\[(\*|[1-9][0-9]*)\])?$")
_OPTIONS = ("path", "database", "format")
_FORMATS = ("parquet", "delta")
_LOCAL_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.log.level": "ERROR",
    # without it the JVM prints its default logging banner and warnings on every start
    "spark.driver.extraJavaOptions": "-Dlog4j2.configurationFile="
    + (Path(__file__).resolve().parent.parent / "spark-log4j2.properties").as_uri(),
}
# ids in Hive-style partition folders stay strings ("123" is a project id, not a number)
_RUNTIME_CONF = {"spark.sql.sources.partitionColumnTypeInference.enabled": "false"}

_sessions: dict[str, object] = {}
_lock = threading.Lock()


def parse_spark(url: WarehouseURL) -> dict:
    """``{"kind": "local"|"connect", "master"|"remote": str, "path"|"database": str, "format", "conf"}``."""
    if url.scheme not in ("spark", "sc") or not url.netloc:
        raise WarehouseError(f"not a Spark URL: {url.redacted!r}: use {FORMS}")
    head = url.netloc + url.path
    options: dict[str, str] = {}
    conf: dict[str, str] = {}
    for key, value in url.options:
        if key.startswith("spark."):
            conf[key] = value
        elif key in _OPTIONS:
            if key in options:
                raise WarehouseError(f"option {key!r} is given twice in the Spark URL {url.redacted!r}")
            options[key] = value
        else:
            raise WarehouseError(
                f"unknown option {key!r} in the Spark URL {url.redacted!r}: use path=, database=, format= "
                "or a spark.* setting"
            )
    where = {"conf": conf, "format": options.get("format") or "parquet"}
    if where["format"] not in _FORMATS:
        raise WarehouseError(f"unknown format {where['format']!r} in the Spark URL: use format=parquet or format=delta")
    if url.scheme == "spark":
        if not _LOCAL_MASTER.match(head):
            raise WarehouseError(
                f"unsupported Spark master {head!r} in {url.redacted!r}: use spark://local[N] (N threads, or *) "
                "for local mode or sc://host:15002 for a cluster's Spark Connect endpoint"
            )
        where.update(kind="local", master=head)
    else:
        host = head.split("/", 1)[0]
        if not host:
            raise WarehouseError(f"the Spark Connect URL {url.redacted!r} names no host: use sc://host:15002?path=/dir")
        where.update(kind="connect", remote=f"sc://{head}")
    path, database = options.get("path"), options.get("database")
    if (path is None) == (database is None) or not (path or database):
        raise WarehouseError(
            f"the Spark URL {url.redacted!r} needs exactly one of path=DIR (Parquet/Delta tables) "
            f"or database=NAME (catalog tables): use {FORMS}"
        )
    if database is not None and not re.fullmatch(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)?", database):
        raise WarehouseError(
            f"invalid database name {database!r}: use letters, digits and _ (catalog.database allowed)"
        )
    if path is not None:
        where["path"] = path
    else:
        where["database"] = database
    return where


# -- sessions --------------------------------------------------------------------------------------
def _import_pyspark(connect: bool):
    import logging

    # PySpark logs every failed query as JSON on stderr; the product reports it as one line instead
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        from pyspark.sql import SparkSession

        if connect:
            import pyspark.sql.connect.session  # noqa: F401  (needs grpcio, protobuf)
    except ImportError as exc:
        missing = f"{exc.name} is missing" if exc.name else first_line(exc)
        raise WarehouseError(f"Spark support is not installed ({missing}): {INSTALL}") from None
    try:
        import ibis.backends.pyspark  # noqa: F401
    except ImportError as exc:
        raise WarehouseError(f"Spark support is not installed (Ibis' pyspark backend: {exc}): {INSTALL}") from None
    return SparkSession


def _check_java() -> None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return
    if shutil.which("java"):
        return
    raise WarehouseError(
        "Spark local mode needs Java 17 or 21, and none was found (no JAVA_HOME, no java on PATH): "
        "install a JDK (Debian/Ubuntu: apt-get install openjdk-17-jre-headless); Spark itself: " + INSTALL
    )


def jvm_log() -> Path:
    """Where the local JVM's stderr goes: in this user's private temp folder (a fixed name in /tmp
    could be another user's symlink to a file of ours)."""
    return private_temp_dir("spark") / "spark.log"


@contextlib.contextmanager
def _jvm_stderr(local: bool):
    """Start the local JVM with its stderr in ``jvm_log()``: it inherits file descriptor 2, and its
    banners and warnings would otherwise interleave with the CLI's one-line errors and the server log."""
    if not local:
        yield
        return
    saved = os.dup(2)
    try:
        with open(jvm_log(), "ab") as log:
            os.dup2(log.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _check_reachable(remote: str, timeout: float = 5.0) -> None:
    """Fail fast on a closed or unreachable endpoint: the Connect client retries for ~10 minutes."""
    host, port = "?", 15002
    try:
        parts = urlsplit("//" + remote.removeprefix("sc://").split("/", 1)[0])
        host, port = parts.hostname or "", parts.port or 15002
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except (OSError, ValueError) as exc:
        raise WarehouseError(f"cannot reach Spark Connect at {host}:{port}: {first_line(exc)}") from None


def _bound_retries(session) -> None:
    """Retry a failing call for seconds, not the client's default ten minutes (a page must not hang)."""
    try:
        from pyspark.sql.connect.client.retries import DefaultPolicy

        session.client.set_retry_policies([DefaultPolicy(max_retries=4)])
    except (ImportError, AttributeError):  # another client version: keep its policy
        pass


def _alive(session) -> bool:
    try:
        if hasattr(session, "is_stopped"):  # Spark Connect
            return not session.is_stopped
        return session.sparkContext._jsc is not None
    except Exception:
        return False


def _session(where: dict):
    key = where.get("master") or where["remote"]
    with _lock:
        session = _sessions.get(key)
        if session is not None and _alive(session):
            return session
        SparkSession = _import_pyspark(where["kind"] == "connect")
        if where["kind"] == "local":
            _check_java()
            builder = SparkSession.builder.master(where["master"]).appName("org-analytics")
            for k, v in {**_LOCAL_CONF, **where["conf"]}.items():
                builder = builder.config(k, v)
            target = f"local Spark ({where['master']})"
        else:
            _check_reachable(where["remote"])
            builder = SparkSession.builder.remote(where["remote"])
            target = f"Spark Connect at {redact(where['remote'])}"
        try:
            with _jvm_stderr(where["kind"] == "local"):
                session = builder.getOrCreate()
            if where["kind"] == "connect":
                _bound_retries(session)
            for k, v in {
                "spark.sql.session.timeZone": "UTC",
                **_RUNTIME_CONF,
                **(where["conf"] if where["kind"] == "connect" else {}),
            }.items():
                session.conf.set(k, v)
        except WarehouseError:
            raise
        except Exception as exc:  # no JVM, unreachable endpoint, bad token, ...
            raise WarehouseError(f"cannot start {target}: {first_line(exc)}") from None
        _sessions[key] = session
        return session


@functools.cache
def _backend_class():
    from ibis.backends.pyspark import Backend

    ibis.pyspark  # noqa: B018  loading the backend through ibis registers its options (ibis.options.pyspark)

    class SharedSessionBackend(Backend):
        """Ibis' PySpark backend whose ``disconnect`` drops this warehouse's temporary views and keeps
        the process-wide session (Ibis' own stops the session, and the next open would pay a JVM start)."""

        _org_views: list[str] = []

        def disconnect(self) -> None:
            for view in self._org_views:
                try:
                    self._session.catalog.dropTempView(view)
                except Exception:  # the session is gone already
                    pass
            self._org_views = []

    return SharedSessionBackend


# -- tables ----------------------------------------------------------------------------------------
def _is_local_path(path: str) -> bool:
    return "://" not in path or path.startswith("file://")


def _local_sources(folder: Path, fmt: str) -> dict[str, tuple[str, str]]:
    """(format, path) per table of a folder on this machine; raises for a missing folder or table."""
    if not folder.is_dir():
        raise WarehouseError(f"no folder at {folder}: check path= in the Spark URL ({FORMS})")
    sources = {}
    for name in TABLES:
        file, sub = folder / f"{name}.parquet", folder / name
        if file.exists():
            sources[name] = ("delta" if (file / "_delta_log").is_dir() else "parquet", str(file))
        elif sub.is_dir():
            sources[name] = ("delta" if (sub / "_delta_log").is_dir() else fmt, str(sub))
        else:
            raise WarehouseError(
                f"Spark warehouse folder {folder} has no table {name}: expected {name}.parquet or a folder {name}/"
            )
    return sources


def _read_only_view(con, frame, view: str):
    """Register ``frame`` as the temporary view ``view`` and return it as an Ibis table.

    A view straight over a file relation is *insertable*: ``INSERT INTO view`` would write new files
    into the user's folder. A projection on top makes Spark refuse any insert into the view."""
    frame.select(*[frame[column] for column in frame.columns]).createOrReplaceTempView(view)
    return con.table(view)


def _read(con, fmt: str, source: str, view: str):
    reader = con._session.read.format("delta" if fmt == "delta" else "parquet")
    return _read_only_view(con, reader.load(source), view)


def _register_path(con, where: dict, views: list[str], local: dict[str, tuple[str, str]] | None) -> dict:
    """Views over the tables under ``path=``: ``local`` (from ``_local_sources``) when the folder is
    on this machine, else each table is tried as ``<name>.parquet`` then ``<name>/`` on the cluster."""
    path, fmt = where["path"], where["format"]
    tag = uuid.uuid4().hex[:10]
    raw = {}
    if local is not None:
        for name, (kind, source) in local.items():
            view = f"org_analytics_{tag}_{name}"
            try:
                raw[name] = _read(con, kind, source, view)
            except Exception as exc:
                hint = " (Delta Lake is not on this Spark session: add the delta-spark jars)" if kind == "delta" else ""
                raise WarehouseError(f"cannot read table {name} from {source}{hint}: {first_line(exc)}") from None
            views.append(view)
        return raw
    base = path.rstrip("/")
    for name in TABLES:
        view = f"org_analytics_{tag}_{name}"
        errors = []
        for source in (f"{base}/{name}.parquet", f"{base}/{name}"):
            try:
                raw[name] = _read(con, fmt, source, view)
                break
            except Exception as exc:
                errors.append(first_line(exc))
        else:
            if any("PATH_NOT_FOUND" in e or "does not exist" in e.lower() for e in errors):
                raise WarehouseError(
                    f"Spark warehouse folder {base} has no table {name}: expected {name}.parquet or a folder {name}/"
                )
            raise WarehouseError(f"cannot read table {name} under {base}: {errors[-1]}")
        views.append(view)
    return raw


def _catalog_tables(con, session, database: str, views: list[str]) -> dict:
    raw = {}
    parts = database.split(".")
    for name in TABLES:
        qualified = ".".join(f"`{p}`" for p in [*parts, name])
        try:
            exists = session.catalog.tableExists(qualified)
        except Exception as exc:
            raise WarehouseError(
                f"cannot look up table {database}.{name} in the Spark catalog: {first_line(exc)}"
            ) from None
        if not exists:
            raise WarehouseError(
                f"Spark database {database} has no table {name}: it needs the tables {', '.join(TABLES)} "
                "(see docs/data-contract.md)"
            )
        try:
            view = f"org_analytics_{uuid.uuid4().hex[:10]}_{name}"
            raw[name] = _read_only_view(con, session.table(qualified), view)
            views.append(view)
        except Exception as exc:
            raise WarehouseError(f"cannot read table {database}.{name}: {first_line(exc)}") from None
    return raw


def open_warehouse(url: WarehouseURL, **_options) -> Warehouse:
    """Open a Spark warehouse (see the module docstring for the URL grammar; ``_options``: nothing
    to lock, Spark reads through temporary views)."""
    where = parse_spark(url)
    local = None
    if where.get("path") and where["kind"] == "local" and _is_local_path(where["path"]):
        # found before paying for a JVM, so a wrong folder fails at once
        local = _local_sources(Path(where["path"].removeprefix("file://")).expanduser(), where["format"])
    session = _session(where)
    con = _backend_class()().connect(session)
    views: list[str] = []
    con._org_views = views
    try:
        if "path" in where:
            raw = _register_path(con, where, views, local)
        else:
            raw = _catalog_tables(con, session, where["database"], views)
        return from_tables(con, url.text, raw)
    except BaseException:
        con.disconnect()
        raise
