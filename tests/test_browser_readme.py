"""The README's path: `serve` with no warehouse opens the embedded demo for the current month.

This test also takes the README's screenshot: set ORG_ANALYTICS_UPDATE_SCREENSHOT=1 to write it
to docs/dashboard.png (otherwise it goes to a temporary folder, so test runs leave git clean).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from browser import browser_page, kpis_on_page, serving, wait_ready

from org_analytics_widgets.period import current_month

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_demo_dashboard_matches_the_report_and_is_photographed(run_cli, tmp_path, monkeypatch):
    monkeypatch.delenv("ORG_ANALYTICS_WAREHOUSE", raising=False)
    month = current_month("UTC")
    code, out, err = run_cli(["report", "--month", month])
    assert code == 0, err
    import json

    expected = json.loads(out)["kpis"]
    with serving() as url, browser_page(1280, 1500) as page:
        page.goto(url)
        wait_ready(page, month)
        shown = kpis_on_page(page)
        assert int(shown["total_requests"]) == expected["total_requests"]
        assert float(shown["total_cost"]) == expected["total_cost"]
        page.wait_for_timeout(1500)  # let the charts finish their transitions
        shot = tmp_path / "dashboard.png"
        page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000, "the screenshot should show a full dashboard"
    if os.environ.get("ORG_ANALYTICS_UPDATE_SCREENSHOT") == "1":
        shutil.copy(shot, DOCS / "dashboard.png")
