"""Mapping a native schema onto the canonical tables: ``mapping:///path/mapping.toml[?source=URL]``.

A mapping file (TOML) names a *source* warehouse and says, per canonical table, which source
table(s) to read and how each canonical column is computed. Everything is an Ibis expression over
the source tables (views, never copies); no user text is ever formatted into SQL. The source is
opened read-only, like any warehouse.

URL forms::

    mapping:///abs/path/mapping.toml          a mapping file
    mapping://relative/path/mapping.toml      ... relative to the working directory
    mapping:litellm                           a mapping shipped in data_connectors/adapters/
    mapping:litellm?source=duckdb:///x.duckdb any of the above with its source replaced (everything
                                              after ``source=`` is the source URL, taken literally;
                                              a relative path is relative to the working directory)
    mapping:litellm?project=litellm_project&source=...
                                              the file's options set (``name=value&``, before
                                              ``source=``, which is always last)

File layout::

    source = "duckdb:usage.duckdb"     # a duckdb:, parquet:, postgres: or ibis+ URL; a relative path is
                                       # relative to the mapping file's folder
    [projects]                         # one selection ...
    from = "teams"                     # a source table
    where = { ne = ["deleted", true] } # optional row filter (a condition)
    unique = "project_id"              # optional: one row per value, other columns their minimum
    [projects.columns]
    project_id = "team_id"             # a bare string is a source column
    name = { coalesce = ["alias", "team_id"] }
    [projects.columns.monthly_budget]  # a long expression as a table of its own (TOML inline
    if = { eq = ["period", { value = "month" }] }   # tables must fit on one line)
    then = "budget"

    [[usage_items]]                    # ... or several selections, unioned (UNION ALL)
    mapped = "usage_requests"          # read an already-mapped canonical table instead of `from`
    [usage_items.columns]
    ...
    [agents]
    empty = true                       # no rows

    [options]                          # values the URL may set; ${name} in any string of the file
    agent_key = "agent_id"             # is replaced by the value (a default, or a table giving
    project = { default = "team", choices = ["team", "litellm_project"] }   # the allowed values)

    [[projects]]
    from = "deleted_teams"
    optional = true                    # a source table that may be missing: then no rows

    [kpi_notes]                        # what a KPI means for this source: the KPI card's tooltip
    total_conversations = "Calls that share the thread id the client set."

Columns: a canonical column left out takes the source column of the same name when there is one,
else null when the contract allows null, else it is an error. Each value is cast to the canonical
kind (string, integer, number, timestamp); a value of a kind that cannot become it (a number as a
timestamp, JSON as a number, ...) is an error when the mapping is opened. Every table is then
compiled and planned by the source once (no row read), so what the engine rejects is reported
then too, naming the table.

Expressions (a bare string is a column; numbers, booleans and dates are constants)::

    { column = "name" }          { value = "text" }        { null = true }
    { coalesce = [e, ...] }      { concat = [e, ...] }     { nullif = [e, e] }
    { column = "name", missing = e }   the column, or e when the source table has none by that name
    { json = [e, "$.key.sub"] }  text at that JSON path (null when absent or not a string)
    { strip_prefix = [e, "text"] }   the text after that prefix; null when e does not start with it
    { map = e, values = { "from" = "to", ... }, default = e }   constant lookup; default: null
    { if = cond, then = e, else = e }                            else: null
    { add = [e, ...] }  { sub = [e, e] }  { mul = [e, ...] }  { div = [e, e] } (null when divisor is 0)
    { cast = [e, "string|integer|float|timestamp|date|boolean"] }
    { epoch_seconds = e }        Unix seconds (integer or fractional) -> timestamp (UTC)
    conditions: { eq|ne|gt|ge|lt|le = [e, e] }  { is_null = e }  { not_null = e }
                { and = [c, ...] }  { or = [c, ...] }  { not = c }
                { repeated = e }   e is not null and its value is on more than one row of the table
                { in_table = [e, "source table", "column"] }   e's value is in that column (not null)
"""

from __future__ import annotations

import datetime as _dt
import functools
import operator
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote

import ibis
import ibis.expr.datatypes as dt

from ..errors import WarehouseError, did_you_mean, first_line
from ..registry import GENERIC_PREFIX
from ..schema import KPI_NOTES, TABLES
from ..url import WarehouseURL, parse_url, redact
from ..warehouse import Warehouse, configure_duckdb, from_tables, lock_duckdb, open_duckdb_file
from .parquet import files_of, table_source

