"""``connect(url)``: the one table from URL scheme to backend module, and the URL parsed once.

Modelled on ``ibis.connect``: the scheme picks a module of ``data_connectors.backends``, imported
only then (a PostgreSQL or Spark driver is imported only for its own URLs), and the module's
``open_warehouse`` gets the parsed ``WarehouseURL``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from .errors import WarehouseError
from .url import WarehouseURL, parse_url
from .warehouse import Warehouse

ENV_VAR = "ORG_ANALYTICS_WAREHOUSE"
# scheme -> module of data_connectors.backends; any ``ibis+<scheme>`` goes to ``ibis_generic``
BACKENDS = {
    "duckdb": "duckdb_file",
    "parquet": "parquet",
    "postgres": "postgres",
    "postgresql": "postgres",
    "spark": "spark",
    "sc": "spark",
    "mapping": "mapping",
}
GENERIC_PREFIX = "ibis+"
URL_FORMS = (
    "duckdb:///path/file.duckdb, parquet:///path/dir, postgres://user@host/db, "
    "spark://local[2]?path=/dir, mapping:///path/mapping.toml or ibis+<any ibis.connect URL>"
)


def backend_module(url: WarehouseURL) -> ModuleType:
    """The backend module for ``url``'s scheme, imported on first use."""
    if url.scheme.startswith(GENERIC_PREFIX):
        name = "ibis_generic"
    elif url.scheme in BACKENDS:
        name = BACKENDS[url.scheme]
    else:
        raise WarehouseError(f"unsupported warehouse URL {url.redacted!r}: use {URL_FORMS}")
    return importlib.import_module(f".backends.{name}", __package__)


def connect(url: str | None = None, *, writable_dirs: Sequence[str | Path] = ()) -> Warehouse:
    """Open a warehouse read-only and check its schema.

    ``url`` forms: see ``URL_FORMS`` and docs/warehouses.md. Without a URL the
    ``ORG_ANALYTICS_WAREHOUSE`` environment variable is used, else the embedded demo warehouse
    (generated on first use in the user's cache directory). ``writable_dirs``: folders a DuckDB
    session (DuckDB file, Parquet, mapping over those) may write to besides its private spill
    folder, e.g. the app's exports folder; by default it may write nowhere else.

    >>> wh = connect("duckdb:///data/usage.duckdb")                        # doctest: +SKIP
    >>> wh = connect("parquet:///data/usage", writable_dirs=["exports"])  # doctest: +SKIP
    """
    text = url or os.environ.get(ENV_VAR) or None
    if text is None:
        from .demo import ensure_demo

        text = f"duckdb://{ensure_demo()}"
    dirs = tuple(Path(d).expanduser().resolve() for d in writable_dirs)
    parsed = parse_url(text)
    warehouse = backend_module(parsed).open_warehouse(parsed, writable_dirs=dirs)
    warehouse.reopen = lambda: connect(text, writable_dirs=dirs)
    return warehouse
