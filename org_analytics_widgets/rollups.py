"""Rollups of a warehouse in a DuckDB file the user names: build, refresh incrementally, read.

The tables and why they are exact are described in :mod:`org_analytics_widgets.metrics.rollup`.
The warehouse is only read: aggregates run in its engine and arrive here in batches.

A refresh re-aggregates only the buckets from ``watermark - late window`` on (the watermark is the
latest ``created_at`` the previous build saw), so rows that arrive up to the late window behind
the newest ones are counted; older late rows are not (run ``--full`` after a backfill). A refresh
that finds the same counts and latest times as the previous build (all rows, and the late
window's) leaves the file as it is and returns at once. The file
is rebuilt beside the old one and swapped in with a rename, so open dashboards keep reading a
whole file.

A build also writes the local-day tier for one zone (``timezone``, the organisation's): the
15-minute rows re-aggregated by local day, from the file itself (no second read of the warehouse);
a refresh recomputes the days from the first bucket it changed on.

The engine uses rollups only when they are *fresh*: the count and latest ``created_at`` of the
rows in the late window, asked of the warehouse again (a range query), are what the build
recorded. Otherwise it reads the raw tables, so a stale rollup can never show a wrong number.
"""

from __future__ import annotations

import functools
import json
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from data_connectors import WarehouseError
from data_connectors.errors import first_line
from data_connectors.warehouse import MEMORY_ENV_VAR, configure_duckdb, lock_duckdb, open_duckdb_file

from .metrics import rollup as R
from .metrics.facts import FACTS, abstract_tables
from .period import UTC, Period, offsets_between, parse_zone

ENV_VAR = "ORG_ANALYTICS_ROLLUPS"
# 2: tables derived from the facts' declarations (metrics.facts); 3: rollup_requests keeps `failed`,
# and its `tokens` leave failed requests out (data contract, "Request status"); 4: rollup_conversations
# is keyed by project_id too (each project's conversations: cost per conversation); 5: the local-day
# tier of one zone (``metrics.rollup.DAYS``). A file of another format is never read (its numbers
# would be wrong): a build replaces it whole.
FORMAT = 5
DEFAULT_LATE_WINDOW = timedelta(hours=48)


def rollup_path(location: str) -> Path:
    """``duckdb:///path/rollups.duckdb`` or a plain path."""
    if location.lower().startswith("duckdb:"):
        location = re.sub(r"^duckdb:(//)?", "", location, flags=re.IGNORECASE)
        if location.startswith("//"):
            location = "/" + location.lstrip("/")
    if not location:
        raise WarehouseError("the rollups location names no file: use duckdb:///path/rollups.duckdb")
    return Path(location).expanduser()


def _public(url: str) -> str:
    """The warehouse URL without credentials, for the rollups' own record."""
    url = re.sub(r"(://)[^/@]*@", r"\1", url)
    return re.sub(r"(;\s*token=)[^;?]*", r"\1***", url, flags=re.IGNORECASE)


def _stamp(frame: pd.DataFrame) -> dict:
    """The watermark row as JSON-safe values (timestamps as ISO text, None when no rows)."""
    row = frame.iloc[0].to_dict()
    out = {}
    for key in ("items", "requests"):
        out[key] = int(row[key])
        latest = row[f"{key}_max"]
        out[f"{key}_max"] = None if latest is None or pd.isna(latest) else pd.Timestamp(latest).isoformat()
    return out


def _latest(stamp: dict) -> datetime | None:
    times = [pd.Timestamp(stamp[k]).to_pydatetime() for k in ("items_max", "requests_max") if stamp[k]]
    return max(times) if times else None


@dataclass
class BuildSummary:
    path: Path
    since: datetime | None  # None: a full build
    rows: dict[str, int]
    seconds: float
    unchanged: bool = False  # a refresh that found nothing new: the file was left as it was


BUILD_MEMORY = "512MB"
OUT_MEMORY = "128MB"  # the rollups file's own session: it only appends the warehouse's answers
# rows (items and requests) a build aggregates per query: its ranges of whole UTC days are about
# this size, so each range's groups fit in memory whatever the size of the warehouse
RANGE_ROWS = 8_000_000
# rows a DuckDB warehouse classifies per query (``metrics.rollup.classified``: parts by id hash);
# another engine (PostgreSQL, Spark) runs on its own memory, and is sent one query
CLASSIFY_ROWS = 15_000_000


