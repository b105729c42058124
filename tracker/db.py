"""Statements the ORM cannot say in one round trip, written by hand from the model's own fields.

They reach into ORM internals (`Field.pre_save`, `get_db_prep_save`, `Model._state`) so that
a row written here is exactly what `save()` or `bulk_create()` would write; tests/test_db.py
holds them to that on SQLite and PostgreSQL, and fails loudly if a Django upgrade changes
those internals.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import ForeignKey, Model, QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class Insert:
    """The parts of an INSERT of one model instance, quoted for this database."""

    table: str
    columns: list[str]
    params: list[Any]

    @property
    def column_list(self) -> str:
        return ", ".join(self.columns)

    @property
    def placeholders(self) -> str:
        return ", ".join(["%s"] * len(self.params))


def insert_values(obj: Model, *, skip: str = "") -> Insert:
    """The table, columns and database values for inserting `obj` by hand (its primary
    key and the field named `skip` left out), exactly as the ORM would write them."""
    columns, params = [], []
    for model_field in obj._meta.concrete_fields:
        if model_field.primary_key or model_field.name == skip:
            continue
        value = model_field.pre_save(obj, add=True)
        columns.append(connection.ops.quote_name(model_field.column))
        params.append(model_field.get_db_prep_save(value, connection=connection))
    return Insert(connection.ops.quote_name(obj._meta.db_table), columns, params)


def insert_if_absent(obj: Model) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING the key, in one round trip: True (and
    `obj.pk` set) if this call made the row, False if a row with the same unique key exists
    or was made meanwhile by a transaction that committed. Unlike get_or_create, it needs
    no savepoint, and the row it makes stays locked by this transaction."""
    return _insert(obj, "ON CONFLICT DO NOTHING")


def get_or_insert(obj: Model, *, unique: str) -> tuple[Model, bool]:
    """The row whose `unique` field equals `obj`'s, or `obj` inserted when there is none;
    and whether this call inserted it. On PostgreSQL in one statement (a data-modifying
    WITH: the insert, else the row already there); elsewhere a look-up, then the insert.
    Nothing is locked but a row this call made. A row made and committed by another
    transaction while this one ran is read by one more statement."""
    model = type(obj)
    value = getattr(obj, unique)
    if connection.vendor != "postgresql":
        found = model._default_manager.filter(**{unique: value}).first()
        if found is not None:
            return found, False
    else:
        insert = insert_values(obj)
        fields = model._meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        column = connection.ops.quote_name(model._meta.get_field(unique).column)  # type: ignore[union-attr,arg-type]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH made AS (INSERT INTO {insert.table} ({insert.column_list}) "  # noqa: S608
                f"VALUES ({insert.placeholders}) ON CONFLICT DO NOTHING RETURNING {columns}) "
                f"SELECT {columns}, true FROM made UNION ALL SELECT {columns}, false "
                f"FROM {insert.table} WHERE {column} = %s AND NOT EXISTS (SELECT FROM made)",
                [*insert.params, value],
            )
            row = cursor.fetchone()
        if row is not None:
            found = model.from_db(connection.alias, [f.attname for f in fields], row[:-1])
            return found, bool(row[-1])
    if insert_if_absent(obj):
        return obj, True
    return model._default_manager.get(**{unique: value}), False


def insert_one(obj: Model, *, wake: str = "") -> None:
    """INSERT `obj`, RETURNING its key into `obj.pk`, written by hand: on the intake's hot
    path the ORM's cost of saying a one-row INSERT is most of the statement's. On
    PostgreSQL, `wake` names a channel to NOTIFY in the same statement (delivered when the
    transaction commits); elsewhere it is ignored."""
    _insert(obj, wake=wake if connection.vendor == "postgresql" else "")


def _insert(obj: Model, conflict: str = "", *, wake: str = "") -> bool:
    insert = insert_values(obj)
    key = connection.ops.quote_name(obj._meta.pk.column)
    sql = (
        f"INSERT INTO {insert.table} ({insert.column_list}) "  # noqa: S608
        f"VALUES ({insert.placeholders}) {conflict} RETURNING {key}"
    )
    params = insert.params
    if wake:  # a data-modifying WITH runs in full; its key comes out beside the NOTIFY
        sql = f"WITH made AS ({sql}) SELECT {key}, pg_notify(%s, '') FROM made"  # noqa: S608
        params = [*params, wake]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


