"""The app inside JupyterLab: a real `jupyter lab`, a notebook whose one cell draws `App`, headless
Chromium. The notebook's URL is not the app's: an agent link changes the view in place without
touching JupyterLab's address, and an export arrives as bytes through the widget's channel.
"""

from __future__ import annotations

import csv
import json
import sys

import pytest

from browser import browser_page, free_port, listening, wait_ready

NOW = "2026-11-25T12:00:00Z"
ZONE = "America/New_York"
MONTH = "2026-03"
NOTEBOOK = "app.ipynb"


def write_notebook(path, warehouse) -> None:
    source = (
        "from org_analytics_widgets.engine import Engine\n"
        "from org_analytics_widgets.pages import App\n"
        f'App(Engine.open("duckdb://{warehouse}", timezone="{ZONE}", now="{NOW}", cache=False), "month={MONTH}")'
    )
    cell = {"cell_type": "code", "execution_count": None, "id": "app", "metadata": {}, "outputs": [], "source": source}
    kernel = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook = {"cells": [cell], "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def jupyter_home(folder) -> dict:
    """Jupyter's folders, all under ``folder``: this interpreter's kernel as ``python3`` and no
    settings, workspaces or config from the machine (JUPYTER_PATH comes first among data paths)."""
    spec = folder / "data" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3 (ipykernel)", "language": "python"})
    )
    return {
        "JUPYTER_PATH": str(folder / "data"),
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(folder / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces"),
    }


@pytest.fixture(scope="module")
def lab(edge_warehouse, tmp_path_factory):
    """A JupyterLab server (no token) over a folder holding the app's notebook; yields its base URL."""
    root = tmp_path_factory.mktemp("lab")
    write_notebook(root / NOTEBOOK, edge_warehouse)
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.allow_root=True",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run the cell with JupyterLab's own command
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    env = jupyter_home(tmp_path_factory.mktemp("jupyter"))
    with listening(argv, port, "jupyter lab", env=env, cwd=root, timeout=120):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def page(lab):
    """The notebook open in JupyterLab, its cell run: the app shows March."""
    with browser_page() as page:
        page.set_default_timeout(120_000)
        page.goto(f"{lab}/lab/tree/{NOTEBOOK}")
        page.wait_for_function(
            """() => {
                const app = window.jupyterapp;
                const panel = app && app.shell.currentWidget;
                const kernel = panel && panel.sessionContext && panel.sessionContext.session
                    && panel.sessionContext.session.kernel;
                return kernel && kernel.status === 'idle';
            }"""
        )
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        wait_ready(page, MONTH)
        page.wait_for_selector(".oa-app .oa-browser[data-ready][data-host=notebook]", state="attached")
        yield page


def notebook_url(url: str) -> bool:
    return url.split("?")[0].split("#")[0].endswith(f"/lab/tree/{NOTEBOOK}") and "agent=" not in url


def test_an_agent_link_opens_the_agent_view_in_the_notebook(page, run_report):
    top = run_report(month=MONTH, timezone=ZONE, now=NOW)["top_agents"][0]
    url = page.url
    page.evaluate("window.__same_page = true")  # a reload (or JupyterLab's router) would lose it
    page.locator(f'.oa-agent-row[data-agent-id="{top["agent_id"]}"] a.oa-agent-link').click()
    page.wait_for_selector(".oa-agent-page .oa-status-box [data-status=ready]", state="attached")
    cost = page.get_attribute(".oa-agent-kpis .oa-kpi-value[data-key=cost]", "data-exact")
    assert float(cost) == top["cost"]
    assert page.is_visible(".oa-agent-page") and not page.is_visible(".oa-cost-overview"), "one view at a time"
    assert page.url == url and notebook_url(page.url), "JupyterLab's address is left alone"
    assert len(page.context.pages) == 1, "no new tab"
    assert page.evaluate("window.__same_page === true")

    page.click("a.oa-back-link")
    page.wait_for_selector(".oa-agent-page", state="hidden")
    wait_ready(page, MONTH)
    assert page.is_visible(".oa-cost-overview")
    assert page.url == url and len(page.context.pages) == 1
    assert page.evaluate("window.__same_page === true")

    # a modified click too: in a new tab the href would open a notebook file, not the app
    page.locator(f'.oa-agent-row[data-agent-id="{top["agent_id"]}"] a.oa-agent-link').click(modifiers=["Control"])
    page.wait_for_selector(".oa-agent-page", state="visible")
    page.click("a.oa-back-link", modifiers=["Control"])
    page.wait_for_selector(".oa-agent-page", state="hidden")
    assert page.url == url and len(page.context.pages) == 1
    assert page.evaluate("window.__same_page === true")


def test_an_export_downloads_the_csv_through_the_widget(page, run_report):
    report = run_report(month=MONTH, timezone=ZONE, now=NOW)
    page.wait_for_selector(".oa-usage-requests .oa-table-total[data-rows]", state="attached")
    with page.expect_download() as download:
        page.locator(".oa-usage-requests button.oa-export-csv").click()
    assert download.value.suggested_filename == f"usage-requests_{MONTH}.csv"
    with open(download.value.path(), newline="", encoding="utf-8") as f:
        header, *rows = csv.reader(f)
    assert header[0].startswith("time_local"), header
    assert len(rows) == report["kpis"]["total_requests"], "one row per request of the month"
    assert notebook_url(page.url) and len(page.context.pages) == 1

    # "Downloaded <name>": its link gets the same file again (its href is Voilà's files route, which
    # JupyterLab would answer with its own HTML page)
    with page.expect_download() as again:
        page.locator(".oa-usage-requests a.oa-export-link").click()
    assert again.value.suggested_filename == download.value.suggested_filename
    assert again.value.path().read_bytes() == download.value.path().read_bytes()
    assert notebook_url(page.url) and len(page.context.pages) == 1


def test_a_link_gets_again_only_the_exports_this_page_was_sent(tmp_path):
    from org_analytics_widgets.widgets.browser import Browser

    browser = Browser(host="notebook")
    sent = []
    browser.send = lambda content, buffers=None: sent.append((content["filename"], buffers))
    export = tmp_path / "0123.csv"
    export.write_bytes(b"time_local\n")
    assert browser.download("../files/exports/0123.csv", "usage-requests_2026-03.csv", export, "text/csv")
    browser._receive(browser, {"kind": "download", "url": "../files/exports/0123.csv"}, [])
    browser._receive(browser, {"kind": "download", "url": "../files/exports/../../app.ipynb"}, [])  # forged
    export.unlink()  # pruned
    browser._receive(browser, {"kind": "download", "url": "../files/exports/0123.csv"}, [])
    assert sent == [("usage-requests_2026-03.csv", [b"time_local\n"])] * 2
