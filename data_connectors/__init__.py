"""Warehouse connectors: open a usage warehouse read-only as the four canonical Ibis tables."""
from __future__ import annotations

from .errors import QueryTimeout, SchemaError, WarehouseError
from .schema import TABLES
from .warehouse import ENV_VAR, Warehouse, connect

__all__ = ["connect", "Warehouse", "WarehouseError", "SchemaError", "QueryTimeout", "TABLES", "ENV_VAR"]
