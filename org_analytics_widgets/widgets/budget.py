"""Budgets and the month-end forecast: the organisation's forecast in a sentence, a warning per
project that is over or will go over its budget, one row per project (budget, spent so far,
forecast and its range, status in words) and all budgeted projects together. The dropdown picks the
project whose budget burn-down the trends chart draws (``state.budget_project``)."""

from __future__ import annotations

import html
from datetime import date

import ipywidgets as widgets
from traitlets import Dict, Int, Unicode

from ..formatting import money
from ..state import DashboardState
from ._chart import Frame, known
from .batch import renders

COLUMNS = (
    "project_id",
    "name",
    "budget",
    "month_to_date",
    "forecast",
    "low",
    "high",
    "exceeds_on",
    "status",
)
_RED, _AMBER = "#b3261e", "#8a5a00"


def day_words(day: date) -> str:
    """``date(2026, 11, 26) -> 'Thu Nov 26'``."""
    return f"{day:%a %b} {day.day}"


def amount(value) -> str:
    """A dollar amount, '–' when there is none."""
    return "–" if known(value) is None else money(float(value))


def range_words(row: dict) -> str:
    """``'$249.00 – $361.00'``, '' without a range."""
    if known(row.get("low")) is None or known(row.get("high")) is None:
        return ""
    return f"{amount(row['low'])} – {amount(row['high'])}"


def status_words(row: dict) -> str:
    """The budget status of a row in words."""
    status, day = row.get("status"), known(row.get("exceeds_on"))
    return {
        "over": f"Over budget since {day_words(day)}" if day else "Over budget",
        "will_exceed": f"Will exceed on {day_words(day)}" if day else "Will exceed",
        "at_risk": "May exceed (within the range)",
        "within": "Within budget",
    }.get(status, "No budget")


def warning_words(name: str, row: dict, own: str = "its") -> str | None:
    """A sentence for a project (or all budgeted projects) that is over or may go over its budget."""
    status, day, budget = row.get("status"), known(row.get("exceeds_on")), amount(row.get("budget"))
    spent, forecast = amount(row.get("month_to_date")), amount(row.get("forecast"))
    if status == "over":
        when = f" on {day_words(day)}" if day else ""
        return f"{name} went over {own} {budget} budget{when}: {spent} spent so far, {forecast} by month end."
    if status == "will_exceed":
        return (
            f"{name} will exceed {own} {budget} budget on {day_words(day)}: forecast {forecast} ({range_words(row)})."
        )
    if status == "at_risk":
        return f"{name} may exceed {own} {budget} budget: forecast {forecast}, range up to {amount(row.get('high'))}."
    return None