ADAPTERS = Path(__file__).resolve().parent.parent / "adapters"
NULLABLE = {
    "projects": {"color", "monthly_budget", "archived_at"},
    "agents": set(),
    "usage_requests": {"model", "agent_id", "conversation_id", "input_tokens", "output_tokens", "cost", "status"},
    "usage_items": {"agent_id", "model", "cost"},
}
_KIND_TYPES = {"string": "string", "integer": "int64", "number": "float64", "timestamp": "timestamp"}
_CASTS = {
    "string": "string",
    "integer": "int64",
    "float": "float64",
    "timestamp": "timestamp",
    "date": "date",
    "boolean": "boolean",
}
_TOP_KEYS = ("source", "description", "options", "kpi_notes", *TABLES)
_SELECTION_KEYS = ("from", "mapped", "where", "unique", "columns", "empty", "optional")
_OPTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_OPTION_USE = re.compile(r"\$\{([^}]*)\}")
_JSON_PATH = re.compile(r"""\.([A-Za-z_][A-Za-z0-9_-]*)|\["([^"]*)"\]|\[([0-9]+)\]""")
_EPOCH = _dt.datetime(1970, 1, 1)


class _Err:
    """Builds the one-line errors: ``mapping FILE: TABLE[i].KEY: problem``."""

    def __init__(self, file: Path):
        self.file = file

    def __call__(self, where: str, problem: str) -> WarehouseError:
        return WarehouseError(f"mapping {self.file}: {where}: {problem}")


# -- the source warehouse ------------------------------------------------------------------------
class _Source:
    """The user's own tables on one read-only connection (not schema-checked: they are not canonical)."""

    def __init__(self, label: str, con: ibis.BaseBackend, names, read, unseen: str = ""):
        self.label = label  # for messages: never the URL, which may hold a password
        self.unseen = unseen  # why a table may be missing from ``names`` although it exists
        self.con = con
        self.names = list(names)
        self._read = read
        self._tables: dict[str, ibis.Table] = {}

    def resolve(self, name: str) -> str | None:
        """The source's spelling of table ``name`` (exact, else the one case-insensitive match)."""
        if name in self.names:
            return name
        same = [n for n in self.names if n.lower() == name.lower()]
        return same[0] if len(same) == 1 else None

    def table(self, name: str) -> ibis.Table:
        if name not in self._tables:
            self._tables[name] = self._read(name)
        return self._tables[name]


def _source_path(url: WarehouseURL, base: Path) -> Path:
    if not url.location:
        raise WarehouseError(f"the source URL {url.redacted!r} names no path")
    path = Path(url.location).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _duckdb_source(url: WarehouseURL, base: Path, writable_dirs: Sequence[Path]) -> _Source:
    path = _source_path(url, base)
    if not path.is_file():
        raise WarehouseError(f"no DuckDB file at {path}")
    con = open_duckdb_file(path)
    lock_duckdb(con, [path], writable_dirs)  # the file's views may read nothing else
    return _Source(f"DuckDB file {path}", con, con.list_tables(), con.table)