def insert_for_each(
    prototype: Model, *, field: str, ids: Sequence[int] | QuerySet[Any, int]
) -> None:
    """One row per id, each a copy of `prototype` with its foreign key `field` set to that
    id, in id order: one INSERT … SELECT (PostgreSQL only) instead of thousands of model
    instances. `ids` is a list (sent as an array) or a query of ids (a `values_list(…,
    flat=True)`), which PostgreSQL runs inside the INSERT: the ids never travel to Python and
    back. Every other column gets exactly what `bulk_create` would give it, taken from the
    prototype once."""
    foreign_key = prototype._meta.get_field(field)
    if not isinstance(foreign_key, ForeignKey):
        raise TypeError(f"{type(prototype).__name__}.{field} is not a foreign key.")
    insert = insert_values(prototype, skip=field)
    varying = connection.ops.quote_name(foreign_key.column)
    if isinstance(ids, QuerySet):
        query, query_params = ids.query.sql_with_params()
        source, source_params = f"({query}) AS t(id)", list(query_params)
    else:
        source, source_params = "unnest(%s::bigint[]) AS t(id)", [list(ids)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {insert.table} ({varying}, {insert.column_list}) "  # noqa: S608
            f"SELECT id, {insert.placeholders} FROM {source} ORDER BY id",
            [*insert.params, *source_params],
        )


