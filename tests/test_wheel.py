"""The installable app: a wheel of the project, installed with its ``[app]`` extra into a fresh
virtual environment, serves the dashboard from any folder and writes nothing into the install.

Slow (a wheel build, a venv and an install from pip's cache: a minute or two) but it is the only
test of what a user gets from ``pip install 'org-analytics[app]'``, so CI runs it like any other.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from browser import browser_page, chromium_path, free_port

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "org_analytics_widgets", "data_connectors", "notebooks")
INSTALL_TIMEOUT = 900
SERVE_TIMEOUT = 120


def run(command: list, cwd: Path, env: dict, timeout: float) -> str:
    """Run ``command``; a failure shows its output."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        timeout=timeout,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert result.returncode == 0, f"{' '.join(map(str, command))} exited {result.returncode}:\n{result.stdout}"
    return result.stdout


def clean_env() -> dict:
    """This process's environment without anything that points at the repository or its venv."""
    return {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not key.startswith("ORG_ANALYTICS_")
    }


def site_files(venv: Path) -> set[Path]:
    """Every file of the venv's site-packages except bytecode caches."""
    (site,) = venv.glob("lib/python*/site-packages")
    return {path for path in site.rglob("*") if "__pycache__" not in path.parts}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the project's wheel and its ``[app]`` extra; returns the venv's folder."""
    chromium_path()  # skip (or fail under CI) before the slow part
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"  # a clean copy: an in-tree build/ may hold modules deleted since
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name,
                source / name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "exports"),
            )
        else:
            shutil.copy2(ROOT / name, source / name)
    env = clean_env()
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp / "dist", source], tmp, env, 300)
    (wheel,) = (tmp / "dist").glob("org_analytics-*.whl")
    # the versions this environment was tested with (and pip's cache holds): install those
    pins = run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], tmp, env, 120)
    (tmp / "constraints.txt").write_text(pins)
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", venv], tmp, env, 120)
    run(
        [
            venv / "bin" / "python",
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-c",
            tmp / "constraints.txt",
            f"{wheel}[app]",
        ],
        tmp,
        env,
        INSTALL_TIMEOUT,
    )
    return venv


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def previous_month() -> str:
    first = date.today().replace(day=1)
    return f"{first.year - (first.month == 1)}-{(first.month - 2) % 12 + 1:02d}"


def test_installed_app_serves_the_dashboard_and_writes_nothing_into_the_install(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"  # not the repository: nothing may be found relative to it
    elsewhere.mkdir()
    env = clean_env()
    cli = installed / "bin" / "org-analytics"
    run([cli, "demo-data", "--out", tmp_path / "demo.duckdb", "--items", "20000"], elsewhere, env, 300)
    before = site_files(installed)
    port = free_port()
    server = subprocess.Popen(
        [
            str(cli),
            "serve",
            "--no-browser",
            "--port",
            str(port),
            "--warehouse",
            f"duckdb:///{tmp_path / 'demo.duckdb'}",
        ],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + SERVE_TIMEOUT
        while not listening(port):
            assert server.poll() is None, f"serve exited {server.returncode}:\n{server.stdout.read()}"
            assert time.monotonic() < deadline, "serve did not listen in time"
            time.sleep(0.2)
        with browser_page() as page:
            page.set_default_timeout(SERVE_TIMEOUT * 1000)
            page.goto(f"http://127.0.0.1:{port}/?month={previous_month()}")
            card = page.locator(".oa-kpi-card", has_text="Total requests")
            card.wait_for(state="visible")
            value = card.locator(".oa-kpi-value").inner_text().strip()
            assert value not in ("", "0"), f"the demo's last month should have requests, the card shows {value!r}"
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=30)  # Voilà shuts its kernels down and removes its runtime folder
        server.kill()  # does nothing once it has stopped
    (site,) = installed.glob("lib/python*/site-packages")
    assert not (site / "org_analytics_widgets" / "exports").exists(), "exports must go to the runtime folder"
    written = sorted(str(path.relative_to(site)) for path in site_files(installed) - before)
    assert written == [], f"serving wrote into site-packages: {written[:10]}"
    assert list(elsewhere.iterdir()) == [], "serving wrote into the folder it was started from"
