"""Reading ahead: while a viewer reads a month, the months the navigator's next click shows are
computed, so that click is answered from the engine's memory (with the same numbers)."""

from __future__ import annotations

import asyncio

import pytest

from org_analytics_widgets.engine import Engine
from org_analytics_widgets.pages import App
from org_analytics_widgets.pages.read_ahead import IDLE_DELAY

NOW = "2026-11-25T12:00:00Z"
ZONE = "America/New_York"


@pytest.fixture
def engine(edge_warehouse):
    """The edge warehouse's engine, noting each month it computes (not served from its memory)."""
    engine = Engine.open(f"duckdb://{edge_warehouse}", timezone=ZONE, now=NOW, cache=False)
    engine.computed = []
    compute = engine._snapshot
    engine._snapshot = lambda period: (engine.computed.append(period.month), compute(period))[1]
    yield engine
    engine.close()


def run(steps):
    """``steps(pause)`` inside a running event loop, as in a kernel; ``pause(n)`` waits n idle delays."""

    async def main():
        await steps(lambda n: asyncio.sleep(IDLE_DELAY * n + 0.2))

    asyncio.run(main())


async def until(engine, count: int, timeout: float = 60) -> None:
    """Wait (the loop running) until the engine has computed ``count`` months, then a little more
    to see that nothing else follows."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(engine.computed) < count and loop.time() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(IDLE_DELAY * 3)


def test_the_neighbours_are_read_while_the_viewer_reads_and_a_click_uses_them(engine, run_report):
    async def steps(pause):
        app = App(engine, "month=2026-05")
        assert engine.computed == ["2026-05"]
        await pause(3)
        assert engine.computed == ["2026-05"], "nothing is read before the page has drawn"

        app.browser.in_view = ["oa-charts-row"]  # the page drew and says what is on screen
        await until(engine, 3)
        assert engine.computed == ["2026-05", "2026-04", "2026-06"], "previous first, then next"

        reads, source = [], engine.source  # every read of facts asks for their source
        engine.source = lambda period: (reads.append(period.month), source(period))[1]
        app.browser._receive(app.browser, {"kind": "open", "query": "month=2026-04"}, [])  # "previous month"
        del engine.source
        assert app.dashboard.snapshot.period.month == "2026-04" and app.state.status == "ready"
        assert engine.computed == ["2026-05", "2026-04", "2026-06"], "the click was answered from memory"
        assert reads == [], "and its unusual days too (the month before's daily costs): the click read nothing"
        kpis = run_report(month="2026-04", timezone=ZONE, now=NOW)["kpis"]
        assert app.dashboard.kpis.values["total_cost"] == pytest.approx(kpis["total_cost"])
        assert app.dashboard.kpis.values["total_requests"] == kpis["total_requests"]

        await until(engine, 4)
        assert engine.computed[3:] == ["2026-03"], "then the new month's previous (its next is in memory)"

    run(steps)


def test_each_action_restarts_the_wait_and_the_agent_view_reads_nothing(engine):
    async def steps(pause):
        app = App(engine, "month=2026-05")
        app.browser.in_view = []
        for _ in range(4):  # the viewer keeps scrolling: never idle long enough
            await asyncio.sleep(IDLE_DELAY / 2)
            app.browser.in_view = ["oa-charts-row"] if app.browser.in_view == [] else []
        assert engine.computed == ["2026-05"]

        app.navigate("agent=a_conc&month=2026-05")
        await pause(4)
        assert engine.computed == ["2026-05"], "the dashboard is hidden: its neighbours can wait"

    run(steps)


def test_the_current_month_reads_only_its_previous(engine):
    async def steps(pause):
        app = App(engine, "")
        assert app.state.month == "2026-11"
        app.browser.in_view = ["oa-charts-row"]
        await until(engine, 2)
        assert engine.computed == ["2026-11", "2026-10"]

    run(steps)


def test_the_neighbours_are_read_in_the_zone_shown(engine):
    """Read ahead asks the page's engine: in the viewer's zone, the months a click would show there."""

    async def steps(pause):
        app = App(engine, "month=2026-05")
        app.browser.in_view = ["oa-charts-row"]
        await until(engine, 3)
        app.dashboard.zone_selector.combo.value = "Asia/Tokyo"
        assert engine.computed == ["2026-05", "2026-04", "2026-06", "2026-05"], "the month, again in Tokyo"
        app.browser.in_view = ["oa-charts-row", "oa-top-agents-section"]
        await until(engine, 6)
        assert engine.computed[4:] == ["2026-04", "2026-06"], "its neighbours in Tokyo"
        app.browser._receive(app.browser, {"kind": "open", "query": "month=2026-04"}, [])
        assert app.dashboard.snapshot.period.timezone == "Asia/Tokyo" and len(engine.computed) == 6, (
            "the click was answered from memory"
        )

    run(steps)


def test_once_the_months_are_read_the_agent_view_is_made_hidden_and_a_click_uses_it(engine, run_report):
    """The agent view's widgets reach the page while the viewer reads, not with the first click."""

    async def steps(pause):
        app = App(engine, "month=2026-05")
        assert app.agent is None
        app.browser.in_view = ["oa-charts-row"]
        await until(engine, 3)
        await pause(2)
        prepared = app.agent
        assert prepared is not None and prepared.cost_overview is not None
        assert (prepared.layout.height, prepared.layout.visibility) == ("0px", "hidden"), "out of sight, at its width"
        assert app.dashboard.layout.display is None and app.state.view == "dashboard", "the dashboard stays shown"

        app.navigate("agent=a_conc&month=2026-03")
        assert app.agent is prepared and prepared.status == "ready"
        assert (prepared.layout.display, prepared.layout.height, prepared.layout.visibility) == (None, None, None)
        assert app.dashboard.layout.display == "none"
        top = run_report(month="2026-03", timezone=ZONE, now=NOW)["top_agents"]
        want = next(a for a in top if a["agent_id"] == "a_conc")
        assert prepared.kpi_values["requests"] == want["requests"] == 3  # req_c01..c03 (edge fixture)
        assert prepared.kpi_values["cost"] == pytest.approx(want["cost"])

    run(steps)