def _parquet_folder_source(url: WarehouseURL, base: Path, writable_dirs: Sequence[Path]) -> _Source:
    folder = _source_path(url, base)
    if not folder.is_dir():
        raise WarehouseError(f"no folder at {folder}")
    names = {p.stem for p in folder.glob("*.parquet") if p.is_file()}
    names |= {p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    names |= {p.name.split("-", 1)[0] for p in folder.glob("*-*.parquet") if p.is_file()}
    con = ibis.duckdb.connect()
    configure_duckdb(con.con)
    # tables are read on demand, so the session may read any Parquet file under the folder
    lock_duckdb(con, files_of(str(folder / "**" / "*.parquet")), writable_dirs)

    def read(name: str) -> ibis.Table:
        return con.read_parquet(
            files_of(table_source(folder, name)), table_name=name, hive_partitioning=True, union_by_name=True
        )

    return _Source(f"Parquet folder {folder}", con, sorted(names), read)


def _postgres_source(url: WarehouseURL, base: Path, writable_dirs: Sequence[Path]) -> _Source:
    from .postgres import connect_read_only, parse_conninfo

    where = parse_conninfo(url)
    con = connect_read_only(where)
    schema = where["schema"]
    return _Source(
        f"PostgreSQL {where['target']} (schema {schema!r})",
        con,
        con.list_tables(database=schema),
        lambda name: con.table(name, database=schema),
        unseen=", or the role may not read it",
    )


def _ibis_source(url: WarehouseURL, base: Path, writable_dirs: Sequence[Path]) -> _Source:
    from .ibis_generic import open_connection

    con, shown = open_connection(url)
    return _Source(shown, con, con.list_tables(), con.table, unseen=", or the credentials may not read it")


_SOURCES = {
    "duckdb": _duckdb_source,
    "parquet": _parquet_folder_source,
    "postgres": _postgres_source,
    "postgresql": _postgres_source,
}


def _open_source(text: str, base: Path, err: _Err, writable_dirs: Sequence[Path]) -> _Source:
    url = parse_url(text)
    if url.scheme == "mapping":
        raise err("source", "is itself a mapping: name the warehouse the mapping reads")
    opener = _ibis_source if url.scheme.startswith(GENERIC_PREFIX) else _SOURCES.get(url.scheme)
    if opener is None:
        raise err(
            "source",
            f"unsupported source URL scheme {url.scheme or '(none)'!r}: use duckdb:, parquet:, postgres: or ibis+ URLs",
        )
    try:
        return opener(url, base, writable_dirs)
    except WarehouseError as exc:
        raise err("source", str(exc)) from None


# -- expressions -----------------------------------------------------------------------------------
def _sibling(where: str, key: str) -> str:
    """``t.columns.c.map`` -> ``t.columns.c.values``: where an operator's extra key is."""
    return f"{where.rpartition('.')[0]}.{key}"


def _comparison(fn):
    def op(self, arg, where):
        return fn(*self._list(arg, where, n=2))

    return op


class _Compiler:
    """Turns one selection's TOML expressions into Ibis expressions over ``table``."""

    EXTRA_KEYS = {"map": ("values", "default"), "if": ("then", "else"), "column": ("missing",)}

    def __init__(self, table: ibis.Table, err: _Err, backend: str, source_table=None):
        self.table = table
        self.err = err
        self.backend = backend
        self.source_table = source_table  # (name, where) -> another table of the source

    def has(self, name: str) -> bool:
        return any(c.lower() == name.lower() for c in self.table.columns)

    def column(self, name, where: str):
        if not isinstance(name, str) or not name:
            raise self.err(where, f"a column name must be a non-empty string, got {name!r}")
        columns = list(self.table.columns)
        if name in columns:
            return self.table[name]
        same = [c for c in columns if c.lower() == name.lower()]
        if len(same) == 1:
            return self.table[same[0]]
        raise self.err(where, f"no column {name!r} in the source table{did_you_mean(name, columns)}")

    def __call__(self, node, where: str):
        if isinstance(node, str):
            return self.column(node, where)
        if isinstance(node, dict):
            return self._function(node, where)
        if isinstance(node, list):
            raise self.err(where, "a list is not an expression: use { coalesce = [...] }, { concat = [...] }, ...")
        return self._constant(node, where)

    def _constant(self, node, where: str):
        if isinstance(node, bool):
            return ibis.literal(node)
        if isinstance(node, int):
            return ibis.literal(node, type="int64")
        if isinstance(node, float):
            return ibis.literal(node, type="float64")
        if isinstance(node, _dt.datetime):
            if node.tzinfo is not None:
                node = node.astimezone(_dt.UTC).replace(tzinfo=None)
            return ibis.literal(node)
        if isinstance(node, _dt.date):
            return ibis.literal(node)
        raise self.err(where, f"unsupported value {node!r}")

    def _function(self, node: dict, where: str):
        ops = [k for k in node if k in self.OPERATORS]
        if len(ops) != 1:
            if ops:
                raise self.err(where, f"one function per table, got {', '.join(ops)}")
            if not node:
                raise self.err(where, "an empty table is not an expression")
            bad = next(iter(node))
            raise self.err(where, f"unknown function {bad!r}{did_you_mean(bad, self.OPERATORS)}")
        op = ops[0]
        allowed = self.EXTRA_KEYS.get(op, ())
        extra = sorted(set(node) - {op} - set(allowed))
        if extra:
            bad = extra[0]
            raise self.err(
                f"{where}.{bad}",
                f"unknown key {bad!r} for {op!r}"
                f"{did_you_mean(bad, allowed) if allowed else ' (it takes no other key)'}",
            )
        method = getattr(self, f"_op_{op}")
        here = f"{where}.{op}"
        try:
            return method(node[op], here, node) if allowed else method(node[op], here)
        except WarehouseError:
            raise
        except Exception as exc:  # Ibis type errors: "cannot add string and int64", ...
            raise self.err(here, f"invalid expression: {first_line(exc)}") from None

    def _list(self, arg, where: str, n: int | None = None, minimum: int = 1) -> list:
        if not isinstance(arg, list) or len(arg) < minimum or (n is not None and len(arg) != n):
            count = f"exactly {n}" if n is not None else f"at least {minimum}"
            raise self.err(where, f"expects a list of {count} expressions, got {arg!r}")
        return [self(item, f"{where}[{i}]") for i, item in enumerate(arg)]

    def _fold(self, arg, where: str, fn, n: int | None = None):
        return functools.reduce(fn, self._list(arg, where, n=n, minimum=2))

    # one method per function, named _op_<function>
    def _op_column(self, arg, where, node):
        if "missing" in node and isinstance(arg, str) and arg and not self.has(arg):
            return self(node["missing"], _sibling(where, "missing"))
        return self.column(arg, where)

    def _op_value(self, arg, where):
        if isinstance(arg, (dict, list)):
            raise self.err(where, f"a constant must be a string, number, boolean or date, got {arg!r}")
        return ibis.literal(arg, type="string") if isinstance(arg, str) else self._constant(arg, where)

    def _op_null(self, arg, where):
        if arg is not True:
            raise self.err(where, "write { null = true }")
        return ibis.null()

    def _op_coalesce(self, arg, where):
        parts = self._list(arg, where)
        return parts[0] if len(parts) == 1 else ibis.coalesce(*parts)

    def _op_concat(self, arg, where):
        return functools.reduce(lambda a, b: a.concat(b), [p.cast("string") for p in self._list(arg, where)])

    def _op_nullif(self, arg, where):
        a, b = self._list(arg, where, n=2)
        return a.nullif(b)

    def _op_json(self, arg, where):
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], str)):
            raise self.err(where, f'expects [expression, "$.path"], got {arg!r}')
        path = arg[1]
        if not path.startswith("$") or _JSON_PATH.sub("", path[1:]):
            raise self.err(
                f"{where}[1]",
                f'invalid JSON path {path!r}: write "$.key", "$.key.sub", \'$["odd key"]\' or "$.list[0]"',
            )
        value = self(arg[0], f"{where}[0]")
        if not value.type().is_json():  # text holding JSON; DuckDB: invalid text reads as null
            value = value.try_cast("json") if self.backend == "duckdb" else value.cast("json")
        for key, quoted, index in _JSON_PATH.findall(path[1:]):
            value = value[int(index)] if index else value[key or quoted]
        return value.str

    def _text_and_constant(self, arg, where: str):
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], str)):
            raise self.err(where, f'expects [expression, "text"], got {arg!r}')
        value = self(arg[0], f"{where}[0]")
        if not (value.type().is_string() or value.type().is_null()):
            raise self.err(f"{where}[0]", f"is {value.type()}, not text")
        return value.cast("string"), arg[1]

    def _op_strip_prefix(self, arg, where):
        value, prefix = self._text_and_constant(arg, where)
        return ibis.ifelse(value.startswith(prefix), value.substr(len(prefix)), ibis.null("string"))

    def _op_map(self, arg, where, node):
        subject = self(arg, where)
        values = node.get("values")
        if not isinstance(values, dict) or not values:
            raise self.err(_sibling(where, "values"), 'map needs values = { "source value" = "result", ... }')
        default = self(node["default"], _sibling(where, "default")) if "default" in node else ibis.null()
        cases = []
        for key, result in values.items():
            if isinstance(result, (dict, list)):
                raise self.err(f"{_sibling(where, 'values')}.{key}", f"map results are constants, got {result!r}")
            cases.append((subject.cast("string") == key, ibis.literal(result)))
        return ibis.cases(*cases, else_=default)

    def _op_if(self, arg, where, node):
        if "then" not in node:
            raise self.err(_sibling(where, "then"), "if needs then = expression (and optionally else = expression)")
        condition = self(arg, where)
        then = self(node["then"], _sibling(where, "then"))
        other = self(node["else"], _sibling(where, "else")) if "else" in node else ibis.null()
        return ibis.ifelse(condition, then, other)

    def _op_add(self, arg, where):
        return self._fold(arg, where, operator.add)

    def _op_sub(self, arg, where):
        return self._fold(arg, where, operator.sub, n=2)

    def _op_mul(self, arg, where):
        return self._fold(arg, where, operator.mul)

    def _op_div(self, arg, where):
        return self._fold(arg, where, lambda a, b: a.cast("float64") / b.cast("float64").nullif(0), n=2)

    def _op_cast(self, arg, where):
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], str)):
            raise self.err(where, f'expects [expression, "type"], got {arg!r}')
        if arg[1] not in _CASTS:
            raise self.err(
                f"{where}[1]", f"unknown type {arg[1]!r}{did_you_mean(arg[1], _CASTS)} (types: {', '.join(_CASTS)})"
            )
        value = self(arg[0], f"{where}[0]")
        if not _fits(value.type(), _CASTS[arg[1]]):
            raise self.err(where, f"cannot cast {value.type()} to {arg[1]}{_cast_advice(value.type(), _CASTS[arg[1]])}")
        return value.cast(_CASTS[arg[1]])

    def _op_epoch_seconds(self, arg, where):
        # epoch + interval compiles on every engine (Ibis has no TimestampFromUNIX for PostgreSQL)
        seconds = self(arg, where)
        if seconds.type().is_integer():
            return ibis.literal(_EPOCH) + seconds.as_interval("s")
        micros = (seconds.cast("float64") * 1_000_000).round().cast("int64")
        return ibis.literal(_EPOCH) + micros.as_interval("us")

    _op_eq = _comparison(operator.eq)
    _op_ne = _comparison(operator.ne)
    _op_gt = _comparison(operator.gt)
    _op_ge = _comparison(operator.ge)
    _op_lt = _comparison(operator.lt)
    _op_le = _comparison(operator.le)

    def _op_is_null(self, arg, where):
        return self(arg, where).isnull()

    def _op_not_null(self, arg, where):
        return self(arg, where).notnull()

    def _op_and(self, arg, where):
        return self._fold(arg, where, operator.and_)

    def _op_or(self, arg, where):
        return self._fold(arg, where, operator.or_)

    def _op_not(self, arg, where):
        return ~self(arg, where)

    def _op_repeated(self, arg, where):
        # a semi-join on an aggregate (IN (SELECT ... HAVING count > 1)): a filter on the table's
        # other columns (a month's) still reaches their indexes, unlike a window over the table
        value = self(arg, where)
        keyed = self.table.select(oa_key_=value)  # only the columns of e: a role may read no others
        keyed = keyed.filter(keyed.oa_key_.notnull())
        counts = keyed.group_by("oa_key_").aggregate(oa_rows_=keyed.count())
        return value.notnull() & value.isin(counts.filter(counts.oa_rows_ > 1).oa_key_)

    def _op_in_table(self, arg, where):
        if not (isinstance(arg, list) and len(arg) == 3 and all(isinstance(a, str) for a in arg[1:])):
            raise self.err(where, f'expects [expression, "source table", "column"], got {arg!r}')
        value = self(arg[0], f"{where}[0]")
        other = self.source_table(arg[1], f"{where}[1]")
        name = _Compiler(other, self.err, self.backend).column(arg[2], f"{where}[2]").get_name()
        kept = other.filter(other[name].notnull())
        return value.notnull() & value.isin(kept.select(oa_key_=kept[name]).oa_key_)

    OPERATORS = tuple(name[4:] for name in list(locals()) if name.startswith("_op_"))


