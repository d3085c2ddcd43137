"""The month's cost by model: a doughnut of the costliest models and ``Others``, with a legend."""

from __future__ import annotations

from ..colors import OTHERS_COLOR, PALETTE
from ._chart import CostDoughnut, Frame, known

OTHERS = "Others"


def model_colors(slices) -> list[str]:
    """One palette colour per slice by rank, grey for ``Others`` (model null, named Others)."""
    return [
        OTHERS_COLOR if known(r["model"]) is None and r["name"] == OTHERS else PALETTE[i % len(PALETTE)]
        for i, r in enumerate(slices.to_dict("records"))
    ]


class ModelCostDoughnut(CostDoughnut):
    """Cost by model: the top models, then ``Others`` (grey), each model a palette colour by rank.

    >>> import pandas as pd
    >>> chart = ModelCostDoughnut()
    >>> chart.slices = pd.DataFrame({"model": ["gpt-4o"], "name": ["gpt-4o"], "cost": [3.0]})
    >>> chart.total = 4.0; "gpt-4o" in chart.legend.value and "75.0 %" in chart.legend.value
    True
    """

    KEY = "model"
    CAPTION = "All models"
    CSS = "oa-model"
    slices = Frame(columns=("model", "name", "cost"), help="model (None for Others), name, cost: ordered")

    def colors(self) -> list[str]:
        return model_colors(self.slices)

    def is_others(self, row: dict) -> bool:  # a slice of items naming no model is "No model", not Others
        return known(row["model"]) is None and row["name"] == OTHERS
