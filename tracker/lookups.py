"""`unicode_icontains`: `icontains` that folds the case of every alphabet on SQLite too.

SQLite's LIKE folds ASCII letters only, so `title__icontains="выгрузка"` misses
"Выгрузка сделок" on the default database. On SQLite this lookup folds both sides with
Python's str.casefold (a function registered on every new connection). On PostgreSQL it
is `ILIKE`, which folds case by the database's Unicode locale as `icontains`'s
`UPPER(…) LIKE UPPER(…)` does, and which a trigram index on the bare column serves
(migrations 0003 and 0012), unlike UPPER of it."""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import CharField, TextField
from django.db.models.lookups import IContains, Lookup
from django.dispatch import receiver

FUNCTION = "tracker_casefold"


class UnicodeIContains(IContains):
    def as_sqlite(
        self, compiler: Any, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return (
            f"{FUNCTION}({lhs}) LIKE {FUNCTION}({rhs}) ESCAPE '\\'",
            [*lhs_params, *rhs_params],
        )

    def as_postgresql(
        self, compiler: Any, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        # Lookup's own, not BuiltinLookup's, which wraps the column in icontains's UPPER.
        lhs, lhs_params = Lookup.process_lhs(self, compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs}::text ILIKE {rhs}", [*lhs_params, *rhs_params]


# Registered under its own name: the class keeps icontains's name, which the database
# backends read to choose its SQL.
CharField.register_lookup(UnicodeIContains, lookup_name="unicode_icontains")
TextField.register_lookup(UnicodeIContains, lookup_name="unicode_icontains")


def _casefold(value: object) -> str | None:
    return None if value is None else str(value).casefold()


@receiver(connection_created)
def _register_casefold(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 1, _casefold, deterministic=True)