def _fits(dtype: dt.DataType, target: str) -> bool:
    """Whether every engine can cast a value of ``dtype`` to the Ibis type ``target`` (text is parsed
    by the engine: a value that does not parse fails when the query runs)."""
    target = dt.dtype(target)
    if dtype.is_null() or dtype.is_string() or dtype == target:
        return True
    if target.is_string():
        return not (dtype.is_array() or dtype.is_struct() or dtype.is_map())
    if target.is_timestamp() or target.is_date():
        return dtype.is_timestamp() or dtype.is_date()
    if target.is_boolean():
        return dtype.is_boolean() or dtype.is_integer()
    return dtype.is_numeric()


def _cast_advice(dtype: dt.DataType, target: str) -> str:
    if dt.dtype(target).is_timestamp() and dtype.is_numeric():
        return ": Unix time? use { epoch_seconds = ... }"
    if dtype.is_json():
        return ': read one value with { json = [expression, "$.key"] }'
    if dtype.is_boolean():
        return ": use { if = condition, then = 1, else = 0 }"
    return ""


# -- the mapping -------------------------------------------------------------------------------------
class _Mapping:
    """The canonical tables of one mapping file, built on demand (``mapped`` may refer to another)."""

    def __init__(self, spec: dict, source: _Source, err: _Err):
        self.spec = spec
        self.source = source
        self.err = err
        self.built: dict[str, ibis.Table] = {}
        self._building: list[str] = []

    def table(self, name: str) -> ibis.Table:
        if name in self.built:
            return self.built[name]
        if name in self._building:
            raise self.err(name, f"'mapped' tables form a cycle: {' -> '.join(self._building + [name])}")
        if name not in self.spec:
            raise self.err(
                name,
                f"the mapping has no [{name}] table: every canonical table "
                f"({', '.join(TABLES)}) must be mapped (write empty = true for none)",
            )
        spec = self.spec[name]
        selections = spec if isinstance(spec, list) else [spec]
        if not selections or not all(isinstance(s, dict) for s in selections):
            raise self.err(name, "must be a table [name] or an array of tables [[name]]")
        self._building.append(name)
        try:
            parts = [
                self._selection(name, s, f"{name}[{i}]" if isinstance(spec, list) else name)
                for i, s in enumerate(selections)
            ]
        finally:
            self._building.pop()
        parts = [p for p in parts if p is not None]  # optional selections whose table is missing
        if not parts:
            parts = [self._no_rows(name, name)]
        self.built[name] = functools.reduce(lambda a, b: a.union(b, distinct=False), parts)
        return self.built[name]

    def _selection(self, name: str, spec: dict, where: str) -> ibis.Table:
        for key in spec:
            if key not in _SELECTION_KEYS:
                raise self.err(
                    f"{where}.{key}",
                    f"unknown key {key!r}{did_you_mean(key, _SELECTION_KEYS)} (keys: {', '.join(_SELECTION_KEYS)})",
                )
        if "empty" in spec:
            return self._empty(name, spec, where)
        if "optional" in spec and not isinstance(spec["optional"], bool):
            raise self.err(f"{where}.optional", "write optional = true (or false)")
        base = self._base(spec, where)
        if base is None:
            return None
        if "where" in spec:
            condition = self._compiler(base)(spec["where"], f"{where}.where")
            if not condition.type().is_boolean():
                raise self.err(
                    f"{where}.where", f"must be a condition (eq, gt, not_null, and, ...), got {condition.type()}"
                )
            base = base.filter(condition)
        result = base.select(**self._columns(name, base, spec.get("columns", {}), where))
        return self._unique(name, result, spec["unique"], where) if "unique" in spec else result

    def _compiler(self, table: ibis.Table) -> _Compiler:
        return _Compiler(table, self.err, self.source.con.name, self._source_table)

    def _source_table(self, wanted, where: str) -> ibis.Table:
        actual = self.source.resolve(wanted) if isinstance(wanted, str) else None
        if actual is None:
            raise self.err(
                where,
                f"no table {wanted!r} in the source, {self.source.label}"
                f"{self.source.unseen}{did_you_mean(str(wanted), self.source.names)}",
            )
        try:
            return self.source.table(actual)
        except Exception as exc:  # an unreadable Parquet file, a table the role may not read, ...
            raise self.err(where, f"cannot read {actual!r}: {first_line(exc)}") from None

    def _empty(self, name: str, spec: dict, where: str) -> ibis.Table:
        if spec["empty"] is not True or len(spec) > 1:
            raise self.err(f"{where}.empty", "write empty = true alone for a table with no rows")
        return self._no_rows(name, where)

    def _no_rows(self, name: str, where: str) -> ibis.Table:
        if not self.source.names:
            raise self.err(where, "the source has no table to build an empty table from")
        anchor = self.source.table(self.source.names[0])  # any table: the engine needs a FROM
        return anchor.filter(ibis.literal(False)).select(
            **{c: ibis.null().cast(_KIND_TYPES[k]) for c, k in TABLES[name].items()}
        )

    def _base(self, spec: dict, where: str) -> ibis.Table:
        if ("from" in spec) == ("mapped" in spec):
            raise self.err(where, 'give exactly one of from = "source table" or mapped = "canonical table"')
        key = "from" if "from" in spec else "mapped"
        wanted = spec[key]
        if not isinstance(wanted, str):
            raise self.err(f"{where}.{key}", f"a table name must be a string, got {wanted!r}")
        if key == "mapped":
            if wanted not in TABLES:
                raise self.err(f"{where}.mapped", f"no canonical table {wanted!r}{did_you_mean(wanted, TABLES)}")
            return self.table(wanted)
        if spec.get("optional") and self.source.resolve(wanted) is None:
            return None
        return self._source_table(wanted, f"{where}.from")

    def _columns(self, name: str, base: ibis.Table, columns, where: str) -> dict:
        if not isinstance(columns, dict):
            raise self.err(f"{where}.columns", "must be a table of canonical column = expression")
        canonical = TABLES[name]
        for key in columns:
            if key not in canonical:
                raise self.err(
                    f"{where}.columns.{key}",
                    f"{name} has no column {key!r}{did_you_mean(key, canonical)} (columns: {', '.join(canonical)})",
                )
        compile_ = self._compiler(base)
        out = {}
        for column, kind in canonical.items():
            here = f"{where}.columns.{column}"
            if column in columns:
                value = compile_(columns[column], here)
            elif compile_.has(column):
                value = compile_.column(column, here)
            elif column in NULLABLE[name]:
                value = ibis.null()
            else:
                raise self.err(
                    here,
                    f"{name}.{column} is required and the source table has no column "
                    f'{column!r}: map it, e.g. {column} = "source_column" or {{ value = ... }}',
                )
            if not _fits(value.type(), _KIND_TYPES[kind]):
                raise self.err(
                    here, f"is {value.type()}, which cannot be a {kind}{_cast_advice(value.type(), _KIND_TYPES[kind])}"
                )
            out[column] = value.cast(_KIND_TYPES[kind])
        return out

    def _unique(self, name: str, result: ibis.Table, unique, where: str) -> ibis.Table:
        canonical = TABLES[name]
        if not isinstance(unique, str) or unique not in canonical:
            raise self.err(f"{where}.unique", f"{name} has no column {unique!r}{did_you_mean(str(unique), canonical)}")
        return (
            result.group_by(unique)
            .aggregate(**{c: result[c].min() for c in canonical if c != unique})
            .select(*canonical)
        )