def lease_returning(candidates: QuerySet[Any], *, lease: datetime) -> list[Any]:
    """Lease the notifications `candidates` selects (a query of their ids, with its FOR
    UPDATE SKIP LOCKED) and read them with their threads, in one statement: `WITH picked
    AS (…) UPDATE … SET leased_until = … FROM picked, thread … RETURNING …` (PostgreSQL;
    called inside the claim's transaction). Returns the notifications, each with its
    thread set, in no particular order."""
    from tracker.models import Notification, Thread

    qn = connection.ops.quote_name
    n_fields = Notification._meta.concrete_fields
    t_fields = Thread._meta.concrete_fields
    pk = qn(Notification._meta.pk.column)
    thread_fk = qn(Notification._meta.get_field("thread").column)
    leased = qn(Notification._meta.get_field("leased_until").column)
    returning = ", ".join(
        [f"n.{qn(f.column)}" for f in n_fields] + [f"t.{qn(f.column)}" for f in t_fields]
    )
    picked_sql, picked_params = candidates.query.sql_with_params()
    sql = (
        f"WITH picked AS ({picked_sql}) "  # noqa: S608 (our own names and compiled query)
        f"UPDATE {qn(Notification._meta.db_table)} AS n SET {leased} = %s "
        f"FROM picked, {qn(Thread._meta.db_table)} AS t "
        f"WHERE n.{pk} = picked.{pk} AND t.{qn(Thread._meta.pk.column)} = n.{thread_fk} "
        f"RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*picked_params, lease])
        rows = cursor.fetchall()
    n_names = [f.attname for f in n_fields]
    t_names = [f.attname for f in t_fields]
    leased_rows = []
    for row in rows:
        notification = Notification.from_db(connection.alias, n_names, row[: len(n_names)])
        notification.thread = Thread.from_db(connection.alias, t_names, row[len(n_names) :])
        leased_rows.append(notification)
    return leased_rows


# `(state = …) IS TRUE` is `state = …` (the column is NOT NULL) in a form from which the
# planner does not prove the partial index `notification_due`'s predicate: when the table's
# statistics date from an outbox that was nearly empty (a quiet day, then a status change
# fanning out to 10,000 threads), it took that index for tiny and scanned all of it for the
# one id, every delivery, instead of looking the id up in the primary key.
_MARK_DELIVERED = (
    "UPDATE {table} SET state = {0}, delivered_at = {1}, leased_until = NULL, "
    "attempts = attempts + 1, last_error = '' WHERE id = {2} AND (state = {3}) IS TRUE"
)


def mark_delivered(notification_id: int) -> bool:
    """Record one delivery, in one short statement: the worker runs it after every message
    it sends, a thousand times a second. Only a pending notification changes (one
    cancelled meanwhile stays cancelled). Returns whether it changed."""
    with connection.cursor() as cursor:
        cursor.execute(_mark_delivered_sql(), _mark_delivered_params(notification_id))
        return cursor.rowcount == 1


def _mark_delivered_params(notification_id: int) -> list[Any]:
    from tracker.choices import DeliveryState

    return [
        DeliveryState.DELIVERED.value,
        timezone.now(),
        notification_id,
        DeliveryState.PENDING.value,
    ]


@functools.cache
def _mark_delivered_sql() -> str:
    from tracker.models import Notification

    table = connection.ops.quote_name(Notification._meta.db_table)
    return _MARK_DELIVERED.format("%s", "%s", "%s", "%s", table=table)


# The request's columns `add_demand` answers with: its demand figures after the addition,
# its score, and what its notification needs besides, as they are once the row is locked.
ADDED_COLUMNS = (
    "customer_count",
    "demand_weight",
    "mention_count",
    "mention_criticality",
    "last_raised_at",
    "criticality",
    "priority",
    "status",
    "decline_reason",
    "score",
)


def add_demand(
    number: int, *, customers: int, weight: float, criticality: str, at: datetime
) -> dict[str, Any] | None:
    """Add one mention to request `number`'s demand figures in one UPDATE … RETURNING, the
    rules of `tracker.demand.Demand.add_mention` in SQL (the higher criticality wins, on a
    tie the one there; the later time wins): `customers` (0 or 1) more customers of
    `weight` more plan weight, and the score of `tracker.ranking.rank` for the new figures
    (the caller checks it against the formula's own: `rank` is the one that counts). One
    new version of the row, not two: every index of the table has an entry per version.
    The statement is what locks the row, for as long as the transaction lasts after it.
    None when the request is merged into another (or gone)."""
    from django.utils.dateparse import parse_datetime

    from tracker.choices import CRITICALITY_RANK
    from tracker.models import FeatureRequest
    from tracker.ranking import Weights

    weights = Weights.from_settings()
    table = connection.ops.quote_name(FeatureRequest._meta.db_table)
    ranks = " ".join(f"WHEN '{c.value}' THEN {rank}" for c, rank in CRITICALITY_RANK.items())
    new_criticality = (
        f"CASE WHEN (CASE mention_criticality {ranks} END) < %s THEN %s "
        "ELSE mention_criticality END"
    )
    criticality_case, criticality_params = _points_case(weights.criticality_points)
    priority_case, priority_params = _points_case(weights.priority_points)
    when = connection.ops.adapt_datetimefield_value(at)
    rank_of_new = CRITICALITY_RANK[criticality]  # type: ignore[index]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET customer_count = customer_count + %s, "  # noqa: S608
            "demand_weight = demand_weight + %s, mention_count = mention_count + 1, "
            f"mention_criticality = {new_criticality}, "
            "last_raised_at = CASE WHEN last_raised_at IS NULL OR last_raised_at < %s "
            "THEN %s ELSE last_raised_at END, "
            "score = ROUND(CAST(ROUND(CAST(%s * LN(1 + CASE WHEN demand_weight + %s > 0 "
            "THEN demand_weight + %s ELSE 0 END) / LN(2) AS NUMERIC), 2) "
            f"+ CASE COALESCE(NULLIF(criticality, ''), {new_criticality}) {criticality_case} "
            f"+ CASE priority {priority_case} AS NUMERIC), 2) "
            "WHERE number = %s AND duplicate_of_id IS NULL "
            f"RETURNING {', '.join(ADDED_COLUMNS)}",
            [
                customers,
                weight,
                rank_of_new,
                criticality,
                when,
                when,
                float(weights.demand_points),
                weight,
                weight,
                rank_of_new,
                criticality,
                *criticality_params,
                *priority_params,
                number,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    added = dict(zip(ADDED_COLUMNS, row, strict=True))
    last = added["last_raised_at"]
    if isinstance(last, str):  # SQLite answers RETURNING's datetimes as text
        last = parse_datetime(last)
        if last is not None and timezone.is_naive(last):
            last = timezone.make_aware(last, UTC)
        added["last_raised_at"] = last
    return added


def _points_case(points: Mapping[str, float]) -> tuple[str, list[Any]]:
    """The WHEN … ELSE 0 END of a CASE that gives each value its points (rounded to
    hundredths, as `tracker.ranking.rank` rounds them), and its parameters."""
    params: list[Any] = []
    for value, value_points in points.items():
        params += [value, round(float(value_points), 2)]
    return " ".join("WHEN %s THEN %s" for _ in points) + " ELSE 0 END", params
