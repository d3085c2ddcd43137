"""Top agents, service-type cards and the agent page over the edge fixture (NY zone, now 2026-11-25 12:00Z).

Every expected number is worked out by hand from tests/edge_fixture.py; the comments name the rows.
NY March 2026 = [03-01 05:00Z, 04-01 04:00Z); EDT (UTC-4) from 03-08 07:00Z.
"""

from __future__ import annotations

import html
from datetime import date
from types import SimpleNamespace

import pandas as pd
import pytest
from traitlets import TraitError

from data_connectors import connect
from org_analytics_widgets.pages import App, app_from_environment
from org_analytics_widgets.pages.agent import AgentPage
from org_analytics_widgets.colors import service_label
from org_analytics_widgets.links import agent_url
from org_analytics_widgets.metrics import agent as A
from org_analytics_widgets.period import Period
from org_analytics_widgets.engine import Engine
from org_analytics_widgets.snapshot import Snapshot
from org_analytics_widgets.widgets import ServiceTypeCards, TopAgents
from org_analytics_widgets.widgets.service_cards import ServiceCard, css_token

NOW = "2026-11-25T12:00:00Z"
ZONE = "America/New_York"
HOSTILE = "<script>alert(1)</script>"
SQL_INJECTION = "' OR 1=1"


@pytest.fixture(scope="module")
def wh(edge_warehouse):
    warehouse = connect(f"duckdb://{edge_warehouse}")
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def march() -> Period:
    return Period.for_month("2026-03", ZONE, now=NOW)


@pytest.fixture(scope="module")
def snapshot(wh, march) -> Snapshot:
    return Engine(wh, cache=False).snapshot(march)


def one_row(wh, expr) -> dict:
    frame = wh.execute(expr)
    assert len(frame) == 1, f"expected one row, got {len(frame)}"
    return frame.iloc[0].to_dict()


def page(wh, agent_id, month="2026-03") -> AgentPage:
    return AgentPage(wh, agent_id, month, timezone=ZONE, now=NOW)


# -- metrics: hand-computed --------------------------------------------------------------------
def test_agent_kpis_follow_the_contract_counting_rules(wh, march):
    # a_conc in NY March: requests req_c01 (100+100 tokens, conv_1), req_c02 (null tokens, conv_1),
    # req_c03 (null tokens, conv_2) -> 3 requests, 2 conversations, 200 tokens.
    # items i_c01a 0.5 + i_c01b 0.5 + i_c02a 1.0 + i_c03a 1.0 = 3.0; models: only i_c01b has one (gpt-x).
    row = one_row(wh, A.agent_kpis(wh, march, "a_conc"))
    assert row == {"conversations": 2, "requests": 3, "tokens": 200, "cost": 3.0, "models": 1}


def test_models_used_are_distinct_non_null_item_models(wh, march):
    # a_voice: one request req_v01 (50 + 60 tokens); four items: whisper-1 0.6, gpt-x 0.15, tts-1 0.5,
    # agent item with a null model 0.75 -> 3 models, cost 2.0.
    row = one_row(wh, A.agent_kpis(wh, march, "a_voice"))
    assert row == {"conversations": 1, "requests": 1, "tokens": 110, "cost": 2.0, "models": 3}


def test_an_item_counts_where_its_own_timestamp_falls(wh, march):
    # a_late: request req_l01 at 03-01 04:00Z = NY 02-28 23:00 (February); its item i_l01a at
    # 03-01 05:30Z = NY 03-01 00:30 (March, 0.75) -> cost without requests.
    row = one_row(wh, A.agent_kpis(wh, march, "a_late"))
    assert row == {"conversations": 0, "requests": 0, "tokens": 0, "cost": 0.75, "models": 0}


