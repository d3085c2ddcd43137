"""What the server enforces on exports, whatever the export button shows: private files, a size
quota, a timer's pruning, a rate per page and a few at once per server."""

from __future__ import annotations

import fcntl
import os
import stat
import time
from pathlib import Path

import pytest

from data_connectors import connect
from org_analytics_widgets import exports
from org_analytics_widgets.exports import EXPORT_SLOTS, EXPORTS_PER_MINUTE, tidy
from org_analytics_widgets.links import RUNTIME_ENV_VAR
from org_analytics_widgets.period import Period
from org_analytics_widgets.state import DashboardState
from org_analytics_widgets.usage_tables import UsageTableController

ZONE = "America/New_York"
PERIOD = Period.for_month("2026-03", ZONE, "2026-11-25T12:00:00Z")


@pytest.fixture
def served(edge_warehouse, tmp_path, monkeypatch):
    """A usage table as a served page holds it: the kernel under a runtime folder with exports/."""
    runtime = tmp_path / "runtime"
    (runtime / "exports").mkdir(parents=True)
    monkeypatch.setenv(RUNTIME_ENV_VAR, str(runtime))
    monkeypatch.setattr(exports, "_recent", exports.collections.deque(maxlen=EXPORTS_PER_MINUTE))
    wh = connect(f"duckdb://{edge_warehouse}", writable_dirs=[runtime / "exports"])
    state = DashboardState(month="2026-03", latest_month="2026-11", timezone=ZONE)
    yield UsageTableController(wh, state, "items", PERIOD, exports_dir=runtime / "exports")
    wh.close()


def _message(controller) -> str:
    return controller.widget.export.get("message", "")


def test_an_export_is_readable_by_the_server_user_only(served):
    export = served.export("csv")
    assert stat.S_IMODE(export.path.stat().st_mode) == 0o600


def _planted(folder: Path, name: str, size: int, age: float) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_tidy_prunes_by_age_then_the_oldest_beyond_the_quota(tmp_path):
    old = _planted(tmp_path, "a" * 32 + ".csv", 10, 3600)
    older = _planted(tmp_path, "b" * 32 + ".csv", 400, 600)
    newer = _planted(tmp_path, "c" * 32 + ".parquet", 400, 60)
    newest = _planted(tmp_path, "d" * 32 + ".csv", 400, 1)
    notes = _planted(tmp_path, "notes.csv", 5000, 7200)
    removed = tidy(tmp_path, max_age=1800, quota=1000)
    assert sorted(removed) == sorted([old.name, older.name]), "the old one by age, then the oldest over 1000 bytes"
    assert newer.exists() and newest.exists() and notes.exists(), "only this module's files are touched"


def test_an_export_larger_than_the_quota_is_refused_in_words(served, monkeypatch):
    monkeypatch.setenv(exports.QUOTA_ENV_VAR, "0.001")  # about 1 KB
    served.export_to_widget("csv")
    assert served.widget.export["state"] == "error"
    assert "more than the server keeps" in _message(served) and "narrow the filters" in _message(served)
    assert [p for p in served.exports_dir.iterdir() if not p.name.startswith(".")] == []


def test_a_page_may_start_only_so_many_exports_a_minute(served):
    for _ in range(EXPORTS_PER_MINUTE):
        served.export_to_widget("csv")
        assert served.widget.export["state"] == "done"
    served.export_to_widget("parquet")
    assert served.widget.export["state"] == "error"
    assert f"started {EXPORTS_PER_MINUTE} exports within a minute" in _message(served)
    assert len(list(served.exports_dir.glob("*.csv"))) == EXPORTS_PER_MINUTE
    assert not list(served.exports_dir.glob("*.parquet"))


def test_the_server_writes_only_a_few_exports_at_once(served):
    runtime = Path(os.environ[RUNTIME_ENV_VAR])
    held = []
    try:
        for number in range(EXPORT_SLOTS):  # other pages' exports, running
            handle = open(runtime / f".export-slot-{number}.lock", "a")  # noqa: SIM115
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.append(handle)
        served.export_to_widget("csv")
        assert served.widget.export["state"] == "error" and "try again in a minute" in _message(served)
    finally:
        for handle in held:
            handle.close()
    served.export_to_widget("csv")
    assert served.widget.export["state"] == "done", "a slot freed is a slot used"


def test_notebooks_are_not_rate_limited(edge_warehouse, tmp_path, monkeypatch):
    monkeypatch.delenv(RUNTIME_ENV_VAR, raising=False)
    wh = connect(f"duckdb://{edge_warehouse}", writable_dirs=[tmp_path])
    try:
        state = DashboardState(month="2026-03", latest_month="2026-11", timezone=ZONE)
        c = UsageTableController(wh, state, "requests", PERIOD, exports_dir=tmp_path)
        for _ in range(EXPORTS_PER_MINUTE + 2):
            c.export("csv")
    finally:
        wh.close()
    assert len(list(tmp_path.glob("*.csv"))) == EXPORTS_PER_MINUTE + 2


def test_every_csv_value_is_quoted(served):
    """A quoted cell stays one cell whatever separator a spreadsheet assumes (``x;=HYPERLINK()``
    is two cells in ``;`` locales when unquoted)."""
    import re

    text = served.export("csv").path.read_text()
    lines = text.splitlines()
    assert len(lines) > 2
    field = r'(?:"(?:[^"]|"")*"|)'  # quoted, or empty for NULL
    for line in lines:
        assert re.fullmatch(rf"{field}(?:,{field})*", line), line


def test_the_server_prunes_old_exports_on_a_timer(edge_warehouse):
    """Without any export from a page, an export past its half hour is gone within seconds."""
    from browser import kernel_pids, serving

    with serving("--warehouse", f"duckdb://{edge_warehouse}", env={"ORG_ANALYTICS_EXPORTS_TIDY_SECONDS": "1"}) as url:
        deadline = time.monotonic() + 90
        while not kernel_pids(url.pid) and time.monotonic() < deadline:  # the preheated kernel knows the folder
            time.sleep(1)
        environ = Path(f"/proc/{kernel_pids(url.pid)[0]}/environ").read_bytes().split(b"\0")
        runtime = Path(
            next(v.split(b"=", 1)[1].decode() for v in environ if v.startswith(RUNTIME_ENV_VAR.encode() + b"="))
        )
        old = _planted(runtime / "exports", "e" * 32 + ".csv", 10, 3600)
        fresh = _planted(runtime / "exports", "f" * 32 + ".csv", 10, 5)
        deadline = time.monotonic() + 30
        while old.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not old.exists(), "an hour-old export is still there"
        assert fresh.exists(), "a recent export stays"
