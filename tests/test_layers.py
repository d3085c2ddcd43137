"""The package's layers: widgets only render, and the state and the filters load without Ibis.

A widget may import the state, the filters and the pure helpers (colours, formatting, links, the
period, pandas shaping) and the shared ``_chart``/``_html``/``batch`` modules of its folder; never a
sibling widget (shared pieces live in the shared modules), a query builder, the snapshot or a
warehouse driver.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "org_analytics_widgets"
WIDGETS = ROOT / PACKAGE / "widgets"
SHARED_WIDGET_MODULES = {"_chart", "_html", "batch"}
PURE_MODULES = {"state", "filters", "colors", "formatting", "links", "period", "shaping"}
FORBIDDEN = (
    "ibis",
    "duckdb",
    "data_connectors",
    f"{PACKAGE}.metrics",
    f"{PACKAGE}.snapshot",
    f"{PACKAGE}.usage_tables",
    f"{PACKAGE}.engine",
)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, absolute module name)`` of every import in a module of the widgets folder."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.append((node.lineno, node.module))
                continue
            parts = [PACKAGE, "widgets"]
            base = ".".join(parts[: len(parts) + 1 - node.level])
            if node.module:
                found.append((node.lineno, f"{base}.{node.module}"))
            else:  # ``from .. import state``: each name is a module
                found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def widget_modules() -> list[Path]:
    return sorted(WIDGETS.glob("*.py"))


@pytest.mark.parametrize("path", widget_modules(), ids=lambda path: path.name)
def test_widget_imports_no_query_snapshot_or_driver(path):
    wrong = [
        f"line {line}: {module}"
        for line, module in imported_modules(path)
        if any(module == bad or module.startswith(bad + ".") for bad in FORBIDDEN)
    ]
    assert wrong == [], f"widgets/{path.name} must not import queries, the snapshot or drivers: {wrong}"


@pytest.mark.parametrize("path", [p for p in widget_modules() if p.name != "__init__.py"], ids=lambda path: path.name)
def test_widget_imports_only_shared_modules_of_the_package(path):
    """``__init__`` re-exports the widgets and is left out; every other module stays in its lane."""
    allowed = {f"{PACKAGE}.widgets.{name}" for name in SHARED_WIDGET_MODULES} | {
        f"{PACKAGE}.{name}" for name in PURE_MODULES
    }
    wrong = [
        f"line {line}: {module}"
        for line, module in imported_modules(path)
        if module.startswith(PACKAGE) and module not in allowed
    ]
    assert wrong == [], (
        f"widgets/{path.name} may import only {', '.join(sorted(SHARED_WIDGET_MODULES))} of its "
        f"folder and {', '.join(sorted(PURE_MODULES))} of the package: {wrong}"
    )


def test_relative_imports_resolve_to_package_modules(tmp_path):
    module = tmp_path / "example.py"
    module.write_text("from ._chart import Frame\nfrom ..metrics import tables\nfrom .. import snapshot\n")
    assert [name for _, name in imported_modules(module)] == [
        f"{PACKAGE}.widgets._chart",
        f"{PACKAGE}.metrics",
        f"{PACKAGE}.snapshot",
    ]


def test_state_filters_and_widgets_load_without_ibis():
    code = (
        "import sys, org_analytics_widgets.state, org_analytics_widgets.filters\n"
        "loaded = [m for m in ('ibis', 'duckdb', 'data_connectors') if m in sys.modules]\n"
        "assert not loaded, f'the state and the filters import {loaded}'\n"
        "import org_analytics_widgets.widgets, org_analytics_widgets.widgets.usage_table\n"
        "import org_analytics_widgets.widgets.month_selector, org_analytics_widgets.widgets.kpi_cards\n"
        "loaded = [m for m in ('ibis', 'duckdb', 'data_connectors') if m in sys.modules]\n"
        "assert not loaded, f'the widgets import {loaded}'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr.strip().rsplit("\n", 1)[-1]