def test_current_month_stops_at_now(wh):
    # November with now 11-25 12:00Z: a_conc's req_n7 at 11:59:59Z (item 0.5) is in; nothing else.
    row = one_row(wh, A.agent_kpis(wh, Period.for_month("2026-11", ZONE, now=NOW), "a_conc"))
    assert row == {"conversations": 1, "requests": 1, "tokens": 0, "cost": 0.5, "models": 0}


def test_agent_daily_cost_by_local_day_and_type(wh, march):
    # i_c01a agent 0.5 and i_c01b text_generation 0.5 at 03-10 15:00Z (NY 03-10 11:00 EDT);
    # i_c02a agent 1.0 at 03-11 04:30Z = NY 03-11 00:30 (its request is on 03-10); i_c03a agent 1.0 on 03-11.
    frame = wh.execute(A.agent_daily_cost_by_service_type(wh, march, "a_conc"))
    got = {(pd.Timestamp(r["day"]).date(), r["service_type"]): r["cost"] for r in frame.to_dict("records")}
    assert got == {
        (date(2026, 3, 10), "agent"): 0.5,
        (date(2026, 3, 10), "text_generation"): 0.5,
        (date(2026, 3, 11), "agent"): 2.0,
    }


def test_requests_page_is_newest_first(wh, march):
    # a_conc's requests: req_c03 (03-11 15:00Z) > req_c02 (03-10 16:00Z) > req_c01 (03-10 15:00Z).
    first = wh.execute(A.agent_requests_page(wh, march, "a_conc", limit=2, offset=0))
    second = wh.execute(A.agent_requests_page(wh, march, "a_conc", limit=2, offset=2))
    assert list(first["request_id"]) == ["req_c03", "req_c02"]
    assert list(second["request_id"]) == ["req_c01"]
    assert list(second["tokens"]) == [200] and list(second["cost"]) == [1.0]


def test_agent_missing_from_agents_falls_back_to_id_and_smallest_project(wh, march):
    # a_ghost is not in `agents`; in NY March it has rows in p_voice (req_g01, i_g01a) and p_docs
    # (req_g02, i_g02a) -> p_docs. Its February row in p_arch_before (smaller id) must not count.
    assert wh.execute(A.agent_listing(wh, "a_ghost")).empty
    agent = page(wh, "a_ghost")
    assert agent.status == "ready" and not agent.info["listed"]
    assert (agent.info["project_id"], agent.info["project_name"]) == ("p_docs", "docs QA")
    assert agent.info["name"] == "a_ghost", "a name missing from agents falls back to the id"
    assert '<h1 class="oa-agent-name">a_ghost</h1>' in agent.header.value and "docs QA" in agent.header.value
    # requests req_g01 + req_g02 (one conversation conv_g1), items 0.5 + 0.5, no item models
    assert agent.kpi_values == {"conversations": 1, "requests": 2, "cost": 1.0, "tokens": 0, "models": 0}


def test_agent_id_is_a_value_never_sql(wh, march):
    assert wh.execute(A.agent_listing(wh, SQL_INJECTION)).empty
    assert Engine(wh, cache=False).agent_month(SQL_INJECTION, march).status == "unknown"
    row = one_row(wh, A.agent_kpis(wh, march, SQL_INJECTION))
    assert row == {"conversations": 0, "requests": 0, "tokens": 0, "cost": 0.0, "models": 0}


# -- top agents ----------------------------------------------------------------------------------
def test_top_agents_table_lists_the_snapshot_in_rank_order(snapshot):
    table = TopAgents(month="2026-03")
    table.agents = snapshot.top_agents
    rows = table.table.value.split('<tr class="oa-agent-row"')[1:]
    assert len(rows) == 10 and table.layout.display is None
    ids = [r.split('data-agent-id="')[1].split('"')[0] for r in rows]
    assert ids == list(snapshot.top_agents["agent_id"])
    ghost = rows[ids.index("a_ghost")]
    assert ">a_ghost</a>" in ghost and "docs QA" in ghost, "missing agent: id as name, smallest project"
    assert "$3.00" in rows[0] and ">Concierge</a>" in rows[0]


