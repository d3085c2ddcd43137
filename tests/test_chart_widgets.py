"""Chart widgets in plain Python: set a trait or click, then assert on the marks and HTML they hold."""

from __future__ import annotations

import html
from datetime import date, timedelta
from types import SimpleNamespace

import pandas as pd
import pytest
from traitlets import TraitError

from org_analytics_widgets.colors import OTHERS_COLOR, rule_label, service_color, service_label
from org_analytics_widgets.formatting import money
from org_analytics_widgets.state import DashboardState
from org_analytics_widgets.widgets import CostOverview, ProjectCostDoughnut, ProjectTrends, ServiceCard

HOSTILE = "<script>alert(1)</script>"
DAYS = [date(2026, 3, 1) + timedelta(days=i) for i in range(3)]
TYPES = ["text_generation", "agent", "embedding"]


@pytest.fixture
def state() -> DashboardState:
    return DashboardState(month="2026-03", latest_month="2026-03")


@pytest.fixture
def overview(state) -> CostOverview:
    widget = CostOverview(state)
    widget.daily = pd.DataFrame(
        [
            {"date": d, "service_type": t, "cost": float(i + j + 1)}
            for i, d in enumerate(DAYS)
            for j, t in enumerate(TYPES)
        ]
    )
    widget.totals = pd.DataFrame({"service_type": TYPES[::-1], "cost": [12.0, 9.0, 6.0]})
    return widget


def bar_rows(overview: CostOverview) -> dict[str, list[float]]:
    return {label: list(row) for label, row in zip(overview.bars.labels, overview.bars.y)}


def pie_types(overview: CostOverview) -> set[str]:
    return {t for t in TYPES if any(label.startswith(service_label(t) + ":") for label in overview.pie.labels)}


def all_html(widget) -> str:
    """Every ipywidgets.HTML value under ``widget``, bqplot tooltips included."""
    import ipywidgets as w

    found, seen, todo = [], set(), [widget]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, w.HTML):
            found.append(node.value)
        todo.extend(getattr(node, "children", ()))
        todo.extend(v for v in vars(node).values() if isinstance(v, w.Widget))
        # a mark without a tooltip (the budget burn-down's lines) has none to read
        todo.extend(mark.tooltip for mark in getattr(node, "marks", ()) if mark.tooltip is not None)
    return "\n".join(v for v in found if v)


# -- cost overview --------------------------------------------------------------------------
def test_legend_follows_total_order(overview):
    assert list(overview.legend_buttons) == TYPES[::-1]
    names = [b.description.split(" · ")[0] for b in overview.legend_buttons.values()]
    assert names == [service_label(t) for t in TYPES[::-1]]


def test_legend_click_hides_the_type_in_both_charts(overview, state):
    overview.legend_buttons["agent"].click()

    assert state.hidden_service_types == ("agent",)
    assert service_label("agent") not in overview.bars.labels
    assert len(overview.bars.y) == 2, "the stacked bars keep one y row per visible type"
    assert pie_types(overview) == {"text_generation", "embedding"}
    assert overview.visible_service_types() == ["embedding", "text_generation"]


def test_second_legend_click_shows_the_type_again(overview, state):
    overview.legend_buttons["agent"].click()
    overview.legend_buttons["agent"].click()

    assert state.hidden_service_types == ()
    assert len(overview.bars.y) == 3
    assert bar_rows(overview)[service_label("agent")][:3] == [2.0, 3.0, 4.0]
    assert pie_types(overview) == set(TYPES)


def test_hidden_button_is_dimmed_and_struck(overview):
    button = overview.legend_buttons["agent"]
    button.click()

    assert button.style.text_decoration == "line-through"
    assert "oa-legend-hidden" in button._dom_classes
    assert service_color("agent") not in button.layout.border_left
    assert "oa-legend-hidden" not in overview.legend_buttons["embedding"]._dom_classes