# -- opening -----------------------------------------------------------------------------------------
def _url_options(url: WarehouseURL) -> tuple[dict[str, str], str | None]:
    """``name=value&...`` options of a mapping URL, and the source URL after ``source=`` (always
    last, taken literally; None when not given)."""
    options: dict[str, str] = {}
    rest = url.query or ""
    while rest:
        if rest.startswith("source="):
            source = rest.removeprefix("source=")
            if not source:
                raise WarehouseError(f"empty ?source= in the mapping URL {url.redacted!r}")
            return options, source
        part, _, rest = rest.partition("&")
        name, equals, value = part.partition("=")
        if not equals or not _OPTION_NAME.match(name):
            raise WarehouseError(
                f"cannot read the options of the mapping URL {url.redacted!r}: "
                "write ?name=value&...&source=URL (source last)"
            )
        options[name] = unquote(value)
    return options, None


def _mapping_file(url: WarehouseURL) -> tuple[Path, str | None]:
    """The mapping file and the source URL given after ``?source=`` (None when not given)."""
    source = _url_options(url)[1]
    location = url.location
    if not location:
        raise WarehouseError(f"the mapping URL {url.redacted!r} names no file: use mapping:///path/mapping.toml")
    if "/" not in location and not location.endswith(".toml"):
        packaged = ADAPTERS / f"{location}.toml"
        if not packaged.is_file():
            names = sorted(p.stem for p in ADAPTERS.glob("*.toml"))
            raise WarehouseError(
                f"no packaged mapping {location!r}{did_you_mean(location, names)}: "
                f"packaged mappings are {', '.join(names)}"
            )
        return packaged, source
    return Path(location).expanduser().resolve(), source


