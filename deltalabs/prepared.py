"""Hot-path SELECTs compiled once, run with fresh parameters (issue 15).

Building a queryset, its ``WHERE`` tree and its SQL costs far more than
SQLite spends running a primary-key lookup (about 330 of 370 microseconds for
the token's user). ``PreparedSelect`` asks the ORM for the SQL of a query shape
once per process and database, then per call only binds the values, runs the
statement through the connection's cursor (so query logging, the test suite's
query counting and Django's error wrapping still apply) and converts the
result with the ORM's own converters. The rows and model objects are those
the ORM would have returned.

Only SQL engines take this path: on MongoDB (django-mongodb-backend compiles
querysets to aggregation pipelines, not SQL) every call runs the queryset
itself, which is also what the Mongo compile gate checks.

A shape's only parameters must be the values bound per call, in their order
(checked when it is compiled: the ORM's parameters must equal the values as
prepared here); constants belong in the SQL the shape produces. Shapes
that follow relations (``select_related``) are refused.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.sqlite3 import base as sqlite_base
from django.db.models import Field, Model, QuerySet

# Values of these types come out of their converters immutable, and a raw
# value always converts to the same one: a shape remembers the last few
# thousand it converted. The 31-day availability's ~500 slot starts (the same
# on every request) had cost a fifth of its time to parse and make aware.
_REMEMBERED_TYPES = frozenset({"DateTimeField", "DateField", "TimeField", "UUIDField", "DecimalField"})
_REMEMBERED_VALUES = 8192
_REMEMBERED_LISTS = 1024


def _column_converter(converters: list, expression, connection) -> Callable[[Any], Any]:
    def convert(value):
        for converter in converters:
            value = converter(value, expression, connection)
        return value

    if expression.output_field.get_internal_type() in _REMEMBERED_TYPES:
        return functools.lru_cache(maxsize=_REMEMBERED_VALUES)(convert)
    return convert


class _Compiled:
    """One shape's SQL on one database, with how to read its rows back."""

    def __init__(self, queryset: QuerySet, using: str, bound: list) -> None:
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if list(params) != bound:
            raise ValueError(
                "A prepared shape may only take the values bound per call, in their order: "
                f"{bound} expected, the SQL has {list(params)} ({sql})"
            )
        if (compiler.klass_info or {}).get("related_klass_infos"):
            raise ValueError("A prepared shape cannot follow relations (select_related).")
        self.sql = sql
        self.model = queryset.model
        self.converters = compiler.get_converters([expression for expression, _, _ in compiler.select])
        self._column_converters: list[tuple[int, Callable[[Any], Any]]] | None = None
        self._qmark_sql: str | None = None
        query = queryset.query
        # The keys of a values() row, as ValuesIterable names them.
        self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
        select_fields = (compiler.klass_info or {}).get("select_fields") or []
        self.field_names = [compiler.select[index][0].target.attname for index in select_fields]

    def _fetch(self, connection, params: list) -> list[tuple]:
        """The statement's rows. On SQLite, unless queries are being logged or
        wrapped (debugging, the test suite's query counting), straight through
        the sqlite3 connection: Django's cursor wrappers cost as much as
        running a primary-key lookup. Errors are Django's either way."""
        if connection.vendor != "sqlite" or connection.queries_logged or connection.execute_wrappers:
            with connection.cursor() as cursor:
                cursor.execute(self.sql, params)
                return cursor.fetchall()
        if self._qmark_sql is None:
            self._qmark_sql = sqlite_base.FORMAT_QMARK_REGEX.sub("?", self.sql).replace("%%", "%")
        connection.ensure_connection()
        with connection.wrap_database_errors:
            return connection.connection.execute(self._qmark_sql, params).fetchall()

    def rows(self, connection, params: list, *, convert_from: int = 0) -> list[tuple]:
        """Runs the statement on ``connection`` (this thread's) and converts
        each value as ``SQLCompiler.apply_converters`` would (the columns from
        ``convert_from`` on; earlier ones stay as the database returned them)."""
        rows = self._fetch(connection, params)
        if self._column_converters is None:
            # Converters read only the connection's settings (time zone), the
            # same for every thread's connection to this database.
            self._column_converters = [
                (position, _column_converter(converters, expression, connection))
                for position, (converters, expression) in self.converters.items()
            ]
        converters = {position: convert for position, convert in self._column_converters if position >= convert_from}
        if not converters or not rows:
            return rows
        # Column by column: zip() and map() keep the per-value work in C (the
        # remembered converters are C-level caches); a row at a time in Python
        # cost as much as fetching the 500 counter rows of a 31-day availability.
        columns = [
            list(map(converters[position], column)) if position in converters else column
            for position, column in enumerate(zip(*rows, strict=True))
        ]
        return list(zip(*columns, strict=True))