def test_top_agents_links_are_correct_and_escaped():
    table = TopAgents(month="2026-03")
    agent_id, name = 'a&b"<x>', '<img src=x onerror="alert(1)">'
    table.agents = pd.DataFrame(
        [
            {
                "agent_id": agent_id,
                "name": name,
                "project_id": "p1",
                "project_name": HOSTILE,
                "project_color": '"><script>x</script>',
                "cost": 1.5,
                "conversations": 1,
                "requests": 2,
            }
        ]
    )
    value = table.table.value
    assert f'href="{html.escape(agent_url(agent_id, "2026-03"))}"' in value
    assert 'href="org_analytics.ipynb?agent=a%26b%22%3Cx%3E&amp;month=2026-03" target="_self"' in value
    assert 'class="oa-agent-link oa-view-link"' in value
    assert html.escape(name) in value and html.escape(HOSTILE) in value
    assert "<script" not in value and "<img" not in value, "names and colours are data, never markup"


def test_month_without_agents_hides_the_table(wh, snapshot):
    june = Engine(wh, cache=False).snapshot(Period.for_month("2026-06", ZONE, now=NOW))
    assert june.top_agents.empty
    table = TopAgents(month="2026-06")
    table.agents = june.top_agents
    assert table.layout.display == "none" and table.table.value == ""
    table.agents = snapshot.top_agents
    assert table.layout.display is None, "a month with agents shows the table again"


def test_top_agents_month_is_validated():
    with pytest.raises(TraitError, match="invalid month"):
        TopAgents(month="March")


# -- service-type cards --------------------------------------------------------------------------
@pytest.fixture
def cards(snapshot) -> ServiceTypeCards:
    widget = ServiceTypeCards()
    widget.projects = snapshot.projects
    widget.cards = snapshot.service_types
    return widget


def test_one_card_per_type_in_snapshot_order(cards, snapshot):
    order = [c.service_type for c in snapshot.service_types]
    assert list(cards.card_widgets) == order
    assert [c.service_type for c in cards.grid.children] == order
    for card in cards.grid.children:
        assert f"oa-service-card-{card.service_type}" in card._dom_classes
        assert service_label(card.service_type) in card.header.value
    assert "fa-cube" in cards.card_widgets["image_generation"].header.value, "unknown type: generic icon"


def test_card_css_class_is_sanitised():
    assert css_token("Image Gen!<x>") == "image-gen-x"
    assert css_token("speech_to_text") == "speech_to_text"
    assert css_token("%%") == "unknown"


def test_usage_view_never_sums_different_units(cards):
    # speech_to_text in NY March: i_v01a transcription_seconds 60 second (03-05); i_v02a audio_duration
    # 120 second and i_v02b audio_duration 1.5 minute (03-20): one rule in two units.
    card = cards.card_widgets["speech_to_text"]
    card.view_dropdown.value = "usage"
    assert card.usage_units() == ["minute", "second"]
    figures = card.visible_figures()
    assert len(figures) == 2, "one chart per unit"
    for unit, figure in zip(["minute", "second"], figures):
        assert f"oa-usage-unit-{unit}" in figure._dom_classes
        labels = figure.marks[0].labels
        assert labels and all(label.endswith(f"({unit})") for label in labels), labels
    totals = {
        (u, label): float(y.sum()) for u, ch in card.usage_charts.items() for label, y in zip(ch.bars.labels, ch.bars.y)
    }
    assert totals == {
        ("minute", "Audio duration (minute)"): 1.5,
        ("second", "Audio duration (second)"): 120.0,
        ("second", "Transcription seconds (second)"): 60.0,
    }


