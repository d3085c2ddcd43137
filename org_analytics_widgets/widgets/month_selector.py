"""Previous / next month, the month's name, and refresh; all through the dashboard state."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..formatting import month_label
from ..period import shift_month
from ..state import DashboardState


class MonthSelector(widgets.HBox):
    """``‹  March 2026  ›  ⟳``: next is disabled at the current month, previous at the first month
    with data."""

    def __init__(self, state: DashboardState, **kwargs):
        self.state = state
        self.previous_button = widgets.Button(
            icon="chevron-left", description="", tooltip="Previous month", layout=widgets.Layout(width="40px")
        )
        self.next_button = widgets.Button(
            icon="chevron-right", description="", tooltip="Next month", layout=widgets.Layout(width="40px")
        )
        self.refresh_button = widgets.Button(
            icon="refresh", description="Refresh", tooltip="Re-run this month's queries"
        )
        self.label = widgets.HTML(layout=widgets.Layout(min_width="150px", justify_content="center"))
        self.label.add_class("oa-month-label")
        for button, name in (
            (self.previous_button, "previous"),
            (self.next_button, "next"),
            (self.refresh_button, "refresh"),
        ):
            button.add_class(f"oa-month-{name}")
        self.previous_button.on_click(lambda _: self._go(-1))
        self.next_button.on_click(lambda _: self._go(1))
        self.refresh_button.on_click(lambda _: self._refresh())
        super().__init__(
            [self.previous_button, self.label, self.next_button, self.refresh_button],
            layout=widgets.Layout(align_items="center"),
            **kwargs,
        )
        self.add_class("oa-month-selector")
        state.observe(self._render, names=["month", "latest_month", "first_month", "status"])
        self._render()

    def _go(self, delta: int) -> None:
        target = shift_month(self.state.month, delta)
        if target <= self.state.latest_month and target >= (self.state.first_month or target):
            self.state.month = target

    def _refresh(self) -> None:
        self.state.refresh_count += 1

    def _render(self, _change=None) -> None:
        state = self.state
        loading = state.status == "loading"
        self.label.value = f"<b>{html.escape(month_label(state.month))}</b>"
        self.next_button.disabled = loading or state.month >= state.latest_month
        self.previous_button.disabled = loading or bool(state.first_month and state.month <= state.first_month)
        self.refresh_button.disabled = loading