class PreparedSelect:
    """``build(values)`` returns the queryset for a list of values; each value
    must appear as exactly one SQL parameter, in order.

    ``field`` is the field an ``IN`` list (or one key) is compared with: every
    value is prepared by it, and the values are bound as the ORM binds an
    ``IN`` list (each once, without None). ``fields`` instead names one field
    per value, in order (``lab_id = %s AND start >= %s AND start < %s``).

    ``rows(values)`` gives what ``values_list`` rows would be; ``objects(values)``
    the model instances of a model queryset (``only()`` respected).
    Shapes are compiled per database and per number of values (an ``IN``
    list of 20 values is another statement than one of 3).
    """

    def __init__(
        self,
        build: Callable[[list], QuerySet],
        field: Field | None = None,
        *,
        fields: Sequence[Field] = (),
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        if (field is None) == (not fields):
            raise ValueError("Name either the field of an IN list or one field per value.")
        self.build = build
        self.field = field
        self.fields = tuple(fields)
        self.using = using
        self._compiled: dict[tuple[str, str, int], _Compiled] = {}
        # An IN list is prepared once per distinct list of values: a cached
        # course page asks for the seats of the same 20 ids on every hit, and
        # preparing 20 UUIDs cost more than SQLite spends looking them up.
        self._in_list = functools.lru_cache(maxsize=_REMEMBERED_LISTS, typed=True)(self._prepare_in_list)

    def _prepare_in_list(self, alias: str, values: tuple) -> _InList:
        present = [value for value in values if value is not None]
        params = self._params(connections[alias], [self.field] * len(present), present)
        param_of = dict(zip(present, params, strict=True))
        return _InList(
            distinct=tuple(_distinct(self.field.to_python(value) for value in present)),
            aligned=tuple(param_of.get(value) for value in values),
        )

    @staticmethod
    def _params(connection, fields: Sequence[Field], values: Sequence[Any]) -> list:
        return [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in zip(fields, values, strict=True)
        ]

    def _values(self, values: Sequence[Any]) -> list:
        if self.field is not None:
            return _distinct(values)
        values = list(values)
        if len(values) != len(self.fields):
            raise ValueError(f"{len(self.fields)} values expected, got {len(values)}.")
        return values

    def _run(self, values: list, *, convert_from: int = 0) -> tuple[_Compiled | None, list[tuple], list] | None:
        """The shape, its rows and the bound parameters for ``values``; None
        on MongoDB (run the queryset)."""
        connection = connections[self.using]
        if connection.vendor == "mongodb":
            return None
        if not values:
            return None, [], []  # the ORM answers an empty IN list without a query
        if self.field is not None:
            params = list(self._in_list(connection.alias, tuple(values)).aligned)
        else:
            params = self._params(connection, self.fields, values)
        key = (connection.alias, connection.vendor, len(values))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _Compiled(self.build(values), self.using, params)
        return compiled, compiled.rows(connection, params, convert_from=convert_from), params

    def rows(self, values: Sequence[Any]) -> list[tuple]:
        values = self._values(values)
        ran = self._run(values)
        return list(self.build(values)) if ran is None else ran[1]

    def dicts(self, values: Sequence[Any]) -> list[dict]:
        """What a ``values()`` queryset gives: one dict per row."""
        return self._each_row(values, lambda compiled, row: dict(zip(compiled.names, row, strict=True)))

    def in_order(self, values: Sequence[Any], missing: Any = None) -> list:
        """For an ``IN``-list shape selecting ``field`` and one more column:
        that column for each of ``values``, in their order; ``missing`` where
        no row matched (or the value is None).

        The key column is never converted: the raw value each row returns is
        matched with the parameter bound for it, and the list's parameters are
        prepared once. Converting a SQLite UUID column costs a ``UUID()`` per
        row, and looking rows up by value a Python-level hash per value (the
        seats overlay of every cached course page)."""
        if self.field is None:
            raise ValueError("in_order() needs the field of an IN list.")
        connection = connections[self.using]
        in_list = self._in_list(connection.alias, tuple(values))
        ran = self._run(list(in_list.distinct), convert_from=1)
        if ran is None:  # MongoDB: the queryset's rows, keyed by the converted value
            found = dict(self.build(list(in_list.distinct)))
            return [found.get(key, missing) for key in map(self.field.to_python, values)]
        found = dict(ran[1])
        return list(map(found.get, in_list.aligned, itertools.repeat(missing, len(in_list.aligned))))

    def objects(self, values: Sequence[Any]) -> list[Model]:
        return self._each_row(
            values, lambda compiled, row: compiled.model.from_db(self.using, compiled.field_names, row)
        )

    def _each_row(self, values: Sequence[Any], make: Callable[[_Compiled, tuple], Any]) -> list:
        """``make(shape, row)`` per row; on MongoDB, what the queryset itself gives."""
        values = self._values(values)
        ran = self._run(values)
        if ran is None:
            return list(self.build(values))
        compiled, rows, _ = ran
        return [make(compiled, row) for row in rows]


class _InList(NamedTuple):
    """A list of values for an IN list: the distinct ones (as the field's
    ``to_python`` gives them, None left out) and the parameter of each value
    as passed (None for None)."""

    distinct: tuple
    aligned: tuple


def _distinct(values) -> list:
    """The values as the ORM binds an ``IN`` list: each once, in order, without None."""
    return [value for value in dict.fromkeys(values) if value is not None]
