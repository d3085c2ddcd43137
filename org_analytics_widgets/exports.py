"""Exports written by the engine: a filtered table streamed to CSV or Parquet in exports/ of the
kernel's working directory (the server's runtime folder, see ``server.runtime_folder``).

The engine writes the file itself (DuckDB ``COPY ... TO``; other Ibis backends stream Arrow
batches), so the kernel never holds the exported rows. Files get random names (``uuid4().hex``
plus the extension, nothing else, to match Voilà's strict ``file_allowlist``), are written under a
temporary name and renamed when complete, readable by the server's user only (0600). Exports
older than 30 minutes are deleted on each export and by the server on a timer (``tidy``: anyone
who knows a name can fetch it), and the folder has a size quota: the oldest go first, and an
export larger than the quota is refused. A served page (a kernel under the server's runtime
folder) may start at most EXPORTS_PER_MINUTE exports a minute, and at most EXPORT_SLOTS exports
run at once on the whole server: a viewer cannot fill the disk or the CPU with the export button's
messages, whatever the button shows.

>>> result = export_table(wh.con, expr, "csv", Path("exports"))   # doctest: +SKIP
>>> download_link_html(result, "usage_items_2026-03.csv", rows=12345)        # doctest: +SKIP
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import html
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .links import EXPORTS_DIR, RUNTIME_ENV_VAR, export_url

FORMATS = ("csv", "parquet")
MAX_AGE_SECONDS = 30 * 60
QUOTA_ENV_VAR = "ORG_ANALYTICS_EXPORTS_QUOTA_MB"
DEFAULT_QUOTA_MB = 2048  # the exports folder of one server
EXPORTS_PER_MINUTE = 6  # per served page
EXPORT_SLOTS = 2  # exports running at once on one server (all its pages)
EXPORT_NAME_RE = re.compile(r"^[0-9a-f]{32}\.(csv|parquet)$")
_TEMP_NAME_RE = re.compile(r"^\.[0-9a-f]{32}\.(csv|parquet)\.part$")


@dataclass(frozen=True)
class Export:
    """One finished export: the file's random name and path, its format, size and write time."""

    filename: str
    path: Path
    fmt: str
    bytes: int
    seconds: float

    @property
    def url(self) -> str:
        """The relative link served by Voilà's files route (see ``links.export_url``)."""
        return export_url(self.filename)


def default_exports_dir() -> Path:
    """``exports/`` under the kernel's working directory (the server's runtime folder under Voilà)."""
    return Path.cwd() / EXPORTS_DIR


def prune_exports(folder: Path, max_age: float = MAX_AGE_SECONDS, now: float | None = None) -> list[str]:
    """Delete this module's exports (and abandoned temporary files) older than ``max_age`` seconds.

    Only names this module writes are touched. Returns the names deleted.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    limit = (time.time() if now is None else now) - max_age
    removed = []
    for entry in os.scandir(folder):
        if not (EXPORT_NAME_RE.match(entry.name) or _TEMP_NAME_RE.match(entry.name)):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < limit:
                os.remove(entry.path)
                removed.append(entry.name)
        except FileNotFoundError:  # another kernel pruned it first
            continue
    return removed


class ExportRefused(Exception):
    """An export the server will not write now; the message says why and what to do, in words."""


def quota_bytes() -> int:
    """The exports folder's size quota: ``$ORG_ANALYTICS_EXPORTS_QUOTA_MB`` MB, else 2 GB."""
    try:
        return int(float(os.environ.get(QUOTA_ENV_VAR) or DEFAULT_QUOTA_MB) * 1024 * 1024)
    except ValueError:
        return DEFAULT_QUOTA_MB * 1024 * 1024


def tidy(folder: Path, max_age: float = MAX_AGE_SECONDS, quota: int | None = None) -> list[str]:
    """Prune exports older than ``max_age``, then the oldest until the folder is within ``quota``
    bytes (default ``quota_bytes()``); returns the names deleted. What the server runs on a timer."""
    removed = prune_exports(folder, max_age)
    quota = quota_bytes() if quota is None else quota
    entries = []
    for entry in os.scandir(folder) if Path(folder).is_dir() else ():
        if EXPORT_NAME_RE.match(entry.name) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(FileNotFoundError):
                info = entry.stat(follow_symlinks=False)
                entries.append((info.st_mtime, info.st_size, entry))
    total = sum(size for _, size, _ in entries)
    for _, size, entry in sorted(entries, key=lambda e: e[0]):
        if total <= quota:
            break
        with contextlib.suppress(FileNotFoundError):
            os.remove(entry.path)
            removed.append(entry.name)
        total -= size
    return removed


_recent: collections.deque[float] = collections.deque(maxlen=EXPORTS_PER_MINUTE)


def _check_rate() -> None:
    """A served page (``$ORG_ANALYTICS_RUNTIME`` set: the kernel of one page) starts at most
    EXPORTS_PER_MINUTE exports a minute; notebooks are not limited."""
    if not os.environ.get(RUNTIME_ENV_VAR):
        return
    now = time.monotonic()
    if len(_recent) == EXPORTS_PER_MINUTE and now - _recent[0] < 60:
        raise ExportRefused(
            f"this page started {EXPORTS_PER_MINUTE} exports within a minute: wait {60 - (now - _recent[0]):.0f} s"
        )
    _recent.append(now)


