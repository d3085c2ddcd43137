"""Exports written by the engine: a filtered table streamed to CSV or Parquet in exports/ of the
kernel's working directory (the server's runtime folder, see ``server.runtime_folder``).

The engine writes the file itself (DuckDB ``COPY ... TO``; other Ibis backends stream Arrow
batches), so the kernel never holds the exported rows. Files get random names (``uuid4().hex``
plus the extension, nothing else, to match Voilà's strict ``file_allowlist``), are written under a
temporary name and renamed when complete, and exports older than 30 minutes are deleted on each
export (anyone who knows a name can fetch it).

>>> result = export_table(wh.con, expr, "csv", Path("exports"))   # doctest: +SKIP
>>> download_link_html(result, "usage_items_2026-03.csv", rows=12345)        # doctest: +SKIP
"""

from __future__ import annotations

import html
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .links import EXPORTS_DIR, export_url

FORMATS = ("csv", "parquet")
MAX_AGE_SECONDS = 30 * 60
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


def export_table(con, expr, fmt: str, folder: Path | str | None = None, max_age: float = MAX_AGE_SECONDS) -> Export:
    """Write ``expr`` with ``con``'s engine to ``folder/<uuid4 hex>.<fmt>``; returns the Export.

    Old exports are pruned first; the file appears under its final name only once complete.

    >>> export_table(wh.con, expr, "parquet")      # doctest: +SKIP
    Export(filename='3f2c...e1.parquet', ...)
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use csv or parquet")
    folder = Path(folder) if folder is not None else default_exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    prune_exports(folder, max_age)
    token = uuid.uuid4().hex
    filename = f"{token}.{fmt}"
    final = folder / filename
    temp = folder / f".{token}.{fmt}.part"
    started = time.perf_counter()
    try:
        if fmt == "csv":
            con.to_csv(expr, temp)
        else:
            con.to_parquet(expr, temp)
        os.replace(temp, final)
    finally:
        if temp.exists():
            temp.unlink()
    return Export(
        filename=filename, path=final, fmt=fmt, bytes=final.stat().st_size, seconds=time.perf_counter() - started
    )


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
