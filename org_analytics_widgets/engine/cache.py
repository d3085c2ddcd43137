"""The month cache: a closed month is computed once for every viewer and every process.

Entries are files in one private folder (beside the rollups, or in the server's runtime folder),
named by a hash of what makes the result: the warehouse (its URL without credentials and its
version), the rollups in use, the time zone, the month, and what was asked (a month, an agent's
month). A different warehouse version is a different name, so new data is never answered from an
old entry; Refresh deletes the warehouse's entries.

Safe under concurrent writers: a result is written to a temporary file and renamed into place, so
a reader sees a whole file or none; computing an entry holds an exclusive lock on its lock file,
so a second process asking for the same month waits for the first and then reads its result
instead of computing it again. The folder is bounded: past ``max_bytes`` the least recently used
entries are deleted.

Entries are pickles of plain results; only this process's user can write the folder (0700).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

# part of every entry's name: 2 when the KPIs gained failed_requests (older entries lack it); 3 when
# the Snapshot gained cost by model and the efficiency sections, the KPIs error_rate; 4: cache savings;
# 5: daily cost by project and model (unusual days), the previous month's read with its model;
# 6: the cost cells and the spend change against the comparison period (spend_change.py)
FORMAT = 6
DEFAULT_MAX_BYTES = 256 * 2**20


class MonthCache:
    """Closed months on disk, shared by processes.

    >>> cache = MonthCache(Path("/tmp/months"))              # doctest: +SKIP
    >>> cache.get_or_compute(("wh", "v1"), ("UTC", "2026-10"), compute)   # doctest: +SKIP
    """

    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"<MonthCache {self.folder}>"

    @staticmethod
    def _digest(parts) -> str:
        return hashlib.sha256(repr((FORMAT, *parts)).encode()).hexdigest()[:24]

    def _path(self, owner: tuple, key: tuple) -> Path:
        return self.folder / f"{self._digest(owner)}-{self._digest(key)}.pickle"

    def get(self, owner: tuple, key: tuple):
        """The entry, or None when there is none (or it cannot be read: it is then recomputed)."""
        path = self._path(owner, key)
        try:
            with open(path, "rb") as f:
                value = pickle.load(f)
            os.utime(path)  # recently used: pruned last
            return value
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return None

    def put(self, owner: tuple, key: tuple, value) -> None:
        path = self._path(owner, key)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.prune()

    def get_or_compute(self, owner: tuple, key: tuple, compute):
        """The entry, computed by ``compute()`` and stored when absent: one process computes it,
        others asking at the same time wait and read it."""
        value = self.get(owner, key)
        if value is not None:
            return value
        lock = self._path(owner, key).with_suffix(".lock")
        with open(lock, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                value = self.get(owner, key)
                if value is None:
                    value = compute()
                    self.put(owner, key, value)
                return value
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def clear(self, owner: tuple) -> int:
        """Delete every entry of ``owner`` (a warehouse: Refresh); returns how many."""
        removed = 0
        for path in self.folder.glob(f"{self._digest(owner)}-*.pickle"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed

    def prune(self) -> None:
        """Delete the least recently used entries while the folder holds more than ``max_bytes``."""
        entries = []
        for path in self.folder.glob("*.pickle"):
            with contextlib.suppress(OSError):
                st = path.stat()
                entries.append((st.st_mtime_ns, st.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                path.with_suffix(".lock").unlink(missing_ok=True)
            total -= size