def load_mapping(path: Path) -> dict:
    """Read and shape-check a mapping file; WarehouseError naming the file on any problem."""
    if not path.is_file():
        raise WarehouseError(f"no mapping file at {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WarehouseError(f"mapping {path}: cannot read it: {first_line(exc)}") from None
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WarehouseError(f"mapping {path}: not valid TOML: {first_line(exc)}") from None
    err = _Err(path)
    for key in spec:
        if key not in _TOP_KEYS:
            raise err(key, f"unknown key {key!r}{did_you_mean(key, _TOP_KEYS)} (keys: {', '.join(_TOP_KEYS)})")
    return spec


def _declared_options(spec: dict, err: _Err) -> dict[str, tuple[str, list[str] | None]]:
    """``[options]``: name -> (default, allowed values or None for any)."""
    declared = spec.get("options", {})
    if not isinstance(declared, dict):
        raise err("options", 'must be a table of name = "default value"')
    out = {}
    for name, value in declared.items():
        where = f"options.{name}"
        if not _OPTION_NAME.match(name):
            raise err(where, "an option name is letters, digits and _")
        if isinstance(value, dict):
            extra = sorted(set(value) - {"default", "choices"})
            if extra:
                raise err(f"{where}.{extra[0]}", f"unknown key {extra[0]!r} (keys: default, choices)")
            default, choices = value.get("default"), value.get("choices")
            if not (isinstance(choices, list) and choices and all(isinstance(c, str) for c in choices)):
                raise err(f"{where}.choices", "must be a list of the allowed values (text)")
            if default not in choices:
                raise err(f"{where}.default", f"must be one of the choices ({', '.join(choices)})")
        else:
            default, choices = value, None
        if not isinstance(default, str):
            raise err(where, f"an option's value is text, got {default!r}")
        out[name] = (default, choices)
    return out


def apply_options(spec: dict, given: dict[str, str], err: _Err) -> dict:
    """The mapping with every ``${name}`` replaced by the option's value (given, else its default).
    Values only ever become column names, JSON paths or constants of Ibis expressions, never SQL."""
    declared = _declared_options(spec, err)
    values = {name: default for name, (default, _) in declared.items()}
    for name, value in given.items():
        if name not in declared:
            known = f": this mapping's options are {', '.join(declared)}" if declared else ": this mapping has none"
            raise err(
                "options", f"unknown option {name!r} in the URL{did_you_mean(name, [*declared, 'source'])}{known}"
            )
        choices = declared[name][1]
        if choices is not None and value not in choices:
            shown = redact(value)  # a URL pasted in the wrong place may hold a password
            raise err(f"options.{name}", f"{shown!r} is not one of {', '.join(choices)}{did_you_mean(shown, choices)}")
        values[name] = value

    def fill(node, where: str):
        if isinstance(node, str):

            def one(match):
                if match.group(1) not in values:
                    raise err(where, f"${{{match.group(1)}}} names no option{did_you_mean(match.group(1), values)}")
                return values[match.group(1)]

            return _OPTION_USE.sub(one, node)
        if isinstance(node, dict):
            return {k: fill(v, f"{where}.{k}") for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v, f"{where}[{i}]") for i, v in enumerate(node)]
        return node

    return {k: (v if k == "options" else fill(v, k)) for k, v in spec.items()}


