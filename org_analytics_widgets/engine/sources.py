"""Where facts come from: the raw tables or the rollups, behind one interface.

Both give ``facts(period, names, agent_id=None, project_id=None) -> {fact name: Arrow table}`` with the columns and
types of ``metrics.facts.scan``, from the one declaration of each fact, so the engine (and the
tests) can swap one for the other and expect the same numbers.
"""

from __future__ import annotations

import pyarrow as pa

from ..metrics import rollup as rollup_defs
from ..metrics.facts import FACTS, scan
from ..period import Period


class RawSource:
    """Each fact as one query on the warehouse's raw tables."""

    name = "raw"

    def __init__(self, warehouse):
        self.warehouse = warehouse

    def facts(
        self, period: Period, names: tuple[str, ...], agent_id: str | None = None, project_id: str | None = None
    ) -> dict[str, pa.Table]:
        run = self.warehouse.con.to_pyarrow
        return {name: run(scan(FACTS[name], self.warehouse, period, agent_id, project_id)) for name in names}


class RollupSource:
    """The period's whole 15-minute buckets from the rollups; the part of the current month after
    the last whole bucket (under 15 minutes) read from the raw tables in rollup form."""

    name = "rollups"

    def __init__(self, warehouse, rollups):
        self.warehouse, self.rollups = warehouse, rollups

    def facts(
        self, period: Period, names: tuple[str, ...], agent_id: str | None = None, project_id: str | None = None
    ) -> dict[str, pa.Table]:
        end = period.end_utc
        tail_from = max(period.start_utc, rollup_defs.floor_to_grain(end))
        tail = {}
        if tail_from < end:
            run = self.warehouse.con.to_pyarrow
            tail = {
                name: run(rollup_defs.build_rows(rollup_defs.ROLLUPS[name], self.warehouse, tail_from, end))
                for name in rollup_defs.TAILED
            }
        return self.rollups.facts(period, tail, tail_from if tail_from < end else None, names, agent_id, project_id)