def test_state_change_redraws_both_charts(overview, state):
    state.hidden_service_types = ("embedding", "text_generation")

    assert overview.bars.labels == [service_label("agent")]
    assert overview.bars.y.shape == (1, 31), "one row, the days to the month's end"
    assert pie_types(overview) == {"agent"}
    assert overview.pie.sizes.tolist() == [9.0]


def test_type_keeps_one_colour_in_bars_pie_and_legend(overview):
    for label, bar_color, pie_color, pie_label in zip(
        overview.bars.labels, overview.bars.colors, overview.pie.colors, overview.pie.labels
    ):
        service_type = next(t for t in TYPES if service_label(t) == label)
        assert pie_label.startswith(label + ":"), "bars and pie list the types in the same order"
        assert bar_color == pie_color == service_color(service_type)
        assert overview.legend_buttons[service_type].layout.border_left.endswith(service_color(service_type))


def test_all_types_hidden_draws_nothing(overview, state):
    state.hidden_service_types = tuple(TYPES)

    assert len(overview.bars.x) == 0 and overview.bars.y.size == 0
    assert len(overview.pie.sizes) == 0 and overview.pie.labels == []
    assert len(overview.legend_buttons) == 3, "hidden types stay in the legend, so they can be shown again"


def test_data_without_a_column_is_rejected_by_name(overview):
    with pytest.raises(TraitError, match="CostOverview.daily has no column 'service_type'"):
        overview.daily = pd.DataFrame({"date": DAYS, "cost": [1.0, 2.0, 3.0]})
    assert list(overview.legend_buttons) == TYPES[::-1], "the chart keeps what it showed"


def test_empty_month_renders_without_types(state):
    overview = CostOverview(state)
    overview.daily = pd.DataFrame({"date": [], "service_type": [], "cost": []})
    overview.totals = pd.DataFrame({"service_type": [], "cost": []})

    assert overview.legend_buttons == {} and overview.visible_service_types() == []
    assert overview.bars.y.size == 0 and len(overview.pie.sizes) == 0


def test_new_month_keeps_buttons_of_types_still_present(overview):
    agent_button = overview.legend_buttons["agent"]
    overview.totals = pd.DataFrame({"service_type": ["agent"], "cost": [1.0]})
    overview.daily = overview.daily[overview.daily["service_type"] == "agent"]

    assert list(overview.legend_buttons) == ["agent"]
    assert overview.legend_buttons["agent"] is agent_button
    assert list(overview.legend.children) == [agent_button]


def test_bar_hover_names_day_type_and_cost(overview):
    overview.bars._handle_custom_msgs(None, {"event": "hover", "data": {"index": 1, "subIndex": 0}})

    text = overview.bar_tooltip.value
    assert service_label("embedding") in text and "Mar 2" in text and "$4.00" in text


@pytest.mark.parametrize("data", [{"index": 99, "subIndex": 0}, {"index": "1", "subIndex": None}, {}])
def test_bar_hover_ignores_bad_browser_data(overview, data):
    overview.bars._handle_custom_msgs(None, {"event": "hover", "data": data})

    assert overview.bar_tooltip.value == ""


def test_hostile_service_type_is_escaped(state):
    overview = CostOverview(state)
    overview.daily = pd.DataFrame({"date": [DAYS[0]], "service_type": [HOSTILE], "cost": [1.0]})
    overview.totals = pd.DataFrame({"service_type": [HOSTILE], "cost": [1.0]})
    overview.bars._handle_custom_msgs(None, {"event": "hover", "data": {"index": 0, "subIndex": 0}})

    assert "<script>" not in all_html(overview)
    assert html.escape(service_label(HOSTILE)) in overview.bar_tooltip.value


# -- project doughnut -----------------------------------------------------------------------
@pytest.fixture
def doughnut() -> ProjectCostDoughnut:
    widget = ProjectCostDoughnut()
    widget.slices = pd.DataFrame(
        {
            "project_id": ["p1", "p2", None],
            "name": [HOSTILE, "Refunds", "Others"],
            "color": ["#112233", "#445566", None],
            "cost": [60.0, -10.0, 50.0],
        }
    )
    widget.total = 100.0
    return widget