class BudgetForecast(widgets.VBox):
    """The current month's forecast and budgets (empty for a closed month).

    >>> view = BudgetForecast(DashboardState(month="2026-11", latest_month="2026-11"))
    >>> view.total = {"month_to_date": 1.0, "forecast": 3.0, "low": 2.0, "high": 4.0}
    >>> view.month_end = "2026-11-30"; "$3.00" in view.headline.value
    True
    """

    projects = Frame(columns=COLUMNS, help="one row per project (forecast.MonthForecast.projects)")
    total = Dict(help="the organisation's month_to_date, forecast, low, high")
    budgets = Dict(
        help="all budgeted projects: projects, budget, month_to_date, forecast, low, high, exceeds_on, status"
    )
    weeks = Int(0, help="recent weeks the forecast read")
    month_end = Unicode("", help="the month's last day, YYYY-MM-DD")

    def __init__(self, state: DashboardState, **kwargs):
        self.state = state
        self._syncing = False
        self.headline = widgets.HTML()
        self.headline.add_class("oa-forecast-headline")
        self.warnings = widgets.HTML()
        self.warnings.add_class("oa-budget-warnings")
        self.table = widgets.HTML()
        self.table.add_class("oa-budget-table")
        self.chooser = widgets.Dropdown(
            options=[("None", "")],
            value="",
            description="Burn-down on the trends chart",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="420px"),
        )
        self.chooser.add_class("oa-burn-down-project")
        super().__init__([self.headline, self.warnings, self.table, self.chooser], **kwargs)
        self.add_class("oa-budget-widget")
        self.chooser.observe(self._on_choice, names=["value"])
        state.observe(self._show_choice, names=["budget_project"])
        self.observe(self._render, names=["projects", "total", "budgets", "weeks", "month_end"])
        self._render()

    def _on_choice(self, change) -> None:
        if not self._syncing:
            self.state.budget_project = change["new"] or ""

    def _show_choice(self, _change=None) -> None:
        wanted = self.state.budget_project
        known_value = wanted in [value for _, value in self.chooser.options]
        self._syncing = True
        try:
            self.chooser.value = wanted if known_value else ""
        finally:
            self._syncing = False

    @renders
    def _render(self, _change=None) -> None:
        rows = self.projects.to_dict("records")
        total = self.total
        if known(total.get("forecast")) is not None:
            spread = f" (80 % range {range_words(total)})" if range_words(total) else ""
            self.headline.value = (
                f'<div class="oa-forecast-line" data-forecast="{total["forecast"]}">'
                f"<b>Month-end forecast{html.escape(self._by())}: {html.escape(amount(total['forecast']) + spread)}</b>, "
                f"{html.escape(amount(total.get('month_to_date')))} spent so far; from the month so far and the "
                f"same weekdays of the last {self.weeks} week{'s' if self.weeks != 1 else ''}.</div>"
            )
        elif total:
            self.headline.value = (
                '<div class="oa-forecast-line">No forecast yet: it needs a week of usage before today '
                f"({html.escape(amount(total.get('month_to_date')))} spent so far).</div>"
            )
        else:
            self.headline.value = ""
        sentences = [(row.get("status"), warning_words(str(row["name"]), row)) for row in rows]
        budgets = self.budgets
        if budgets.get("projects"):
            label = f"All {budgets['projects']} budgeted projects together"
            sentences.append((budgets.get("status"), warning_words(label, budgets, "their")))
        self.warnings.value = "".join(
            f'<div class="oa-budget-warning oa-budget-{status}" style="color:{_RED if status != "at_risk" else _AMBER};'
            f'font-size:13px;margin:2px 0">⚠ {html.escape(text)}</div>'
            for status, text in sentences
            if text
        )
        body = "".join(self._row(row) for row in rows)
        if budgets.get("projects"):
            body += self._row(
                {**budgets, "name": f"All budgeted projects ({budgets['projects']})", "project_id": ""}, total_row=True
            )
        head = "".join(
            f'<th style="text-align:{"left" if i == 0 else "right"};padding:2px 8px">{h}</th>'
            for i, h in enumerate(("Project", "Budget", "Spent so far", "Forecast", "80 % range", "Budget status"))
        )
        self.table.value = (
            f'<table class="oa-table" style="border-collapse:collapse;font-size:13px;width:100%">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            if rows
            else ""
        )
        options = [("None", "")] + [
            (str(row["name"]), str(row["project_id"])) for row in rows if known(row.get("budget")) is not None
        ]
        self._syncing = True
        try:
            self.chooser.options = options
        finally:
            self._syncing = False
        self._show_choice()
        self.chooser.layout.display = None if len(options) > 1 else "none"

    def _by(self) -> str:
        """`` (by Mon Nov 30)`` for the month's last day, '' when unknown."""
        try:
            return f" (by {day_words(date.fromisoformat(self.month_end))})"
        except ValueError:
            return ""

    @staticmethod
    def _row(row: dict, total_row: bool = False) -> str:
        status = row.get("status") or "no_budget"
        color = _RED if status in ("over", "will_exceed") else _AMBER if status == "at_risk" else "#444"
        cells = [
            amount(row.get("budget")),
            amount(row.get("month_to_date")),
            amount(row.get("forecast")),
            range_words(row) or "–",
        ]
        weight = "font-weight:600;border-top:1px solid #ccc;" if total_row else ""
        return (
            f'<tr class="oa-budget-row" data-project="{html.escape(str(row["project_id"]))}" data-status="{status}">'
            f'<td style="{weight}padding:2px 8px" title="{html.escape(str(row["name"]))}">'
            f"{html.escape(str(row['name']))}</td>"
            + "".join(f'<td style="{weight}text-align:right;padding:2px 8px">{html.escape(c)}</td>' for c in cells)
            + f'<td style="{weight}text-align:right;padding:2px 8px;color:{color}">'
            f"{html.escape(status_words(row))}</td></tr>"
        )
