"""Warehouse connectors: open a usage warehouse read-only as the four canonical Ibis tables."""

from __future__ import annotations

from .errors import QueryTimeout, SchemaError, WarehouseError
from .registry import ENV_VAR, connect
from .schema import TABLES
from .warehouse import Warehouse

__all__ = ["connect", "Warehouse", "WarehouseError", "SchemaError", "QueryTimeout", "TABLES", "ENV_VAR"]