def test_doughnut_shows_the_total_in_its_centre(doughnut):
    assert doughnut.pie.inner_radius > 0, "a doughnut, not a pie"
    assert list(doughnut.centre.text) == ["$100.00"]
    assert doughnut.centre in doughnut.figure.marks


def test_doughnut_uses_project_colours_and_grey_for_others(doughnut):
    assert doughnut.pie.colors == ["#112233", "#445566", OTHERS_COLOR]


def test_negative_slice_is_drawn_empty_but_shown_with_its_value(doughnut):
    assert doughnut.pie.sizes.tolist() == [60.0, 0.0, 50.0]
    assert "-$10.00" in doughnut.pie.labels[1]
    assert "-$10.00" in doughnut.legend.value


def test_doughnut_tooltip_has_name_cost_and_share(doughnut):
    assert doughnut.pie.labels[2] == "Others: $50.00 · 50.0 %"


def test_share_is_not_computed_without_a_positive_total(doughnut):
    doughnut.total = 0.0

    assert doughnut.pie.labels[0].endswith("· –")
    assert list(doughnut.centre.text) == ["$0.00"]


def test_doughnut_legend_escapes_names(doughnut):
    assert HOSTILE not in doughnut.legend.value
    assert html.escape(HOSTILE) in doughnut.legend.value


def test_empty_doughnut(doughnut):
    doughnut.slices = doughnut.slices.iloc[0:0]
    doughnut.total = 0.0

    assert len(doughnut.pie.sizes) == 0


# -- project trends -------------------------------------------------------------------------
@pytest.fixture
def trends(state) -> ProjectTrends:
    widget = ProjectTrends(state)
    widget.projects = pd.DataFrame(
        {
            "project_id": ["p1", "p2", "p3"],
            "name": [HOSTILE, "Search", "Idle"],
            "color": ["#112233", "#445566", "#778899"],
        }
    )
    widget.service_types = TYPES
    widget.trends = pd.DataFrame(
        [
            {"date": d, "project_id": p, "cost": float(i * k)}
            for i, d in enumerate(DAYS)
            for k, p in ((1, "p2"), (2, "p1"))
        ]
    )
    return widget


def test_one_line_per_project_in_its_colour(trends):
    assert trends.lines.labels == [HOSTILE, "Search"], "lines follow the projects' order; Idle has no cost"
    assert trends.lines.colors == ["#112233", "#445566"]
    assert trends.lines.y.tolist() == [[0.0, 2.0, 4.0], [0.0, 1.0, 2.0]]


def test_dropdown_offers_all_then_the_service_types(trends):
    assert trends.dropdown.options == (("All", ""), *((service_label(t), t) for t in TYPES))


def test_dropdown_change_sets_the_state(trends, state):
    trends.dropdown.value = "agent"
    assert state.trend_service_type == "agent"

    trends.dropdown.value = ""
    assert state.trend_service_type == ""


def test_state_change_moves_the_dropdown(trends, state):
    state.trend_service_type = "embedding"

    assert trends.dropdown.value == "embedding"


def test_unknown_state_value_means_all(trends, state):
    state.trend_service_type = "no_such_type"

    assert trends.dropdown.value == ""
    assert state.trend_service_type == "", "an unknown type is reset to All"


def test_dropdown_rejects_values_outside_its_options(trends, state):
    with pytest.raises(TraitError):
        trends.dropdown.value = "no_such_type"
    with pytest.raises(TraitError):
        trends.dropdown.index = 99
    assert state.trend_service_type == ""


def test_new_options_keep_the_chosen_type(trends, state):
    state.trend_service_type = "agent"
    trends.service_types = ["agent", "text_generation"]

    assert state.trend_service_type == "agent"
    assert trends.dropdown.value == "agent"