def test_costs_view_stacks_projects_in_their_colours(cards, snapshot):
    # agent items in NY March by project: p_support 0.5+1+1+2+0.75 = 5.25, p_voice 0.75+0.5 = 1.25,
    # p_search 1.0, p_docs 0.5, p_xss 0.5+0.5 = 1.0, p_neg -0.25.
    card = cards.card_widgets["agent"]
    bars = card.cost_chart.bars
    shown = {label: float(row.sum()) for label, row in zip(bars.labels, bars.y)}
    assert shown == {
        "Support bot": 5.25,
        "Voice desk": 1.25,
        "Search": 1.0,
        "docs QA": 0.5,
        HOSTILE: 1.0,
        "Refunds": -0.25,
    }
    colors = dict(zip(snapshot.projects["name"], snapshot.projects["color"]))
    assert list(bars.colors) == [colors[label] for label in bars.labels]
    assert bars.y.shape == (6, 31), "one stack per project, one bar per day of March"


def test_dropdown_switch_changes_the_chart(cards):
    # speech_to_text requests: req_v01 (03-05) and req_v02 (03-20), one each.
    card = cards.card_widgets["speech_to_text"]
    assert card.visible_figures() == [card.cost_chart.figure]
    card.view_dropdown.value = "requests"
    assert card.view == "requests"
    assert card.visible_figures() == [card.requests_figure]
    counts = dict(zip(card.requests_line.x, card.requests_line.y))
    assert counts["Mar 5"] == counts["Mar 20"] == 1 and sum(counts.values()) == 2
    card.view_dropdown.value = "costs"
    assert card.visible_figures() == [card.cost_chart.figure]


def test_invalid_view_from_the_browser_is_rejected(cards):
    card = cards.card_widgets["agent"]
    card.view_dropdown.value = "usage"
    with pytest.raises(TraitError, match="card view must be one of costs, requests, usage"):
        card.view = "pie"
    with pytest.raises(TraitError):
        card.view_dropdown.set_state({"index": 7})  # what a hostile browser message would do
    with pytest.raises(TraitError):
        card.view_dropdown.value = "pie"
    assert card.view == card.view_dropdown.value == "usage"


def test_view_is_kept_per_card_across_new_data(cards, snapshot):
    card = cards.card_widgets["speech_to_text"]
    card.view_dropdown.value = "usage"
    cards.cards = list(snapshot.service_types)
    assert cards.card_widgets["speech_to_text"] is card and card.view == "usage"
    assert cards.card_widgets["agent"].view == "costs", "the view is each card's own"


def test_no_cards_hides_the_widget():
    widget = ServiceTypeCards()
    assert widget.layout.display == "none" and widget.grid.children == ()


def empty_card_data() -> SimpleNamespace:
    """A service type's card data without the snapshot: the card reads only these attributes."""
    return SimpleNamespace(
        service_type="embedding",
        cost=0.0,
        daily_cost_by_project=pd.DataFrame(columns=["date", "project_id", "cost"]),
        daily_requests=pd.DataFrame(columns=["date", "requests"]),
        daily_usage=pd.DataFrame(columns=["date", "pricing_rule", "unit", "quantity"]),
    )


def test_card_with_empty_series_renders():
    card = ServiceCard(empty_card_data())
    for view in ("costs", "requests", "usage"):
        card.view = view
    assert card.visible_figures() == [] and "$0.00" in card.header.value


def test_card_data_without_a_series_is_rejected():
    data = empty_card_data()
    del data.daily_usage
    with pytest.raises(TraitError, match="CardData"):
        ServiceCard(data)


def test_card_series_without_a_column_is_rejected_by_name():
    data = empty_card_data()
    data.daily_requests = pd.DataFrame(columns=["date"])
    with pytest.raises(TraitError, match="ServiceCard.card.daily_requests has no column 'requests'"):
        ServiceCard(data)


