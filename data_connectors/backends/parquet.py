"""A folder of Parquet files: ``parquet:///path/dir[?usage_items=GLOB&...]``, read in place by a
locked in-memory DuckDB session."""

from __future__ import annotations

import glob as globbing
import json
import os
from collections.abc import Sequence
from pathlib import Path

import ibis
import pyarrow.parquet as pq

from ..errors import WarehouseError, did_you_mean, first_line
from ..schema import KPI_NOTES, KPI_NOTES_KEY, TABLES
from ..url import WarehouseURL
from ..warehouse import Warehouse, configure_duckdb, file_stats, from_tables, lock_duckdb

FORM = "parquet:///path/dir[?usage_items=GLOB]"


def table_source(folder: Path, name: str, pattern: str | None = None) -> str | None:
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


def files_of(source: str) -> list[str]:
    """The files a ``table_source`` glob matches, sorted."""
    return sorted(hit for hit in globbing.glob(source, recursive=True) if os.path.isfile(hit))


def kpi_notes(paths: Sequence[str]) -> dict[str, str]:
    """What a KPI means for the source, as an import wrote it into usage_requests' Parquet metadata
    (``KPI_NOTES_KEY``: ``import openai``, ``import anthropic``): the notes every file says alike,
    known KPIs and text only; none when the files differ or say nothing."""
    said = set()
    for path in paths:
        try:
            metadata = pq.read_metadata(path).metadata or {}
        except (OSError, ValueError):  # not Parquet: DuckDB says so when the table is read
            return {}
        said.add(metadata.get(KPI_NOTES_KEY.encode()))
    if len(said) != 1 or None in said:
        return {}
    try:
        notes = json.loads(said.pop())
    except ValueError:
        return {}
    if not isinstance(notes, dict):
        return {}
    return {key: text for key, text in notes.items() if key in KPI_NOTES and isinstance(text, str) and text}


def folder_path(url: WarehouseURL) -> Path:
    """The existing folder ``url`` names; WarehouseError saying what to type."""
    if not url.location:
        raise WarehouseError(f"warehouse URL {url.redacted!r} names no path: use {FORM}")
    folder = Path(url.location).expanduser()
    if not folder.is_dir():
        raise WarehouseError(f"no folder at {folder}: check the path in {url.redacted!r} ({FORM})")
    return folder


def open_warehouse(url: WarehouseURL, *, writable_dirs: Sequence[Path] = ()) -> Warehouse:
    """Each table a view over ``read_parquet`` (nothing loaded).

    Every file of a table is read with ``hive_partitioning`` (``month=2026-10/`` folders add a
    ``month`` column, ignored by the contract) and ``union_by_name`` (files written before a column
    was added read it as null). A period's query filters ``created_at``, which DuckDB pushes into
    the scan: row groups whose min/max ``created_at`` statistics lie outside the period are skipped,
    so a month's numbers read only that month's data (plus every file's footer)."""
    folder = folder_path(url)
    patterns: dict[str, str] = {}
    for key, value in url.options:
        if key not in TABLES:
            hint = did_you_mean(key, TABLES) or f" (tables: {', '.join(TABLES)})"
            raise WarehouseError(f"unknown option {key!r} in the parquet URL {url.redacted!r}{hint}")
        if not value:
            raise WarehouseError(f"empty glob for table {key} in the parquet URL {url.redacted!r}")
        patterns[key] = value

    def files() -> dict[str, list[str]]:
        found = {}
        for name in TABLES:
            source = table_source(folder, name, patterns.get(name))
            if source is None:
                raise WarehouseError(
                    f"parquet warehouse {folder} has no table {name}: expected {name}.parquet, a folder {name}/, "
                    f"files {name}-*.parquet or ?{name}=GLOB in the URL"
                )
            found[name] = files_of(source)
            if not found[name]:
                raise WarehouseError(f"parquet warehouse {folder}: no Parquet file for table {name} ({source})")
        return found

    def fingerprint() -> tuple | None:
        try:
            return file_stats(path for paths in files().values() for path in paths)
        except WarehouseError:
            return None

    sources = files()
    con = ibis.duckdb.connect()
    try:
        configure_duckdb(con.con)
    except Exception as exc:
        raise WarehouseError(f"cannot configure DuckDB for {url.redacted!r}: {first_line(exc)}") from None
    raw = {}
    for name, paths in sources.items():
        try:
            raw[name] = con.read_parquet(paths, table_name=name, hive_partitioning=True, union_by_name=True)
        except Exception as exc:
            raise WarehouseError(f"cannot read table {name} from {folder}: {first_line(exc)}") from None
    lock_duckdb(con, [path for paths in sources.values() for path in paths], writable_dirs)
    notes = kpi_notes(sources["usage_requests"])
    return from_tables(con, url.text, raw, fingerprint=fingerprint, kpi_notes=notes)