def test_point_hover_names_project_day_and_cost(trends):
    trends.lines._handle_custom_msgs(None, {"event": "hover", "data": {"x": "Mar 3", "y": 2.0, "sub_index": 2}})

    text = trends.line_tooltip.value
    assert "Search" in text and "Mar 3" in text and "$2.00" in text
    assert html.escape(HOSTILE) not in text, "only the project with that cost on that day"


def test_line_hover_names_the_project_escaped(trends):
    trends.lines._handle_custom_msgs(None, {"event": "hover", "data": {"index": 0, "name": HOSTILE}})

    assert html.escape(HOSTILE) in trends.line_tooltip.value


def test_trends_html_escapes_project_names(trends):
    assert "<script>" not in all_html(trends)
    assert html.escape(HOSTILE) in trends.legend.value


def test_empty_trends(trends):
    trends.trends = trends.trends.iloc[0:0]

    assert trends.lines.y.size == 0 and trends.lines.labels == []


# -- words for keys, costs that never read $0.0000 ----------------------------------------------
@pytest.mark.parametrize(
    "value,text",
    [
        (0, "$0.00"),
        (0.000042, "$0.000042"),
        (0.0031, "$0.0031"),
        (0.01, "$0.01"),
        (12.5, "$12.50"),
        (1234.5, "$1,234.50"),
        (-0.000042, "-$0.000042"),
        (-12.5, "-$12.50"),
        (0.0099999, "$0.01"),
        (1e-13, "$0.0000000000001"),
    ],
)
def test_money_shows_significant_digits_under_a_cent(value, text):
    assert money(value) == text


@pytest.mark.parametrize("value", [0.01, 0.5, 1.005, 12.5, 1234.5, 10_000.0, -3.25])
def test_money_is_unchanged_from_a_cent_up(value):
    sign = "-" if value < 0 else ""
    assert money(value) == f"{sign}${abs(value):,.2f}"


def test_no_sub_cent_cost_reads_as_zero():
    for value in (4.2e-05, 1e-06, 5e-05, -5e-05):
        assert money(value).strip("-$0.") != "", f"{value!r} shown as {money(value)!r}"


@pytest.mark.parametrize(
    "rule,words",
    [
        ("input_tokens", "Input tokens"),
        ("cached_input_tokens", "Cached input tokens"),
        ("output_tokens", "Output tokens"),
        ("transcription_seconds", "Transcription seconds"),
        ("characters", "Characters"),
        ("agent_minutes", "Agent minutes"),
        ("video_frame_count", "Video frame count"),
    ],
)
def test_pricing_rules_read_as_words(rule, words):
    assert rule_label(rule) == words


def usage_card(rules: list[tuple[str, str]]) -> ServiceCard:
    usage = pd.DataFrame(
        [{"date": DAYS[0], "pricing_rule": rule, "unit": unit, "quantity": 10.0} for rule, unit in rules]
    )
    card = SimpleNamespace(
        service_type="text_generation",
        cost=0.000042,
        daily_cost_by_project=pd.DataFrame({"date": [DAYS[0]], "project_id": ["p"], "cost": [0.000042]}),
        daily_requests=pd.DataFrame(columns=["date", "requests"]),
        daily_usage=usage,
    )
    return ServiceCard(card)


def test_card_usage_legend_and_tooltips_name_rules_in_words():
    card = usage_card([("input_tokens", "token"), ("cached_input_tokens", "token"), (HOSTILE, "token")])
    card.view = "usage"
    chart = card.usage_charts["token"]
    assert sorted(chart.bars.labels) == sorted(
        ["Input tokens (token)", "Cached input tokens (token)", f"{HOSTILE} (token)"]
    )
    assert "Cached input tokens (token)" in card.legend.value
    assert "input_tokens" not in card.legend.value and "cached_input" not in card.legend.value
    assert HOSTILE not in card.legend.value, "a rule name is data: escaped in the legend"
    sub = list(chart.bars.labels).index("Input tokens (token)")
    chart._on_hover(chart.bars, {"data": {"index": 0, "subIndex": sub}})
    assert "Input tokens (token)" in chart.tooltip.value and "input_tokens" not in chart.tooltip.value