@contextlib.contextmanager
def _slot():
    """One of the server's EXPORT_SLOTS while writing: a lock file in the server's runtime folder,
    shared by its pages' kernels (a notebook outside the server has no slots to share)."""
    runtime = os.environ.get(RUNTIME_ENV_VAR)
    if not runtime:
        yield
        return
    for number in range(EXPORT_SLOTS):
        handle = open(Path(runtime) / f".export-slot-{number}.lock", "a")  # noqa: SIM115 (held while writing)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        return
    raise ExportRefused(f"the server is writing {EXPORT_SLOTS} other exports: try again in a minute")


def _write(con, expr, fmt: str, path: Path) -> None:
    """One file, whatever the engine: DuckDB's own COPY; other backends stream Arrow batches into
    one file (Spark's own writer makes a folder of part files, which cannot be downloaded). Every
    CSV value is quoted, so a cell is one cell in every spreadsheet's separator (with the formula
    neutralisation of ``metrics.tables.csv_safe``)."""
    import pyarrow.csv as pacsv
    from ibis.backends import BaseBackend

    if con.name == "duckdb":
        if fmt == "csv":
            con.to_csv(expr, path, force_quote="*")
        else:
            con.to_parquet(expr, path)
    elif fmt == "csv":
        BaseBackend.to_csv(con, expr, path, write_options=pacsv.WriteOptions(quoting_style="all_valid"))
    else:
        BaseBackend.to_parquet(con, expr, path)


def export_table(con, expr, fmt: str, folder: Path | str | None = None, max_age: float = MAX_AGE_SECONDS) -> Export:
    """Write ``expr`` with ``con``'s engine to ``folder/<uuid4 hex>.<fmt>``; returns the Export.

    Old exports are pruned first; the file appears under its final name only once complete, 0600.
    Raises ExportRefused over the page's rate, with every slot taken, or beyond the quota.

    >>> export_table(wh.con, expr, "parquet")      # doctest: +SKIP
    Export(filename='3f2c...e1.parquet', ...)
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use csv or parquet")
    folder = Path(folder) if folder is not None else default_exports_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _check_rate()
    quota = quota_bytes()
    tidy(folder, max_age, quota)
    token = uuid.uuid4().hex
    filename = f"{token}.{fmt}"
    final = folder / filename
    temp = folder / f".{token}.{fmt}.part"
    started = time.perf_counter()
    try:
        with _slot():
            _write(con, expr, fmt, temp)
        os.chmod(temp, 0o600)
        size = temp.stat().st_size
        if size > quota:
            raise ExportRefused(
                f"the file would be {human_bytes(size)}, more than the server keeps ({human_bytes(quota)}): "
                "narrow the filters"
            )
        os.replace(temp, final)
    finally:
        if temp.exists():
            temp.unlink()
    tidy(folder, max_age, quota)
    return Export(filename=filename, path=final, fmt=fmt, bytes=size, seconds=time.perf_counter() - started)


def human_bytes(size: int) -> str:
    """``1536 -> '1.5 KB'``."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


_FILTER_WORDS = {
    "date_from": "from",
    "date_to": "to",
    "project_id": "project",
    "service_type": "service",
    "agent_id": "agent",
    "request_id": "request",
}
MAX_NAME_LENGTH = 150


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", str(text)).strip("-.") or "x"


def download_name(kind: str, month: str, filters: dict, fmt: str) -> str:
    """What the browser saves an export as: the table, the month and each row filter, file-safe.

    >>> download_name("items", "2026-03", {"project_id": "p/support", "status": "error"}, "csv")
    'usage-items_2026-03_project-p-support_status-error.csv'
    """
    parts = [_slug(f"usage-{kind}"), _slug(month)]
    parts += [f"{_FILTER_WORDS.get(k, k)}-{_slug(v)}" for k, v in filters.items()]
    stem = "_".join(parts)
    return f"{stem[:MAX_NAME_LENGTH].rstrip('-_.')}.{fmt}"


def download_link_html(export: Export, download_name: str, rows: int, sent: bool = False) -> str:
    """The export's link (``<a class="oa-export-link" href=... download=...>``, every value escaped)
    with rows and size: "Downloaded <name>" when the browser was already sent the file (the link
    downloads it again), else "Download <name>"."""
    href = html.escape(export.url, quote=True)
    name = html.escape(download_name, quote=True)
    verb = "Downloaded" if sent else "Download"
    return (
        f'<span class="oa-export-done">{verb} <a class="oa-export-link" href="{href}" download="{name}" '
        f'data-rows="{int(rows)}" data-bytes="{int(export.bytes)}" title="Download again">{name}</a> '
        f'<span class="oa-export-info">({int(rows):,} {"row" if int(rows) == 1 else "rows"}, '
        f"{html.escape(human_bytes(export.bytes))})</span></span>"
    )
