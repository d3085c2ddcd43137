"""Several viewers of one served dashboard in headless Chromium, driven together (the load test and
benchmarks/bench_viewers.py). Each page times its own month switch, so driving them from one
thread does not inflate the times."""

from __future__ import annotations

import contextlib

from browser import CHROMIUM_ARGS, chromium_path, wait_ready

# stamps, in the page, when the status box shows the month loaded (ready, empty or error)
_SWITCH = """month => {
  const sel = `.oa-status-box [data-month="${month}"]:not([data-status=loading])`;
  const t0 = performance.now();
  window.__switch = null;
  const observer = new MutationObserver(() => { const el = document.querySelector(sel); if (el) {
      window.__switch = {ms: performance.now() - t0, status: el.dataset.status}; observer.disconnect(); } });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true});
  document.querySelector('button.oa-month-previous').click();
}"""


class Viewers:
    def __init__(self, browser, url: str, count: int, month: str):
        self.errors: list[str] = []
        self.pages = []
        for _ in range(count):
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(180_000)
            page.on("pageerror", lambda exc: self.errors.append(str(exc)))
            page.goto(f"{url}/?month={month}", wait_until="commit")
            self.pages.append(page)
        for page in self.pages:
            wait_ready(page, month)

    def previous(self, month: str) -> list[dict]:
        """Every viewer clicks "previous month" at (nearly) the same moment; returns each page's
        ``{"ms": ..., "status": ...}`` once ``month`` is shown."""
        for page in self.pages:
            page.evaluate(_SWITCH, month)
        results = []
        for page in self.pages:
            page.wait_for_function("() => window.__switch !== null")
            results.append(page.evaluate("() => window.__switch"))
        return results

    def close(self) -> None:
        for page in self.pages:
            page.context.close()


@contextlib.contextmanager
def viewers(url: str, count: int, month: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            group = Viewers(browser, url, count, month)
            yield group
            group.close()
        finally:
            browser.close()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]
