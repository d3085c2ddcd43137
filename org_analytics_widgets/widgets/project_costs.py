"""The month's cost by project: a doughnut in the projects' colours, the total in its centre."""

from __future__ import annotations

from ..colors import project_color
from ._chart import CostDoughnut, Frame, known


class ProjectCostDoughnut(CostDoughnut):
    """Cost by project: top projects plus ``Others``, in the projects' colours.

    >>> doughnut = ProjectCostDoughnut()
    >>> doughnut.total = 12.5; str(doughnut.centre.text[0])
    '$12.50'
    """

    slices = Frame(
        columns=("project_id", "name", "color", "cost"),
        help="project_id (None for Others), name, color, cost: ordered, at most 7 rows",
    )

    def colors(self) -> list[str]:
        return [project_color(known(r["project_id"]), known(r["color"])) for r in self.slices.to_dict("records")]