def test_card_header_shows_a_sub_cent_cost():
    card = usage_card([("input_tokens", "token")])
    assert "$0.000042" in card.header.value and "$0.0000<" not in card.header.value
    assert "$0.000042" in card.legend.value, "the costs legend keeps the significant digits"


def test_stacked_bars_tick_round_values_from_a_zero_baseline():
    """No '$67.8327', no '-$0.18', no repeated '$0.01 $0.01': round steps, zero included, decimals as needed."""
    from datetime import date

    import numpy as np

    from org_analytics_widgets.widgets._chart import StackedBars

    chart = StackedBars(layout={"width": "100%", "height": "200px"})
    days = [date(2026, 3, 1), date(2026, 3, 2)]
    chart.show(days, ["a", "b"], ["#111111", "#222222"], np.array([[10.1, 30.2], [20.5, 37.6]]))
    ticks = list(chart.figure.axes[1].tick_values)
    assert ticks == [0.0, 20.0, 40.0, 60.0, 80.0], ticks
    assert (chart.bars.scales["y"].min, chart.bars.scales["y"].max) == (0.0, 80.0)
    chart.show(days, ["a"], ["#111111"], np.array([[0.0031, 0.0012]]))
    ticks = list(chart.figure.axes[1].tick_values)
    assert ticks[0] == 0.0 and ticks[-1] >= 0.0031 and len(set(ticks)) == len(ticks)
    assert chart.figure.axes[1].tick_format == "$,.3f", "sub-cent ticks keep their digits"
    chart.show(days, ["a"], ["#111111"], np.array([[-0.18, 0.9]]))
    assert list(chart.figure.axes[1].tick_values) == [-0.25, 0.0, 0.25, 0.5, 0.75, 1.0]


# -- what confused a new manager (issue 12) -------------------------------------------------
def test_cost_overview_legend_carries_amount_and_share(overview):
    descriptions = [b.description for b in overview.legend_buttons.values()]
    assert descriptions[0] == f"{service_label('embedding')} · $12.00 · 44.4 %"


def test_bars_of_the_first_days_run_to_the_month_end(overview):
    """Three days of March: each bar one day wide, on an axis to March 31, not three fat bars."""
    assert len(overview.bars.x) == 31 and overview.bars.x[-1] == "Mar 31"
    assert all(value == 0 for row in overview.bars.y for value in row[3:])


def test_others_names_what_it_holds_on_hover(doughnut):
    doughnut.others = pd.DataFrame({"name": [f"P{i}" for i in range(10)], "cost": [10.0 - i for i in range(10)]})
    assert doughnut.pie.labels[2] == "Others: $50.00 · 50.0 % — P0 $10.00, P1 $9.00, P2 $8.00, P3 $7.00, " + (
        "P4 $6.00, P5 $5.00, P6 $4.00, P7 $3.00 and 2 more"
    )
    assert 'title="Others: $50.00 · 50.0 % — P0 $10.00' in doughnut.legend.value


def test_trends_legend_is_sorted_by_the_filtered_cost_and_toggles_lines(trends, state):
    trends.trends = pd.DataFrame(
        [{"date": d, "project_id": p, "cost": c} for d in DAYS for p, c in (("p1", 1.0), ("p2", 5.0))]
    )
    assert trends.lines.labels == ["Search", HOSTILE], "the costliest project first"
    legend = trends.legend.value
    assert legend.index("Search") < legend.index(html.escape(HOSTILE))
    assert 'data-oa-view="hide_project=p2"' in legend, "a click on Search's row hides its line"

    state.hidden_projects = ("p2",)
    assert trends.lines.labels == [HOSTILE]
    legend = trends.legend.value
    assert 'class="oa-legend-row oa-legend-off"' in legend and "line-through" in legend
    assert 'data-oa-view="hide_project="' in legend, "and a second click shows it again"
    assert 'data-oa-view="hide_project=p2&amp;hide_project=p1"' in legend
