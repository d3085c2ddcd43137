"""The month's cost by project: a doughnut in the projects' colours, the total in its centre; a
project's slice or legend row opens its view, the Others slice and row the list of what it holds."""

from __future__ import annotations

from traitlets import Unicode

from ..colors import project_color
from ..links import project_url
from ..state import DashboardState
from ._chart import CostDoughnut, Frame, known


class ProjectCostDoughnut(CostDoughnut):
    """Cost by project: top projects plus ``Others``, in the projects' colours. Given the dashboard's
    ``state`` and ``month``, each project links to its view (``?project=…&month=…``).

    >>> doughnut = ProjectCostDoughnut()
    >>> doughnut.total = 12.5; str(doughnut.centre.text[0])
    '$12.50'
    """

    slices = Frame(
        columns=("project_id", "name", "color", "cost"),
        help="project_id (None for Others), name, color, cost: ordered, at most 7 rows",
    )
    month = Unicode("", help="YYYY-MM of the slices: a project's link opens its view of that month")
    tz = Unicode("", help="the viewer's zone when not the organisation's: the links open in it")

    def __init__(self, state: DashboardState | None = None, **kwargs):
        self.state = state
        super().__init__(**kwargs)
        self.observe(self._render, names=["month", "tz"])

    def colors(self) -> list[str]:
        return [project_color(known(r["project_id"]), known(r["color"])) for r in self.slices.to_dict("records")]

    def href(self, key) -> str | None:
        return project_url(str(key), self.month, self.tz) if self.month and key is not None else None

    def open_slice(self, key) -> None:
        """A project's slice: the app shows its view (the state's view and project, in one change)."""
        if self.state is None or key is None or not self.month:
            return
        with self.state.hold_trait_notifications():
            self.state.project_id = str(key)
            self.state.view = "project"
