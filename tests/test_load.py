"""Load: N viewers at once against a local `org-analytics serve` (loopback, bounded in count and
time). Each opens the dashboard and switches months; no page may show an error, every number
must be the report's, and once the viewers leave their kernels are shut down and memory returns
to the baseline. Timings are printed (see the closing notes), never asserted."""
from __future__ import annotations

import statistics
import time

from browser import CHROMIUM_ARGS, chromium_path, kernel_pids, rss_mb, serving, wait_ready
from test_browser_dashboard import KPI_KEYS, NOW, ZONE, expected_kpis, shown_kpis

VIEWERS = 4
MONTHS = ["2026-03", "2026-02", "2026-01", "2026-03"]

# stamps, in the page, when the status box shows a month as loaded: the switch time is measured
# by the page itself, so driving several pages from one thread does not inflate it
STAMP = """month => new Promise(resolve => {
  const sel = `.oa-status-box [data-month="${month}"]:not([data-status=loading])`;
  const t0 = performance.now();
  const done = () => { const el = document.querySelector(sel); if (el) { window.__switch = {
      ms: performance.now() - t0, status: el.dataset.status }; observer.disconnect(); } };
  const observer = new MutationObserver(done);
  observer.observe(document.body, {subtree: true, childList: true, attributes: true});
  document.querySelector('button.oa-month-previous').click();
  resolve(true);
})"""


def _server_rss(pid: int) -> float:
    return rss_mb(pid) + sum(rss_mb(k) for k in kernel_pids(pid))


def test_viewers_at_once_switch_months_without_errors_and_leave_nothing_behind(edge_warehouse, run_report):
    from playwright.sync_api import sync_playwright

    expected = {m: expected_kpis(run_report, m) for m in set(MONTHS)}
    with serving("--warehouse", f"duckdb://{edge_warehouse}", "--timezone", ZONE, "--idle-timeout", "6",
                 env={"ORG_ANALYTICS_NOW": NOW}) as url, sync_playwright() as p:
        time.sleep(3)  # let the preheated kernel settle: that is the baseline
        baseline_kernels = len(kernel_pids(url.pid))
        baseline_mb = _server_rss(url.pid)
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        errors, switches = [], []
        pages = []
        for _ in range(VIEWERS):
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(120_000)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{url}/?month={MONTHS[0]}", wait_until="commit")
            pages.append(page)
        for page in pages:
            wait_ready(page, MONTHS[0])
            assert {k: v for k, v in shown_kpis(page).items() if k in KPI_KEYS} == expected[MONTHS[0]]
        peak_kernels = len(kernel_pids(url.pid))
        peak_mb = _server_rss(url.pid)
        for month in MONTHS[1:3]:
            for page in pages:  # every viewer clicks "previous" at (nearly) the same moment
                page.evaluate("() => { window.__switch = null; }")
                page.evaluate(STAMP, month)
            for page in pages:
                page.wait_for_function("() => window.__switch !== null")
                result = page.evaluate("() => window.__switch")
                empty = expected[month]["total_requests"] == 0
                assert result["status"] == ("empty" if empty else "ready"), page.inner_text(".oa-status-box")
                switches.append(result["ms"])
                assert shown_kpis(page) == expected[month]
            peak_mb = max(peak_mb, _server_rss(url.pid))
        assert errors == [], errors
        for page in pages:
            page.context.close()
        browser.close()

        deadline = time.monotonic() + 90
        while len(kernel_pids(url.pid)) > baseline_kernels and time.monotonic() < deadline:
            time.sleep(1)
        left = len(kernel_pids(url.pid))
        after_mb = _server_rss(url.pid)
        p95 = sorted(switches)[max(0, round(0.95 * len(switches)) - 1)]
        print(f"\nload: {VIEWERS} viewers, kernels {baseline_kernels} -> {peak_kernels} -> {left}; "
              f"month switch median {statistics.median(switches):.0f} ms, p95 {p95:.0f} ms, max {max(switches):.0f} ms; "
              f"server+kernels RSS {baseline_mb:.0f} -> peak {peak_mb:.0f} -> {after_mb:.0f} MB; errors {len(errors)}")
        assert left <= baseline_kernels, f"{left - baseline_kernels} viewer kernels still running after 90 s"
        assert peak_kernels >= baseline_kernels + VIEWERS - 1, "each viewer has a kernel of its own"
        assert after_mb < baseline_mb + 150, f"memory did not return to the baseline: {baseline_mb:.0f} -> {after_mb:.0f} MB"
