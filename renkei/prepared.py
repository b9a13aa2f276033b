"""Queries whose SQL Django builds once per process, then runs with new values.

Django builds a QuerySet's SQL anew on every call. For the short lookups made on every post
and every page (a membership, a session, the space under lock) that building costs ten times
what the database takes to answer: 0.3–0.45 ms of Python against 0.03 ms in SQLite (see
docs/benchmarks.md). A prepared query is an ordinary QuerySet written as a function of its
arguments. The first call compiles it with marker values standing in for the arguments and
notes where each marker landed among the parameters; later calls only put the new values
there. The SQL, the column conversions and the model objects stay Django's, so the model
remains the one description of the table; a shape whose markers cannot be followed (an
argument that ends up inside the SQL text, transformed into a pattern, or not used) is refused
when first compiled instead of being run wrong. ``prepared_update`` does the same for an UPDATE
of the rows a QuerySet selects (``QuerySet.update``), and ``prepared_insert`` for the INSERT of
a new object (``QuerySet.create``) where ``save()`` would do nothing more.

The column conversions are Django's; the model objects are Django's too, made without
``Model.__init__`` where that would only store the row's values. This module follows Django
5.2's compiler (``klass_info``, the related populators, ``InsertQuery``), pinned in
pyproject.toml; tests/test_prepared.py holds every shape to what Django itself gives.

Arguments are typed ``int``, ``str``, ``datetime``, ``UUID`` or ``list[int]``; a value of
another type is refused at the call, because a different value could need different SQL
(``None`` becomes ``IS NULL``). A list (ids for ``__in``) is compiled once per length; an empty
one runs the ordinary QuerySet, since Django answers ``__in=[]`` without asking the database.
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, ParamSpec, TypeVar, cast, get_args, get_origin, get_type_hints

from django.db import connections, router, transaction
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models import AutoField, Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, post_save, pre_init, pre_save
from django.db.models.sql import InsertQuery, UpdateQuery
from django.db.transaction import TransactionManagementError

P = ParamSpec("P")
M = TypeVar("M")

_KINDS = (int, str, datetime, uuid.UUID)


class _IntList:
    """The kind of an argument typed ``list[int]``."""


class PreparedQueryError(TypeError):
    """The QuerySet cannot be prepared, or a call gave an argument it cannot take."""


def _marker(kind: type, index: int, length: int) -> object:
    # Values no real row or request carries, distinct per argument, of the argument's type so
    # that Django's lookups prepare them exactly as they would prepare a real value.
    if kind is _IntList:
        return [-7_360_000_000_000 - 100_000 * index - j for j in range(length)]
    if kind is int:
        return -7_340_000_000_000 - 7919 * index
    if kind is str:
        return f"\ue000prepared-argument-{index}\ue001"
    if kind is uuid.UUID:
        return uuid.UUID(int=0x5EED_0000_0000_4000_8000_0000_0000_0000 + index)
    return datetime(1901, 2, 3, 4, 5, 6, 1000 + index, tzinfo=UTC)


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    # (position among the params, argument index, index in a list argument or -1, wrapper)
    slots: tuple[tuple[int, int, int, Any], ...]
    shape: str  # "models", "tuples", "flat" or "dicts"
    col_count: int
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    model: type[Model] | None
    init_list: tuple[str, ...]
    model_slice: tuple[int, int]
    annotations: tuple[tuple[str, int], ...]
    related: tuple[Any, ...]  # Django's populators of the select_related objects
    names: tuple[str, ...]
    for_update: bool


class _Arguments:
    """The typed arguments of a prepared statement: checking a call's values, the markers that
    stand in for them while compiling, and where each lands among the parameters."""

    def __init__(self, build: Callable[..., Any]) -> None:
        self._build = build
        self.__doc__ = build.__doc__
        self.__name__ = getattr(build, "__name__", "prepared")
        hints = get_type_hints(build)
        self._signature = inspect.signature(build)
        self._kinds: list[type] = []
        for name in self._signature.parameters:
            kind = hints.get(name)
            if get_origin(kind) is list and get_args(kind) == (int,):
                kind = _IntList
            elif kind not in _KINDS:
                raise PreparedQueryError(
                    f"{self.__name__}: argument {name!r} must be typed int, str, datetime, UUID "
                    "or list[int]"
                )
            self._kinds.append(kind)
        self._lists = [i for i, kind in enumerate(self._kinds) if kind is _IntList]
        self._lock = threading.Lock()

    def _values(self, args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        if kwargs or len(args) != len(self._kinds):
            values = tuple(self._signature.bind(*args, **kwargs).arguments.values())
        else:
            values = tuple(args)
        for value, kind in zip(values, self._kinds, strict=True):
            if kind is _IntList:
                if not isinstance(value, list | tuple) or any(type(v) is not int for v in value):
                    raise PreparedQueryError(f"{self.__name__}: {value!r} is not a list of int")
            elif type(value) is not kind and not (kind is datetime and isinstance(value, datetime)):
                raise PreparedQueryError(
                    f"{self.__name__}: {value!r} is not {kind.__name__}; "
                    "a prepared query takes only values of its arguments' types"
                )
            elif isinstance(value, datetime) and value.tzinfo is None:
                # Django would first make a naive value aware in the current time zone (with a
                # warning); here it would be compared as it is.
                raise PreparedQueryError(f"{self.__name__}: {value!r} has no time zone")
        return values

    def _markers(self, lengths: tuple[int, ...]) -> list[object]:
        length_of = dict(zip(self._lists, lengths, strict=True))
        return [_marker(kind, i, length_of.get(i, 0)) for i, kind in enumerate(self._kinds)]

    def _slots(
        self, sql: str, params: Sequence[Any], markers: list[object], connection: Any
    ) -> tuple[tuple[int, int, int, Any], ...]:
        """Where each marker landed among ``params``: (position, argument, list item or -1,
        the database driver's wrapper of the value or None)."""
        # Each marker as the database receives it, with the argument (and list item) it stands for.
        expected: dict[tuple[type, Any], tuple[int, int]] = {}
        for index, marker in enumerate(markers):
            items = marker if isinstance(marker, list) else [marker]
            for item_index, item in enumerate(items):
                adapted = _adapt(item, connection)
                expected[(type(adapted), adapted)] = (
                    index,
                    item_index if isinstance(marker, list) else -1,
                )
        slots: list[tuple[int, int, int, Any]] = []
        for position, param in enumerate(params):
            found = expected.get((type(param), param)) if _hashable(param) else None
            if found is not None:
                slots.append((position, *found, None))
                continue
            if isinstance(param, int) and not isinstance(param, bool):
                # psycopg's typed integers (Int8 for a BigIntegerField): the value is wrapped
                # the same way at each call.
                found = expected.get((int, int(param)))
                if found is not None:
                    slots.append((position, *found, type(param)))
                    continue
            if isinstance(param, str) and any(
                isinstance(marker, str) and marker in param for _, marker in expected
            ):
                raise PreparedQueryError(
                    f"{self.__name__}: an argument is transformed in the SQL "
                    "(a pattern or a function of it); use an ordinary QuerySet"
                )
        placed = {(index, item) for _, index, item, _wrap in slots}
        missing = sorted(
            {index for index, item in expected.values() if (index, item) not in placed}
        )
        if missing or any(str(marker) in sql for _, marker in expected):
            raise PreparedQueryError(
                f"{self.__name__}: arguments {missing} do not reach the query as "
                "parameters; use an ordinary QuerySet"
            )
        return tuple(slots)

    @staticmethod
    def _params(
        template: tuple[Any, ...],
        slots: tuple[tuple[int, int, int, Any], ...],
        values: tuple[Any, ...],
        connection: Any,
    ) -> list[Any]:
        params = list(template)
        for position, index, item, wrap in slots:
            value = _adapt(values[index] if item < 0 else values[index][item], connection)
            params[position] = value if wrap is None else wrap(value)
        return params

    @staticmethod
    def _alias() -> str:
        # Every prepared statement goes to the default database; building the QuerySet only to
        # ask the router would cost what preparing saves.
        return "default"


class PreparedQuery(_Arguments, Generic[P, M]):
    """A QuerySet built by ``build`` from its arguments, compiled once per database.

    ``all()`` gives what iterating the QuerySet gives (model objects, tuples, flat values or
    dicts); ``first()`` what ``QuerySet.first()`` gives. Use it as a decorator on the function
    that builds the QuerySet; the function's annotations give the arguments' types.
    """

    def __init__(self, build: Callable[P, QuerySet[Any, M]]) -> None:
        super().__init__(build)
        # By database, limit (0: all rows) and the lengths of the list arguments.
        self._plans: dict[tuple[str, int, tuple[int, ...]], _Plan] = {}

    def all(self, *args: P.args, **kwargs: P.kwargs) -> list[M]:
        """Every row, as iterating the QuerySet would give them."""
        return self._run(0, self._values(args, kwargs))

    def first(self, *args: P.args, **kwargs: P.kwargs) -> M | None:
        """The first row in the QuerySet's order (by primary key if it has none), or None."""
        rows = self._run(1, self._values(args, kwargs))
        return rows[0] if rows else None

    def head(self, n: int, *args: P.args, **kwargs: P.kwargs) -> list[M]:
        """The first ``n`` rows in the QuerySet's order (by primary key if it has none): a page.
        Each ``n`` is compiled once (SQL takes the limit as written, not as a parameter)."""
        if type(n) is not int or n < 1:
            raise PreparedQueryError(f"{self.__name__}: a page of {n!r} rows")
        return self._run(n, self._values(args, kwargs))

    # -- compiling ---------------------------------------------------------------------------

    def _queryset(self, limit: int, values: Sequence[Any]) -> QuerySet[Any, M]:
        queryset = cast(Callable[..., QuerySet[Any, M]], self._build)(*values)
        if limit:
            if not queryset.ordered:
                queryset = queryset.order_by("pk")
            queryset = queryset[:limit]
        return queryset

    def _plan(self, limit: int, lengths: tuple[int, ...]) -> _Plan:
        markers = self._markers(lengths)
        queryset = self._queryset(limit, markers)
        alias = queryset.db
        if alias != self._alias():
            raise PreparedQueryError(f"{self.__name__}: only the default database is prepared")
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = self._slots(sql, params, markers, connection)
        if getattr(queryset, "_prefetch_related_lookups", ()):
            raise PreparedQueryError(f"{self.__name__}: prefetch_related is not prepared")
        iterable = queryset._iterable_class
        select = compiler.select
        columns = [s[0] for s in select[: compiler.col_count]]
        converters = tuple(
            (pos, tuple(funcs), expression)
            for pos, (funcs, expression) in compiler.get_converters(columns).items()
        )
        model: type[Model] | None = None
        init_list: tuple[str, ...] = ()
        model_slice = (0, 0)
        annotations: tuple[tuple[str, int], ...] = ()
        related: tuple[Any, ...] = ()
        names: tuple[str, ...] = ()
        if iterable is ModelIterable:
            info = compiler.klass_info
            assert info is not None
            # Django 5.2's signature (pinned); the stubs describe a later release's.
            related = tuple(get_related_populators(info, select, alias))  # type: ignore[call-arg]
            fields = info["select_fields"]
            model_slice = (fields[0], fields[-1] + 1)
            model = info["model"]
            init_list = tuple(f[0].target.attname for f in select[model_slice[0] : model_slice[1]])
            annotations = tuple(compiler.annotation_col_map.items())
            shape = "models"
        elif iterable is ValuesListIterable:
            shape = "tuples"
        elif iterable is FlatValuesListIterable:
            shape = "flat"
        elif iterable is ValuesIterable:
            query = queryset.query
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
            shape = "dicts"
        else:
            raise PreparedQueryError(f"{self.__name__}: {iterable.__name__} is not prepared")
        return _Plan(
            sql=sql,
            params=tuple(params),
            slots=slots,
            shape=shape,
            col_count=compiler.col_count,
            converters=converters,
            model=model,
            init_list=init_list,
            model_slice=model_slice,
            annotations=annotations,
            related=related,
            names=names,
            for_update=bool(queryset.query.select_for_update)
            and connection.features.has_select_for_update,
        )

    # -- running -----------------------------------------------------------------------------

    def _run(self, limit: int, values: tuple[Any, ...]) -> list[Any]:
        lengths = tuple(len(values[i]) for i in self._lists)
        if 0 in lengths:
            return list(self._queryset(limit, values))
        alias = self._alias()
        key = (alias, limit, lengths)
        plan = self._plans.get(key)
        if plan is None:
            with self._lock:
                plan = self._plans.get(key) or self._plan(limit, lengths)
                self._plans[key] = plan
        connection = connections[alias]
        if plan.for_update and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = self._params(plan.params, plan.slots, values, connection)
        with connection.cursor() as cursor:
            _execute(connection, cursor, plan.sql, params)
            raw = cursor.fetchall()
        rows: list[list[Any]] = []
        for fetched in raw:
            row = list(fetched[: plan.col_count])
            for pos, funcs, expression in plan.converters:
                value = row[pos]
                for convert in funcs:
                    value = convert(value, expression, connection)
                row[pos] = value
            rows.append(row)
        return self._shape(plan, alias, rows)

    @staticmethod
    def _shape(plan: _Plan, alias: str, rows: list[list[Any]]) -> list[Any]:
        if plan.shape == "tuples":
            return [tuple(row) for row in rows]
        if plan.shape == "flat":
            return [row[0] for row in rows]
        if plan.shape == "dicts":
            return [dict(zip(plan.names, row, strict=True)) for row in rows]
        assert plan.model is not None
        start, end = plan.model_slice
        objects = []
        for row in rows:
            obj = _from_db(plan.model, alias, plan.init_list, row[start:end])
            for populator in plan.related:
                _populate(populator, row, obj)
            for name, pos in plan.annotations:
                setattr(obj, name, row[pos])
            objects.append(obj)
        return objects


@functools.cache
def _plainly_built(model: type[Model]) -> bool:
    """Whether ``Model.from_db`` would do no more for ``model`` than store the row's values as
    attributes: the model has no __init__ or from_db of its own, and every column's attribute
    stores what is assigned to it (Django's plain field and foreign key descriptors)."""
    if model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__:  # type: ignore[attr-defined]
        return False
    return all(
        type(inspect.getattr_static(model, field.attname, None))
        in (DeferredAttribute, ForeignKeyDeferredAttribute)
        for field in model._meta.concrete_fields
    )


def _from_db(model: type[Model], alias: str, names: Sequence[str], values: Sequence[Any]) -> Any:
    """``model.from_db(alias, names, values)``, built without Model.__init__ when that would
    only store the values: __init__ walks every field and sends two signals per object, a
    tenth of a 50-post page's time."""
    if pre_init.receivers or post_init.receivers or not _plainly_built(model):
        return model.from_db(alias, list(names), list(values))
    obj = model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = alias
    obj._state = state
    obj.__dict__.update(zip(names, values, strict=True))
    return obj


def _populate(populator: Any, row: Sequence[Any], from_obj: Model) -> None:
    """Django 5.2's ``RelatedPopulator.populate`` (a select_related object from its columns of
    the row), with the object built by ``_from_db``."""
    if populator.reorder_for_init:
        data = populator.reorder_for_init(row)
    else:
        data = row[populator.cols_start : populator.cols_end]
    if data[populator.pk_idx] is None:
        obj = None
    else:
        obj = _from_db(populator.model_cls, populator.db, populator.init_list, data)
        for nested in populator.related_populators:
            _populate(nested, row, obj)
    populator.local_setter(from_obj, obj)
    if obj is not None:
        populator.remote_setter(obj, from_obj)


class PreparedUpdate(_Arguments, Generic[P]):
    """An UPDATE compiled once per database: ``build`` gives the QuerySet of the rows and the
    new values, as ``QuerySet.update`` takes them. ``run()`` returns the number of rows changed.
    Only an update of one table is prepared (no joins in the filter, no parent model's table).
    """

    def __init__(self, build: Callable[P, tuple[QuerySet[Any, Any], dict[str, Any]]]) -> None:
        super().__init__(build)
        self._compiled: dict[tuple[str, tuple[int, ...]], tuple[str, tuple[Any, ...], Any]] = {}

    def run(self, *args: P.args, **kwargs: P.kwargs) -> int:
        """Update the rows; the number changed."""
        values = self._values(args, kwargs)
        lengths = tuple(len(values[i]) for i in self._lists)
        if 0 in lengths:
            queryset, changes = self._build(*values)
            return int(queryset.update(**changes))
        alias = self._alias()
        key = (alias, lengths)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(lengths)
                self._compiled[key] = compiled
        sql, template, slots = compiled
        connection = connections[alias]
        params = self._params(template, slots, values, connection)
        with transaction.mark_for_rollback_on_error(using=alias), connection.cursor() as cursor:
            _execute(connection, cursor, sql, params)
            return int(cursor.rowcount)

    def _compile(self, lengths: tuple[int, ...]) -> tuple[str, tuple[Any, ...], Any]:
        markers = self._markers(lengths)
        queryset, changes = self._build(*markers)
        if queryset.db != self._alias():
            raise PreparedQueryError(f"{self.__name__}: only the default database is prepared")
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(changes)
        query.clear_select_clause()
        query.get_initial_alias()
        if query.related_updates or query.count_active_tables() != 1:
            # Django would first read the rows' ids (a join, or a parent model's table).
            raise PreparedQueryError(f"{self.__name__}: only an update of one table is prepared")
        connection = connections[self._alias()]
        sql, params = query.get_compiler(using=self._alias()).as_sql()
        return sql, tuple(params), self._slots(sql, params, markers, connection)


@dataclass(frozen=True)
class _InsertPlan:
    sql: str
    fields: tuple[Any, ...]
    returning: tuple[Any, ...]
    returning_params: tuple[Any, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    # False when Django's statement is not one "%s" per field holding the field's prepared
    # value (an expression, a placeholder of its own): such a model is saved by Django.
    usable: bool


class PreparedInsert(Generic[M]):
    """The INSERT of a new object of one model, built once per process: what ``obj.save()``
    (``QuerySet.create``) does for a new object, without building the statement each time.

    Taken only where save() would do nothing more: a model with no save() or saving steps of
    its own, no parent model's table, no ``order_with_respect_to``, an automatic primary key
    without a default, no receiver of pre_save or post_save, and an object not yet saved.
    Otherwise, and for a model whose statement is not one placeholder per field,
    ``obj.save(force_insert=True)`` runs as ``create`` would run it.
    """

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self._plans: dict[str, _InsertPlan] = {}
        self._lock = threading.Lock()

    def create(self, **values: Any) -> M:
        """``model.objects.create(**values)``."""
        obj = self.model(**values)
        self.save(obj)
        return obj

    def save(self, obj: M) -> None:
        """Insert ``obj``, a new object of the model; its primary key is set after."""
        model = cast(type[Model], self.model)
        instance = cast(Model, obj)
        if not self._prepared_for(instance):
            instance.save(force_insert=True)
            return
        # What save() checks first: no unsaved related object, foreign keys from the objects.
        instance._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
        alias = router.db_for_write(model, instance=instance)
        connection = connections[alias]
        plan = self._plans.get(alias)
        with transaction.mark_for_rollback_on_error(using=alias):
            if plan is None:
                plan, params = self._compile(instance, connection)
                with self._lock:
                    self._plans.setdefault(alias, plan)
            elif plan.usable:
                params = (
                    tuple(
                        field.get_db_prep_save(
                            field.pre_save(instance, True), connection=connection
                        )
                        for field in plan.fields
                    )
                    + plan.returning_params
                )
            else:
                instance.save(force_insert=True)
                return
            with connection.cursor() as cursor:
                _execute(connection, cursor, plan.sql, params)
                row = self._returned(plan, connection, cursor)
        for field, value in zip(plan.returning, row, strict=True):
            setattr(instance, field.attname, value)
        instance._state.db = alias
        instance._state.adding = False

    def _prepared_for(self, obj: Model) -> bool:
        model = type(obj)
        return (
            model is self.model
            and obj._state.adding
            and obj.pk is None
            and _plainly_saved(model)
            and not pre_save.has_listeners(model)
            and not post_save.has_listeners(model)
        )

    def _compile(self, obj: Model, connection: Any) -> tuple[_InsertPlan, tuple[Any, ...]]:
        # Django's own statement for this object; its parameters are then this object's.
        meta = obj._meta
        fields = [
            f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field
        ]
        returning = list(meta.db_returning_fields)
        query = InsertQuery(type(obj))
        query.insert_values(fields, [obj])
        compiler = query.get_compiler(using=connection.alias)
        compiler.returning_fields = returning
        statements = compiler.as_sql()
        if len(statements) != 1:
            raise PreparedQueryError(f"insert {meta.label}: Django made more than one statement")
        sql, params = statements[0]
        returning_params = tuple(getattr(compiler, "returning_params", ()))
        # The values the fields hold now that the compiler ran their pre_save.
        ours = tuple(
            f.get_db_prep_save(getattr(obj, f.attname), connection=connection) for f in fields
        )
        usable = tuple(params) == ours + returning_params and sql.count("%s") == len(params)
        columns = [f.get_col(meta.db_table) for f in returning]
        converters = tuple(
            (pos, tuple(funcs), expression)
            for pos, (funcs, expression) in compiler.get_converters(columns).items()
        )
        plan = _InsertPlan(
            sql=sql,
            fields=tuple(fields),
            returning=tuple(returning),
            returning_params=returning_params,
            converters=converters,
            usable=usable,
        )
        return plan, tuple(params)

    @staticmethod
    def _returned(plan: _InsertPlan, connection: Any, cursor: Any) -> list[Any]:
        """The returning columns of the row just inserted, converted as Django converts them
        (Django 5.2's SQLInsertCompiler.execute_sql for one object)."""
        if not plan.returning:
            return []
        features = connection.features
        if features.can_return_columns_from_insert:
            row = list(connection.ops.fetch_returned_insert_columns(cursor, plan.returning_params))
        elif isinstance(plan.returning[0], AutoField):
            table = plan.returning[0].model._meta.db_table
            row = [connection.ops.last_insert_id(cursor, table, plan.returning[0].column)]
        else:
            return []
        for pos, funcs, expression in plan.converters:
            value = row[pos]
            for convert in funcs:
                value = convert(value, expression, connection)
            row[pos] = value
        return row


@functools.cache
def _plainly_saved(model: type[Model]) -> bool:
    """Whether saving a new ``model`` object is Django's plain INSERT of its own table."""
    meta = model._meta
    steps = ("save", "save_base", "_save_table", "_do_insert", "_save_parents")
    return (
        all(getattr(model, step) is getattr(Model, step) for step in steps)
        and not meta.parents
        and not meta.proxy
        and meta.order_with_respect_to is None
        and meta.auto_field is not None
        and meta.pk is meta.auto_field
        and not meta.pk.has_default()
        and not meta.pk.has_db_default()
    )


def prepared_insert(model: type[M]) -> PreparedInsert[M]:
    """The INSERT of new ``model`` objects, built once (``.create(**values)``, ``.save(obj)``)."""
    return PreparedInsert(model)


@functools.lru_cache(maxsize=1024)
def _qmark(sql: str) -> str:
    # Django 5.2's SQLiteCursorWrapper.convert_query for positional parameters.
    return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")


def _execute(connection: Any, cursor: Any, sql: str, params: Sequence[Any]) -> None:
    """``cursor.execute(sql, params)``. On SQLite, Django rewrites each statement's "%s" into
    "?" with a regular expression every time it runs (15 µs for a page's posts query; a page
    runs eleven). A prepared statement's SQL never changes, so its rewritten text is kept and
    given to sqlite3 directly, with Django's checks before and its error wrapping around. Where
    something watches the statements (the queries logged under DEBUG or by the tests' query
    counts, or an execute wrapper installed) Django's cursor runs them as usual."""
    if connection.vendor != "sqlite" or connection.queries_logged or connection.execute_wrappers:
        cursor.execute(sql, params)
        return
    # What Django's cursor checks before it runs anything: not inside a broken atomic block.
    connection.validate_no_broken_transaction()
    raw = cursor.cursor
    with connection.wrap_database_errors:
        sqlite3.Cursor.execute(raw, _qmark(sql), params)


def _adapt(value: Any, connection: Any) -> Any:
    # As the fields prepare a value for this database (DateTimeField, UUIDField).
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, uuid.UUID) and not connection.features.has_native_uuid_field:
        return value.hex
    return value


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def prepared(build: Callable[P, QuerySet[Any, M]]) -> PreparedQuery[P, M]:
    """Decorator: the QuerySet this function builds, compiled once and run with new values."""
    return PreparedQuery(build)


def prepared_update(
    build: Callable[P, tuple[QuerySet[Any, Any], dict[str, Any]]],
) -> PreparedUpdate[P]:
    """Decorator: the UPDATE this function describes, compiled once and run with new values."""
    return PreparedUpdate(build)
