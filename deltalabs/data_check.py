"""Rows holding text the API would refuse (``manage.py check_data``; ``deltalabs.text``).

Reads never fail on such rows (every output renders the bad code points as U+FFFD),
but the stored value is still wrong: this finds each one, as (model, pk, field),
so it can be corrected. It scans every character and JSON field of every concrete
model with the ORM, in primary-key chunks, on either engine. On SQLite the scan
decodes text cells with ``surrogateescape`` instead of the usual replacement, so a
cell that is not valid UTF-8 shows up as lone surrogates and is reported too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connections, models

from deltalabs.text import find_poison, sqlite_strict_text_factory, sqlite_text_factory

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class PoisonedValue:
    model: str
    pk: str
    field: str

    def __str__(self) -> str:
        return f"{self.model} {self.pk} {self.field}"


def scanned_models() -> list[type[models.Model]]:
    """Every model with a table of its own (no proxies, no unmanaged models)."""
    return [model for model in apps.get_models() if model._meta.managed and not model._meta.proxy]


def text_fields(model: type[models.Model]) -> list[str]:
    """The concrete fields that hold text: character fields (emails, slugs, URLs...) and JSON."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField, models.JSONField))
    ]


def find_poisoned_values(using: str = "default") -> Iterator[PoisonedValue]:
    with _undecoded_text_visible(using):
        for model in scanned_models():
            yield from _scan(model, using)


def _scan(model: type[models.Model], using: str) -> Iterator[PoisonedValue]:
    names = text_fields(model)
    if not names:
        return
    rows = model._base_manager.using(using).values_list("pk", *names).order_by("pk")
    for pk, *values in rows.iterator(chunk_size=CHUNK_SIZE):
        for name, value in zip(names, values, strict=True):
            if value is not None and find_poison(value):
                yield PoisonedValue(model._meta.label, str(pk), name)


@contextlib.contextmanager
def _undecoded_text_visible(using: str):
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    connection.connection.text_factory = sqlite_strict_text_factory
    try:
        yield
    finally:
        if connection.connection is not None:
            connection.connection.text_factory = sqlite_text_factory
