"""The seed framework behind ``manage.py seed`` (README, Operations).

Each domain app contributes ``apps/<domain>/seeding.py`` with a
``seed(ctx: SeedContext) -> None`` function; the command runs them in
dependency order. Seeders are idempotent (they create only what is missing,
found by natural keys), use bulk inserts at scale and show progress bars.

On SQL engines ``SeedContext.bulk_create`` writes rows with one prepared
``INSERT`` per model run through the cursor's ``executemany`` (``insert_rows``):
Django's ``bulk_create`` builds a statement of thousands of placeholders per
batch, which cost about a quarter of ``seed --size large``. Values are
prepared by each field exactly as ``bulk_create`` prepares them
(``pre_save`` then ``get_db_prep_save``). On MongoDB ``bulk_create`` runs.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import DateTimeField, Field
from django.utils import timezone
from tqdm import tqdm

from deltalabs.db import atomic

# Run order: later domains build on earlier ones.
SEEDER_MODULES = (
    "apps.identity.seeding",
    "apps.catalog.seeding",
    "apps.learning.seeding",
    "apps.engagement.seeding",
    "apps.assessment.seeding",
    "apps.commerce.seeding",
    "apps.labs.seeding",
    "apps.ai_orchestration.seeding",
)

DEMO_PASSWORD = "delta-demo-2026"
DEMO_DOMAIN = "deltalabs.example"


@dataclass(frozen=True)
class Scale:
    """How much of everything each size creates."""

    learners: int
    instructors: int
    courses: int
    enrollments_per_learner: int
    labs: int
    bookings: int
    orders: int
    questions_per_course: int


SCALES = {
    "small": Scale(
        learners=30,
        instructors=4,
        courses=12,
        enrollments_per_learner=3,
        labs=4,
        bookings=20,
        orders=10,
        questions_per_course=3,
    ),
    "medium": Scale(
        learners=2_000,
        instructors=20,
        courses=60,
        enrollments_per_learner=4,
        labs=8,
        bookings=1_000,
        orders=500,
        questions_per_course=5,
    ),
    "large": Scale(
        learners=25_000,
        instructors=100,
        courses=200,
        enrollments_per_learner=5,
        labs=12,
        bookings=10_000,
        orders=5_000,
        questions_per_course=5,
    ),
}


@dataclass
class SeedContext:
    size: str
    stdout: Any = None
    show_progress: bool = True
    rng: random.Random = field(default_factory=lambda: random.Random(2026))  # noqa: S311 - demo data
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # Primary keys of the rows this run inserted, by model label (``created_ids``).
    created: dict[str, set] = field(default_factory=dict)

    @property
    def scale(self) -> Scale:
        return SCALES[self.size]

    def progress(self, iterable: Iterable, *, total: int | None = None, desc: str) -> Iterator:
        return iter(tqdm(iterable, total=total, desc=desc, unit="row", disable=not self.show_progress, leave=False))

    def bulk_create(self, model, objects: list, *, desc: str, batch_size: int = 2_000) -> int:
        """Insert ``objects`` in batches with a progress bar; returns how many."""
        created = 0
        prepared = _can_insert_rows(model, objects)
        with tqdm(total=len(objects), desc=desc, unit="row", disable=not self.show_progress, leave=False) as bar:
            for start in range(0, len(objects), batch_size):
                batch = objects[start : start + batch_size]
                if prepared:
                    insert_rows(model, batch)
                else:
                    model.objects.bulk_create(batch, batch_size=batch_size)
                created += len(batch)
                bar.update(len(batch))
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + created
        self.created.setdefault(model._meta.label, set()).update(obj.pk for obj in objects)
        return created

    def created_ids(self, model) -> set:
        """The primary keys of ``model`` rows this run inserted: later seeders attach
        demo content to those only, never to rows people have used since."""
        return self.created.get(model._meta.label, set())

    def add_login(self, role: str, email: str, password: str = DEMO_PASSWORD) -> None:
        self.logins.append((role, email, password))

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)


def _can_insert_rows(model, objects: list) -> bool:
    """``insert_rows`` applies: a SQL engine, and every object has its primary
    key already (project models' UUIDs; ``bulk_create`` would read back
    generated keys)."""
    if connections[DEFAULT_DB_ALIAS].vendor == "mongodb":
        return False
    return all(obj.pk is not None for obj in objects)


def insert_rows(model, objects: list) -> None:
    """Insert ``objects`` (primary keys set) with one ``INSERT`` run by
    ``executemany``, in one transaction; the objects end up saved, as after
    ``bulk_create``. Columns and values are ``bulk_create``'s: every concrete,
    non-generated field, prepared by ``pre_save(add=True)`` and
    ``get_db_prep_save``."""
    if not objects:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.generated]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (quoted names from the model; values are parameters)
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    # What pre_save(add=True) does, read once: the value as set, a date stamped
    # "now" (auto_now / auto_now_add: one instant for the whole call, where
    # pre_save would read the clock per row), or the field's own pre_save.
    stamp = timezone.now()
    kinds = [_pre_save_kind(field) for field in fields]
    rows = []
    for obj in objects:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        row = []
        for model_field, kind in zip(fields, kinds, strict=True):
            if kind == "stamp":
                setattr(obj, model_field.attname, stamp)
                value = stamp
            elif kind == "plain":
                value = getattr(obj, model_field.attname)
            else:
                value = model_field.pre_save(obj, True)
            row.append(model_field.get_db_prep_save(value, connection))
        rows.append(row)
    with atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS


def _pre_save_kind(field) -> str:
    if isinstance(field, DateTimeField) and (field.auto_now or field.auto_now_add):
        return "stamp"
    return "plain" if type(field).pre_save is Field.pre_save else "own"


#: The seeding connection's SQLite page cache (KiB, as ``PRAGMA cache_size`` takes it negated).
SEED_CACHE_KIB = 256 * 1024


@contextlib.contextmanager
def bulk_write_connection():
    """SQLite, for the seeding connection only and while it seeds: ``synchronous=OFF``
    (no fsync per commit; a crash mid-seed can lose the last commits, and the
    seed is rerun anyway) and a 256 MB page cache (random UUID keys touch index
    pages all over the file). Both are put back afterwards; other connections
    and processes never see them. Inside a transaction (a test calling the
    command) SQLite refuses to change ``synchronous``: only the cache grows.
    Nothing changes on other engines."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite":
        yield
        return
    pragmas = {"cache_size": f"-{SEED_CACHE_KIB}"}
    if not connection.in_atomic_block:
        pragmas["synchronous"] = "OFF"
    with connection.cursor() as cursor:
        previous = {}
        for name, value in pragmas.items():
            cursor.execute(f"PRAGMA {name}")
            previous[name] = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA {name}={value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute(f"PRAGMA {name}={value}")
