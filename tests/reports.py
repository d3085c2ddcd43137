"""Comparing two `report` JSONs computed along different paths (another backend, a mapping, the
rollups): counts, strings and order must be equal; money and quantities (floats) within 1e-9
relative, because a sum's last bits depend on the order the engine adds in (1e-12 absolute near
zero). Used by the tests and by benchmarks/bench_all.py."""

from __future__ import annotations

import math


def assert_same_report(a, b, path: str = "report") -> None:
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), f"{path}: {a!r} != {b!r}"
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{path}: {a!r} != {b!r}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            assert_same_report(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: {len(a)} rows != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_report(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"