def use_build_memory() -> str:
    """Give the DuckDB warehouse sessions this process opens from now on (a DuckDB or Parquet
    warehouse) 512 MB, unless ``$ORG_ANALYTICS_DUCKDB_MEMORY_LIMIT`` says otherwise: the build's
    queries are bounded (``RANGE_ROWS``, ``CLASSIFY_ROWS``), and DuckDB fills what it is given
    (with half the machine's memory, the build of 100M items peaked at 13 GB)."""
    return os.environ.setdefault(MEMORY_ENV_VAR, BUILD_MEMORY)


def build(
    warehouse,
    out: Path,
    late_window: timedelta = DEFAULT_LATE_WINDOW,
    full: bool = False,
    progress=None,
    timezone: str = "UTC",
) -> BuildSummary:
    """Build the rollups of ``warehouse`` into ``out``, or refresh them if ``out`` holds rollups of a
    warehouse (all buckets from the old watermark minus ``late_window`` are recomputed), with the
    local-day tier of ``timezone`` (an IANA zone: the organisation's)."""
    timezone = parse_zone(timezone).key
    started = time.perf_counter()
    say = progress or (lambda step, done, total: None)
    out = Path(out)
    # never replace other files
    previous = Rollups.open(out, any_format=True).close_and_meta() if out.exists() else None
    if full:
        previous = None
    if previous is not None and previous.get("source") != _public(warehouse.url):
        raise WarehouseError(
            f"{out} holds rollups of {previous.get('source')}, not of {_public(warehouse.url)}: "
            "choose another --out, or rebuild it with --full"
        )
    if previous is not None and previous.get("format") != FORMAT:
        previous = None  # rollups of another format are rebuilt whole: their tables differ
    since = None
    if previous is not None and previous["latest"]:
        since = R.floor_to_grain(datetime.fromisoformat(previous["latest"]) - late_window)

    # what the build covers, asked first: rows that arrive while it runs are re-read by the next one
    whole = _stamp(warehouse.execute(R.watermark(warehouse)))
    latest = _latest(whole)
    probe_from = R.floor_to_grain(latest - late_window) if latest else None
    probe = _stamp(warehouse.execute(R.watermark(warehouse, probe_from)))

    same_zone = previous is not None and previous.get("day_zone") == timezone
    if same_zone and _nothing_new(previous, whole, probe_from, probe):
        return BuildSummary(out, since, {}, time.perf_counter() - started, unchanged=True)

    tmp = out.with_name(out.name + ".building")
    tmp.unlink(missing_ok=True)
    if since is not None:
        tmp.write_bytes(out.read_bytes())
    con = duckdb.connect(str(tmp))
    ranges = _ranges(warehouse, since)
    spans = [spec for spec in R.ROLLUPS.values() if spec.kind == "spans"]
    parts = -(-whole["items"] // CLASSIFY_ROWS) if since is None and warehouse.backend == "duckdb" else 1
    steps = len(ranges) + len(spans) * parts + 1
    try:
        configure_duckdb(con)
        con.execute("SET memory_limit = ?", [OUT_MEMORY])
        for name, schema in _ARROW.items():
            con.register("_empty", schema.empty_table())
            for table in (name, R.DAYS[name]):
                con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM _empty")
            con.unregister("_empty")
            if name in R.DAY_COUNTS:
                con.register("_empty", _COUNTED[name].to_pyarrow().empty_table())
                con.execute(f"CREATE TABLE IF NOT EXISTS {R.DAY_COUNTS[name]} AS SELECT * FROM _empty")
                con.unregister("_empty")
            if since is not None:
                con.execute(f"DELETE FROM {name} WHERE bucket >= ?", [since])
        con.execute("CREATE TABLE IF NOT EXISTS rollup_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        # each append commits on its own (the file is swapped in only whole): one transaction
        # around the build kept every appended row in memory (+0.4 GB at 100M items, growing)
        for done, (start, end) in enumerate(ranges):
            say(_range_name(start, end), done, steps)
            for spec in R.ROLLUPS.values():
                if spec.kind == "singles":
                    _append(con, spec.name, warehouse, R.id_counts(spec, warehouse, start, end))
                elif spec.kind != "spans":
                    _append(con, spec.name, warehouse, R.build_rows(spec, warehouse, start, end))
        changed = since
        for i, spec in enumerate(spans):
            first = len(ranges) + i * parts
            older = _classify(
                con, warehouse, spec, since, parts, lambda k, name=spec.name, n=first: say(name, n + k, steps)
            )
            if changed is not None and older is not None:
                changed = min(changed, older)
        say(f"days in {timezone}", steps - 1, steps)
        _build_days(con, timezone, changed if same_zone else None)
        say("done", steps, steps)
        meta = {
            "format": FORMAT,
            "source": _public(warehouse.url),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "refreshed_from": since.isoformat() if since else None,
            "late_window_seconds": int(late_window.total_seconds()),
            "day_zone": timezone,
            "latest": latest.isoformat() if latest else None,
            "probe_from": probe_from.isoformat() if probe_from else None,
            "probe": probe,
            "whole": whole,
        }
        con.execute("DELETE FROM rollup_meta")
        con.executemany("INSERT INTO rollup_meta VALUES (?, ?)", [[k, json.dumps(v)] for k, v in meta.items()])
        con.execute("CHECKPOINT")
        tables = [*R.ROLLUP_TABLES, *R.DAYS.values(), *R.DAY_COUNTS.values()]
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, out)
    return BuildSummary(out, since, rows, time.perf_counter() - started)


def _nothing_new(previous: dict, whole: dict, probe_from: datetime | None, probe: dict) -> bool:
    """True when the warehouse holds exactly what the previous build saw: the same count and latest
    ``created_at`` of all rows and of the late window's rows. Then a refresh has nothing to do, and
    answers from these two range queries alone instead of copying and re-aggregating the file.
    (Rows changed in place without changing either are not seen: ``--full`` after such a backfill.)"""
    return (
        previous.get("whole") == whole
        and previous.get("probe") == probe
        and previous.get("probe_from") == (probe_from.isoformat() if probe_from else None)
    )


def _ranges(warehouse, since: datetime | None) -> list[tuple[datetime | None, datetime | None]]:
    """``[start, end)`` ranges of whole UTC days from ``since`` (None: the first row) on, of about
    ``RANGE_ROWS`` rows each (a day is never split), the last one open: each is aggregated on its
    own, so that the groups of a query do not grow with the warehouse."""
    days = warehouse.execute(R.day_counts(warehouse, since))
    ranges, start, size = [], since, 0
    for day, rows in zip(days["day"], days["rows"]):
        if size and size + rows > RANGE_ROWS:
            day = pd.Timestamp(day).tz_localize(None).to_pydatetime()  # naive UTC, as ``since``
            ranges.append((start, day))
            start, size = day, 0
        size += int(rows)
    return [*ranges, (start, None)]


def _range_name(start: datetime | None, end: datetime | None) -> str:
    return f"rows from {start:%Y-%m-%d %H:%M}" if start else "rows" + (f" before {end:%Y-%m-%d}" if end else "")


def _append(con, table: str, warehouse, expr) -> None:
    """Insert the rows of ``expr`` (run on the warehouse, fetched in batches) into ``table``."""
    columns = con.execute(f"SELECT * FROM {table} LIMIT 0").fetch_arrow_table().schema.names
    for batch in warehouse.con.to_pyarrow_batches(expr.select(*columns), chunk_size=500_000):
        con.register("_batch", batch)
        con.execute(f"INSERT INTO {table} SELECT * FROM _batch")
        con.unregister("_batch")


def _classify(con, warehouse, spans: R.RollupTable, since: datetime | None, parts: int, say) -> datetime | None:
    """Complete a singles/spans pair of tables with the ids seen from ``since`` on (see
    ``metrics.rollup``): ``singles`` holds each bucket's distinct ids from ``since`` on
    (``id_counts``); the spans among them are taken out of its counts and kept in spans. An id
    counted as a single in an older bucket that now has rows in a newer one too is taken out of
    that bucket's count, and all its buckets are kept in spans. The ids are classified in ``parts``
    queries (``say(k)`` before the k-th). Returns the first such older bucket (None: none), from
    which the local-day tier is recomputed."""
    singles = spans.name.removesuffix("_spans") + "_singles"
    con.execute(f"CREATE TEMP TABLE spans_new AS SELECT * FROM {spans.name} LIMIT 0")
    for k in range(parts):
        say(k)
        _append(con, "spans_new", warehouse, R.span_rows(spans, *R.classified(spans, warehouse, since, (k, parts))))
    same = " AND ".join(f's."{k}" IS NOT DISTINCT FROM n."{k}"' for k in (*spans.keys, spans.column))
    by_keys = " AND ".join(f's."{k}" IS NOT DISTINCT FROM w."{k}"' for k in spans.keys)
    keys = ", ".join(f'"{k}"' for k in spans.keys)
    floor = since or datetime(1, 1, 1)
    con.execute(
        f"""CREATE TEMP TABLE was_single AS SELECT n.* FROM spans_new n WHERE n.bucket < ?
                    AND NOT EXISTS (SELECT 1 FROM {spans.name} s WHERE s.bucket = n.bucket AND {same})""",
        [floor],
    )
    con.execute(f"INSERT INTO {spans.name} SELECT * FROM spans_new WHERE bucket >= ?", [floor])
    con.execute(f"INSERT INTO {spans.name} SELECT * FROM was_single")
    # the buckets from ``since`` on lose their spans; an older bucket, its new ones (was_single)
    con.execute(
        f"""UPDATE {singles} s SET rows = s.rows - w.n
            FROM (SELECT bucket, {keys}, count(*) AS n FROM {spans.name} WHERE bucket >= ? GROUP BY ALL
                  UNION ALL SELECT bucket, {keys}, count(*) AS n FROM was_single GROUP BY ALL) w
            WHERE s.bucket = w.bucket AND {by_keys}""",
        [floor],
    )
    con.execute(f"DELETE FROM {singles} WHERE rows = 0")
    [(older,)] = con.execute("SELECT min(bucket) FROM was_single").fetchall()
    con.execute("DROP TABLE spans_new")
    con.execute("DROP TABLE was_single")
    return older


def _build_days(con, zone: str, since: datetime | None) -> None:
    """(Re)compute the local-day tier of ``zone`` out of the file's own 15-minute rows: from the
    local day of ``since`` on (None: all of it), but the ids of distinct tables (conversations)
    classified again over all the file (``metrics.rollup.day_ids``: a second at 100M items)."""
    [(first, last)] = con.execute(
        "SELECT min(bucket), max(bucket) FROM ("
        + " UNION ALL ".join(f"SELECT bucket FROM {t}" for t in R.ROLLUP_TABLES)
        + ")"
    ).fetchall()
    start = datetime(1, 1, 1)  # the first day recomputed (local, as the day tier's buckets are)
    if since is not None:
        day = R.local_day(since, zone).astype(object)
        start = datetime(day.year, day.month, day.day)
    for name, spec in R.ROLLUPS.items():
        if spec.kind == "distinct":  # classified again whole
            con.execute(f"DELETE FROM {R.DAYS[name]}")
            con.execute(f"DELETE FROM {R.DAY_COUNTS[name]}")
        else:
            con.execute(f"DELETE FROM {R.DAYS[name]} WHERE bucket >= ?", [start])
    if last is None:
        return
    offsets = offsets_between(first, last + R.GRAIN, zone)
    buckets, days = R.bucket_days(offsets, first, last + R.GRAIN)
    days = days.astype("datetime64[us]")
    con.register("day_of_bucket", pa.table({"bucket": buckets, "day_start": days}))
    con.register("new_day_of_bucket", pa.table({"bucket": buckets[days >= start], "day_start": days[days >= start]}))

    def insert(table: str, expr) -> None:
        columns = ", ".join(
            f'"{c}"' for c in con.execute(f"SELECT * FROM {table} LIMIT 0").fetch_arrow_table().schema.names
        )
        con.execute(f"INSERT INTO {table} SELECT {columns} FROM ({ibis.to_sql(expr, dialect='duckdb')})")

    try:
        for name, spec in R.ROLLUPS.items():
            rows = ibis.table(_IBIS[name], name=name)
            if spec.kind == "distinct":
                kept, counted = R.day_ids(spec, R.by_day(spec, rows, ibis.table(_DAY_OF_BUCKET, name="day_of_bucket")))
                insert(R.DAYS[name], kept)
                insert(R.DAY_COUNTS[name], counted)
            else:
                insert(R.DAYS[name], R.by_day(spec, rows, ibis.table(_DAY_OF_BUCKET, name="new_day_of_bucket")))
    finally:
        con.unregister("day_of_bucket")
        con.unregister("new_day_of_bucket")


class Rollups:
    """Rollups opened read-only; ``usable(warehouse, period)`` says whether the engine may use them.

    >>> rollups = Rollups.open(Path("rollups.duckdb"))          # doctest: +SKIP
    >>> Engine(warehouse, rollups).snapshot("2026-10").source   # doctest: +SKIP
    """

    def __init__(self, path: Path, con: ibis.BaseBackend, meta: dict):
        self.path, self.con, self.meta = path, con, meta
        self._opened = _file_state(path)
        self._fresh_for: tuple | None = None  # the warehouse version the last positive check was for

    @classmethod
    def open(cls, path: Path, any_format: bool = False) -> "Rollups":
        """The rollups file at ``path``; WarehouseError when it holds none, or rollups of another
        format (unless ``any_format``: a build reads its meta to replace it)."""
        path = Path(path)
        if not path.is_file():
            raise WarehouseError(f"no rollups at {path}: build them with 'org-analytics rollup --out {path}'")
        con = open_duckdb_file(path)
        try:
            lock_duckdb(con, [path])  # only this file: a view in it cannot read the host's files
            present = set(con.list_tables())
            wanted = (
                ("rollup_meta",)
                if any_format
                else (*R.ROLLUP_TABLES, *R.DAYS.values(), *R.DAY_COUNTS.values(), "rollup_meta")
            )
            missing = [t for t in wanted if t not in present]
            if missing:
                raise WarehouseError(
                    f"{path} holds no rollups (no table {missing[0]}): use a file written by "
                    "'org-analytics rollup --out FILE'"
                )
            meta = {k: json.loads(v) for k, v in con.raw_sql("SELECT key, value FROM rollup_meta").fetchall()}
            if meta.get("format") != FORMAT and not any_format:
                raise WarehouseError(
                    f"{path} holds rollups of another format ({meta.get('format')}, this version reads "
                    f"{FORMAT}): rebuild them with 'org-analytics rollup --out {path}'"
                )
        except BaseException:
            con.disconnect()
            raise
        return cls(path, con, meta)

    def close(self) -> None:
        self.con.disconnect()

    def close_and_meta(self) -> dict:
        self.close()
        return self.meta

    def facts(
        self,
        period: Period,
        tail: dict[str, pa.Table],
        tail_from: datetime | None,
        names: tuple[str, ...],
        agent_id: str | None = None,
        project_id: str | None = None,
    ) -> dict[str, pa.Table]:
        """The facts ``names`` of the period (``metrics.facts``; one agent's when ``agent_id`` is
        given, one project's when ``project_id`` is): whole buckets ``[period start, tail_from)``
        from the rollups, plus ``tail`` (the raw rows after ``tail_from``, in rollup form; empty
        when the period ends on a bucket boundary). The whole local days come from the local-day
        tier when the period is in its zone."""
        until = tail_from or period.end_utc
        con = self.con.con
        days, buckets = R.split_days(period, period.start_utc, until, period.timezone == self.meta.get("day_zone"))
        con.register("period_days", _buckets(days.astype("datetime64[us]"), days))
        con.register("period_buckets", _buckets(*buckets))
        tail_span = (tail_from, tail_from + R.GRAIN) if tail_from else (until, until)  # no tail: no bucket
        con.register("tail_buckets", _buckets(*R.bucket_days(period.offsets, *tail_span)))
        for name, tail_name in R.TAIL.items():
            schema = _ARROW[name]
            rows = tail.get(name)
            con.register(
                tail_name, rows.select(schema.names).cast(schema) if rows is not None else schema.empty_table()
            )
        try:
            key, value = ("agent_id", agent_id) if agent_id is not None else ("project_id", project_id)
            return {
                name: (
                    con.execute(_read_sql(name))
                    if value is None
                    else con.execute(_one_read_sql(name, key), {key: str(value)})
                ).to_arrow_table()
                for name in names
            }
        finally:
            for table in ("period_days", "period_buckets", "tail_buckets", *R.TAIL.values()):
                con.unregister(table)

    def current(self) -> "Rollups":
        """Reopen when the file was rebuilt since it was opened (a refresh swaps a new file in)."""
        if _file_state(self.path) != self._opened:
            fresh = Rollups.open(self.path)
            self.close()
            self.con, self.meta, self._opened, self._fresh_for = fresh.con, fresh.meta, fresh._opened, None
        return self

    def fresh(self, warehouse) -> bool:
        """True when the warehouse holds exactly the rows the build saw in its late window (and no
        newer ones). Asked of the warehouse once per warehouse version (every time where the
        version cannot be known without a query)."""
        version = warehouse.version()
        if version is not None and self._fresh_for == version:
            return True
        probe_from = self.meta.get("probe_from")
        since = datetime.fromisoformat(probe_from) if probe_from else None
        fresh = _stamp(warehouse.execute(R.watermark(warehouse, since))) == self.meta.get("probe")
        self._fresh_for = version if fresh and version is not None else None
        return fresh

    def zone_note(self, timezone: str) -> str | None:
        """What a viewer in ``timezone`` should know when the local-day tier is of another zone."""
        zone = self.meta.get("day_zone")
        if zone == parse_zone(timezone).key:
            return None
        return (
            f"the rollups' local days are in {zone}, not {timezone}: months are read from their 15-minute "
            f"buckets (slower); 'org-analytics rollup --timezone {timezone}' gives them the days of {timezone}"
        )

    def usable(self, warehouse, period: Period) -> bool:
        return R.aligned_period(period) and self.current().fresh(warehouse)


def _schemas() -> dict[str, ibis.Schema]:
    """Each rollup table's columns and types, from its build expression over the abstract tables."""
    tables = abstract_tables()
    out = {}
    for name, spec in R.ROLLUPS.items():
        if spec.kind == "singles":
            out[name] = R.id_counts(spec, tables).schema()
        else:
            out[name] = R.build_rows(spec, tables).schema()
    return out


_IBIS = _schemas()
_ARROW = {table: schema.to_pyarrow() for table, schema in _IBIS.items()}
# the day tier's counted ids of each distinct table (DAY_COUNTS), by the same table's name
_COUNTED = {name: R.day_ids(R.ROLLUPS[name], ibis.table(_IBIS[name], name=name))[1].schema() for name in R.DAY_COUNTS}
_BUCKET_COLUMNS = {"bucket": "timestamp", "day": "date", "month": "date"}
_BUCKETS = ibis.schema(_BUCKET_COLUMNS).to_pyarrow()
_DAY_OF_BUCKET = ibis.schema({"bucket": "timestamp", "day_start": "timestamp"})


def _buckets(buckets: np.ndarray, days: np.ndarray) -> pa.Table:
    """Buckets with their local day and month (its first day): what daily and monthly facts join."""
    months = days.astype("datetime64[M]").astype("datetime64[D]")
    return pa.table({"bucket": buckets, "day": days, "month": months}).cast(_BUCKETS)


def _compile(name: str, agent_id: str | None = None, project_id: str | None = None) -> str:
    """The read of fact ``name`` as DuckDB SQL over the rollup tables and the registered period
    buckets and tail (see ``Rollups.facts``)."""
    fact = FACTS[name]
    days = ibis.table(_BUCKET_COLUMNS, name="period_days")
    buckets = ibis.table(_BUCKET_COLUMNS, name="period_buckets")
    tail_buckets = ibis.table(_BUCKET_COLUMNS, name="tail_buckets")
    rows = {}
    for table, schema in _IBIS.items():
        parts = [(ibis.table(schema, name=R.DAYS[table]), days), (ibis.table(schema, name=table), buckets)]
        if table in R.TAIL:
            parts.append((ibis.table(schema, name=R.TAIL[table]), tail_buckets))
        rows[table] = R.dated(parts, fact.time or "day")
        if table in R.DAY_COUNTS:
            counted = ibis.table(_COUNTED[table], name=R.DAY_COUNTS[table])
            rows[R.DAY_COUNTS[table]] = R.dated([(counted, days)], fact.time or "day")
    return ibis.to_sql(R.read(fact, rows, agent_id, project_id), dialect="duckdb")


@functools.cache
def _read_sql(name: str) -> str:
    """``_compile`` of the whole organisation's facts, once per process."""
    return _compile(name)


_SLOT = "oa_id_slot_5d1c"  # compiled in as a literal, then made the bound parameter ($agent_id, $project_id)


@functools.cache
def _one_read_sql(name: str, key: str) -> str:
    """``_compile`` of one agent's (``key`` agent_id) or one project's (project_id) facts, once per
    process, with the id a bound parameter (``$agent_id``): compiling took ~50 ms a fact on every
    agent view; binding keeps any id a value."""
    sql = _compile(name, **{key: _SLOT})
    literal = f"'{_SLOT}'"
    if literal not in sql or sql.count(_SLOT) != sql.count(literal):
        raise RuntimeError(f"the read of {name} for one {key} does not name it as one literal")
    return sql.replace(literal, f"${key}")


def _file_state(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
        return (st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError:
        return None


def open_rollups(location: str | None = None) -> Rollups | None:
    """The rollups named by ``location`` (else ``$ORG_ANALYTICS_ROLLUPS``), or None when neither is set."""
    location = location or os.environ.get(ENV_VAR) or None
    if location is None:
        return None
    try:
        return Rollups.open(rollup_path(location))
    except WarehouseError:
        raise
    except Exception as exc:
        raise WarehouseError(f"cannot open rollups {location}: {first_line(exc)}") from None