def _kpi_notes(spec: dict, err: _Err) -> dict[str, str]:
    """``[kpi_notes]``: what a KPI means for this source (the KPI card's tooltip), options filled in."""
    notes = spec.get("kpi_notes", {})
    if not isinstance(notes, dict):
        raise err("kpi_notes", 'must be a table of KPI = "what it means for this source"')
    for key, text in notes.items():
        if key not in KPI_NOTES:
            raise err(f"kpi_notes.{key}", f"no KPI card has a note {key!r} (notes: {', '.join(KPI_NOTES)})")
        if not isinstance(text, str) or not text.strip():
            raise err(f"kpi_notes.{key}", f"a note is text, got {text!r}")
    return {key: " ".join(text.split()) for key, text in notes.items()}


def _probe(con: ibis.BaseBackend, raw: dict[str, ibis.Table], err: _Err) -> None:
    """Have the engine compile and plan every table once (LIMIT 0: no row is read), so that what it
    rejects (a column the role may not read, a function it lacks) is reported now, naming the table."""
    for name, table in raw.items():
        try:
            con.execute(table.limit(0))
        except Exception as exc:
            raise err(name, f"the source rejects its query: {first_line(exc)}") from None


def open_warehouse(url: WarehouseURL, *, writable_dirs: Sequence[Path] = ()) -> Warehouse:
    """Open the mapping's source read-only and expose the mapped canonical tables (validated).
    A DuckDB source (file or Parquet folder) is locked, writing only into ``writable_dirs``."""
    path, source_url = _mapping_file(url)
    err = _Err(path)
    spec = apply_options(load_mapping(path), _url_options(url)[0], err)
    base = Path.cwd()  # a source given in the URL is relative to where the command runs
    if source_url is None:
        source_url, base = spec.get("source"), path.parent
        if not isinstance(source_url, str) or not source_url:
            raise err(
                "source",
                'names no source warehouse: write source = "duckdb:///path/file.duckdb" '
                "or add ?source=URL to the mapping URL",
            )
    source = _open_source(source_url, base, err, writable_dirs)
    try:
        mapping = _Mapping(spec, source, err)
        raw = {name: mapping.table(name) for name in TABLES}
        _probe(source.con, raw, err)
        return from_tables(source.con, url.text, raw, kpi_notes=_kpi_notes(spec, err))
    except BaseException:
        source.con.disconnect()
        raise