# -- the agent page ------------------------------------------------------------------------------
def test_agent_page_shows_the_hand_computed_month(wh):
    agent = page(wh, "a_conc")
    assert agent.status == "ready"
    assert 'href="org_analytics.ipynb?month=2026-03"' in agent.nav.value, "back to the same month"
    assert ">Concierge</h1>" in agent.header.value and "Support bot" in agent.header.value
    values = {k: c.value.split('data-exact="')[1].split('"')[0] for k, c in agent.kpis.cards.items()}
    assert values == {"conversations": "2", "requests": "3", "cost": "3.0", "tokens": "200", "models": "1"}
    bars = {label: float(row.sum()) for label, row in zip(agent.cost_overview.bars.labels, agent.cost_overview.bars.y)}
    assert bars == {"Agents": 2.5, "Text generation": 0.5}
    table = agent.requests_table.value
    order = [
        table.index(r) for r in ('data-request-id="req_c03"', 'data-request-id="req_c02"', 'data-request-id="req_c01"')
    ]
    assert order == sorted(order), "newest request first"
    assert "2026-03-11 11:00:00 EDT" in table and "2026-03-10 11:00:00 EDT" in table, "times in the org zone"
    assert "3 requests in March 2026" in table


@pytest.mark.parametrize("agent_id", ["nobody", SQL_INJECTION])
def test_unknown_agent_gets_a_clear_message(wh, agent_id):
    agent = page(wh, agent_id)
    assert agent.status == "unknown"
    assert f"There is no agent “{html.escape(agent_id)}”" in agent.status_box.value
    assert agent.content.layout.display == "none" and agent.header.value == ""
    assert 'href="org_analytics.ipynb?month=2026-03"' in agent.nav.value


def test_listed_agent_without_usage_is_an_empty_month_not_unknown(wh):
    agent = page(wh, "a_unused")
    assert agent.status == "empty" and "No usage by this agent in March 2026" in agent.status_box.value
    assert agent.kpi_values == {"conversations": 0, "requests": 0, "cost": 0.0, "tokens": 0, "models": 0}


@pytest.mark.parametrize("month, problem", [("2026-13", "invalid month"), ("2027-01", "after the current month")])
def test_bad_month_gets_a_clear_message(wh, month, problem):
    agent = page(wh, "a_conc", month)
    assert agent.status == "invalid" and problem in agent.message
    assert agent.content.layout.display == "none"


@pytest.mark.parametrize(
    "query, view, status",
    [
        ("agent=a_conc&month=2026-03", "agent", "ready"),
        ("agent_id=a_conc&month=2026-03", "agent", "ready"),  # the former agent page's links
        ("agent=%27+OR+1%3D1&month=2026-03", "agent", "unknown"),
        ("agent=&month=2026-03", "dashboard", None),
        ("agent=a_conc&month=%3Cscript%3E", "agent", "ready"),
    ],
)
def test_agent_view_from_the_url(monkeypatch, edge_warehouse, query, view, status):
    monkeypatch.setenv("ORG_ANALYTICS_WAREHOUSE", f"duckdb://{edge_warehouse}")
    monkeypatch.setenv("ORG_ANALYTICS_TIMEZONE", ZONE)
    monkeypatch.setenv("ORG_ANALYTICS_NOW", NOW)
    monkeypatch.setenv("QUERY_STRING", query)
    app = app_from_environment()
    assert isinstance(app, App) and app.state.view == view, app.note.value
    if status:
        assert app.agent.status == status, app.agent.message
        assert "<script>" not in app.agent.status_box.value + app.agent.nav.value + app.note.value
    if "script" in query:
        assert "invalid month" in app.note.value and app.state.month == "2026-11", "a bad month: the current one"


def test_warehouse_that_cannot_open_is_a_page_message(monkeypatch, tmp_path):
    monkeypatch.setenv("ORG_ANALYTICS_WAREHOUSE", f"duckdb://{tmp_path / 'missing.duckdb'}")
    monkeypatch.setenv("QUERY_STRING", "agent=a_conc&month=2026-03")
    shown = app_from_environment()
    assert not isinstance(shown, App)
    assert "cannot open its warehouse" in shown.value
